"""Issue 20: the API's faster paths keep their behaviour — the actor read without an ORM row still follows the
account at once (deactivation, revocation, unit), the task body is checked against its form key under the lock,
the answer is read before the commit, and API answers set no session cookie."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import AuditLog, Ticket, Unit, User
from tests.support.helpers import CITIZEN, REPLY

from ..conftest import PG


def login(client, username):
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def unit_id(db, code):
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def set_user(db, username, **values):
    user = db.session.scalar(select(User).where(User.username == username))
    for k, v in values.items():
        setattr(user, k, v)
    db.session.commit()


def registered(client, db, agent, dispatcher):
    r = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent)
    assert r.status_code == 201, r.json
    tid = r.json["ticket"]["id"]
    r = client.post(f"/api/v1/tickets/{tid}/tasks/dispatch", json={"lead_unit": unit_id(db, "HY-ZJJ")},
                    headers=dispatcher)
    assert r.status_code == 200, r.json
    return tid


def test_a_deactivated_account_is_refused_on_its_very_next_request(client, db):
    dispatcher = login(client, "dispatcher")
    assert client.get("/api/v1/tasks", headers=dispatcher).status_code == 200
    set_user(db, "dispatcher", active=False)
    try:
        r = client.get("/api/v1/tasks", headers=dispatcher)
        assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌无效"
        r = client.post("/api/v1/tickets/1/tasks/dispatch", json={"lead_unit": 1}, headers=dispatcher)
        assert r.status_code == 401
    finally:
        set_user(db, "dispatcher", active=True)
    assert client.get("/api/v1/tasks", headers=dispatcher).status_code == 200


def test_a_signed_out_token_cannot_submit_a_task(client, db):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    r = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent)
    tid = r.json["ticket"]["id"]
    assert client.delete("/api/v1/session", headers=dispatcher).status_code == 200
    r = client.post(f"/api/v1/tickets/{tid}/tasks/dispatch", json={"lead_unit": unit_id(db, "HY-ZJJ")},
                    headers=dispatcher)
    assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌已失效，请重新登录"
    assert db.session.get(Ticket, tid).status == "dispatching"


def test_a_token_already_accepted_still_expires_and_a_forged_one_is_refused(client, db, app, monkeypatch):
    """A token's signature is checked once per worker and kept; its age is still checked on every request."""
    import itsdangerous.timed

    agent = login(client, "agent")
    fresh = login(client, "dispatcher")  # never used before it expires: refused by the serializer itself
    assert client.get("/api/v1/tasks", headers=agent).status_code == 200
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    later = app.config["API_TOKEN_MAX_AGE"] + 1
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + later)
    for headers in (agent, fresh):
        r = client.get("/api/v1/tasks", headers=headers)
        assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌已过期，请重新登录"
    monkeypatch.undo()
    assert client.get("/api/v1/tasks", headers=agent).status_code == 200
    token = agent["Authorization"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")  # another signature for the same payload
    r = client.get("/api/v1/tasks", headers={"Authorization": forged})
    assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌无效"


def test_a_users_new_unit_and_name_apply_to_the_same_token_at_once(client, db):
    agent, dispatcher, receiver = (login(client, u) for u in ("agent", "dispatcher", "receiver"))
    tid = registered(client, db, agent, dispatcher)
    zjj = unit_id(db, "HY-ZJJ")
    other = db.session.scalar(select(Unit.id).where(Unit.kind == "department", Unit.id != zjj).limit(1))
    name = db.session.scalar(select(User.display_name).where(User.username == "receiver"))
    set_user(db, "receiver", unit_id=other)
    try:
        r = client.post(f"/api/v1/tickets/{tid}/tasks/sign", json={"decision": "sign"}, headers=receiver)
        assert r.status_code == 403 and r.json["error"]["message"] == "您无权办理该任务"
        set_user(db, "receiver", unit_id=zjj, display_name="新名字")
        r = client.post(f"/api/v1/tickets/{tid}/tasks/sign", json={"decision": "sign"}, headers=receiver)
        assert r.status_code == 200 and r.json["ticket"]["status"] == "handling"
        label = db.session.scalar(select(AuditLog.actor_label).where(AuditLog.ticket_id == tid,
                                                                     AuditLog.action == "sign"))
        assert label.startswith("新名字")
    finally:  # the shared demo user keeps its unit and name for the tests after this one
        set_user(db, "receiver", unit_id=zjj, display_name=name)


def test_a_bad_task_body_is_refused_by_its_form_key_and_nothing_is_written(client, db):
    agent, dispatcher, receiver, handler = (login(client, u) for u in ("agent", "dispatcher", "receiver", "handler"))
    tid = registered(client, db, agent, dispatcher)
    assert client.post(f"/api/v1/tickets/{tid}/tasks/sign", json={"decision": "sign"},
                       headers=receiver).status_code == 200
    audits = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.ticket_id == tid))
    r = client.post(f"/api/v1/tickets/{tid}/tasks/reply", json={**REPLY, "result": 12}, headers=handler)
    assert r.status_code == 400 and "result" in r.json["error"]["fields"]
    r = client.post(f"/api/v1/tickets/{tid}/tasks/reply", json=[REPLY], headers=handler)
    assert r.status_code == 400
    # The form key of the task named by its id, not only by its BPMN id.
    task_id = next(t["task_id"] for t in client.get("/api/v1/tasks", headers=handler).json["tasks"]
                   if t["ticket_id"] == tid)
    r = client.post(f"/api/v1/tickets/{tid}/tasks/{task_id}", json={"department": "x"}, headers=handler)
    assert r.status_code == 400 and "result" in r.json["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Ticket, tid).status == "handling"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.ticket_id == tid)) == audits
    r = client.post(f"/api/v1/tickets/{tid}/tasks/review", json={"decision": "accept"}, headers=handler)
    assert r.status_code == 409  # no such ready task: the service's answer, not a schema's
    r = client.post(f"/api/v1/tickets/{tid}/tasks/{task_id}", json=REPLY, headers=handler)
    assert r.status_code == 200 and r.json["ticket"]["status"] == "reviewing"
    assert [t["task"] for t in r.json["tasks"]] == ["review"]
    assert db.session.get(Ticket, tid).status == "reviewing"


def test_api_answers_set_no_session_cookie_but_pages_still_do(client, db):
    agent = login(client, "agent")
    r = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent)
    assert r.status_code == 201 and "Set-Cookie" not in r.headers
    assert "Set-Cookie" not in client.get("/api/v1/tasks", headers=agent).headers
    assert "Set-Cookie" in client.get("/login").headers


