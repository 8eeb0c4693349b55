"""The default demo year, read where the office reads it: the ranking tells units apart, 热点 are few and real,
知识库维护及时率 is measured, the public page and the dashboard have a year behind them, every state is in a
worklist — and all of it written by the product's own services (docs/demo.md)."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import lxml.html
from sqlalchemy import func, select

from engine.analytics import metrics
from engine.domain.calendar import TZ
from engine.models import AuditLog, Evaluation, KnowledgeEntry, KnowledgeFlag, Supervision, Ticket, User
from tests.conftest import FrozenClock

from .conftest import NOW

# The year is seeded once per test process, and this module reads a copy of it (tests/demo/conftest.py).


def table(client, url: str, table_id: str) -> list[dict[str, str]]:
    """The rows of a table on a page, keyed by the column titles (data-label)."""
    r = client.get(url)
    assert r.status_code == 200, url
    page = lxml.html.fromstring(r.get_data(as_text=True))
    heads = [th.text_content().strip() for th in page.xpath(f'//table[@id="{table_id}"]/thead/tr/th')]
    rows = page.xpath(f'//table[@id="{table_id}"]/tbody/tr[not(td[@class="empty"])]')
    return [{td.get("data-label") or heads[i]: td.text_content().strip() for i, td in enumerate(tr.xpath("td"))}
            for tr in rows]


def in_app(demo, fn):
    from web.extensions import db

    app, _ = demo
    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def test_the_ranking_tells_units_apart(demo, office):
    ranking = table(office, "/analytics/assessment", "ranking")  # the last 30 days, as the page opens
    scores = [r["得分"] for r in ranking if r["得分"] != "—"]
    assert len(scores) >= 25
    assert len(set(scores)) >= 12  # not one tie for everybody
    assert scores.count("100.00") < len(scores) * 0.6
    assert min(float(s) for s in scores) < 70  # a struggling unit shows
    quarter = "?from=2026-08-26&to=2026-11-25"  # over a quarter every busy unit has its own score
    busy = in_app(demo, lambda s: {
        r["unit"] for r in metrics.assessment(s, NOW - timedelta(days=91), NOW) if r["counts"]["dispatched"] >= 8})
    rows = [r for r in table(office, "/analytics/assessment" + quarter, "ranking") if r["单位"] in busy]
    below = [r["得分"] for r in rows if r["得分"] != "100.00"]
    assert len(rows) >= 12 and len(rows) - len(below) <= len(rows) // 5 and len(set(below)) == len(below)


def test_hot_spots_are_few_and_the_incident_is_one(office):
    hot = table(office, "/analytics/findings", "hot-category")
    labels = [r["分类"] for r in hot]
    assert 1 <= len(labels) <= 6, labels  # not every busy category
    assert "生态环境/污水排放" in labels  # the run of calls about one industrial park in the last weeks
    repeats = table(office, "/analytics/findings", "repeat-table")
    assert any("污水排放" in r["分类"] for r in repeats)  # and the same matter reported again and again


def test_knowledge_base_upkeep_is_measured(office, demo):
    ranking = table(office, "/analytics/assessment?from=2026-08-26&to=2026-11-25", "ranking")
    upkeep = [r["知识库维护及时率"] for r in ranking if r["知识库维护及时率"] != "—"]
    assert len(upkeep) >= 8
    assert any(v != "100.0%" for v in upkeep) and "100.0%" in upkeep  # late uploads or fixes, and punctual ones
    late = in_app(demo, lambda s: s.scalar(select(func.count()).select_from(KnowledgeEntry)
                                           .where(KnowledgeEntry.uploaded_late.is_(True))))
    fixed_late = in_app(demo, lambda s: s.scalar(select(func.count()).select_from(KnowledgeFlag)
                                                 .where(KnowledgeFlag.fixed_late.is_(True))))
    assert late >= 3 and fixed_late >= 1


def test_a_year_of_seasons_on_the_dashboard(office, demo):
    year = "?from=2025-11-26&to=2026-11-25"
    trend = table(office, "/analytics/" + year, "table-trend")
    per_month = Counter(r["日期"][:7] for r in trend for _ in range(int(r["工单量"])))
    assert len(per_month) == 13 and min(per_month[m] for m in per_month if m not in ("2025-11", "2026-11")) >= 60
    by_category = {r["分类"]: int(r["工单量"]) for r in table(office, "/analytics/" + year, "table-by_category")}
    assert len(by_category) >= 35

    def month_count(category, month):
        lo = f"{month}-01"
        hi = f"{month}-{'30' if month.endswith(('06', '09', '11')) else '31'}"
        rows = table(office, f"/analytics/?from={lo}&to={hi}", "table-by_category")
        return sum(int(r["工单量"]) for r in rows if r["分类"] == category)
    assert month_count("水务/排水内涝", "2026-06") > 3 * max(1, month_count("水务/排水内涝", "2026-01"))
    assert month_count("教育/入学", "2026-07") > month_count("教育/入学", "2026-11")


def test_red_cards_redos_and_every_state(demo):
    def facts(s):
        return {"red": s.scalar(select(func.count()).select_from(Supervision).where(Supervision.reason == "red_card")),
                "redone": s.scalar(select(func.count()).select_from(Ticket).where(Ticket.redo_count >= 1)),
                "excluded": s.scalar(select(func.count()).select_from(Evaluation)
                                     .where(Evaluation.excluded_from_assessment.is_(True))),
                "unevaluated": s.scalar(select(func.count()).select_from(Evaluation)
                                        .where(Evaluation.handling_rating == "none")),
                "deemed": s.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "deemed_accept")),
                "states": set(s.scalars(select(Ticket.status).distinct())),
                "first": s.scalar(select(func.min(Ticket.created_at)))}
    f = in_app(demo, facts)
    assert 2 <= f["red"] <= 20  # a few red cards, each supervised with a printed notice
    assert f["redone"] >= 5 and f["excluded"] >= 5 and f["unevaluated"] >= 20 and f["deemed"] >= 10
    assert {"scoping", "dispatching", "county_dispatching", "signing", "co_handling", "handling", "reviewing",
            "evaluating", "redo_deciding", "archived", "refused"} <= f["states"]
    assert f["first"].astimezone(TZ).date() <= (NOW - timedelta(days=360)).astimezone(TZ).date()


def test_most_replies_told_the_citizen_and_the_accountability_list_pages(demo):
    """Replies tell the citizen the result about 19 times in 20, so 「未答复诉求人」 (Art. 19(4)) is a realistic few
    among the candidates; the supervisor's 责任追究 list shows every candidate in its totals and pages through them."""
    from engine.models import AccountabilityCase, Reply

    def facts(s):
        informed = dict(s.execute(select(Reply.citizen_informed, func.count()).group_by(Reply.citizen_informed)).all())
        by_ground = dict(s.execute(select(AccountabilityCase.situation, func.count())
                                   .group_by(AccountabilityCase.situation)).all())
        untold = s.scalars(select(Reply.result).where(Reply.citizen_informed.is_(False))).all()
        return informed, by_ground, s.scalar(select(User.id).where(User.username == "supervisor")), untold
    informed, by_ground, supervisor, untold = in_app(demo, facts)
    # A reply that did not reach the citizen does not also say the result was given to them.
    assert untold and not [r for r in untold if re.search("(回复|告知|向)诉求人", r)]
    replies = informed.get(True, 0) + informed.get(False, 0)
    assert replies >= 500 and 0 < informed.get(False, 0) <= replies * 0.1
    assert by_ground.get(4) == informed[False] and by_ground[4] < sum(by_ground.values()) / 3

    app, _ = demo
    client = app.test_client()
    with client.session_transaction() as s:
        s["uid"] = supervisor
    page = client.get("/oversight/accountability").get_data(as_text=True)
    total = sum(by_ground.values())
    assert f"共 {total} 条" in page and f"第 1 / {(total - 1) // 50 + 1} 页" in page
    ground = client.get("/oversight/accountability?situation=4").get_data(as_text=True)
    assert f"共 {by_ground[4]} 条" in ground and "（4）未答复诉求人" in ground


