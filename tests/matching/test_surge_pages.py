"""集中反映 through the scheduler and the office's pages: similar calls at one street within two hours open an alert
and an SMS to the office; the one-step merge makes one matter of them; the matter is supervised (Art. 18(3)) and
becomes an accountability candidate when it is not resolved (Art. 19(7)). A merged matter is assessed once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.analytics import metrics
from engine.common.db import transaction
from engine.jobs import side_process_pass
from engine.models import AccountabilityCase, AuditLog, Outbox, Supervision, SurgeAlert, Ticket
from engine.oversight import RepeatRule
from tests.support.helpers import REPLY
from tests.support.pages import as_user, fresh, post, text, unit_id

CALLS = ("红旗路锦绣园从中午开始停水了，一滴水都没有，也没有收到停水通知。",
         "锦绣园又冇水用，成栋楼都冇水，几时先有水？",
         "红旗路这一片突然断水，家里水龙头不出水，请尽快恢复供水。",
         "锦绣园停水两个多小时了，小孩放学回来没水洗澡。",
         "红旗路锦绣园整片停水，我们开餐馆的生意都做不了，请尽快抢修。")


def _surge(tickets, clock, n=5):
    start = clock()
    made = []
    for i, content in enumerate(CALLS[:n]):
        clock.now = start + timedelta(minutes=15 * i)
        made.append(tickets.new(address="源城区新江街道红旗路锦绣园", content=content, category="公用事业/停水",
                                citizen_phone=f"1390000010{i}"))
    return made


def test_a_surge_alerts_the_office_and_is_merged_in_one_step(client, db, clock, tickets):
    calls = _surge(tickets, clock)
    with transaction(db.session):
        done = side_process_pass(db.session, clock())
    assert done["surges"] == 1
    alert = db.session.scalar(select(SurgeAlert))
    assert sorted(alert.ticket_ids) == [t.id for t in calls] and alert.area == "源城区新江街道"
    assert "停水" in alert.label
    sms = db.session.scalars(select(Outbox).where(Outbox.template == "surge.alert")).all()
    assert {o.recipient_role for o in sms} == {"office"} and len(sms) >= 2  # the dispatcher and the supervisor
    assert "集中反映预警" in sms[0].text and "源城区新江街道" in sms[0].text and "5件" in sms[0].text
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.ticket_id == calls[2].id,
                                                           AuditLog.action == "surge")) == "surge"
    with transaction(db.session):  # the next pass adds nothing: the alert is open already
        assert side_process_pass(db.session, clock())["surges"] == 0

    as_user(client, db, "dispatcher")
    listing = text(client.get("/matching/alerts"))
    assert "源城区新江街道" in listing and "停水" in listing
    page = text(client.get(f"/matching/alerts/{alert.id}"))
    assert "一键并单" in page and calls[0].number in page and "以 <strong>" + calls[0].number in page
    r = post(client, f"/matching/alerts/{alert.id}/merge", {}, get_url=f"/matching/alerts/{alert.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tickets/{calls[0].id}")
    main_page = text(client.get(r.headers["Location"]))
    assert "本事项共 5 次来电" in main_page
    assert all(fresh(db, t.id).main_ticket_id == calls[0].id for t in calls[1:])
    assert "集中反映一键并单" in text(client.get(f"/tickets/{calls[3].id}"))  # on the merged ticket's timeline
    db.session.expire_all()
    assert db.session.get(SurgeAlert, alert.id).status == "merged"

    # Supervision (Art. 18(3)) once the main ticket is with a unit, by the supervisor (not the dispatcher).
    assert "由审核员或督办员列入督办" in text(client.get(f"/matching/alerts/{alert.id}"))
    as_user(client, db, "supervisor")
    page = text(client.get(f"/matching/alerts/{alert.id}"))
    r = post(client, f"/matching/alerts/{alert.id}/supervise", {}, get_url=f"/matching/alerts/{alert.id}")
    assert r.status_code == 400 and "尚未派至承办单位" in text(r)
    tickets.act("dispatcher", calls[0], "dispatch", lead_unit=unit_id(db, "HY-WATER"))
    r = post(client, f"/matching/alerts/{alert.id}/supervise", {}, get_url=f"/matching/alerts/{alert.id}")
    assert r.status_code == 302
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id == calls[0].id))
    assert sup.reason == "repeated" and "集中反映" in sup.note and "第十八条第三项" in sup.note
    assert "已列入督办" in text(client.get(f"/matching/alerts/{alert.id}"))
    assert page  # the page before the dispatch offered the button


def test_an_alert_that_is_not_one_matter_is_dismissed_with_its_reason(client, db, clock, tickets):
    _surge(tickets, clock)
    with transaction(db.session):
        side_process_pass(db.session, clock())
    alert = db.session.scalar(select(SurgeAlert))
    as_user(client, db, "supervisor")
    r = post(client, f"/matching/alerts/{alert.id}/dismiss", {"dismiss-note": ""},
             get_url=f"/matching/alerts/{alert.id}")
    assert r.status_code == 400 and "请写明排除的理由" in text(r)
    r = post(client, f"/matching/alerts/{alert.id}/dismiss", {"dismiss-note": "各户水表问题，并非同一事项"},
             get_url=f"/matching/alerts/{alert.id}")
    assert r.status_code == 302
    assert "各户水表问题，并非同一事项" in text(client.get(f"/matching/alerts/{alert.id}"))
    as_user(client, db, "agent")
    assert client.get("/matching/alerts").status_code == 403
    as_user(client, db, "receiver")
    assert client.get(f"/matching/alerts/{alert.id}").status_code == 403


def test_a_merged_matter_is_supervised_and_proposed_for_accountability_when_unresolved(db, clock, tickets):
    from engine.tickets import merge
    from tests.support.helpers import user

    main = tickets.dispatched("HY-WATER")
    others = [tickets.new(citizen_phone=f"1390000020{i}") for i in range(2)]
    with transaction(db.session):
        merge(db.session, user(db.session, "dispatcher"), main.id, [t.id for t in others], "同一事项", clock())
    with transaction(db.session):
        done = side_process_pass(db.session, clock(), RepeatRule(count=3, days=30))
    assert done["repeated"] == 1  # three calls of one merged matter: supervised on the main ticket (Art. 18(3))
    assert db.session.scalar(select(Supervision.ticket_id).where(Supervision.reason == "repeated")) == main.id
    assert not db.session.scalars(select(AccountabilityCase).where(AccountabilityCase.situation == 7)).all()
    clock.set("2026-12-20T10:00:00+08:00")  # past the main ticket's handling deadline, no reply
    with transaction(db.session):
        side_process_pass(db.session, clock(), RepeatRule(count=3, days=60))
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 7))
    assert case is not None and case.ticket_ids[0] == main.id and len(case.ticket_ids) == 3
    assert "同一事项被3位诉求人反映并单办理" in case.facts[0] and "仍未答复" in case.facts[0]


def test_a_merged_matter_counts_once_for_the_unit_and_each_citizen_rates(db, clock, tickets):
    from engine.tickets import merge
    from tests.support.helpers import user

    main = tickets.dispatched("HY-ZJJ")
    b = tickets.dispatched("HY-ZJJ", citizen_phone="13900000301")  # dispatched before it was merged
    with transaction(db.session):
        merge(db.session, user(db.session, "dispatcher"), main.id, [b.id], "同一工地", clock())
    tickets.act("receiver", main, "sign", decision="sign")
    tickets.act("handler", main, "reply", **REPLY)
    tickets.act("reviewer", main, "review", decision="accept")
    for t, rating in ((main, "satisfied"), (b, "very_satisfied")):
        tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating=rating, method="callback")
    assert fresh(db, main.id).status == "archived" and fresh(db, b.id).status == "archived"
    counts = metrics.unit_counts(db.session, clock() - timedelta(days=1), clock() + timedelta(days=1))
    zjj = counts[unit_id(db, "HY-ZJJ")]
    assert (zjj.dispatched, zjj.closed, zjj.replied) == (1, 1, 1)  # one matter
    assert (zjj.evaluated, zjj.satisfied) == (2, 2)  # satisfaction per citizen as rated
    assert db.session.scalar(select(Ticket.lead_unit_id).where(Ticket.id == b.id)) is None


def test_the_scheduler_links_recent_tickets_for_the_queue_marks(db, clock, tickets):
    from engine.models import SimilarIndex, SimilarLink

    first, second = _surge(tickets, clock, n=2)
    with transaction(db.session):
        done = side_process_pass(db.session, clock())
    assert done["similar_index"] >= 2  # counted and linked
    assert all(db.session.get(SimilarIndex, t.id).linked_at is not None for t in (first, second))
    assert db.session.scalar(select(SimilarLink.other_id).where(SimilarLink.ticket_id == second.id)) == first.id
