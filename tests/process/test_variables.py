"""The variable table validation and the condition builder read (engine/process/variables.py) matches what the
handlers really write: tickets walked through the services leave no routing variable the table does not know."""
from __future__ import annotations

from datetime import datetime

from engine.common.db import transaction
from engine.process.deploy import JOURNEYS
from engine.process.variables import FORMS, START
from engine.tickets import load_instance
from engine.tickets.lifecycle import complete_task, register
from engine.workflow.elements import read_model
from engine.workflow.variables import assigned_names
from tests.support.helpers import CITIZEN, REPLY, unit, user

from ..workflow.variants import files

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


def known_names() -> set[str]:
    model = read_model(files())
    names = {v.name for vs in [*START.values(), *FORMS.values()] for v in vs}
    for el in model.elements.values():
        names |= {f["id"] for f in el.fields} | set(assigned_names(el.props.get("script", "")))
        names |= {el.props["element_variable"]} if el.props.get("element_variable") else set()
    return names


def go(db, who, t, task, **data):
    with transaction(db.session):
        return complete_task(db.session, user(db.session, who), t.id, task, data, NOW)


def test_every_variable_a_ticket_carries_is_in_the_table(db):
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
    lead = unit(db.session, "HY-ZJJ").id
    go(db, "dispatcher", t, "dispatch", lead_unit=lead)
    go(db, "receiver", t, "sign", decision="return", return_reason="不属本单位职责", return_basis="三定方案")
    go(db, "dispatcher", t, "dispatch", lead_unit=lead)
    go(db, "receiver", t, "sign", decision="sign")
    go(db, "handler", t, "reply", **REPLY)
    go(db, "reviewer", t, "review", decision="back", reason="请补充依据")
    go(db, "handler", t, "reply", **REPLY)
    go(db, "reviewer", t, "review", decision="accept")
    go(db, "agent", t, "evaluate", intake_rating="satisfied", handling_rating="satisfied", method="callback")
    data = load_instance(db.session, t).data()
    unknown = sorted(set(data) - known_names())
    assert unknown == [], f"handlers write variables engine/process/variables.py does not list: {unknown}"


def test_the_dry_run_data_names_only_known_variables():
    known = known_names()
    for code, _label, steps, *_ in JOURNEYS:
        for _task, data in steps:
            assert set(data) <= known, (code, set(data) - known)
