"""公开统计 in a citizen's browser: the charts the office pages have, each beside the table of its figures, drawn by the
bundled Chart.js under the CSP; no serious accessibility violation (axe-core); usable at 200 % zoom; no 404."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import build
from tests.support.browser import axe_violations, horizontal_overflow

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
pytestmark = [pytest.mark.usefixtures("clean"),
              pytest.mark.skipif(not (VENDOR / "charts.js").is_file(),
                                 reason="front-end bundle not built: run scripts/build-frontend.sh (make setup)")]
URL = "/public/?from=2026-11-01&to=2026-12-31"
CHARTS = {"trend": "table-trend", "by_type": "table-by_type", "by_unit": "table-by_unit", "rates": "table-rates"}
INKED = """(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""


def open_public(page):
    failed, errors = [], []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(URL)
    page.wait_for_function("document.documentElement.dataset.chartsReady !== undefined")
    return failed, errors


def test_public_charts_beside_their_tables(db, people, clock, shot):
    build(db)
    clock.set("2027-01-05T10:00:00+08:00")
    page = people.page()  # a citizen: no sign-in
    failed, errors = open_public(page)
    for chart, table in CHARTS.items():
        canvas = page.locator(f"canvas[data-chart='{chart}'][data-ready='true']")
        assert canvas.evaluate(INKED) > 500, chart
        box, beside = canvas.bounding_box(), page.locator(f"#{table}").bounding_box()
        assert beside["x"] >= box["x"] + box["width"] - 1, f"{table} is not beside its chart"
        assert beside["y"] < box["y"] + box["height"], f"{table} is not beside its chart"
    rows = page.locator("#table-rates tbody tr", has_text="河源市住房和城乡建设局")
    assert "75.0%" in rows.inner_text()
    assert page.locator("#table-by_type tbody tr", has_text="投诉").inner_text().split()[1] == "5"
    assert page.inner_text("#registered") == "5"
    assert axe_violations(page) == []
    assert failed == [] and errors == []  # every request answered (/favicon.ico too), no script error
    shot(page, "public-statistics")


def test_public_statistics_at_200_percent_zoom(db, people, clock, shot):
    build(db)
    clock.set("2027-01-05T10:00:00+08:00")
    page = people.page(zoom=2)
    failed, errors = open_public(page)
    assert horizontal_overflow(page) == {"page": 0, "main": 0, "width": 640}
    for chart, table in CHARTS.items():  # one column now: each table right under its chart
        box = page.locator(f"canvas[data-chart='{chart}']").bounding_box()
        under = page.locator(f"#{table}").bounding_box()
        assert under["y"] >= box["y"] + box["height"] - 1 and box["width"] <= 640
    assert "河源市住房和城乡建设局" in page.inner_text("#table-rates")
    assert axe_violations(page) == []
    assert failed == [] and errors == []
    shot(page, "public-statistics-200pct")
