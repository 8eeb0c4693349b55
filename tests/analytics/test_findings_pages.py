"""热点·难点·堵点 through the page: the late replies it lists are those the assessment counts as not on time."""
from __future__ import annotations

import lxml.html

from tests.support.helpers import REPLY
from tests.support.pages import as_user, text, unit_id

PERIOD = "from=2026-12-01&to=2026-12-31"


def test_a_late_reply_stays_listed_after_a_redo_moves_the_deadline(client, db, clock, tickets):
    # Signed on 11-25: due 2026-12-09 24:00. Replied on 12-11 (late), then redone: the ticket's deadline is now the
    # redo's, after that reply; the assessment still counts the reply as late, and so must the list.
    clock.set("2026-11-25T10:00:00+08:00")
    redone = tickets.handling()
    plain = tickets.handling()
    clock.set("2026-12-11T09:00:00+08:00")
    for t in (redone, plain):
        tickets.act("handler", t, "reply", **REPLY)
        tickets.act("reviewer", t, "review", decision="accept")
    clock.set("2026-12-11T10:00:00+08:00")
    tickets.act("agent", redone, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied",
                method="callback", comment="问题没有解决")
    clock.set("2026-12-14T09:00:00+08:00")
    tickets.act("reviewer", redone, "redo_decision", kind="reasonable", reason="问题仍未解决")
    assert redone.handling_due > plain.handling_due  # the redo's deadline, after the reply
    clock.set("2026-12-15T09:00:00+08:00")

    as_user(client, db, "supervisor")
    page = lxml.html.fromstring(text(client.get(f"/analytics/findings?{PERIOD}")))
    block = page.get_element_by_id("overdue")
    heading = block.xpath(".//h3[contains(., '本期间逾期答复')]")[0].text_content()
    assert "共 2 件" in heading
    rows = {tr.xpath("./td")[0].text_content().strip(): [td.text_content().strip() for td in tr.xpath("./td")]
            for tr in page.get_element_by_id("overdue-late").iterfind(".//tbody/tr")}
    assert set(rows) == {redone.number, plain.number}
    assert rows[plain.number][3] == "2026-12-09 24:00" and rows[plain.number][5] == "1.4"
    assert rows[redone.number][3].startswith("答复时已超过当时的办理时限") and rows[redone.number][5] == "—"
    units = {tr.xpath("./td")[0].text_content().strip(): tr.xpath("./td")[1].text_content().strip()
             for tr in page.get_element_by_id("units-late").iterfind(".//tbody/tr")}
    assert list(units.values()) == ["2"]  # the unit table agrees with the list

    # …and with the assessment: 按时办结率 of the unit counts both replies as late.
    drill = lxml.html.fromstring(text(client.get(
        f"/reports/drill?{PERIOD}&metric=on_time_rate&unit_id={unit_id(db, 'HY-ZJJ')}")))
    assert [h.text_content() for h in drill.xpath("//h2")] == ["计入分子的工单（0）", "计入分母的工单（2）"]
