"""Who sees a citizen's phone: one policy per role (engine/domain/privacy.py), changed by the office on its page, and
a view log with one row per user, ticket and reason — through the ticket page, the reveal form, the policy page,
the PII log page and the API."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from engine.models import AuditLog, OfficeSetting, PiiView
from tests.support.pages import login, post, text

PHONE, MASKED = "13800001234", "138****1234"


@pytest.fixture(autouse=True)
def default_policy(db):
    """Every test starts and ends with the product's default policy (no office setting)."""
    db.session.execute(delete(OfficeSetting))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(delete(OfficeSetting))
    db.session.commit()


def views(db, ticket_id: int) -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [(r.actor_label, r.reason, r.views) for r in db.session.scalars(
        select(PiiView).where(PiiView.ticket_id == ticket_id).order_by(PiiView.id))]


def reveal_audits(db, ticket_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.ticket_id == ticket_id,
                                                                             AuditLog.action == "pii_view"))


def test_the_task_at_hand_shows_the_phone_and_reloads_do_not_add_rows(client, db, tickets, clock):
    t = tickets.dispatched()
    login(client, "receiver")  # the sign task is the receiver's: shown while it waits
    for when in ("2026-11-25T10:00:00+08:00", "2026-11-25T10:05:00+08:00", "2026-11-25T11:00:00+08:00"):
        clock.set(when)
        page = text(client.get(f"/tickets/{t.id}"))
        assert PHONE in page and "查看完整信息" not in page
    assert PHONE in text(client.get(f"/tickets/{t.id}/tasks/sign"))
    rows = db.session.scalars(select(PiiView).where(PiiView.ticket_id == t.id)).all()
    assert [(r.reason, r.views) for r in rows] == [("办理任务：签收或退回", 4)]
    assert (rows[0].at.isoformat(), rows[0].last_at.isoformat()) == ("2026-11-25T02:00:00+00:00",
                                                                    "2026-11-25T03:00:00+00:00")

    login(client, "handler")  # same unit, no task of this ticket yet: masked, may reveal with a reason
    page = text(client.get(f"/tickets/{t.id}"))
    assert MASKED in page and PHONE not in page and "查看完整信息" in page
    tickets.act("receiver", t, "sign", decision="sign")
    page = text(client.get(f"/tickets/{t.id}"))  # now the reply is the handler's task
    assert PHONE in page
    assert [v[1:] for v in views(db, t.id)] == [("办理任务：签收或退回", 4), ("办理任务：办理答复", 1)]

    login(client, "dispatcher")  # dispatches on content and place: masked by default
    page = text(client.get(f"/tickets/{t.id}"))
    assert MASKED in page and "查看完整信息" in page


def test_a_role_that_never_sees_it_gets_no_reveal(client, db, tickets):
    t = tickets.dispatched()
    login(client, "kb_editor")
    page = text(client.get(f"/tickets/{t.id}"))
    assert MASKED in page and "查看完整信息" not in page and "您的岗位不查看诉求人完整信息" in page
    assert client.get(f"/tickets/{t.id}/reveal").status_code == 403
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "核对知识库条目"}, get_url="/kb")
    assert r.status_code == 403 and "您无权查看诉求人完整信息" in text(r)
    assert views(db, t.id) == []


def test_a_reveal_is_logged_once_per_user_ticket_and_reason(client, db, tickets, clock):
    t = tickets.dispatched()
    login(client, "unit_leader")
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "红牌督办需电话联系诉求人"})
    assert r.status_code == 200 and PHONE in text(r) and "已记录" in text(r)
    assert PHONE not in text(client.get(f"/tickets/{t.id}"))  # shown for this reveal only
    clock.set("2026-11-25T15:30:00+08:00")
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "红牌督办需电话联系诉求人"})
    assert r.status_code == 200 and PHONE in text(r)
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "核实诉求人反映的新情况"})
    assert r.status_code == 200
    leader = views(db, t.id)
    assert [(reason, n) for _who, reason, n in leader] == [("红牌督办需电话联系诉求人", 2), ("核实诉求人反映的新情况", 1)]
    assert reveal_audits(db, t.id) == 2  # the timeline records each reason once, not each reload
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "看看"})
    assert r.status_code == 400 and "事由至少4个字" in text(r)

    login(client, "supervisor")
    log = text(client.get("/tickets/pii-views"))
    assert t.number in log and "红牌督办需电话联系诉求人" in log and "核实诉求人反映的新情况" in log
    assert "2026-11-25 10:00" in log and "2026-11-25 15:30" in log  # first and last time of the same reason
    assert "<td data-label=\"次数\">2</td>" in log


def test_the_office_changes_the_policy_on_its_page_and_it_applies_at_once(client, db, tickets):
    t = tickets.dispatched()
    login(client, "reviewer")  # reads the policy with the log, may not change it
    page = text(client.get("/admin/privacy"))
    assert "诉求人信息查看规则" in page and "派单员" in page and "按诉求内容和地点派单" in page and "<select" not in page
    r = post(client, "/admin/privacy", {"mode_dispatcher": "always"})
    assert r.status_code == 403

    login(client, "admin")
    page = text(client.get("/admin/privacy"))
    assert 'name="mode_dispatcher"' in page
    form = {f"mode_{role}": mode for role, mode in (
        ("agent", "task"), ("dispatcher", "always"), ("reviewer", "task"), ("supervisor", "reveal"),
        ("county_dispatcher", "reveal"), ("receiver", "reveal"), ("handler", "task"), ("unit_leader", "reveal"),
        ("kb_editor", "reveal"), ("process_owner", "never"), ("city_leader", "reveal"), ("admin", "reveal"))}
    r = post(client, "/admin/privacy", {**form, "mode_kb_editor": "everyone"})
    assert r.status_code == 400 and "所选项无效" in text(r)
    assert db.session.scalar(select(func.count()).select_from(OfficeSetting)) == 0
    r = post(client, "/admin/privacy", form)
    assert r.status_code == 302
    change = db.session.scalar(select(AuditLog).where(AuditLog.action == "setting_change"))
    assert change.detail["value"]["dispatcher"] == "always" and change.detail["previous"] is None

    login(client, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}"))
    assert PHONE in page
    login(client, "receiver")  # the sign task no longer shows it: the office chose 说明事由后查看
    page = text(client.get(f"/tickets/{t.id}"))
    assert MASKED in page and "查看完整信息" in page
    login(client, "kb_editor")
    assert client.get(f"/tickets/{t.id}/reveal").status_code == 200
    assert [v[1:] for v in views(db, t.id)] == [("岗位职责（直接显示）", 1)]


def test_the_api_masks_by_the_same_policy_and_reveals_with_a_reason(client, db, tickets):
    t = tickets.dispatched()

    def api(username):
        r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
        return {"Authorization": f"Bearer {r.json['token']}"}
    leader = api("unit_leader")
    body = client.get(f"/api/v1/tickets/{t.id}", headers=leader).json
    assert (body["citizen_phone"], body["masked"], body["can_reveal"]) == (MASKED, True, True)
    for _ in range(2):
        body = client.get(f"/api/v1/tickets/{t.id}?reason=督办需要电话联系诉求人", headers=leader).json
        assert (body["citizen_phone"], body["masked"]) == (PHONE, False)
    body = client.get(f"/api/v1/tickets/{t.id}?reason=督办需要电话联系诉求人", headers=api("kb_editor")).json
    assert (body["citizen_phone"], body["can_reveal"]) == (MASKED, False)
    assert [v[1:] for v in views(db, t.id)] == [("督办需要电话联系诉求人", 2)]
