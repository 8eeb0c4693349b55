"""The statistics dashboard draws its charts in the browser from the bundled Chart.js, under the CSP, without errors."""
from __future__ import annotations

from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
pytestmark = pytest.mark.skipif(not (VENDOR / "charts.js").is_file(),
                                reason="front-end bundle not built: run scripts/build-frontend.sh (make setup)")

# How many pixels of a canvas are not transparent: 0 for a canvas nothing was drawn on.
INKED = """(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""


def test_dashboard_charts_render(people, tickets, clock, shot):
    for i, channel in enumerate(("phone", "phone", "web", "wechat", "phone")):
        clock.set(f"2026-11-{20 + i}T10:00:00+08:00")
        phone = "13812345678" if channel == "phone" else f"1390000{i:04d}"  # three calls from one caller
        tickets.new(channel=channel, citizen_phone=phone, address=f"龙岭路{i}号", content=f"第{i}件诉求：路灯损坏请维修。")
    page = people.signed_in("dispatcher")
    errors, blocked = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: blocked.append(m.text) if m.type == "error" else None)
    page.goto("/analytics/?from=2026-11-01&to=2026-11-30")
    page.wait_for_function("document.documentElement.dataset.chartsReady !== undefined")
    drawn = page.locator("canvas[data-chart][data-ready='true']")
    ids = {drawn.nth(i).get_attribute("data-chart") for i in range(drawn.count())}
    assert ids == {"trend", "by_channel", "by_type", "by_category", "by_county", "by_unit", "open"}
    for i in range(drawn.count()):
        canvas = drawn.nth(i)
        assert canvas.bounding_box()["height"] > 100
        assert canvas.evaluate(INKED) > 500, canvas.get_attribute("data-chart")
    assert page.locator("#table-by_channel").is_visible()
    assert errors == [] and blocked == []
    shot(page, "analytics-dashboard")

    page.click("text=热点·难点·堵点")
    page.wait_for_selector("#repeat-table")
    assert "138****5678" in page.inner_text("#repeat-table") and "13812345678" not in page.content()
    shot(page, "analytics-findings")
    page.click("text=单位考核排名")
    page.wait_for_selector("#ranking")
    assert errors == [] and blocked == []

    phone = people.signed_in("dispatcher", phone=True)
    phone.goto("/analytics/?from=2026-11-01&to=2026-11-30")
    phone.wait_for_function("document.documentElement.dataset.chartsReady !== undefined")
    assert phone.locator("canvas[data-chart='trend']").evaluate(INKED) > 500
    shot(phone, "analytics-dashboard-phone")
