"""Every user task of the deployed diagrams is done from its own page: a user of its lane opens the page, fills
only the fields the page shows (read from the HTML form), submits, and the ticket moves on.

The tasks are enumerated from the diagrams (``engine.workflow.parse_bundle`` over ``bpmn/``), not listed by hand:
a user task added to a diagram without a scenario here fails ``test_page[<its id>]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import lxml.html
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.common.db import transaction
from engine.domain.roles import role_for_lane
from engine.models import ExtensionRequest, JointReview, ProcessVersion, Supervision, TaskProjection, User
from engine.oversight import open_supervision
from engine.process.setup import BUNDLED_PROCESSES, bundled_files
from engine.workflow import parse_bundle
from tests.support.helpers import REPLY, user
from tests.support.pages import as_user, fresh, text, unit_id


def diagram_tasks() -> dict[str, tuple[str, object]]:
    """{bpmn id: (file, TaskInfo)} for every user task of every bundled process, each from the file defining it."""
    found: dict[str, tuple[str, object]] = {}
    for process_id, names in BUNDLED_PROCESSES.items():
        files = bundled_files(names)
        for bpmn_id, info in parse_bundle(files, "page-test", process_id).tasks.items():
            owner = next(n for n, xml in files.items() if f'id="{bpmn_id}"'.encode() in xml)
            found.setdefault(bpmn_id, (owner, info))
    return found


TASKS = diagram_tasks()


@dataclass
class Scenario:
    """How to bring a ticket to the task, what to type on its page, and what "moved on" means."""

    setup: Callable  # (tickets, db) -> ticket with the task ready
    fill: dict  # field name -> value (a list for check boxes); only fields the page shows
    moved_on: Callable  # (db, ticket) -> bool
    shows: tuple = ()  # what the page must show beside the form (the facts the decision rests on)
    prefilled: dict = field(default_factory=dict)  # fields the page fills in itself, as the form submits them


def _status(expected: str):
    return lambda db, t: fresh(db, t.id).status == expected


def _ready(bpmn_id: str):
    def check(db, t):
        db.session.rollback()
        return db.session.scalar(select(TaskProjection.id).where(TaskProjection.ticket_id == t.id,
                                                                 TaskProjection.bpmn_id == bpmn_id)) is not None
    return check


def _with_co(tickets, db):
    t = tickets.new()
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"), co_units=[unit_id(db, "HY-RSJ")])
    tickets.act("receiver", t, "sign", decision="sign")
    return t


def _extension_asked(tickets, db):
    t = tickets.handling()
    tickets.act("handler", t, "reply", action="extension", days=3, reason="需多部门联合现场核查")
    return t


def _dissatisfied(tickets, db):
    t = tickets.evaluating()
    tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied",
                method="callback", comment="夜间施工仍未停止")
    return t


def _joint(tickets, db):
    t = tickets.new()
    tickets.act("dispatcher", t, "dispatch", action="joint_review", reason="住建与城管职责交叉")
    return t


def _met(consult: bool):
    def setup(tickets, db):
        t = _joint(tickets, db)
        tickets.act("reviewer", t, "jr_meeting", participants="住建局、城管局", meeting_date="2026-11-26",
                    minutes="双方各执一词", consult_units=[unit_id(db, "HY-ZJJ")] if consult else [])
        return t
    return setup


def _escalated(tickets, db):
    t = _met(False)(tickets, db)
    tickets.act("reviewer", t, "jr_decide", outcome="escalate", decision_text="职责争议无法协商一致，建议由住建局主办")
    return t


def _proposed(tickets, db):
    t = _escalated(tickets, db)
    tickets.act("reviewer", t, "jr_proposal", proposal="拟由住建局主办、城管局协办")
    return t


def _supervised(tickets, db):
    t = tickets.handling()
    with transaction(db.session):
        open_supervision(db.session, user(db.session, "supervisor"), t.id, "supervisor", tickets.clock(),
                         note="群众反映强烈，请加快办理")
    return t


def _supervision_answered(tickets, db):
    t = _supervised(tickets, db)
    tickets.act("unit_leader", t, "sup_reply", reply_text="已约谈施工单位", written_explanation="夜间施工已停止。")
    return t


def _closed_supervision(db, t):
    db.session.rollback()
    return db.session.scalar(select(Supervision.status).where(Supervision.ticket_id == t.id)) == "closed"


def _approved(db, t):
    db.session.rollback()
    req = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == t.id))
    return req.decision == "approve" and _ready("reply")(db, t)


def _proposal_kept(db, t):
    db.session.rollback()
    jr = db.session.scalar(select(JointReview).where(JointReview.ticket_id == t.id))
    return jr.proposal == "职责争议无法协商一致，建议由住建局主办" and _ready("jr_city_decision")(db, t)


ZJJ, RSJ = "HY-ZJJ", "HY-RSJ"
SCENARIOS: dict[str, Scenario] = {
    "decide_scope": Scenario(lambda tk, db: tk.new(scope=None), {"scope": "accept"}, _status("dispatching")),
    "dispatch": Scenario(lambda tk, db: tk.new(), {"mode": "direct", "lead_unit": ZJJ}, _status("signing")),
    "county_dispatch": Scenario(
        lambda tk, db: (t := tk.new(), tk.act("dispatcher", t, "dispatch", via_county=unit_id(db, "YC-OFFICE")))[0],
        {"lead_unit": "YC-ZJJ"}, _status("signing")),
    "sign": Scenario(lambda tk, db: tk.dispatched(), {"decision": "sign"}, _status("handling")),
    "co_handle": Scenario(_with_co, {"co_part": "已配合核查劳务用工情况"}, _status("handling")),
    # The handler's department and name are already filled in for the signed-in handler: not typed here.
    "reply": Scenario(lambda tk, db: tk.handling(),
                      {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
                       "contact_method": REPLY["contact_method"], "citizen_informed": "y"}, _status("reviewing"),
                      prefilled={"department": "河源市住房和城乡建设局", "handler_name": "handler"}),
    "extension_review": Scenario(_extension_asked, {"decision": "approve"}, _approved,
                                 ("需多部门联合现场核查", "3个工作日")),
    "review": Scenario(lambda tk, db: tk.reviewing(), {"decision": "accept"}, _status("evaluating"),
                       (REPLY["result"],)),
    "evaluate": Scenario(lambda tk, db: tk.evaluating(),
                         {"intake_rating": "satisfied", "handling_rating": "dissatisfied",
                          "comment": "夜间施工仍未停止"}, _status("redo_deciding")),
    "redo_decision": Scenario(_dissatisfied, {"reasonable": "yes", "reason": "经核实问题仍存在"},
                              _status("handling"), ("夜间施工仍未停止", REPLY["result"])),
    "jr_meeting": Scenario(_joint, {"meeting_date": "2026-11-26", "participants": "住建局、城管局",
                                    "minutes": "会商后认为须征求住建局意见", "consult_units": [ZJJ]},
                           _ready("jr_consult"), ("住建与城管职责交叉",)),
    "jr_consult": Scenario(_met(True), {"consult_opinion": "建筑施工噪声由住建部门负责"}, _ready("jr_decide"),
                           ("双方各执一词", "住建与城管职责交叉")),
    "jr_decide": Scenario(_met(False), {"outcome": "settled", "lead_unit": ZJJ, "co_units": [RSJ],
                                        "decision_text": "由住建局主办、人社局协办"}, _status("signing"),
                          ("住建与城管职责交叉", "双方各执一词")),
    # The proposal starts from the decision's text: submitted as the page shows it.
    "jr_proposal": Scenario(_escalated, {}, _proposal_kept, ("住建与城管职责交叉",),
                            {"proposal": "职责争议无法协商一致，建议由住建局主办"}),
    "jr_city_decision": Scenario(_proposed, {"lead_unit": ZJJ, "co_units": [RSJ], "city_decision": "同意拟办意见"},
                                 _status("signing"),
                                 ("住建与城管职责交叉", "双方各执一词", "职责争议无法协商一致", "拟由住建局主办、城管局协办")),
    "sup_reply": Scenario(_supervised, {"reply_text": "已约谈施工单位", "written_explanation": "夜间施工已停止。"},
                          _ready("sup_check"), ("群众反映强烈，请加快办理", "督办员决定")),
    "sup_check": Scenario(_supervision_answered, {"decision": "accept", "reason": "答复完整"}, _closed_supervision,
                          ("已约谈施工单位", "夜间施工已停止。")),
}


def _unit_value(db, value):
    """Scenario values name units by code; the page's controls carry their ids."""
    if isinstance(value, list):
        return [_unit_value(db, v) for v in value]
    if isinstance(value, str) and value.isupper() and "-" in value:
        return str(unit_id(db, value))
    return value


