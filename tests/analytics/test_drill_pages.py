"""考核 drill-down through the page: every figure on the ranking links to the tickets (or knowledge-base items)
behind it, and the lists it opens add up to the figure."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from engine.models import Ticket
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import build
from tests.analytics.test_versions_and_kb import kb_set
from tests.support.pages import as_user, text

pytestmark = pytest.mark.usefixtures("clean")
Q = "?from=2026-11-01&to=2026-12-31"
COUNTED = re.compile(r"（(\d+)）$")
KB_COUNTED = re.compile(r"共(\d+)项，按时(\d+)项，逾期(\d+)项")


def _figure(page, metric: str) -> str:
    """The rate the drill page's lists give, printed as the ranking prints it."""
    heads = [h.text_content().strip() for h in page.xpath("//h2")]
    if metric == "kb_upkeep_rate":
        parts = [tuple(map(int, KB_COUNTED.search(h).groups())) for h in heads]
        assert all(den == on + late for den, on, late in parts), heads
        num, den = sum(p[1] for p in parts), sum(p[0] for p in parts)
    else:
        counted = {h.split("（")[0]: int(COUNTED.search(h).group(1)) for h in heads}
        num, den = counted["计入分子的工单"], counted["计入分母的工单"]
        listed = [len(p.xpath(".//a")) for p in page.xpath("//h2/following-sibling::p[1]")]
        assert listed == [num, den], (heads, listed)  # the heading's count is the list's length
    rate = min(1.0, num / den) if metric == "supervision_rate" else num / den
    return "%.1f%%" % (rate * 100)


def test_every_drill_link_on_the_ranking_opens_the_tickets_behind_its_figure(client, db):
    build(db)
    kb_set(db)
    numbers = set(db.session.scalars(select(Ticket.number)))
    as_user(client, db, "supervisor")
    ranking = lxml.html.fromstring(text(client.get("/reports/" + Q)))
    links = ranking.xpath("//table//a[starts-with(@href, '/reports/drill')]")
    metrics = {parse_qs(urlsplit(a.get("href")).query)["metric"][0] for a in links}
    assert metrics == {"sign_rate", "on_time_rate", "satisfaction_rate", "redo_rate", "return_rate",
                       "supervision_rate", "kb_upkeep_rate"}
    for a in links:
        href, shown = a.get("href"), a.text_content().strip()
        r = client.get(href)
        assert r.status_code == 200, href
        page = lxml.html.fromstring(text(r))
        metric = parse_qs(urlsplit(href).query)["metric"][0]
        assert _figure(page, metric) == shown, href
        if metric != "kb_upkeep_rate":  # each ticket by its number, linked to the ticket
            for t in page.xpath("//h2/following-sibling::p[1]//a"):
                assert t.text_content() in numbers and t.get("href").startswith("/tickets/")
