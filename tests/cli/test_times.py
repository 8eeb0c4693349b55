"""Times on the command line read like on the pages: Beijing time, and the zone is said."""
from __future__ import annotations

import re


def test_calendar_show_says_when_a_year_was_entered_in_beijing_time(app, db):
    shown = app.test_cli_runner().invoke(args=["calendar", "show", "2026"])
    assert shown.exit_code == 0, shown.output
    # the suite's database was set up at 2026-11-25 02:00 UTC, which is 10:00 in Beijing
    assert "录入于 2026-11-25 10:00 +08:00）" in shown.stdout.splitlines()[0]


def test_bpmn_versions_shows_beijing_time_with_its_zone(app, db):
    listing = app.test_cli_runner().invoke(args=["bpmn", "versions"]).stdout
    assert listing.splitlines()[0].startswith("版本、部署时间（北京时间）")
    assert re.search(r"^\* v\d+ +2026-11-25 10:00 \+08:00 ", listing, re.M), listing
