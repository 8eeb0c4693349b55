"""What the pages say is what holds now: the deadlines in force after a return, an extension or a redo; the
citizen's tracking page with the Art. 12 facts, the extension and the Art. 6 reason; a timeline in Chinese only;
the reply form filled in for the signed-in handler and never pre-ticked; a registration the engine refuses kept."""
from __future__ import annotations

import re

import lxml.html
from sqlalchemy import select

from engine.common.db import transaction
from engine.models import FailedSubmission, Outbox, Ticket, User
from engine.oversight import open_supervision
from tests.support.helpers import CITIZEN, REPLY, user
from tests.support.pages import INTAKE, as_user, count, fresh, post, text, unit_id


def side(page: str) -> str:
    """The ticket page's side column (current step, deadlines, timeline) as plain text."""
    return lxml.html.fromstring(page).find_class("side")[0].text_content()


def test_a_returned_ticket_shows_only_the_dispatch_deadline(client, db, tickets, clock):
    t = tickets.dispatched()
    tickets.act("receiver", t, "sign", decision="return", return_reason="属人社部门职责", return_basis="三定方案")
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}"))
    clocks = lxml.html.fromstring(page).get_element_by_id("clocks-in-force").text_content()
    assert "派单时限" in clocks and "签收退回期限" not in clocks and "办理时限" not in clocks
    assert "签收退回期限" not in side(page)
    task = text(client.get(f"/tickets/{t.id}/tasks/dispatch"))
    assert "派单时限" in task and "办理时限" not in task.split("退回情况")[0]


def test_a_redo_shows_the_redo_deadline_and_no_evaluation_window(client, db, tickets):
    t = tickets.evaluating()
    tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied",
                method="callback", comment="仍在施工")
    tickets.act("reviewer", t, "redo_decision", kind="reasonable", reason="问题仍存在")
    as_user(client, db, "handler")
    page = text(client.get(f"/tickets/{t.id}"))
    assert "回访评价期限" not in side(page) and "重办：自重办派单时" in side(page)
    task = text(client.get(f"/tickets/{t.id}/tasks/reply"))
    assert "重办：自重办派单时" in task and "回访评价期限" not in task


def test_the_tracking_page_tells_the_citizen_what_art_12_owes(client, db, tickets):
    t, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", action="extension", days=3, reason="需现场核查")
    tickets.act("reviewer", t, "extension_review", decision="approve")
    page = text(post(client, "/public/track", {"number": t.number, "code": code}))
    assert "经热线办批准延期3个工作日，新的办理时限为" in page and "2026-12-14 24:00" in page
    assert "延期批准，时限顺延" in page  # in the progress steps too
    tickets.act("handler", t, "reply", **REPLY, citizen_informed=True)
    tickets.act("reviewer", t, "review", decision="accept")
    found = lxml.html.fromstring(text(post(client, "/public/track", {"number": t.number, "code": code})))
    progress = found.get_element_by_id("progress").text_content()
    for said in ("河源市住房和城乡建设局", REPLY["department"], REPLY["result"], REPLY["basis"]):
        assert said in progress
    assert REPLY["handler_name"] not in progress  # the handler's own name stays inside the office

    refused, code = tickets.new_with_code(scope="refuse", refusal_code=2, refusal_explanation="请拨打110报警。",
                                          handoff_line="110", handoff_outcome="hung_up")
    page = text(post(client, "/public/track", {"number": refused.number, "code": code}))
    assert "依据《管理办法》第六条第（二）项" in page
    # The failed transfer's sentence tells the citizen to call 110; the explanation saying it again is not shown.
    assert "转接未成功。请立即自行拨打110。" in page and "请拨打110报警。" not in page


def test_the_timeline_speaks_chinese_only(client, db, tickets, clock):
    t = tickets.dispatched()
    tickets.act("receiver", t, "sign", decision="return", return_reason="非本单位职责", return_basis="三定方案")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", action="extension", days=2, reason="需核查")
    tickets.act("reviewer", t, "extension_review", decision="approve")
    with transaction(db.session):
        open_supervision(db.session, user(db.session, "supervisor"), t.id, "supervisor", clock(), note="加快办理")
    tickets.act("unit_leader", t, "sup_reply", reply_text="已加快", written_explanation="说明")
    tickets.act("supervisor", t, "sup_check", decision="back", reason="不完整")
    tickets.act("handler", t, "reply", **REPLY, citizen_informed=True)
    tickets.act("reviewer", t, "review", decision="back", reason="依据不全")
    tickets.act("handler", t, "reply", **REPLY, citizen_informed=True)
    tickets.act("reviewer", t, "review", decision="accept")
    tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied", method="sms",
                comment="仍在施工")
    tickets.act("reviewer", t, "redo_decision", kind="malicious", reason="恶意评价")
    as_user(client, db, "reviewer")
    timeline = lxml.html.fromstring(text(client.get(f"/tickets/{t.id}"))).find_class("timeline")[0].text_content()
    for said in ("事由：督办员决定", "不合格，退回重新答复", "批准延期2个工作日", "恶意评价，不予重办", "主办：河源市住房和城乡建设局"):
        assert said in timeline, said
    english = [w for w in re.findall(r"[A-Za-z_]{3,}", timeline)]
    assert english == [], f"English or internal words on the timeline: {english}"


