"""Sign in and out, the role's home, and the personal worklist."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from engine.tickets import queries, taskfacts
from forms import LoginForm, PasswordForm

from ..common import actor, home_url, safe_next
from ..extensions import db
from ..security import (
    Unauthorized,
    authenticate,
    change_password,
    current_user,
    login_required,
    revoke_tokens,
    start_session,
)

bp = Blueprint("views", __name__)


@bp.get("/")
def index():
    if current_user() is None:
        return redirect(url_for("views.login"))
    return redirect(home_url())


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except Unauthorized as exc:
            error = exc.message_zh
        else:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or home_url())
    status = 401 if error else 400 if form.errors else 200
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        revoke_tokens(user)  # sign-out ends this account's API tokens and other sessions too
        db.session.commit()
    session.clear()
    return redirect(url_for("views.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """修改密码: every API token and every other session of the account ends; this one goes on."""
    form = PasswordForm()
    if form.validate_on_submit():
        data = form.to_command()
        user = current_user()
        try:
            change_password(user, data["old"], data["password"])
        except Unauthorized as exc:
            form.old.errors = [*form.old.errors, exc.message_zh]
        else:
            db.session.commit()
            start_session(user)
            flash("密码已修改，此前签发的访问令牌和其他设备上的登录均已失效", "ok")
            return redirect(home_url())
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.get("/tasks")
@login_required
def worklist():
    tasks = queries.worklist(db.session, actor(), limit=200)
    tags = taskfacts.warning_tags(db.session, sorted({t["ticket_id"] for t in tasks}))  # as the inbox tags them
    return render_template("tickets/worklist.html", tasks=tasks, tags=tags)
