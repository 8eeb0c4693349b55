"""On a phone (390 px) the 我的待办 card keeps 剩余… beside the deadline, and radio buttons, checkboxes and 退出 are
tap targets of at least about 24 px; the desktop keeps its small controls (review of December 2026, item 12)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"


def test_the_task_card_and_the_tap_targets_on_a_phone(people, tickets, shot):
    tickets.dispatched()
    page = people.signed_in("receiver", phone=True)
    page.goto("/tasks")
    cell = page.locator("td[data-label='时限']").first
    left = cell.locator("small").evaluate(BOX)
    label_end = cell.evaluate("el => el.getBoundingClientRect().left + parseFloat(getComputedStyle(el).paddingLeft)")
    assert "剩余" in cell.inner_text()
    assert left[0] >= label_end - 1, (left, label_end)  # in the value column, not under the label 时限
    for selector in ("header .who button.link", "header .who a"):
        box = page.locator(selector).first.evaluate(BOX)
        assert box[2] >= 24 and box[3] >= 24, (selector, box)
    page.goto("/inbox")
    page.locator("li.item").first.get_by_role("link", name="签收或退回").click()
    page.wait_for_load_state()
    radio = page.locator("input[name=decision][value=sign]")
    assert all(v >= 24 for v in radio.evaluate(BOX)[2:])
    page.locator("label.opt", has_text="签收").first.locator("span").click()  # the label's text checks it
    assert radio.is_checked()
    shot(page, "sign-phone-tap-targets")

    desk = people.signed_in("receiver")
    desk.goto("/inbox")
    desk.locator("li.item").first.get_by_role("link", name="签收或退回").click()
    desk.wait_for_load_state()
    assert desk.locator("input[name=decision][value=sign]").evaluate(BOX)[2] < 20  # the desktop is unchanged
