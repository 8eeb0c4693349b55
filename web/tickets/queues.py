"""Work queues: the dispatcher's queue, the unit's inbox, the office's review list."""
from __future__ import annotations

from flask import Blueprint, render_template

from engine.common import transaction
from engine.domain.roles import Role
from engine.matching import open_similar
from engine.models import Unit
from engine.tickets import pages, queries

from ..common import QUEUE_ROLES, UNIT_ROLES, actor, roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("queues", __name__)


@bp.get("/dispatch")
@roles_required(*QUEUE_ROLES)
def dispatch():
    a = actor()
    tasks = queries.worklist(db.session, a, limit=200)
    returns = pages.returns_of(db.session, [t["ticket_id"] for t in tasks])
    with transaction(db.session):  # tickets not linked yet are looked up now (the scheduler links the rest)
        similar = open_similar(db.session, [t["ticket_id"] for t in tasks], now())
    for t in tasks:
        t["returned"] = returns.get(t["ticket_id"])
        t["similar"] = similar.get(t["ticket_id"], [])
    title = "县级派单队列" if a.role == Role.COUNTY_DISPATCHER else "派单队列"
    return render_template("tickets/queue_dispatch.html", tasks=tasks, title=title)


@bp.get("/inbox")
@roles_required(*UNIT_ROLES)
def inbox():
    a = actor()
    return render_template("tickets/inbox.html", rows=pages.unit_inbox(db.session, a, now()),
                           unit=db.session.get(Unit, a.unit_id) if a.unit_id else None)


@bp.get("/office/review")
@roles_required(Role.REVIEWER)
def review():
    tasks = queries.worklist(db.session, actor(), limit=200)
    groups = {"review": [], "extension_review": [], "redo_decision": [], "other": []}
    for t in tasks:
        groups.get(t["form_key"], groups["other"]).append(t)
    return render_template("tickets/queue_review.html", groups=groups)
