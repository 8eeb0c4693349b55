"""HTML pages: login, worklist, ticket page with its timeline."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from engine.services import Actor, queries

from .extensions import db
from .security import Unauthorized, authenticate, current_user, login_required, now

bp = Blueprint("views", __name__)


@bp.get("/")
def index():
    if current_user() is None:
        return redirect(url_for("views.login"))
    return redirect(url_for("views.worklist"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        except Unauthorized as exc:
            error = exc.message_zh
        else:
            session.clear()
            session["uid"] = user.id
            nxt = request.args.get("next") or ""
            return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("views.worklist"))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("views.login"))


@bp.get("/tasks")
@login_required
def worklist():
    actor = Actor.of_user(current_user())
    return render_template("worklist.html", tasks=queries.worklist(db.session, actor, limit=200))


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int):
    actor = Actor.of_user(current_user())
    t = queries.get_visible_ticket(db.session, actor, ticket_id)
    view = queries.ticket_view(db.session, actor, t, now())
    db.session.commit()
    return render_template("ticket.html", t=view)
