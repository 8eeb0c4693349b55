"""The reviewer's 审核答复 page shows what the review decides on: the lead unit's reply and each co-handling unit's
协办意见 (unit, text, who, when in Beijing time, the step's files); a ticket without co-handlers shows no such section."""
from __future__ import annotations

import lxml.html

from tests.attachments.flow import attachments_of, submit_task, task_url
from tests.attachments.samples import office
from tests.support.helpers import REPLY
from tests.support.pages import as_user, login, text, unit_id

from .test_pages import complete


def _section(page: str, section_id: str) -> str | None:
    found = lxml.html.fromstring(page).xpath(f'//section[@id="{section_id}"]')
    return found[0].text_content() if found else None


def test_the_reviewer_sees_the_co_handlers_opinion_beside_the_reply(client, db, tickets, clock):
    t = tickets.new()
    login(client, "dispatcher")
    complete(client, t.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-ZJJ"),
                                        "co_units": [str(unit_id(db, "HY-RSJ"))]})
    login(client, "receiver")
    complete(client, t.id, "sign", {"decision": "sign"})
    clock.set("2026-11-25T11:30:00+08:00")
    r = submit_task(client, db, t, "co_handle", {"co_part": "已核查该工地劳务用工备案，未发现欠薪"},
                    {"attachments": [(office("xlsx"), "用工核查表.xlsx")]}, username="handler2")
    assert r.status_code == 302, text(r)[:3000]
    [att] = attachments_of(db, t.id)
    clock.set("2026-11-25T15:00:00+08:00")
    r = submit_task(client, db, t, "reply", {**REPLY, "action": "reply", "citizen_informed": "y"}, {},
                    username="handler")
    assert r.status_code == 302, text(r)[:3000]

    url, _ = task_url(db, t, "review")
    as_user(client, db, "reviewer")
    page = text(client.get(url))
    reply = _section(page, "co-opinions")
    assert reply is not None, page[:3000]
    assert "河源市人力资源和社会保障局" in reply and "已核查该工地劳务用工备案，未发现欠薪" in reply
    assert "骆嘉欣" in reply and "2026-11-25 11:30" in reply and "用工核查表.xlsx" in reply
    assert f'href="/attachments/{att.token}?dl=1"' in page
    assert REPLY["result"] in page  # the lead's reply is still there, above the opinions
    assert page.index(REPLY["result"]) < page.index("已核查该工地劳务用工备案")


def test_a_review_without_co_handlers_shows_no_opinion_section(client, db, tickets):
    t = tickets.reviewing()
    url, _ = task_url(db, t, "review")
    as_user(client, db, "reviewer")
    page = text(client.get(url))
    assert REPLY["result"] in page
    assert _section(page, "co-opinions") is None and "协办单位意见" not in page


def _informed(page: str) -> tuple[str, bool]:
    """The 已告知诉求人 entry of the reply shown (its text, and whether it is marked as a warning)."""
    [dd] = lxml.html.fromstring(page).xpath('//dt[text()="已告知诉求人"]/following-sibling::dd[1]')
    return " ".join(dd.text_content().split()), bool(dd.xpath('.//*[contains(@class, "warn")]'))


def test_the_reviewer_and_the_ticket_page_show_whether_the_citizen_was_told(client, db, tickets, clock):
    """Art. 19(4): the handler's 已将办理结果告知诉求人 box is shown to the reviewer and on the ticket page; a reply
    that did not tell the citizen stands out and says it becomes an accountability lead."""
    told, untold = tickets.handling(), tickets.handling()
    for t, box in ((told, True), (untold, False)):
        r = submit_task(client, db, t, "reply", {**REPLY, "action": "reply", "citizen_informed": box}, {},
                        username="handler")
        assert r.status_code == 302, text(r)[:3000]

    for t, shown, warned in ((told, "是", False), (untold, "否", True)):
        url, _ = task_url(db, t, "review")
        as_user(client, db, "reviewer")
        page = text(client.get(url))
        said, marked = _informed(page)
        assert said.startswith(shown) and marked is warned, said
        assert ("责任追究线索" in said) is warned and ("第十九条第四项" in said) is warned
        r = submit_task(client, db, t, "review", {"decision": "accept"}, {}, username="reviewer")
        assert r.status_code == 302, text(r)[:3000]
        said, marked = _informed(text(client.get(f"/tickets/{t.id}")))
        assert said.startswith(shown) and marked is warned, said
