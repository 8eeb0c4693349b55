"""The 紧急专线联动 page on a phone (390 px): its two tables become stacked rows like the other lists, so the page
does not scroll sideways and no cell is squeezed to a sliver."""
from __future__ import annotations

from tests.support.browser import horizontal_overflow

READABLE = 120  # px: a cell narrower than this on a 390-px phone wraps its few Chinese characters one per line

CELL_WIDTHS = """(selector) => Array.from(document.querySelectorAll(selector + ' td'))
  .map(td => td.getBoundingClientRect().width)"""
LABELS = """(tr) => Array.from(tr.querySelectorAll('td'))
  .map(td => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))"""


def test_handoff_tables_are_readable_on_a_phone(db, people, tickets, shot):
    t = tickets.new(scope="refuse", refusal_code=2, content="家门口有人持刀打架，现场很乱，请赶快处理！",
                    refusal_explanation="该事项属于110报警服务台职责，已为您转接110。",
                    handoff_line="110", handoff_outcome="transferred", handoff_summary="来电称永和路18号门口有人持刀打架")
    page = people.signed_in("dispatcher", phone=True)
    page.goto("/handoffs")
    assert t.number in page.inner_text("#handoff-list")
    assert horizontal_overflow(page)["page"] == 0
    for table in ("#handoff-stats", "#handoff-list"):
        widths = page.evaluate(CELL_WIDTHS, table)
        assert widths and min(widths) >= READABLE, (table, widths)
    # Each stacked cell still says which column it is (the header row is hidden on a phone).
    november = page.locator("#handoff-stats tbody tr", has_text="11月")
    assert november.evaluate(LABELS) == ["月份", "转110", "转119", "转120", "转122", "110转来"]
    assert page.locator("#handoff-list tbody tr").first.evaluate(LABELS) == ["时间", "方向", "专线", "结果",
                                                                              "110接警单号", "工单"]
    shot(page, "handoffs-phone")