def test_registering_with_the_scope_decided_stores_the_decided_state_once(client, db):
    from engine.models import TaskProjection
    from engine.tickets import load_instance

    agent = login(client, "agent")
    decided = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json
    waiting = client.post("/api/v1/tickets", json=CITIZEN, headers=agent).json
    for body, tasks, actions in ((decided, ["dispatch"], ["register", "scope_accept"]),
                                 (waiting, ["decide_scope"], ["register"])):
        tid = body["ticket"]["id"]
        assert [t["task"] for t in body["tasks"]] == tasks
        rows = db.session.scalars(select(TaskProjection).where(TaskProjection.ticket_id == tid)).all()
        assert [(p.bpmn_id, p.task_uuid) for p in rows] == [(t["task"], t["task_id"]) for t in body["tasks"]]
        assert list(db.session.scalars(select(AuditLog.action).where(AuditLog.ticket_id == tid)
                                       .order_by(AuditLog.id))) == actions
        ticket = db.session.get(Ticket, tid)
        assert [t.uuid for t in load_instance(db.session, ticket).ready_tasks()] == [p.task_uuid for p in rows]
        assert ticket.number.endswith(f"{tid:06d}") and ticket.status == body["ticket"]["status"]


def test_after_every_action_the_task_rows_are_the_ready_tasks_and_the_audit_is_in_order(client, db):
    """On PostgreSQL the task rows and the audit row of an action are written in one statement: same rows."""
    from engine.models import TaskProjection
    from engine.tickets import load_instance

    who = {u: login(client, u) for u in ("agent", "dispatcher", "receiver", "handler", "reviewer")}
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=who["agent"]).json["ticket"]["id"]
    steps = [("dispatcher", "dispatch", {"lead_unit": unit_id(db, "HY-ZJJ")}), ("receiver", "sign", {"decision": "sign"}),
             ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "back", "reason": "答复未说明依据"}),
             ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "accept"}),
             ("agent", "evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied", "method": "callback"})]
    for user, task, data in steps:
        r = client.post(f"/api/v1/tickets/{tid}/tasks/{task}", json=data, headers=who[user])
        assert r.status_code == 200, r.json
        db.session.expire_all()
        ticket = db.session.get(Ticket, tid)
        ready = {t.uuid: t.bpmn_id for t in load_instance(db.session, ticket).ready_tasks()}
        rows = {p.task_uuid: p.bpmn_id for p in db.session.scalars(
            select(TaskProjection).where(TaskProjection.ticket_id == tid, TaskProjection.supervision_id.is_(None)))}
        assert rows == ready == {t["task_id"]: t["task"] for t in r.json["tasks"]}
    assert ticket.status == "archived"
    assert list(db.session.scalars(select(AuditLog.action).where(AuditLog.ticket_id == tid).order_by(AuditLog.id))) \
        == ["register", "scope_accept", "dispatch", "sign", "reply", "review_back", "reply", "review_accept",
            "evaluate", "archive"]


@pytest.mark.skipif(not PG, reason="the pool checks connections on checkout on PostgreSQL; SQLite has no server")
def test_after_the_server_drops_every_connection_api_requests_and_pages_are_answered(app, client, db):
    """The token read checks its pooled connection itself instead of a ping before it (web/dbping.py): after the
    database server dropped every connection, the bearer request is answered on a new one, as the others are."""
    import threading

    import psycopg

    def drop_connections():
        url = db.engine.url
        with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                             autocommit=True) as conn:
            dropped = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
        assert dropped >= 1  # the pooled connection the last request gave back

    def in_worker(*args, **kwargs):
        """A request in a thread of its own, so in an app context and a session of its own, as in a worker."""
        out = []
        thread = threading.Thread(target=lambda: out.append(client.get(*args, **kwargs)))
        thread.start()
        thread.join(60)
        return out[0]

    agent = login(client, "agent")
    db.session.remove()  # this test's own session holds no connection while the server drops them
    assert in_worker("/api/v1/tasks", headers=agent).status_code == 200
    drop_connections()
    r = in_worker("/api/v1/tasks", headers=agent)
    assert r.status_code == 200 and "tasks" in r.json
    drop_connections()
    assert in_worker("/api/v1/meta").status_code == 200  # no bearer token: checked by the ping
    drop_connections()
    assert in_worker("/login").status_code == 200
