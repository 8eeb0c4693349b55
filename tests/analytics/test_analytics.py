"""Metrics, drill-down, dashboard, hot spots and the public page over tickets driven through the real services."""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.analytics import metrics as analytics
from engine.common.db import transaction
from engine.oversight import supervision
from tests.support.files import by_header, csv_table
from tests.support.helpers import CITIZEN, REPLY, unit, user
from tests.tickets.test_lifecycle import act, at, new_ticket

START, END = at("2026-11-01T00:00:00+08:00"), at("2027-01-01T00:00:00+08:00")
NAMES = ("张三丰", "李四娘", "王五")
PHONES = ("13800001234", "13900005678", "13700009999")


def lead_to_handling(db, ticket_extra=None):
    t, _ = new_ticket(db, scope="accept", **(ticket_extra or {}))
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-25T11:00:00+08:00",
        lead_unit=unit(db.session, "HY-ZJJ").id)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    return t


def reply_accept(db, t, when):
    act(db, user(db.session, "handler"), t, "reply", f"{when}T09:00:00+08:00", **REPLY)
    act(db, user(db.session, "reviewer"), t, "review", f"{when}T10:00:00+08:00", decision="accept")


def evaluate(db, t, when, rating):
    act(db, user(db.session, "agent"), t, "evaluate", f"{when}T10:00:00+08:00", intake_rating="satisfied",
        handling_rating=rating, method="callback", comment="问题没有解决" if "dissatisfied" in rating else None)


def build(db) -> dict:
    """Five tickets led by 市住建局 (HY-ZJJ) and one redispatched to 市人社局, with the expected counts:

    T1 signed, replied on time, 满意.                    T2 signed, on time, 不满意 found unreasonable (excluded).
    T3 returned within the window, redispatched to RSJ.  T4 signed, replied after the deadline, 基本满意, supervised.
    T5 signed, on time, 不满意 found reasonable → redone, then 满意.
    """
    t1 = lead_to_handling(db, {"citizen_name": NAMES[0], "citizen_phone": PHONES[0]})
    reply_accept(db, t1, "2026-11-27")
    evaluate(db, t1, "2026-11-28", "satisfied")

    t2 = lead_to_handling(db, {"citizen_name": NAMES[1], "citizen_phone": PHONES[1]})
    reply_accept(db, t2, "2026-11-27")
    evaluate(db, t2, "2026-11-28", "dissatisfied")
    act(db, user(db.session, "reviewer"), t2, "redo_decision", "2026-11-30T09:00:00+08:00", kind="unreasonable",
        reason="诉求超出政策规定")

    t3, _ = new_ticket(db, scope="accept", citizen_name=NAMES[2], citizen_phone=PHONES[2])
    act(db, user(db.session, "dispatcher"), t3, "dispatch", "2026-11-25T11:00:00+08:00",
        lead_unit=unit(db.session, "HY-ZJJ").id)
    act(db, user(db.session, "receiver"), t3, "sign", "2026-11-26T09:00:00+08:00", decision="return",
        return_reason="属于人社部门职责", return_basis="《劳动保障监察条例》第十三条")
    act(db, user(db.session, "dispatcher"), t3, "dispatch", "2026-11-27T09:00:00+08:00",
        lead_unit=unit(db.session, "HY-RSJ").id)
    act(db, user(db.session, "receiver2"), t3, "sign", "2026-11-27T10:00:00+08:00", decision="sign")

    t4 = lead_to_handling(db)
    with transaction(db.session):
        supervision.open_supervision(db.session, user(db.session, "supervisor"), t4.id, "supervisor",
                                     at("2026-11-26T09:00:00+08:00"))
    reply_accept(db, t4, "2026-12-11")  # due 2026-12-10 00:00 → late
    evaluate(db, t4, "2026-12-12", "basic")

    t5 = lead_to_handling(db)
    reply_accept(db, t5, "2026-11-27")
    evaluate(db, t5, "2026-11-28", "dissatisfied")
    act(db, user(db.session, "reviewer"), t5, "redo_decision", "2026-11-30T09:00:00+08:00", kind="reasonable",
        reason="问题仍未解决")
    reply_accept(db, t5, "2026-12-01")
    evaluate(db, t5, "2026-12-02", "satisfied")
    return {"t1": t1.id, "t2": t2.id, "t3": t3.id, "t4": t4.id, "t5": t5.id}


def row_of(rows, code, db):
    uid = unit(db.session, code).id
    return next(r for r in rows if r["unit_id"] == uid)


