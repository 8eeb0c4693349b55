"""The 责任追究 list: the true totals, pages of 50 without gaps or repeats, filters by 情形, 单位 and 状态 that
narrow both the list and the totals, and the statements it runs are bounded."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from engine.common.db import transaction
from engine.models import AccountabilityCase
from tests.support.pages import as_user, text, unit_id

LIST = "/oversight/accountability"
CASE_LINK = re.compile(r'href="/oversight/accountability/(\d+)"')
NEXT = re.compile(r'<a href="([^"]+)">下一页</a>')


@pytest.fixture
def cases(db, clock):
    """More candidates than a page holds, as the scheduler would find them: 57 unanswered citizens (4) at 住建局,
    8 overdue replies (3) at 人社局; and two confirmed redo cases (2) at 住建局. Returns the ids by kind."""
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    now = clock()
    made: dict[str, list[int]] = {"informed": [], "overdue": [], "confirmed": []}
    with transaction(db.session):
        for kind, situation, unit, n, status in (("informed", 4, zjj, 57, "candidate"),
                                                 ("overdue", 3, rsj, 8, "candidate"),
                                                 ("confirmed", 2, zjj, 2, "confirmed")):
            rows = [AccountabilityCase(situation=situation, source_key=f"{kind}:{i}", unit_id=unit, ticket_ids=[],
                                       facts=[f"测试事实{kind}{i}"], detected_by="system", created_at=now,
                                       status=status) for i in range(n)]
            db.session.add_all(rows)
            db.session.flush()
            made[kind] = [r.id for r in rows]
    return made


def ids(page: str) -> list[int]:
    return [int(i) for i in CASE_LINK.findall(page.split("<main")[1])]


def follow_next(client, page: str) -> str:
    found = NEXT.search(page)
    assert found, "no 下一页 link"
    r = client.get(html.unescape(found.group(1)))
    assert r.status_code == 200
    return text(r)


def test_the_heading_shows_the_true_total_and_the_pages_hold_every_case_once(client, db, cases):
    as_user(client, db, "supervisor")
    first = text(client.get(LIST))
    assert "共 67 条" in first and "待审核线索（65）" in first and "已确认（2）" in first
    assert "第 1 / 2 页" in first and "上一页" not in first
    one = ids(first)
    assert len(one) == 50 == len(set(one))
    second = follow_next(client, first)
    assert "第 2 / 2 页" in second and "下一页" not in second and "上一页" in second
    two = ids(second)
    assert len(two) == 17 == len(set(two))
    assert not set(one) & set(two)
    assert set(one) | set(two) == {i for kind in cases.values() for i in kind}
    # candidates first (newest first), the confirmed ones after them
    assert two[-2:] == sorted(cases["confirmed"], reverse=True)
    assert one[0] == max(cases["overdue"] + cases["informed"])


def test_filters_narrow_the_list_and_the_totals(client, db, cases):
    as_user(client, db, "supervisor")
    page = text(client.get(LIST))
    assert '<option value="3">（3）无正当理由逾期办理</option>' in page
    assert f'<option value="{unit_id(db, "HY-RSJ")}">' in page

    overdue = text(client.get(LIST, query_string={"situation": "3"}))
    assert "共 8 条" in overdue and "待审核线索（8）" in overdue and "已确认（0）" in overdue
    assert sorted(ids(overdue)) == sorted(cases["overdue"]) and "第 1 /" not in overdue

    rsj = text(client.get(LIST, query_string={"unit_id": str(unit_id(db, "HY-RSJ"))}))
    assert "共 8 条" in rsj and sorted(ids(rsj)) == sorted(cases["overdue"])

    confirmed = text(client.get(LIST, query_string={"status": "confirmed"}))
    assert "已确认共 2 条" in confirmed and sorted(ids(confirmed)) == sorted(cases["confirmed"])

    # a filtered list pages too, and its 下一页 keeps the filters
    first = text(client.get(LIST, query_string={"situation": "4", "status": "candidate"}))
    assert "待审核线索共 57 条" in first and "第 1 / 2 页" in first
    second = follow_next(client, first)
    assert "待审核线索共 57 条" in second
    assert sorted(ids(first) + ids(second)) == sorted(cases["informed"])

    # the status links keep the other filters (and add no empty ones)
    link = re.search(r'id="status-confirmed" href="([^"]+)"', first)
    assert link and parse_qs(urlsplit(html.unescape(link.group(1))).query, keep_blank_values=True) == {
        "status": ["confirmed"], "situation": ["4"]}


def test_odd_query_args_are_ignored_and_a_page_past_the_end_is_empty(client, db, cases):
    as_user(client, db, "supervisor")
    r = client.get(LIST, query_string={"page": "abc", "situation": "99", "status": "x", "unit_id": "-1"})
    assert r.status_code == 200 and "共 67 条" in text(r) and len(ids(text(r))) == 50
    r = client.get(LIST, query_string={"page": "9"})
    assert r.status_code == 200 and "没有符合条件的线索" in text(r) and ids(text(r)) == []


def test_the_list_runs_one_count_and_one_bounded_page_query(client, db, cases):
    as_user(client, db, "supervisor")
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        if "accountability_case" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(statement.split()).upper())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(LIST, query_string={"page": "2"}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    counts = [s for s in seen if "COUNT(" in s and "GROUP BY ACCOUNTABILITY_CASE.STATUS" in s]
    rows = [s for s in seen if "COUNT(" not in s]
    assert len(counts) == 1 and len(rows) == 1 and "LIMIT" in rows[0], seen


@pytest.mark.parametrize("role", ["handler", "unit_leader", "receiver", "agent"])
def test_other_roles_are_still_refused(client, db, cases, role):
    as_user(client, db, role)
    assert client.get(LIST, query_string={"situation": "4", "page": "2"}).status_code == 403
    assert client.get(f"{LIST}/{cases['informed'][0]}").status_code == 403
