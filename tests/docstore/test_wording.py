"""What the printed documents say, read back from their PDFs (user test of December 2026).

- A unit's own documents (退回说明, 书面说明) carry the unit's heading and seal; the office's archive number is
  printed apart as its 收文登记号, never as the unit's 发文字号 under the unit's name.
- The 书面说明 heads its explanation by the supervision's reason and says each thing once.
- The 责任追究建议书 gives the supervision's deadline in the words of the 督办通知单 it enforces.
- The 不予受理告知书 thanks the citizen once.
- The 督办通知单 of a red card tells why in the document's own date format and calls nothing from the system a 批示.
- Timelines list a decision before what it caused (延期审批 before 延期批准，时限顺延).
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select, text

from engine.clocks.monitor import monitor_pass
from engine.common.db import transaction
from engine.docstore import heading
from engine.models import AccountabilityCase, IssuedDocument, Supervision, Ticket
from engine.oversight import accountability, supervision
from engine.tickets import queries
from tests.support.helpers import user
from tests.support.pages import post as page_post

from .conftest import pdf_text, post, sign_in

OFFICE = heading()["office_name"]


@pytest.fixture(autouse=True)
def unlink_documents(db):
    """Supervisions and accountability cases point at their documents: they go first."""
    yield
    db.session.rollback()
    for table in ("task_projection", "supervision", "accountability_case"):
        db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def issued(db, **where) -> list[IssuedDocument]:
    db.session.expire_all()
    q = select(IssuedDocument).order_by(IssuedDocument.id)
    for key, value in where.items():
        q = q.where(getattr(IssuedDocument, key) == value)
    return list(db.session.scalars(q))


def page_issue(client, db, kind: str, ticket: Ticket) -> IssuedDocument:
    """The reviewer issues a ticket-bound kind from the archive page by the ticket's number."""
    sign_in(client, db, "reviewer")
    r = post(client, "/documents/issue", {"kind": kind, "ticket_no": ticket.number})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    db.session.expire_all()
    return db.session.get(IssuedDocument, int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1]))


def red_card(db, flow) -> tuple[Ticket, Supervision]:
    """A ticket left unsigned: its acceptance 红牌 (3 WD after receipt, 2026-11-30 24:00) opens supervision."""
    t = flow.dispatched()
    with transaction(db.session):
        now = at("2026-12-01T08:00:00+08:00")
        monitor_pass(db.session, now)
        supervision.take_red_cards(db.session, now)
    return t, db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))


def answer_on_the_page(client, db, clock, t: Ticket, when: str, reply: str, explanation: str) -> None:
    """The unit's 分管领导 answers the supervision on its task page."""
    clock.set(when)
    sign_in(client, db, "unit_leader")
    url = f"/tickets/{t.id}/tasks/sup_reply"
    r = page_post(client, url, {"op": "submit", "reply_text": reply, "written_explanation": explanation})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]


# --- 1. the unit's own documents -----------------------------------------------------------------------------------

def assert_unit_heading(printed: str, doc: IssuedDocument, unit: str, title: str) -> None:
    registry = f"{OFFICE}收文登记号：{doc.number}"
    assert printed.startswith(registry), printed[:80]
    # The unit's name is the heading, right under the registration and above the title; no office heading at all.
    assert printed[len(registry):].startswith(unit + title) or printed[len(registry):].startswith(unit + "关于"), \
        printed[:120]
    assert printed.count(OFFICE) == 2, "the office is named by the registration and as addressee, never as issuer"
    assert f"{OFFICE}：" in printed  # the addressee
    assert printed.index(unit, len(registry) + len(unit)) > printed.index(f"{OFFICE}："), "signed by the unit"


def test_the_return_explanation_is_headed_and_sealed_by_the_unit(client, db, flow):
    t = flow.returned()
    doc = page_issue(client, db, "return_explanation", t)
    unit = db.session.get(IssuedDocument, doc.id).facts["unit"]
    assert_unit_heading(pdf_text(doc.pdf), doc, unit, "退回说明")
    assert doc.number.startswith("河热线退〔2026〕")  # the office's archive keeps its series


def test_a_written_explanation_on_repeated_reports_says_each_thing_once(client, db, flow, clock):
    tickets = [flow.dispatched() for _ in range(3)]  # the same caller about the same matter, nothing overdue
    with transaction(db.session):
        assert supervision.supervise_repeated(db.session, flow.tick(), supervision.RepeatRule(3, 30)) == 1
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id.in_([t.id for t in tickets])))
    t = db.session.get(Ticket, sup.ticket_id)
    reply = "已约谈施工单位，责令夜间22时后停止打桩作业，并安排夜间巡查。"
    explanation = "经核查，该工地夜间施工属实，群众多次反映。已责令整改，今后将加强监管。"
    answer_on_the_page(client, db, clock, t, flow.tick().isoformat(), reply, explanation)
    [doc] = issued(db, kind="written_explanation")
    printed = pdf_text(doc.pdf)
    assert_unit_heading(printed, doc, doc.facts["unit"], "关于工单")
    assert "二、群众多次或集中反映的原因及处理措施" + explanation in printed
    assert "三、办理情况及结果" + reply in printed
    assert printed.count(reply) == 1 and printed.count(explanation) == 1
    for wrong in ("未按时办结", "已采取的措施", "四、"):
        assert wrong not in printed, wrong


