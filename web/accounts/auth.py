"""Sign in and out, the role's home, and the personal worklist."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from engine.tickets import queries
from forms import LoginForm

from ..common import actor, home_url, safe_next
from ..extensions import db
from ..security import Unauthorized, authenticate, current_user, login_required

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
            session.clear()
            session["uid"] = user.id
            return redirect(safe_next(request.args.get("next")) or home_url())
    status = 401 if error else 400 if form.errors else 200
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("views.login"))


@bp.get("/tasks")
@login_required
def worklist():
    return render_template("tickets/worklist.html", tasks=queries.worklist(db.session, actor(), limit=200))
