"""Per form key: fill a task form's choices and defaults, and gather what the page shows beside it.

The side processes' keys (extension, joint review, supervision, redo) are in ``web/oversight/taskprep.py``.
"""
from __future__ import annotations

from datetime import datetime

from flask import request

from engine.common import Actor
from engine.domain.calendar import TZ
from engine.models import TaskProjection, Ticket
from engine.oversight import extension_refusal
from engine.tickets import pages, queries, return_window_open, taskfacts

from ..extensions import db
from ..matching.panels import dispatch_suggestions
from ..oversight.taskprep import PREPARE as OVERSIGHT_PREPARE
from ..oversight.taskprep import registry
from .intake import prepare_scope, scope_panels

PREPARE, prepares = registry()


def prepare(form_key: str | None, form, ticket: Ticket, actor: Actor, now: datetime, proj: TaskProjection) -> dict:
    fn = PREPARE.get(form_key or "")
    if fn is not None:
        return fn(form, ticket, actor, now)
    fn = OVERSIGHT_PREPARE.get(form_key or "")
    return fn(form, ticket, actor, now, proj) if fn else {}


@prepares("scope")
def _scope(form, ticket, actor, now) -> dict:
    prepare_scope(form)
    return {"panels": scope_panels(form, ticket.citizen_phone, ticket.address, exclude_id=ticket.id)}


@prepares("dispatch")
def _dispatch(form, ticket, actor, now) -> dict:
    units = pages.handling_units(db.session)
    form.set_units(units, grouped=True)
    form.set_counties(pages.county_offices(db.session))
    # The suggested units are shown, never preselected: a person decides (issue 21); what was shown is kept.
    return {"returned": pages.returns_of(db.session, [ticket.id]).get(ticket.id),
            "suggestions": dispatch_suggestions(actor, ticket, record=request.method == "GET")}


@prepares("county_dispatch")
def _county_dispatch(form, ticket, actor, now) -> dict:
    form.set_units(pages.handling_units(db.session, parent_id=ticket.county_office_id))
    return {}


@prepares("sign")
def _sign(form, ticket, actor, now) -> dict:
    window_open = return_window_open(ticket, now)
    if not window_open:
        form.close_return()
    # Past the window the task stays open: the page says when the 黄牌 and 红牌 of the 签收 clock fall.
    # A unit named by the city government's decision (市政府决定, Art. 8(4)) signs it; it may not return it.
    city = taskfacts.city_decision(db.session, ticket)
    if city is not None and window_open:
        form.close_return(taskfacts.CITY_DECIDED_NO_RETURN)
    # With 退回 closed the page is what is left of it: 签收 (the task's own title still names both), shown chosen.
    if form.decision.closed and request.method == "GET":
        form.decision.data = "sign"
    return {"heading": "签收" if form.decision.closed else None,
            "return_window_open": window_open, "city_decision": city, "accept_due": ticket.accept_due,
            "accept_yellow_at": ticket.accept_yellow_at, "accept_red_at": ticket.accept_red_at}


@prepares("reply")
def _reply(form, ticket, actor, now) -> dict:
    latest = pages.latest_reply(db.session, ticket.id)
    sent_back = latest if latest is not None and latest.review_decision == "back" else None
    if request.method == "GET":
        form.handled_at.data = now.astimezone(TZ).replace(tzinfo=None, second=0, microsecond=0)
        if sent_back is not None:  # the reply to correct starts from the one the office sent back
            for key in form.REPLY_KEYS:
                form[key].data = getattr(sent_back, key)
        else:  # who is replying: the signed-in handler, their department (editable)
            for key, value in pages.reply_defaults(db.session, actor).items():
                form[key].data = value
    no_extension = extension_refusal(db.session, ticket, now)
    if no_extension:
        form.close_extension()
    return {"sent_back": sent_back, "no_extension": no_extension,
            "co_opinions": queries.co_opinions(db.session, ticket.id),
            # why the ticket is redone (Art. 15), and an extension the office refused (the old deadline holds)
            "redo": taskfacts.redo_basis(db.session, ticket),
            "refused_extension": taskfacts.refused_extension(db.session, ticket)}


@prepares("review")
def _review(form, ticket, actor, now) -> dict:
    # The office approves the combined handling: the lead's reply and the co-handlers' opinions it rests on.
    return {"co_opinions": queries.co_opinions(db.session, ticket.id)}


@prepares("evaluate")
def _evaluate(form, ticket, actor, now) -> dict:
    if ticket.scope != "accept":
        form.drop_handling()
    # A merged ticket (并单) is answered by its main ticket's reply; the citizen evaluates that.
    main_reply = pages.latest_reply(db.session, ticket.main_ticket_id) if ticket.main_ticket_id else None
    return {"main_reply": main_reply}