def test_a_written_explanation_on_a_red_card_explains_the_delay(client, db, flow, clock):
    t, _sup = red_card(db, flow)
    answer_on_the_page(client, db, clock, t, "2026-12-01T15:00:00+08:00", "已签收并安排现场核查。",
                       "因经办人员休假未及时签收。已调整签收安排。")
    printed = pdf_text(issued(db, kind="written_explanation")[0].pdf)
    assert "二、未按时限办理的原因及整改措施因经办人员休假未及时签收。" in printed
    assert "三、办理情况及结果已签收并安排现场核查。" in printed


# --- 2. the accountability proposal's deadline ---------------------------------------------------------------------

def test_the_accountability_proposal_gives_the_deadline_of_the_notice_it_enforces(db, flow):
    t, sup = red_card(db, flow)
    notice = pdf_text(db.session.get(IssuedDocument, sup.notice_document_id).pdf)
    due = re.search(r"于(\d{4}年\d{1,2}月\d{1,2}日（星期.）24时)前回复工单", notice).group(1)
    assert due == "2026年12月3日（星期四）24时"  # Tue 12-01 + 2 WD
    with transaction(db.session):
        assert supervision.flag_overdue(db.session, at("2026-12-04T00:00:00+08:00")) == 1
        accountability.detect_candidates(db.session, at("2026-12-04T09:00:00+08:00"))
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 6))
    who = user(db.session, "supervisor")
    with transaction(db.session):
        accountability.review_case(db.session, who, case.id, True, at("2026-12-04T10:00:00+08:00"))
        accountability.propose(db.session, who, case.id, "市纪委监委", "建议约谈该单位分管领导。",
                               at("2026-12-04T10:00:00+08:00"))
    printed = pdf_text(issued(db, kind="accountability_proposal")[0].pdf)
    assert f"应于{due}前答复并提交书面说明" in printed
    assert "于2026年12月1日8时00分列入督办" in printed
    assert not re.search(r"年0\d月|00时00分", printed)


# --- 3. the refusal notice thanks once -----------------------------------------------------------------------------

@pytest.mark.parametrize("explanation", [
    "经核实，您反映的事项不在政府热线受理范围内，具体原因已向您说明。感谢您的理解与支持。",  # typed, or an older default
    "经核实，您反映的事项不在政府热线受理范围内，具体原因已向您说明。",  # the default now
])
def test_the_refusal_notice_thanks_the_citizen_once(client, db, flow, explanation):
    printed = pdf_text(page_issue(client, db, "refusal_notice", flow.refused(code=11, explanation=explanation)).pdf)
    assert printed.count("感谢") == 1, printed
    assert "特此告知。" in printed


def test_no_default_explanation_thanks_the_citizen():
    from engine.process import EXPLANATION_TEMPLATES

    assert not [code for code, words in EXPLANATION_TEMPLATES.items() if "感谢" in words]


# --- 4. the reason of an automatic supervision ---------------------------------------------------------------------

def test_the_red_card_notice_says_why_in_its_own_words(client, db, flow):
    t, sup = red_card(db, flow)
    printed = pdf_text(db.session.get(IssuedDocument, sup.notice_document_id).pdf)
    row = printed[printed.index("督办事由"):printed.index("督办要求")]
    assert row == "督办事由时限督办，红牌发出后随即进入工单督办环节。因签收环节红牌（至2026年11月30日24时仍未签收），自动列入督办。"
    assert "批示" not in printed and "2026-" not in printed
    sign_in(client, db, "supervisor")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "因签收环节红牌（至2026年11月30日24时仍未签收），自动列入督办" in page


def test_a_leader_instruction_is_still_a_批示(db, flow):
    t = flow.dispatched()
    with transaction(db.session):
        sup = supervision.open_supervision(db.session, user(db.session, "supervisor"), t.id, "leader_instruction",
                                           flow.tick(), instruction="请抓紧核查并答复诉求人", instructed_by="张副市长")
    printed = pdf_text(db.session.get(IssuedDocument, sup.notice_document_id).pdf)
    assert "张副市长批示：“请抓紧核查并答复诉求人”" in printed


# --- 5. a decision before what it caused ---------------------------------------------------------------------------

def test_the_timeline_lists_the_extension_decision_before_the_extension(client, db, flow):
    t = flow.dispatched()
    flow.act("receiver", t, "sign", decision="sign")
    flow.act("handler", t, "reply", action="extension", days=2, reason="需联合现场核查")
    flow.act("reviewer", t, "extension_review", decision="approve")
    actions = [e["action_label"] for e in queries.timeline(db.session, t.id)]
    assert actions[-3:] == ["申请延期", "延期审批", "延期批准，时限顺延"], actions
    printed = pdf_text(page_issue(client, db, "ticket_record", t).pdf)
    assert printed.index("延期审批") < printed.index("延期批准")


def test_the_written_explanation_is_listed_after_the_answer_that_printed_it(client, db, flow, clock):
    t, _sup = red_card(db, flow)
    answer_on_the_page(client, db, clock, t, "2026-12-01T15:00:00+08:00", "已签收。", "因休假未及时签收。")
    actions = [e["action"] for e in queries.timeline(db.session, t.id)]
    assert actions[-2:] == ["supervision_reply", "document_issue"], actions
