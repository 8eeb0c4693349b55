"""Decision pages of the side processes through the test client: long texts are multi-line and kept whole (2,000
characters), every decision's text is on the ticket page afterwards in full, a page refused by the server keeps
what was typed, and the supervision list has one row per supervision."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from engine.common.db import transaction
from engine.models import JointReview, Supervision, SupervisionRequest, TaskProjection
from engine.oversight import open_supervision, take_red_cards
from tests.support.helpers import user
from tests.support.pages import as_user, fresh, post, text, unit_id
from web.common import fmt_due


def long_text(tag: str, size: int = 2000) -> str:
    """Exactly ``size`` characters over many lines, as a person pastes a long written explanation."""
    lines, n = [], 0
    while n < size:
        line = f"{tag}第{len(lines) + 1}条：经核查，相关单位已按要求整改落实，群众反映的问题得到解决。"
        lines.append(line)
        n += len(line) + 1
    out = "\n".join(lines)[:size]
    return out if not out[-1].isspace() else out[:-1] + "止"


def complete(client, db, t, bpmn_id: str, data: dict, expect: int = 302):
    db.session.rollback()
    uuid = db.session.scalar(select(TaskProjection.task_uuid).where(TaskProjection.ticket_id == t.id,
                                                                    TaskProjection.bpmn_id == bpmn_id))
    assert uuid, f"{bpmn_id} is not ready"
    url = f"/tickets/{t.id}/tasks/{uuid}"
    page = text(client.get(url))
    r = post(client, url, {"op": "submit", **data})
    assert r.status_code == expect, text(r)[:3000]
    return page, r


def textareas(page: str) -> set[str]:
    return set(re.findall(r'<textarea[^>]*\bname="([^"]+)"', page))


def test_long_texts_are_multi_line_kept_whole_and_on_the_ticket_page(client, db, tickets):
    t = tickets.new()
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    texts = {k: long_text(label) for k, label in (("reason", "争议理由"), ("participants", "参会"),
                                                    ("minutes", "会商纪要"), ("decision_text", "审定意见"),
                                                    ("proposal", "拟办意见"), ("city_decision", "市政府决定"))}
    as_user(client, db, "dispatcher")
    complete(client, db, t, "dispatch", {"mode": "joint_review", "reason": texts["reason"]})
    as_user(client, db, "reviewer")
    page, _ = complete(client, db, t, "jr_meeting", {"meeting_date": "2026-11-26", "participants": texts["participants"],
                                                     "minutes": texts["minutes"]})
    assert {"participants", "minutes"} <= textareas(page) and texts["reason"] in page
    page, _ = complete(client, db, t, "jr_decide", {"outcome": "escalate", "decision_text": texts["decision_text"]})
    assert "decision_text" in textareas(page)
    page, _ = complete(client, db, t, "jr_proposal", {"proposal": texts["proposal"]})
    assert "proposal" in textareas(page) and texts["decision_text"] in page  # pre-filled with the decision
    as_user(client, db, "city_leader")
    page, r = complete(client, db, t, "jr_city_decision", {"city_decision": texts["city_decision"]}, expect=400)
    # Refused (no lead unit): the page names the problem in Chinese and keeps the 2,000 characters typed.
    assert "请选择主办单位" in text(r) and texts["city_decision"] in text(r)
    for said in (texts["reason"], texts["minutes"], texts["decision_text"], texts["proposal"]):
        assert said in page  # the leader decides on the whole record
    complete(client, db, t, "jr_city_decision", {"city_decision": texts["city_decision"], "lead_unit": zjj,
                                                 "co_units": [str(rsj)]})
    jr = db.session.scalar(select(JointReview).where(JointReview.ticket_id == t.id))
    assert {k: getattr(jr, k) for k in texts} == texts  # stored exactly, line breaks included
    assert fresh(db, t.id).status == "signing"

    tickets.act("receiver", t, "sign", decision="sign")
    with transaction(db.session):
        open_supervision(db.session, user(db.session, "supervisor"), t.id, "supervisor", tickets.clock(),
                         note=long_text("督办说明"))
    answer = {"reply_text": long_text("督办答复"), "written_explanation": long_text("书面说明")}
    opinion = long_text("审核意见")
    as_user(client, db, "unit_leader")
    page, _ = complete(client, db, t, "sup_reply", answer)
    assert {"reply_text", "written_explanation"} <= textareas(page)
    as_user(client, db, "supervisor")
    page, _ = complete(client, db, t, "sup_check", {"decision": "back", "reason": opinion})
    assert "reason" in textareas(page) and answer["written_explanation"] in page
    as_user(client, db, "unit_leader")
    page, _ = complete(client, db, t, "sup_reply", {"reply_text": "已按审核意见补充", "written_explanation": "补充说明"})
    assert opinion in page  # the leader sees why the first answer was sent back
    as_user(client, db, "supervisor")
    complete(client, db, t, "sup_check", {"decision": "accept"})

    as_user(client, db, "reviewer")
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    for said in [*texts.values(), *answer.values(), opinion, long_text("督办说明"), "补充说明"]:
        assert said in ticket_page, said[:20]


def test_extension_and_redo_reasons_are_kept_whole(client, db, tickets):
    t = tickets.handling()
    asked, denied, grounds, decided = (long_text(x) for x in ("延期理由", "不予延期", "不满意", "认定理由"))
    as_user(client, db, "handler")
    page, _ = complete(client, db, t, "reply", {"action": "extension", "days": "2", "reason": asked})
    assert "reason" in textareas(page)
    as_user(client, db, "reviewer")
    page, r = complete(client, db, t, "extension_review", {"decision": "deny", "reason": denied})
    assert asked in page and "reason" in textareas(page)
    due = fmt_due(fresh(db, t.id).handling_due)  # the flash says which way it went and which deadline holds
    assert f"工单 {t.number} 不予延期，仍按原办理时限 {due} 办结" in text(client.get(r.headers["Location"]))
    # The hint quotes the label it points at, word for word.
    assert "批准后的办理时限：" in page and "按上方“批准后的办理时限”计算" in page
    tickets.act("handler", t, "reply", **{"department": "建筑管理科", "handler_name": "李工", "result": "已处理",
                                          "basis": "噪声法", "contact_method": "电话", "citizen_informed": True})
    tickets.act("reviewer", t, "review", decision="accept")
    as_user(client, db, "agent")
    page, _ = complete(client, db, t, "evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied",
                                                    "method": "callback", "comment": grounds})
    assert "comment" in textareas(page)
    as_user(client, db, "reviewer")
    page, _ = complete(client, db, t, "redo_decision", {"reasonable": "no", "reason": decided})
    assert grounds in page
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    for said in (asked, denied, grounds, decided):
        assert said in ticket_page, said[:20]


def test_the_supervision_list_has_one_row_per_supervision(client, db, tickets, clock):
    t = tickets.handling()
    when = clock.set("2026-12-11T09:00:00+08:00")
    with transaction(db.session):
        for stage, at in (("acceptance", "2026-11-30T00:00:00+08:00"), ("handling", "2026-12-11T00:00:00+08:00")):
            db.session.add(SupervisionRequest(ticket_id=t.id, reason="red_card", stage=stage, unit_id=t.lead_unit_id,
                                              threshold_at=datetime.fromisoformat(at), opened_at=when, status="open"))
    with transaction(db.session):
        assert take_red_cards(db.session, when) == 1  # a second red card while the first is open adds no second
    with transaction(db.session):
        open_supervision(db.session, user(db.session, "city_leader"), t.id, "leader_instruction", when,
                         instruction="请尽快解决", instructed_by="王副市长")
    sups = db.session.scalars(select(Supervision).where(Supervision.ticket_id == t.id)).all()
    assert sorted(s.reason for s in sups) == ["leader_instruction", "red_card"]
    as_user(client, db, "supervisor")
    page = text(client.get("/oversight/supervisions"))
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if t.number in r]
    assert len(rows) == 2 and sum("红牌" in r for r in rows) == 1 and sum("领导批示" in r for r in rows) == 1
    assert "签收环节红牌" in page and "acceptance" not in page and "T00:00:00" not in page


def test_the_supervision_list_puts_open_ones_first_by_deadline_then_the_latest_closed(client, db, tickets):
    older, newer, waiting = tickets.dispatched(), tickets.dispatched(), tickets.dispatched()
    reviewer = user(db.session, "supervisor")
    for t, opened, closed in ((older, "2026-11-20T10:00:00+08:00", "2026-11-21T10:00:00+08:00"),
                              (newer, "2026-11-16T10:00:00+08:00", "2026-11-24T10:00:00+08:00"),
                              (waiting, "2026-11-23T10:00:00+08:00", None)):
        with transaction(db.session):
            sup = open_supervision(db.session, reviewer, t.id, "supervisor", datetime.fromisoformat(opened),
                                   note="请督促办理")
            if closed:
                sup.status, sup.closed_at = "closed", datetime.fromisoformat(closed)
    as_user(client, db, "supervisor")
    page = text(client.get("/oversight/supervisions"))
    order = [n for n in re.findall(r"HL\d+", page) if n in (older.number, newer.number, waiting.number)]
    # the open one, then the one closed on 11-24 (opened earlier, with the earlier deadline), then the one closed on 11-21
    assert list(dict.fromkeys(order)) == [waiting.number, newer.number, older.number]
