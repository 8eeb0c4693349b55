"""Every journey of the demo can be clicked through with the printed logins: each unit a demo ticket is dispatched
to — lead, co-handler or county office — has a demo user for each of its tasks, the demo drives tickets as those
users, and ``seed-demo`` prints them.

The tests act on a copy of the seeded demo year of this module's own (tests/demo/conftest.py): they dispatch, sign
and run ``seed-demo`` again, which must reach neither the year the other demo tests read nor the other tests'
database."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.demo import content as dc
from engine.models import Assignment, AuditLog, TaskProjection, Ticket, Unit, User
from tests.support.pages import Client, login, post, text

from .conftest import year_copy

NEEDED = {"lead": ("receiver", "handler", "unit_leader"), "co": ("receiver", "handler", "unit_leader"),
          "county": ("county_dispatcher",)}


@pytest.fixture(scope="module")
def year(demo_year, tmp_path_factory):
    """The demo app over a copy of the demo year lived through the services (``seed-demo``'s own path)."""
    yield from year_copy(demo_year, tmp_path_factory, "year")


@pytest.fixture
def db(year):
    from web.extensions import db as _db

    with year.app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(year, db):
    return Client(year, year.response_class)


def users_of(db, unit_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u in db.session.scalars(select(User).where(User.unit_id == unit_id, User.active.is_(True))):
        out.setdefault(u.role, []).append(u.username)
    return out


def test_every_unit_a_demo_ticket_is_dispatched_to_has_a_demo_user_for_each_task(db):
    rows = db.session.execute(select(Assignment.role, Assignment.unit_id).distinct()).all()
    assert {role for role, _ in rows} == {"lead", "co", "county"}  # the demo covers every kind of dispatch
    missing = []
    for role, unit_id in rows:
        have = users_of(db, unit_id)
        missing += [(db.session.get(Unit, unit_id).name, role, need) for need in NEEDED[role] if need not in have]
    assert not missing, missing
    # Every login printed for them is a demo user (README's rule: unit code in lower case plus the role).
    demo = {u["username"]: u for u in dc.DEMO_USERS}
    for _role, unit_id in rows:
        for username in sum(users_of(db, unit_id).values(), []):
            assert username in demo


def test_the_demo_acts_as_those_users_so_the_timeline_names_them(db):
    actors = set(db.session.scalars(select(AuditLog.actor_label).where(AuditLog.action.in_(("sign", "co_part")))))
    assert actors and all(label.startswith(("何秀英", "张伟强", "温晓峰")) or "受理人" in label or "经办人" in label
                          for label in actors)
    assert not any(label.endswith("受理员") for label in actors)  # no more actors without a login


def login_of(db, unit_id: int, role: str) -> str:
    return db.session.scalar(select(User.username).where(User.unit_id == unit_id, User.role == role,
                                                         User.active.is_(True)).order_by(User.id).limit(1))


def test_a_co_handling_unit_clicks_its_part_through_with_its_printed_login(client, db):
    task = db.session.scalar(select(TaskProjection).where(TaskProjection.bpmn_id == "co_handle")
                             .order_by(TaskProjection.id).limit(1))
    assert task is not None, "the demo has a ticket waiting for a co-handler"
    ticket = db.session.get(Ticket, task.ticket_id)
    username = login_of(db, task.unit_id, "handler")
    login(client, username)  # the sign-in form, with the demo password
    assert ticket.number in text(client.get("/inbox"))
    url = f"/tickets/{ticket.id}/tasks/{task.task_uuid}"
    assert client.get(url).status_code == 200
    task_id = task.id
    r = post(client, url, {"co_part": "已按职责核查，相关情况已告知主办单位。"})
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    assert db.session.scalar(select(TaskProjection.id).where(TaskProjection.id == task_id)) is None


def test_a_lead_unit_outside_the_named_three_signs_with_its_printed_login(year, client, db):
    named = {u["unit"] for u in dc.NAMED_USERS}
    waiting = db.session.scalar(select(TaskProjection).where(TaskProjection.bpmn_id == "dispatch")
                                .order_by(TaskProjection.id).limit(1))
    assert waiting is not None, "the demo has a ticket waiting for dispatch"
    unit = db.session.scalar(select(Unit).where(Unit.code == "HY-SCJGJ"))
    assert unit.code not in named
    ticket_id = waiting.ticket_id
    login(client, "dispatcher")  # the office sends it to a unit none of the named logins belong to
    r = post(client, f"/tickets/{ticket_id}/tasks/{waiting.task_uuid}", {"mode": "direct", "lead_unit": str(unit.id)})
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    task = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == ticket_id,
                                                          TaskProjection.bpmn_id == "sign"))
    assert task is not None and task.unit_id == unit.id
    username = login_of(db, unit.id, "receiver")
    assert username == "hy-scjgj-receiver"
    client = Client(year, year.response_class)
    login(client, username)  # the printed login of that unit's receiver, with the demo password
    assert db.session.get(Ticket, ticket_id).number in text(client.get("/inbox"))
    r = post(client, f"/tickets/{ticket_id}/tasks/{task.task_uuid}", {"decision": "sign"})
    assert r.status_code == 302, text(r)[:1500]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status in ("handling", "co_handling")


def test_seed_demo_prints_every_login(year, db):
    result = year.test_cli_runner().invoke(args=["seed-demo", "--tickets", "0"])
    assert result.exit_code == 0, result.output
    for user in dc.DEMO_USERS:
        assert user["username"] in result.output, user["username"]
    assert "河源市公安局：hy-gaj-receiver（受理人） hy-gaj-handler（经办人） hy-gaj-leader（分管领导）" in result.output
