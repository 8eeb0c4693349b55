"""A caller flag's page on a phone (390 px): the table of the caller's tickets becomes stacked rows like the other
lists, so the page does not scroll sideways and no cell is squeezed to a sliver."""
from __future__ import annotations

from tests.oversight.test_callers import caller, flag_row, propose  # noqa: F401  (caller: fixture)
from tests.support.browser import horizontal_overflow
from tests.support.pages import as_user

READABLE = 120  # px: a cell narrower than this on a 390-px phone wraps its few Chinese characters one per line
CELLS = """(table) => Array.from(table.querySelectorAll('tbody td')).map(td => ({
  width: td.getBoundingClientRect().width, label: getComputedStyle(td, '::before').content.replace(/^"|"$/g, '')}))"""


def test_a_flags_tickets_are_readable_on_a_phone(client, db, caller, people, shot):  # noqa: F811
    as_user(client, db, "agent")
    assert propose(client, db, caller).status_code == 302
    flag = flag_row(db)
    page = people.signed_in("agent", phone=True)
    page.goto(f"/callers/flags/{flag.id}")
    table = page.locator("#caller-tickets")
    assert all(t.number in table.inner_text() for t in caller)
    assert horizontal_overflow(page)["page"] == 0
    cells = table.evaluate(CELLS)
    assert len(cells) == 5 * len(caller) and min(c["width"] for c in cells) >= READABLE, cells
    # Each stacked cell still says which column it is (the header row is hidden on a phone).
    assert [c["label"] for c in cells[:5]] == ["工单", "登记时间", "类型", "状态", "内容"]
    shot(page, "caller-flag-phone")


def test_the_list_of_flags_is_readable_on_a_phone(client, db, caller, people):  # noqa: F811
    as_user(client, db, "agent")
    assert propose(client, db, caller).status_code == 302
    page = people.signed_in("agent", phone=True)
    page.goto("/callers")
    table = page.locator("#flag-list")
    assert "查看" in table.inner_text()
    assert horizontal_overflow(page)["page"] == 0
    cells = table.evaluate(CELLS)
    assert len(cells) == 7 and min(c["width"] for c in cells) >= READABLE, cells
    assert [c["label"] for c in cells] == ["号码", "类型", "状态", "有效至", "标记人", "复核人", "操作"]
