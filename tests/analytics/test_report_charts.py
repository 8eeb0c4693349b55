"""What the printed reports draw and call things: the 每日受理量 line runs over every day of the period (a day without
tickets at 0, as the dashboard draws it), and the documents name each metric as the assessment page does."""
from __future__ import annotations

import base64
import re

import pytest

from engine.models import IssuedDocument
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import build
from tests.analytics.test_report_confirm import confirm, open_confirmation
from tests.docstore.conftest import pdf_text
from tests.support.pages import as_user, text
from tests.tickets.test_lifecycle import new_ticket

pytestmark = pytest.mark.usefixtures("clean")
NOV = "?from=2026-11-01&to=2026-11-30"


def _chart_points(doc: IssuedDocument) -> list[tuple[float, float]]:
    """The points of the 每日受理量 line as the document's chart holds them."""
    chart = next(c for c in doc.facts["charts"] if c["title"].startswith("每日受理量"))
    svg = base64.b64decode(chart["src"].split(",", 1)[1]).decode("utf-8")
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    return [tuple(float(v) for v in p.split(",")) for p in points]


@pytest.mark.parametrize(("button", "typed"), [("出具专报", {"category": "城乡建设/噪音扰民"}),
                                               ("出具工作简报", {})])
def test_the_daily_chart_covers_the_whole_period_with_empty_days_at_zero(client, db, button, typed):
    # Tickets on 11-03 (two) and 11-20 (one) only: the line still runs 11-01 … 11-30 and lies on 0 between them.
    for when in ("2026-11-03T09:00:00+08:00", "2026-11-03T15:00:00+08:00", "2026-11-20T10:00:00+08:00"):
        new_ticket(db, now=when)
    as_user(client, db, "supervisor")
    doc_id = confirm(client, open_confirmation(client, button, "/reports/" + NOV, **typed))
    doc = db.session.get(IssuedDocument, doc_id)
    printed = pdf_text(client.get(f"/documents/{doc_id}/pdf").get_data())
    chart = printed[printed.index("每日受理量（件）"):]
    assert "11-0111-1611-30" in chart and "11-03" not in chart, chart[:80]  # the first, middle and last day
    points = _chart_points(doc)
    assert len(points) == 30  # one point a day
    floor = max(y for _, y in points)  # the 0 line
    on_zero = [i + 1 for i, (_, y) in enumerate(points) if y == floor]
    assert on_zero == [d for d in range(1, 31) if d not in (3, 20)]


def test_the_documents_name_the_signing_rate_as_the_assessment_page_does(client, db):
    build(db)
    as_user(client, db, "supervisor")
    page = text(client.get("/reports/?from=2026-11-01&to=2026-12-31"))
    assert "签收及时率" in page
    for button in ("出具考核通报", "出具工作简报"):
        doc_id = confirm(client, open_confirmation(client, button))
        printed = pdf_text(client.get(f"/documents/{doc_id}/pdf").get_data())
        assert "签收及时率" in printed and "按时签收率" not in printed, button


def test_the_bulletins_score_chart_writes_each_score_as_its_table_does(client, db):
    build(db)
    as_user(client, db, "supervisor")
    doc_id = confirm(client, open_confirmation(client, "出具考核通报"))
    doc = db.session.get(IssuedDocument, doc_id)
    table = {row[1]: row[2] for row in doc.facts["tables"][0]["rows"]}
    chart = next(c for c in doc.facts["charts"] if c["title"].startswith("承办单位综合得分"))
    svg = base64.b64decode(chart["src"].split(",", 1)[1]).decode("utf-8")
    drawn = re.findall(r">([\d.,]+)分</text>", svg)
    assert drawn and drawn == [table[name] for name in list(table)[:len(drawn)]]  # 76.75, not 76.8
    printed = pdf_text(client.get(f"/documents/{doc_id}/pdf").get_data())
    assert all(f"{score}分" in printed for score in drawn)