def test_the_reply_form_starts_with_the_handler_and_leaves_informed_unticked(client, db, tickets):
    t = tickets.handling()
    as_user(client, db, "handler")
    doc = lxml.html.fromstring(text(client.get(f"/tickets/{t.id}/tasks/reply")))
    me = db.session.scalar(select(User).where(User.username == "handler"))
    assert doc.get_element_by_id("handler_name").value == me.display_name
    assert doc.get_element_by_id("department").value == "河源市住房和城乡建设局"
    assert doc.get_element_by_id("citizen_informed").checked is False
    handled = doc.get_element_by_id("handled_at")
    assert handled.get("type") == "text" and handled.value == "2026-11-25 10:00"
    tickets.act("handler", t, "reply", **REPLY, citizen_informed=True)
    tickets.act("reviewer", t, "review", decision="accept")
    other = tickets.handling()
    doc = lxml.html.fromstring(text(client.get(f"/tickets/{other.id}/tasks/reply")))
    assert doc.get_element_by_id("department").value == REPLY["department"]  # the department last written


def test_a_registration_the_engine_refuses_is_kept_and_the_office_alerted(client, db, monkeypatch):
    from engine.workflow import WorkflowError
    from engine.workflow.runtime import Runtime

    def broken(self, ref, data):
        raise WorkflowError("no start event")
    monkeypatch.setattr(Runtime, "start", broken)
    before = count(db, Ticket)
    as_user(client, db, "agent")
    typed = {**INTAKE, "content": "楼下餐馆油烟扰民，\n已多次反映。", "op": "submit"}
    r = post(client, "/intake", typed)
    assert r.status_code == 503
    page = text(r)
    assert "流程启动失败" in page and "登记失败" in page
    assert CITIZEN["citizen_name"] in page and "楼下餐馆油烟扰民，\n已多次反映。" in page  # nothing typed is lost
    assert count(db, Ticket) == before
    row = db.session.scalar(select(FailedSubmission))
    assert row.status == "open" and row.data["content"] == typed["content"] and "Runtime" not in row.error_zh
    assert "no start event" in row.error_en
    alerts = db.session.scalars(select(Outbox).where(Outbox.template == "failure.alert")).all()
    alerted = {u.phone for u in db.session.scalars(select(User).where(User.role.in_(("admin", "process_owner")),
                                                                      User.phone.is_not(None)))}
    assert alerts and {a.recipient for a in alerts} == alerted and f"第{row.id}号" in alerts[0].text
    listing = text(client.get("/failures"))
    assert "楼下餐馆油烟扰民" in listing and "补登" in listing
    as_user(client, db, "handler")
    assert client.get("/failures").status_code == 403

    monkeypatch.undo()
    as_user(client, db, "agent")
    again = text(client.get(f"/intake?retry={row.id}"))
    assert "楼下餐馆油烟扰民，\n已多次反映。" in again and f'name="retry" value="{row.id}"' in again
    r = post(client, "/intake", {**typed, "retry": str(row.id)}, get_url=f"/intake?retry={row.id}")
    assert r.status_code == 302, text(r)[:2000]
    db.session.expire_all()
    assert fresh(db, row.resolved_ticket_id or 0) is not None and db.session.get(FailedSubmission, row.id).status \
        == "resolved"


def test_an_online_submission_the_engine_refuses_is_kept(client, db, monkeypatch):
    from engine.workflow import WorkflowError
    from engine.workflow.runtime import Runtime

    def broken(self, ref, data):
        raise WorkflowError("no start event")
    monkeypatch.setattr(Runtime, "start", broken)
    typed = {"citizen_name": "王五", "citizen_phone": "13900001111", "ticket_type": "help",
             "content": "路灯不亮，\n晚上出行不便。"}
    r = post(client, "/public/submit", typed)
    assert r.status_code == 503 and "请稍后重新提交，或拨打12345热线反映" in text(r)
    assert "路灯不亮，\n晚上出行不便。" in text(r) and 'value="13900001111"' in text(r)
    row = db.session.scalar(select(FailedSubmission))
    assert row.kind == "public" and row.actor_label == "诉求人" and row.data["content"] == typed["content"]


def test_a_task_the_engine_refuses_keeps_what_was_typed(client, db, tickets, monkeypatch):
    from engine.workflow import WorkflowError
    from engine.workflow.runtime import Instance

    t = tickets.handling()

    def broken(self, uuid, data):
        raise WorkflowError("gateway gw_handling: condition failed")
    monkeypatch.setattr(Instance, "complete", broken)
    as_user(client, db, "handler")
    typed = {"action": "reply", "handled_at": "2026-11-25 09:30", "department": "建筑管理科", "handler_name": "李工",
             "result": "已责令停工，\n并复查。", "basis": "噪声法", "contact_method": "电话", "op": "submit"}
    r = post(client, f"/tickets/{t.id}/tasks/reply", typed)
    assert r.status_code == 503
    page = text(r)
    assert "流程无法继续" in page and "登记失败" in page and "已责令停工，\n并复查。" in page
    assert 'value="2026-11-25 09:30"' in page and fresh(db, t.id).status == "handling"
    row = db.session.scalar(select(FailedSubmission))
    assert (row.kind, row.ticket_id, row.task) == ("task", t.id, "reply")
