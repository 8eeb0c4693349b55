"""Forms check shape and hand the services exactly the dict they take; a task that declares its fields in the
diagram (camunda:formData) gets a generated form, end to end."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from engine.common.db import transaction
from engine.models import ProcessVersion
from engine.process.setup import bundled_files, deploy
from engine.workflow.bundle import TaskInfo
from forms import (
    FORMS,
    CitizenSubmitForm,
    ConfirmForm,
    DispatchForm,
    EvaluateForm,
    IntakeForm,
    RedoDecisionForm,
    ReplyForm,
    ReviewForm,
    ScopeForm,
    SignForm,
    form_for_task,
)
from forms.base import options
from tests.support.pages import fresh, login, post, text, unit_id

UNITS = [{"id": 7, "name": "河源市住房和城乡建设局", "kind_label": "市直部门"},
         {"id": 9, "name": "河源市人力资源和社会保障局", "kind_label": "市直部门"}]


def make(app, cls, data: dict, **prepare):
    """Bind ``data`` to a form inside a request, without CSRF; return (form, valid)."""
    with app.test_request_context(method="POST"):
        form = cls(formdata=MultiDict(data), meta={"csrf": False})
        for name, value in prepare.items():
            getattr(form, name)(*value)
        return form, form.validate()


def test_every_user_task_of_the_bundled_diagrams_gets_a_form():
    """A form key has a class in FORMS, or the task declares its fields (camunda:formData)."""
    from engine.process.setup import BPMN_DIR
    from engine.workflow import parse_bundle

    files = {p.name: p.read_bytes() for p in BPMN_DIR.glob("*.bpmn")}
    assert {"scope", "dispatch", "county_dispatch", "sign", "co_handle", "reply", "review", "evaluate",
            "redo_decision", "joint_decision"} <= set(FORMS)
    tasks = {}
    for process in ("hotline_ticket", "supervision"):
        if any(f'id="{process}"' in x.decode() for x in files.values()):
            tasks.update(parse_bundle(files, "check", process).tasks)
    missing = [t.bpmn_id for t in tasks.values() if (t.form_key or "") not in FORMS and not t.form_fields]
    assert missing == []
    # Every task the product ships has a dedicated form (the facts page beside it), none a generated one.
    generated = [t.bpmn_id for t in tasks.values() if (t.form_key or "") not in FORMS]
    assert generated == []


def test_intake_command_is_what_register_takes(app):
    form, ok = make(app, IntakeForm, {"channel": "phone", "citizen_name": " 张三 ", "citizen_phone": "13800001234",
                                      "address": "", "content": "噪音", "ticket_type": "complaint",
                                      "scope": "refuse", "refusal_code": "8", "refusal_explanation": "同一事项",
                                      "related_ticket_id": "12"},
                    set_choices=([], [{"code": 8, "label": "重复"}]))
    assert ok, form.errors
    assert form.to_command() == {"channel": "phone", "citizen_name": "张三", "citizen_phone": "13800001234",
                                 "address": None, "content": "噪音", "ticket_type": "complaint", "category": None,
                                 "scope": "refuse", "refusal_code": 8, "refusal_explanation": "同一事项",
                                 "related_ticket_id": 12}


def test_scope_answer_command(app):
    form, ok = make(app, ScopeForm, {"scope": "answer", "kb_entry_id": "3"}, set_choices=([], []))
    assert ok and form.to_command() == {"scope": "answer", "kb_entry_id": 3, "answer_text": None}


def test_dispatch_commands(app):
    form, ok = make(app, DispatchForm, MultiDict([("mode", "direct"), ("lead_unit", "7"), ("co_units", "9")]),
                    set_units=(UNITS,), set_counties=([],))
    assert ok and form.to_command() == {"lead_unit": 7, "co_units": [9]}
    form, ok = make(app, DispatchForm, {"mode": "direct", "lead_unit": "8"}, set_units=(UNITS,),
                    set_counties=([],))
    assert not ok and form.errors["lead_unit"] == ["所选项无效，请重新选择"]


def test_sign_review_redo_evaluate_commands(app):
    form, ok = make(app, SignForm, {"decision": "return", "return_reason": "非本单位职责", "return_basis": "第十条"})
    assert ok and form.to_command() == {"decision": "return", "return_reason": "非本单位职责",
                                        "return_basis": "第十条"}
    form, ok = make(app, SignForm, {"decision": "return"}, close_return=())
    assert not ok and form.errors["decision"] == ["已超过1个工作日的退回期限，视同接受，不能再退回，请签收后办理"]
    form, ok = make(app, ReviewForm, {"decision": "back", "reason": "依据不全"})
    assert ok and form.to_command() == {"decision": "back", "reason": "依据不全"}
    form, ok = make(app, RedoDecisionForm, {"reasonable": "no", "reason": "已依法答复"})
    assert ok and form.to_command() == {"kind": "unreasonable", "reason": "已依法答复"}
    form, ok = make(app, RedoDecisionForm, {"reasonable": "malicious", "reason": "反复骚扰"})
    assert ok and form.to_command()["kind"] == "malicious"
    form, ok = make(app, EvaluateForm, {"intake_rating": "satisfied", "method": "sms"}, drop_handling=())
    assert ok and form.to_command() == {"intake_rating": "satisfied", "comment": None, "method": "sms"}
    form, ok = make(app, EvaluateForm, {"intake_rating": "dissatisfied", "handling_rating": "satisfied",
                                        "method": "sms"})
    assert not ok and form.errors["comment"] == ["评价为不满意或非常不满意的，请写明不满意的理由"]
    form, ok = make(app, EvaluateForm, {"intake_rating": "satisfied", "handling_rating": "very_dissatisfied",
                                        "method": "sms", "comment": "  "})
    assert not ok and "comment" in form.errors


@pytest.mark.parametrize("typed", ["2026-11-26 08:30", "2026-11-26T08:30", "2026/11/26 08:30", " 2026-11-26  08：30 "])
def test_date_times_are_typed_in_one_explicit_format(app, typed):
    form, ok = make(app, ReplyForm, {"handled_at": typed, "department": "建筑管理科", "handler_name": "李工",
                                     "result": "已处理", "basis": "某法", "contact_method": "电话"})
    assert ok, form.errors
    assert form.to_command()["handled_at"] == "2026-11-26T08:30:00+08:00"
    html = form.handled_at()
    assert 'type="text"' in html and 'placeholder="2026-11-25 10:00"' in html and "datetime-local" not in html
    assert form.handled_at.hint == "格式：年-月-日 时:分，例如 2026-11-25 10:00"


def test_a_wrong_date_time_is_refused_in_chinese_and_kept_as_typed(app):
    form, ok = make(app, ReplyForm, {"handled_at": "11/26/2026 8:30 AM", "department": "建筑管理科",
                                     "handler_name": "李工", "result": "已处理", "basis": "某法", "contact_method": "电话"})
    assert not ok and form.errors["handled_at"] == ["办理时间（北京时间）格式不正确，应为年-月-日 时:分，例如 2026-11-25 10:00"]
    assert 'value="11/26/2026 8:30 AM"' in form.handled_at()


def test_reply_command_carries_beijing_time(app):
    form, ok = make(app, ReplyForm, {"handled_at": "2026-11-26T08:30", "department": "建筑管理科",
                                     "handler_name": "李工", "result": "已处理", "basis": "某法",
                                     "contact_method": "电话"})
    assert ok
    cmd = form.to_command()
    assert cmd["handled_at"] == "2026-11-26T08:30:00+08:00" and cmd["citizen_informed"] is False


def test_messages_are_chinese(app):
    form, ok = make(app, CitizenSubmitForm, {"citizen_phone": "abc", "ticket_type": "gossip"})
    assert not ok
    messages = [m for ms in form.errors.values() for m in ms]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages


def test_declared_fields_build_a_form(app):
    info = TaskInfo("site_visit", "现场核查", "经办人", "handler", "site_visit", {},
                    (("visit_date", "date", "核查日期"), ("people", "long", "到场人数"), ("found", "string", "核查发现"),
                     ("resolved", "boolean", "现场已解决"), ("weather", "enum", "天气"), ("data", "string", None)))
    cls = form_for_task(info, {"weather": [("sunny", "晴"), ("rain", "雨")]})
    form, ok = make(app, cls, {"visit_date": "2026-11-26", "people": "x", "weather": "snow"})
    assert not ok
    assert form.errors["people"] == ["请填写整数"] and form.errors["found"] == ["请填写核查发现"]
    assert form.errors["weather"] == ["所选项无效，请重新选择"] and "field_5" in form.errors  # "data" is reserved
    form, ok = make(app, cls, {"visit_date": "2026-11-26", "people": "3", "found": "工地已停工", "resolved": "y",
                               "weather": "rain", "field_5": "备注"})
    assert ok, form.errors
    assert form.to_command() == {"visit_date": "2026-11-26", "people": 3, "found": "工地已停工", "resolved": True,
                                 "weather": "rain", "data": "备注"}
    assert form_for_task(TaskInfo("x", "x", None, "handler", None, {})) is ConfirmForm
    assert form_for_task(TaskInfo("x", "x", None, "reviewer", "review", {})) is ReviewForm
    assert [c.value for c in options([("a", "甲")])] == ["a"]


SITE_VISIT = """<bpmn:userTask id="site_visit" name="现场核查" camunda:formKey="site_visit">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="visit_date" label="核查日期" type="date" />
          <camunda:formField id="people" label="到场人数" type="long" />
          <camunda:formField id="found" label="核查发现" type="string" />
          <camunda:formField id="resolved" label="现场已解决" type="boolean" />
          <camunda:formField id="weather" label="天气" type="enum">
            <camunda:value id="sunny" name="晴" />
            <camunda:value id="rain" name="雨" />
          </camunda:formField>
        </camunda:formData>
        <camunda:properties>
          <camunda:property name="unit" value="lead_unit" />
          <camunda:property name="status" value="handling" />
        </camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_no_co</bpmn:incoming>
      <bpmn:outgoing>Flow_visit_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_visit_done" sourceRef="site_visit" targetRef="reply" />
  </bpmn:process>"""


def with_site_visit(xml: str) -> str:
    """The bundled diagram with a 现场核查 task a process owner added between signing and replying."""
    parts = [('<bpmn:sequenceFlow id="Flow_no_co" name="无协办" sourceRef="gw_co" targetRef="reply" />',
              '<bpmn:sequenceFlow id="Flow_no_co" name="无协办" sourceRef="gw_co" targetRef="site_visit" />'),
             ("<bpmn:incoming>Flow_no_co</bpmn:incoming>", "<bpmn:incoming>Flow_visit_done</bpmn:incoming>"),
             ('<bpmn:lane id="Lane_handler" name="经办人">',
              '<bpmn:lane id="Lane_handler" name="经办人">\n        <bpmn:flowNodeRef>site_visit</bpmn:flowNodeRef>'),
             ("</bpmn:process>", SITE_VISIT)]
    for old, new in parts:
        assert xml.count(old) == 1, old
        xml = xml.replace(old, new)
    return xml


@pytest.fixture
def site_visit_version(db, clock):
    original = db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == "hotline_ticket",
                                                                 ProcessVersion.active.is_(True)))
    files = bundled_files()
    files["hotline.bpmn"] = with_site_visit(files["hotline.bpmn"].decode()).encode()
    with transaction(db.session):
        pv = deploy(db.session, files, "test", "加现场核查", clock())
    yield pv.id
    db.session.rollback()
    db.session.execute(update(ProcessVersion).where(ProcessVersion.process_id == "hotline_ticket")
                       .values(active=ProcessVersion.id == original))
    db.session.commit()


def test_a_task_declared_in_the_diagram_gets_a_generated_form(client, db, tickets, site_visit_version):
    t = tickets.new()
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    assert fresh(db, t.id).status == "handling"
    login(client, "handler")
    assert "现场核查" in text(client.get("/inbox"))
    page = text(client.get(f"/tickets/{t.id}/tasks/site_visit"))
    for label in ("核查日期", "到场人数", "核查发现", "现场已解决", "晴", "雨"):
        assert label in page
    r = post(client, f"/tickets/{t.id}/tasks/site_visit", {"op": "submit", "people": "三个", "weather": "rain"})
    assert r.status_code == 400 and "请填写整数" in text(r) and "请填写核查日期（日期）" in text(r)
    r = post(client, f"/tickets/{t.id}/tasks/site_visit",
             {"op": "submit", "visit_date": "2026-11-25", "people": "2", "found": "工地夜间仍施工",
              "resolved": "y", "weather": "rain"})
    assert r.status_code == 302, text(r)[:2000]
    page = text(client.get(f"/tickets/{t.id}"))
    assert "现场核查" in page and "工地夜间仍施工" in page
    assert "办理答复" in text(client.get("/inbox"))