def fill_form(html: str, fill: dict) -> tuple[list[tuple[str, str]], set[str]]:
    """The submission a person makes: the form's values as shown, changed only in fields the page shows.

    :raises AssertionError: when ``fill`` names a field, radio option, list entry or check box the page lacks.
    """
    form = lxml.html.fromstring(html).get_element_by_id("task-form")
    shown: dict[str, list] = {}
    for el in form.inputs:
        if el.name and getattr(el, "type", None) not in ("submit", "button"):
            shown.setdefault(el.name, []).append(el)
    for el in form.iter("textarea"):  # a browser drops the newline that starts a text area's content
        el.value = el.value[2:] if el.value.startswith("\r\n") else el.value[1:] if el.value.startswith("\n") \
            else el.value
    for name, value in fill.items():
        assert name in shown, f"the page has no field {name!r}; it shows {sorted(shown)}"
        els = shown[name]
        kind = getattr(els[0], "type", "select" if els[0].tag == "select" else els[0].tag)
        values = value if isinstance(value, list) else [value]
        if kind in ("radio", "checkbox") and len(els) > 1 or kind == "radio":
            offered = {e.get("value") for e in els}
            assert set(values) <= offered, f"{name}: {values} not among the options {sorted(offered)}"
            for e in els:
                e.checked = e.get("value") in values
        elif kind == "checkbox":
            els[0].checked = bool(value)
        elif els[0].tag == "select":
            offered = {o.get("value") for o in els[0].iter("option")}
            assert set(values) <= offered, f"{name}: {values} not in the list"
            els[0].value = value
        else:
            els[0].value = value
    return form.form_values(), set(shown)