def test_each_metric_and_the_score_on_a_hand_built_set(db):
    ids = build(db)
    rows = analytics.assessment(db.session, START, END)
    zjj = row_of(rows, "HY-ZJJ", db)
    assert zjj["counts"] == {"dispatched": 5, "settled": 5, "signed_timely": 4, "returned": 1, "replied": 4,
                             "replied_on_time": 3, "evaluated": 4, "satisfied": 3, "closed": 4, "redone": 1,
                             "supervisions": 1, "kb_entries": 0, "kb_entries_late": 0, "kb_flags": 0,
                             "kb_flags_late": 0}
    assert zjj["metrics"] == {"sign_rate": 0.8, "on_time_rate": 0.75, "satisfaction_rate": 0.75, "redo_rate": 0.25,
                              "return_rate": 0.2, "supervision_rate": 0.2, "kb_upkeep_rate": None}
    assert zjj["score"] == 76.75 and zjj["weights_version"] == "2026-1"
    rsj = row_of(rows, "HY-RSJ", db)
    assert rsj["metrics"]["sign_rate"] == 1.0 and rsj["metrics"]["return_rate"] == 0.0
    assert rsj["metrics"]["on_time_rate"] is None

    # Drill-down: the tickets behind each metric.
    zid = zjj["unit_id"]
    sat = analytics.metric_tickets(db.session, zid, "satisfaction_rate", START, END)
    assert ids["t2"] not in sat["denominator"]  # the excluded rating does not count
    assert sorted(sat["denominator"]) == sorted([ids["t1"], ids["t4"], ids["t5"], ids["t5"]])
    assert sorted(sat["numerator"]) == sorted([ids["t1"], ids["t4"], ids["t5"]])
    on_time = analytics.metric_tickets(db.session, zid, "on_time_rate", START, END)
    assert set(on_time["denominator"]) - set(on_time["numerator"]) == {ids["t4"]}
    assert analytics.metric_tickets(db.session, zid, "return_rate", START, END)["numerator"] == [ids["t3"]]
    assert analytics.metric_tickets(db.session, zid, "redo_rate", START, END)["numerator"] == [ids["t5"]]
    assert analytics.metric_tickets(db.session, zid, "supervision_rate", START, END)["numerator"] == [ids["t4"]]



def test_excluded_ratings_do_not_count(db):
    build(db)
    from sqlalchemy import update

    from engine.models import Evaluation

    before = row_of(analytics.assessment(db.session, START, END), "HY-ZJJ", db)["counts"]
    with transaction(db.session):  # exclude every rating: nothing is left to measure
        db.session.execute(update(Evaluation).values(excluded_from_assessment=True))
    after = row_of(analytics.assessment(db.session, START, END), "HY-ZJJ", db)
    assert before["evaluated"] == 4 and after["counts"]["evaluated"] == 0
    assert after["metrics"]["satisfaction_rate"] is None


def test_a_period_outside_the_data_measures_nothing(db):
    build(db)
    assert analytics.assessment(db.session, at("2026-01-01T00:00:00+08:00"), at("2026-02-01T00:00:00+08:00")) == []


def test_dashboard_counts_and_open_work(db):
    build(db)
    d = analytics.dashboard(db.session, START, END)
    assert d["total"] == 5
    assert {r["key"]: r["count"] for r in d["by_channel"]} == {"phone": 5}
    assert {r["key"]: r["count"] for r in d["by_type"]} == {"complaint": 5}
    assert {r["label"]: r["count"] for r in d["by_unit"]} == {unit(db.session, "HY-ZJJ").name: 4,
                                                              unit(db.session, "HY-RSJ").name: 1}
    assert {(r["status"], r["count"]) for r in d["open"]} == {("handling", 1)}
    assert d["trend"] == [{"day": "2026-11-25", "count": 5}]


def test_hot_spot_found_on_a_planted_spike(db):
    # Weekly periods; baseline 1,2,1,2 for 噪音 then 8 this week; 3,3,3,3 then 4 for 供水 (no spike).
    weeks = ["2026-10-22", "2026-10-29", "2026-11-05", "2026-11-12", "2026-11-19"]
    plan = {"城乡建设/噪音扰民": [1, 2, 1, 2, 8], "水电气/供水": [3, 3, 3, 3, 4]}
    spiked = []
    for category, counts in plan.items():
        for day, n in zip(weeks, counts, strict=True):
            for i in range(n):
                t, _ = new_ticket(db, now=f"{day}T{9 + i:02d}:00:00+08:00", category=category)
                if day == weeks[-1] and category.startswith("城乡"):
                    spiked.append(t.id)
    found = analytics.hot_spots(db.session, at("2026-11-19T00:00:00+08:00"), at("2026-11-26T00:00:00+08:00"))
    assert [f["key"] for f in found] == ["城乡建设/噪音扰民"]
    assert found[0]["count"] == 8 and found[0]["baseline"] == [1, 2, 1, 2]
    assert sorted(found[0]["ticket_ids"]) == sorted(spiked)


