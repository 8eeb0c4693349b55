"""发送记录 in headless chromium: a resend button keeps its text on one line next to a long notice, on the desktop
and on a phone."""
from __future__ import annotations

import pytest

from .test_outbox_page import add

pytestmark = pytest.mark.browser

ONE_LINE = """() => [...document.querySelectorAll('td.actions-cell button')].map(b => {
  const range = document.createRange();
  range.selectNodeContents(b);
  return [b.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
})"""


@pytest.mark.parametrize("phone", [False, True])
def test_the_resend_button_stays_on_one_line(people, db, shot, phone):
    add(db, 2, status="failed", attempts=8, last_error="http: HTTP 503 busy " * 8)
    add(db, 1, status="pending", first=3, attempts=1, last_error="http: HTTP 502")
    page = people.signed_in("admin", phone=phone)
    page.goto("/admin/notices")
    lines = page.evaluate(ONE_LINE)
    assert sorted(lines) == [["立即重试", 1], ["重新发送", 1], ["重新发送", 1]]
    shot(page, "notices-outbox-phone" if phone else "notices-outbox")
