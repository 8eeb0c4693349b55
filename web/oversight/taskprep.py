"""The side processes' task pages: what each decision rests on, shown beside its form, and the forms' starting values.

Registered per form key like ``web/tickets/taskprep.py``; the generic task page (``web/tickets/tasks.py``) calls
both. Each returns the facts the template ``oversight/tasks/<form key>.html`` shows.
"""
from __future__ import annotations

from typing import Callable

from flask import request

from engine.docstore import documents_for_ticket
from engine.oversight import facts
from engine.tickets import pages

from ..extensions import db


def registry() -> tuple[dict[str, Callable], Callable]:
    """A table of functions by form key and the decorator that fills it (``@prepares("key", ...)``)."""
    table: dict[str, Callable] = {}

    def register(*keys: str):
        def deco(fn):
            for k in keys:
                table[k] = fn
            return fn
        return deco
    return table, register


PREPARE, prepares = registry()


@prepares("extension_review")
def _extension_review(form, ticket, actor, now, proj) -> dict:
    return {"extension": facts.extension_facts(db.session, ticket)}


@prepares("jr_meeting")
def _jr_meeting(form, ticket, actor, now, proj) -> dict:
    form.set_units(pages.handling_units(db.session))
    return {"joint": facts.joint_review_facts(db.session, ticket)}


@prepares("jr_consult")
def _jr_consult(form, ticket, actor, now, proj) -> dict:
    return {"joint": facts.joint_review_facts(db.session, ticket)}


@prepares("joint_decision", "jr_city_decision")
def _decision(form, ticket, actor, now, proj) -> dict:
    form.set_units(pages.handling_units(db.session), grouped=True)
    # The city leader decides on the office's printed proposal: its 联合审定纪要 and 拟办意见 open from the page.
    papers = [d for d in documents_for_ticket(db.session, ticket.id, actor)
              if d["kind"] in ("joint_review_minutes", "proposed_opinion") and d["status"] == "issued"]
    return {"joint": facts.joint_review_facts(db.session, ticket), "joint_papers": papers}


@prepares("jr_proposal")
def _jr_proposal(form, ticket, actor, now, proj) -> dict:
    joint = facts.joint_review_facts(db.session, ticket)
    if request.method == "GET" and not form.proposal.data:
        form.proposal.data = joint.get("decision_text")  # the 审定意见 is where the proposal starts
    return {"joint": joint}


@prepares("supervision_reply", "supervision_check")
def _supervision(form, ticket, actor, now, proj) -> dict:
    found = facts.supervisions_of(db.session, ticket.id, only=proj.supervision_id, actor=actor)
    return {"supervision": found[0] if found else None}


@prepares("redo_decision")
def _redo(form, ticket, actor, now, proj) -> dict:
    return {"redo": facts.redo_facts(db.session, ticket)}