def lane_user(db, proj: TaskProjection) -> str:
    q = select(User.username).where(User.role == proj.role, User.active.is_(True))
    if proj.unit_id is not None:
        q = q.where(User.unit_id == proj.unit_id)
    name = db.session.scalar(q.order_by(User.id).limit(1))
    assert name, f"no demo user of {proj.role} for unit {proj.unit_id}"
    return name


def test_the_deployed_diagrams_are_the_ones_enumerated(db):
    """What the suite enumerates is what runs: the active versions hold exactly these user tasks."""
    from engine.common import bundle_for

    deployed = set()
    for process_id in BUNDLED_PROCESSES:
        pv = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                            ProcessVersion.active.is_(True)))
        deployed |= set(bundle_for(db.session, pv.id).tasks)
    assert deployed == set(TASKS)
    assert {"jr_city_decision", "sup_reply", "sup_check", "extension_review", "redo_decision"} <= deployed


@pytest.mark.parametrize("bpmn_id", sorted(TASKS))
def test_page(client, db, tickets, bpmn_id):
    scenario = SCENARIOS.get(bpmn_id)
    diagram, info = TASKS[bpmn_id]
    assert scenario is not None, f"user task {bpmn_id} of {diagram} has no page test: add a Scenario for it"
    t = scenario.setup(tickets, db)
    db.session.rollback()
    proj = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == t.id,
                                                          TaskProjection.bpmn_id == bpmn_id))
    assert proj is not None, f"{bpmn_id} is not ready after its setup"
    assert proj.role == role_for_lane(info.lane).value  # the page is opened by a user of the task's lane
    as_user(client, db, lane_user(db, proj))
    uuid = proj.task_uuid
    url = f"/tickets/{t.id}/tasks/{uuid}"
    r = client.get(url)
    assert r.status_code == 200, text(r)[:2000]
    page = text(r)
    assert info.title in page
    for snippet in scenario.shows:
        assert snippet in page, f"{bpmn_id}: the page does not show {snippet!r}"
    # Every choice is drawn like the others (a label one can tap, no list bullets): none falls back to WTForms'
    # bare <ul> list, as the sign page's 签收/退回 once did.
    choices = lxml.html.fromstring(page).xpath("//form//input[@type='radio' or @type='checkbox']")
    bare = [i.get("name") for i in choices if i.getparent().tag != "label" and i.xpath("ancestor::ul")]
    assert not bare, f"{bpmn_id}: choices drawn as a bare list: {bare}"
    body, _shown = fill_form(page, {k: _unit_value(db, v) for k, v in scenario.fill.items()})
    for name, expected in scenario.prefilled.items():
        expected = user(db.session, expected).name if name == "handler_name" else expected
        assert (name, expected) in body, f"{bpmn_id}: {name} is not filled in with {expected!r}"
    r = client.post(url, data=MultiDict([*body, ("op", "submit")]))
    assert r.status_code == 302, f"{bpmn_id} refused: " + text(r)[:3000]
    db.session.rollback()
    assert db.session.scalar(select(TaskProjection.id).where(TaskProjection.task_uuid == uuid)) is None
    assert scenario.moved_on(db, t), f"{bpmn_id}: the ticket did not move on"
