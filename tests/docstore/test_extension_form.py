"""The 延期申请审批单 is issued from the archive page by ticket number once the office has decided the unit's
extension request: it prints the request and the decision as recorded, and the citizen's SMS when one was queued;
it invents no leader's opinion; a ticket without a decided request gets a Chinese refusal and no document."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.models import IssuedDocument
from tests.support.helpers import unit, user

from .conftest import pdf_text, post, sign_in

REASON = "需会同城管部门开展夜间联合执法和噪声监测，无法在原时限内办结。"


def requested(flow):
    t = flow.dispatched()
    flow.act("receiver", t, "sign", decision="sign")
    flow.act("handler", t, "reply", action="extension", days=5, reason=REASON)
    return t


def issue(client, number: str):
    """What the reviewer sees after 出具 on the archive page: the flash and, when issued, the PDF's text."""
    r = post(client, "/documents/issue", {"ticket_no": number, "kind": "extension_form"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    pdf = re.search(r'href="(/documents/\d+/pdf)"', page)
    return page, pdf_text(client.get(pdf.group(1)).get_data()) if pdf else None


def documents(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(IssuedDocument))


def test_an_approved_extension_is_printed_as_decided(client, db, flow):
    t = requested(flow)
    flow.act("reviewer", t, "extension_review", decision="approve", reason="理由充分，同意延期")
    sign_in(client, db, "reviewer")
    assert "延期申请审批单" in client.get("/documents").get_data(as_text=True)  # offered on the archive page
    page, text = issue(client, t.number)
    assert "已出具延期申请审批单" in page
    assert unit(db.session, "HY-ZJJ").name in text and t.number in text
    assert "5个工作日" in text and REASON in text and user(db.session, "handler").name in text
    # Received Wed 2026-11-25: due Wed 2026-12-09 24:00; five more working days end Wed 2026-12-16.
    assert "2026年12月9日" in text and "同意延期。延期至2026年12月16日" in text and "理由充分，同意延期" in text
    assert "以短信告知诉求人延期情况及新的办理时限" in text and user(db.session, "reviewer").name in text
    assert "分管领导意见" not in text  # nobody recorded one: nothing is printed in their name
    page, _ = issue(client, t.number)
    assert "该工单已出具延期申请审批单" in page  # once per ticket unless voided


def test_a_denied_extension_says_why_and_that_the_old_deadline_stands(client, db, flow):
    t = requested(flow)
    flow.act("reviewer", t, "extension_review", decision="deny", reason="现场核查可在原时限内完成")
    sign_in(client, db, "reviewer")
    _page, text = issue(client, t.number)
    assert "不同意延期" in text and "现场核查可在原时限内完成" in text and "请承办单位按原时限继续办理" in text
    assert "延期至" not in text and "短信告知" not in text


def test_no_form_without_a_decided_request(client, db, flow):
    pending = requested(flow)
    plain = flow.dispatched()
    sign_in(client, db, "reviewer")
    before = documents(db)
    for t in (pending, plain):
        page, text = issue(client, t.number)
        assert "该工单没有已审批的延期申请，不能出具延期申请审批单" in page and text is None
    assert documents(db) == before


def test_the_decision_is_printed_once_when_the_reviewers_words_repeat_it(client, db, flow):
    # A reviewer who writes "同意延期，…" (or gives no reason, recorded as "同意延期") reads the decision once.
    for reason in ("同意延期，请抓紧联合核查。", ""):
        t = requested(flow)
        flow.act("reviewer", t, "extension_review", decision="approve", reason=reason)
        sign_in(client, db, "reviewer")
        _page, text = issue(client, t.number)
        flat = re.sub(r"\s+", "", text)
        assert flat.count("同意延期") == 1 and "同意延期。延期至" in flat
        assert ("请抓紧联合核查。" in flat) == bool(reason)


def test_the_ticket_record_prints_the_extension_as_the_ticket_page_shows_it(client, db, flow):
    t = requested(flow)
    flow.act("reviewer", t, "extension_review", decision="approve", reason="")
    sign_in(client, db, "reviewer")
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "ticket_record"})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已出具工单办理单" in page
    text = re.sub(r"\s+", "", pdf_text(client.get(re.search(r'href="(/documents/\d+/pdf)"', page).group(1)).get_data()))
    # The 说明 column of the 办理过程: the request, the decision with its new deadline, the clock moved.
    assert "申请延期5个工作日：" + REASON in text
    assert "批准延期5个工作日，新的办理时限2026年12月16日24时" in text
    assert "办理时限由2026年12月9日24时顺延至2026年12月16日24时" in text