def test_a_refused_call_says_what_its_reason_is_about(demo):
    """A call handed to 110 was an emergency, a call refused as 无实质诉求 had none: the demo's refused calls fit
    their reasons (the reviewer found a pension question 「转接110报警服务台」)."""
    from engine.demo.plans import REFUSED_CALLS

    def refused(s):
        return s.execute(select(Ticket.refusal_code, Ticket.content).where(Ticket.refusal_code.is_not(None))).all()
    rows = in_app(demo, refused)
    assert {code for code, _ in rows} & {2, 9}, "the demo year refuses emergencies and empty calls"
    assert [(code, content) for code, content in rows
            if code in REFUSED_CALLS and content not in REFUSED_CALLS[code]] == []


def test_the_demo_logins_have_work_waiting(demo):
    from engine.models import TaskProjection

    def waiting(s):
        rows = s.execute(select(User.username, func.count()).join(TaskProjection, TaskProjection.unit_id == User.unit_id)
                         .where(TaskProjection.role == User.role).group_by(User.username)).all()
        return dict(rows)
    work = in_app(demo, waiting)
    assert work.get("receiver", 0) >= 1 and work.get("handler", 0) >= 1 and work.get("county_dispatcher", 0) >= 1


def test_seeding_reports_its_progress(demo):
    _, said = demo
    months = [line for line in said if "已登记" in line]
    assert len(months) >= 12 and said[-1].startswith("完成：共登记")
    total = int(said[-1].split("共登记")[1].split("件")[0])
    assert 1300 <= total <= 1700  # about the default 1,500 registrations


def test_the_command_shows_its_progress(tmp_path_factory):
    """`flask seed-demo` on an empty database: it says what it is doing month by month and ends with the logins."""
    from .conftest import demo_app_for, fresh_database

    url, drop = fresh_database(tmp_path_factory, "cli")
    try:
        app = demo_app_for(url, FrozenClock(NOW))
        result = app.test_cli_runner().invoke(args=["seed-demo", "--tickets", "24", "--months", "2"])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert "正在生成演示数据（2个月、约24件工单）……" in lines
        assert sum("已登记" in line for line in lines) >= 2 and any(line.strip().startswith("完成：") for line in lines)
        assert "演示账号（密码均为 demo12345）" in result.output and "dispatcher" in result.output
    finally:
        from engine.common.context import reset_caches

        reset_caches()
        drop()