def _assert_no_personal_data(text: str) -> None:
    for secret in (*NAMES, *PHONES, CITIZEN["address"], CITIZEN["content"], REPLY["handler_name"], "HL2026"):
        assert secret not in text


def test_public_page_and_open_data_have_no_personal_data(db, client, clock):
    build(db)
    clock.set("2027-01-05T10:00:00+08:00")
    q = "?from=2026-11-01&to=2026-12-31"
    page = client.get("/public/" + q)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert unit(db.session, "HY-ZJJ").name in html and "75.0%" in html
    data = client.get("/public/data.json" + q)
    assert data.status_code == 200
    body = data.get_json()
    zjj = next(r for r in body["units"] if r["unit"] == unit(db.session, "HY-ZJJ").name)
    assert zjj["tickets"] == 4 and zjj["on_time_rate"] == 0.75 and zjj["satisfaction_rate"] == 0.75
    assert body["total"] == 5 and body["by_type"]["complaint"] == 5
    assert body["period"] == {"from": "2026-11-01", "to": "2026-12-31"}  # the JSON keeps its English keys
    csv_resp = client.get("/public/data.csv" + q)
    assert csv_resp.status_code == 200 and csv_resp.content_type == "text/csv; charset=utf-8"  # one charset
    rows = by_header(csv_table(csv_resp.get_data()))
    zjj_row = next(r for r in rows if r["承办单位"] == unit(db.session, "HY-ZJJ").name)
    assert zjj_row == {"统计起始日期": "2026-11-01", "统计截止日期": "2026-12-31", "承办单位": zjj["unit"],
                       "工单量": "4", "咨询": "0", "求助": "0", "投诉": "4", "举报": "0", "建议": "0", "经济违法": "0",
                       "首次答复通过数": "4", "按时办结率": "75.0%", "已评价数": "4", "满意率": "75.0%"}
    assert "75.0%" in html  # as the page shows it
    for text in (html, data.get_data(as_text=True), csv_resp.get_data(as_text=True)):
        _assert_no_personal_data(text)


def test_public_period_defaults_to_last_month_and_rejects_bad_input(db, client):
    body = client.get("/public/data.json?from=nonsense&to=2099-01-01").get_json()
    assert body["period"] == {"from": "2026-10-01", "to": "2026-10-31"}


def test_bad_period_is_refused(db):
    from engine.common.errors import Invalid

    with pytest.raises(Invalid):
        analytics.dashboard(db.session, END, START)
    with pytest.raises(Invalid):
        analytics.dashboard(db.session, datetime(2026, 1, 1), datetime(2026, 2, 1))


def test_a_late_first_reply_stays_late_after_a_redo_moves_the_deadline(db):
    """按时办结率 judges a reply by the deadline in force when it was submitted: a redo later moves the ticket's
    handling deadline, but the first reply, submitted after the original deadline, still counts as late."""
    from engine.models import Reply, Ticket

    t = lead_to_handling(db)  # signed 11-25, due 2026-12-10 00:00
    reply_accept(db, t, "2026-12-11")  # late
    evaluate(db, t, "2026-12-12", "dissatisfied")
    act(db, user(db.session, "reviewer"), t, "redo_decision", "2026-12-14T09:00:00+08:00", kind="reasonable",
        reason="问题仍未解决")
    ticket = db.session.get(Ticket, t.id)
    first = db.session.query(Reply).filter_by(ticket_id=t.id).order_by(Reply.id).first()
    assert ticket.handling_due > first.submitted_at  # the ticket's deadline now lies after the first reply
    row = row_of(analytics.assessment(db.session, START, END), "HY-ZJJ", db)
    assert row["counts"]["replied"] == 1 and row["counts"]["replied_on_time"] == 0
    assert row["metrics"]["on_time_rate"] == 0.0
    ids = analytics.metric_tickets(db.session, unit(db.session, "HY-ZJJ").id, "on_time_rate", START, END)
    assert ids["denominator"] == [t.id] and ids["numerator"] == []


def test_a_sign_after_the_window_is_not_timely(db):
    t, _ = new_ticket(db, scope="accept")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-25T11:00:00+08:00",
        lead_unit=unit(db.session, "HY-ZJJ").id)  # the window ends 11-26 24:00
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-27T09:00:00+08:00", decision="sign")
    row = row_of(analytics.assessment(db.session, START, END), "HY-ZJJ", db)
    assert row["counts"]["settled"] == 1 and row["counts"]["signed_timely"] == 0
