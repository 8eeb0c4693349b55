"""What a list row says while a ticket waits on the office: a ticket a unit returned (退回) shows no current lead unit
or handling deadline in 工单查询 until it is dispatched again; a unit's inbox row and the ticket page say when an
extension (延期) waits for the office's approval."""
from __future__ import annotations

import lxml.html

from tests.support.pages import fresh, login, text, unit_id
from web.common import fmt_due

from .test_pages import complete

RETURN = {"decision": "return", "return_reason": "属于人社部门职责", "return_basis": "《劳动保障监察条例》第十三条"}


def _list_row(client, number: str) -> dict[str, str]:
    """The 工单查询 row of one ticket, searched by its number, as {column label: text}."""
    page = text(client.get(f"/tickets?number={number}"))
    [row] = [tr for tr in lxml.html.fromstring(page).xpath("//table[@class='list']/tbody/tr")
             if number in tr.text_content()]
    return {td.get("data-label"): " ".join(td.text_content().split()) for td in row.xpath("./td")}


def test_a_returned_ticket_shows_no_current_lead_unit_or_deadline_until_dispatched_again(client, db, tickets):
    t = tickets.dispatched()
    login(client, "dispatcher")
    row = _list_row(client, t.number)
    assert row["主办单位"] == "河源市住房和城乡建设局" and row["办理时限"].startswith("20"), row
    login(client, "receiver")
    complete(client, t.id, "sign", RETURN)
    kept = fresh(db, t.id)
    assert kept.status == "dispatching" and kept.lead_unit_id is not None  # kept for the statistics, not shown
    for who in ("dispatcher", "reviewer"):
        login(client, who)
        row = _list_row(client, t.number)
        assert row["状态"] == "待派单", row
        assert row["主办单位"] == "—（已退回，待重新派单）" and row["办理时限"] == "—（已退回，待重新派单）", row
    login(client, "dispatcher")
    complete(client, t.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-RSJ")})
    row = _list_row(client, t.number)
    assert row["主办单位"] == "河源市人力资源和社会保障局" and row["办理时限"].startswith("20"), row


def _inbox_item(client, number: str):
    page = text(client.get("/inbox"))
    [li] = [li for li in lxml.html.fromstring(page).xpath("//ul[@class='inbox']/li") if number in li.text_content()]
    return li


def test_the_inbox_and_ticket_page_say_an_extension_waits_for_approval(client, db, tickets):
    t, other = tickets.handling(), tickets.handling()
    login(client, "handler")
    li = _inbox_item(client, t.number)
    assert "延期审批中" not in li.text_content() and li.xpath(".//a[text()='办理答复']")
    complete(client, t.id, "reply", {"action": "extension", "days": "5", "reason": "需协调多个部门现场核查"})
    li = _inbox_item(client, t.number)
    said = " ".join(li.text_content().split())
    assert li.xpath(".//span[contains(@class, 'warn') and text()='延期审批中']"), said
    assert "已申请延期5个工作日，待热线办审核员审批" in said and not li.xpath(".//a[text()='办理答复']")
    assert "延期审批中" not in _inbox_item(client, other.number).text_content()
    page = lxml.html.fromstring(text(client.get(f"/tickets/{t.id}")))
    assert page.xpath("//h1//span[text()='延期审批中']")

    login(client, "reviewer")
    r = complete(client, t.id, "extension_review", {"decision": "approve", "reason": "同意延期"})
    due = fmt_due(fresh(db, t.id).handling_due)  # the flash says the extension was granted, to which deadline
    assert f"工单 {t.number} 已批准延期，办理时限顺延至 {due}" in text(client.get(r.headers["Location"]))
    login(client, "handler")
    li = _inbox_item(client, t.number)
    assert "延期审批中" not in li.text_content() and li.xpath(".//a[text()='办理答复']")
    assert not lxml.html.fromstring(text(client.get(f"/tickets/{t.id}"))).xpath("//h1//span[text()='延期审批中']")
