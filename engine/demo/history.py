"""A year of the hotline, lived through the real services with the clock moved forward (docs/demo.md).

Every registration, dispatch, signature, reply, review, evaluation, redo, supervision answer, knowledge upload and
fix is a call of the product's own services at the moment it happens, and the scheduler's steps (monitor, deemed
acceptance, 未评价, red-card and repeated-report supervision, overdue supervisions, knowledge-base flags, sending
notices) run after every simulated working day as the real scheduler would, so every figure on the analytics pages
is computed from rows the product itself wrote. One queue of moments keeps the year in order.
"""
from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from engine import jobs
from engine.clocks import monitor
from engine.common import Actor, calendar
from engine.domain.calendar import TZ
from engine.knowledge import kb_monitor_pass
from engine.models import KnowledgeEntry, Supervision, TaskProjection, Unit, User
from engine.notices import emergency, outbox
from engine.oversight import detect_candidates, flag_overdue, supervise_repeated, take_red_cards

from . import content as dc
from . import profiles as dp
from .lives import Clock, Staff, SupervisionAnswer
from .plans import Planner

Progress = Callable[[str], None]


_PROJECTION = TaskProjection.__table__.c
_READY = (select(_PROJECTION.task_uuid, _PROJECTION.bpmn_id, _PROJECTION.unit_id)
          .where(_PROJECTION.ticket_id == bindparam("ticket_id"), _PROJECTION.supervision_id.is_(None))
          .order_by(_PROJECTION.id))


class World:
    """The simulated hotline: the session, who works there, the office clock, and the queue of moments."""

    def __init__(self, session: Session, units: dict[str, Unit], seed: int, since: datetime, password_hash: str):
        self.session = session
        self.units = units
        self.codes = {u.id: code for code, u in units.items()}
        self.names = {code: u.name for code, u in units.items()}  # read once: a unit's name never changes here
        self.clock = Clock(calendar(session))
        users = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
        self.staff = Staff(session, units,
                           {u.role: Actor.of_user(u) for u in users if u.unit_id == units["HY-OFFICE"].id},
                           {(u.unit_id, u.role): Actor.of_user(u) for u in users if u.unit_id is not None},
                           password_hash, since)
        self.habits = dp.all_habits(seed)
        self.queue: list = []
        self.order = itertools.count()
        self.registered = 0

    def at(self, when: datetime, life) -> None:
        heapq.heappush(self.queue, (when, next(self.order), life))

    def ready(self, ticket_id: int) -> list[tuple[str, str, int | None]]:
        # The projection is written by plain statements, never pending in the session: read it the same way, on the
        # session's connection (a sixth of the ORM's cost; it is read at every wake of every ticket).
        rows = self.session.connection().execute(_READY, {"ticket_id": ticket_id}).all()
        return [tuple(r) for r in rows]

    def unit_code(self, unit_id: int | None) -> str:
        return self.codes.get(unit_id, "HY-OFFICE")

    def unit_name(self, unit_id: int | None) -> str:
        return self.names[self.unit_code(unit_id)]


class ClockPass:
    """The scheduler's steps, run at 00:10 after every working day (thresholds fall at 24:00 of working days)."""

    def __init__(self, world: World, rng: random.Random):
        self.w, self.rng = world, rng
        self.gateways = {"sms": outbox.DevGateway(), "voice": outbox.DevGateway(),
                         "emergency": emergency.DevEmergencyGateway()}  # the handoffs of reason-2 refusals
        self.known: set[int] = set()

    def run(self, now: datetime) -> None:
        s = self.w.session
        monitor.monitor_pass(s, now)
        for ticket_id in jobs.overdue_signs(s, now):
            jobs.deem_accepted(s, ticket_id, now)
        for ticket_id in jobs.overdue_evaluations(s, now):
            jobs.expire_evaluation(s, ticket_id, now)
        monitor.monitor_pass(s, now)
        take_red_cards(s, now)
        if now.astimezone(TZ).weekday() == 0:  # grouping a month of tickets costs ~0.1 s: weekly here
            supervise_repeated(s, now)
        flag_overdue(s, now)
        kb_monitor_pass(s, now)
        for outbox_id in outbox.due_ids(s, now, limit=10_000):
            outbox.deliver(s, outbox_id, self.gateways, now)
        self._answer_supervisions(now)

    def _answer_supervisions(self, now: datetime) -> None:
        rows = self.w.session.execute(select(TaskProjection.ticket_id, TaskProjection.task_uuid, Supervision.id,
                                             Supervision.unit_id)
                                      .join(Supervision, Supervision.id == TaskProjection.supervision_id)
                                      .where(TaskProjection.bpmn_id == "sup_reply")).all()
        for ticket_id, uuid, sup_id, unit_id in rows:
            if sup_id in self.known:
                continue
            self.known.add(sup_id)
            answer = SupervisionAnswer(self.w, ticket_id, uuid, unit_id, self.rng,
                                       self.w.habits[self.w.unit_code(unit_id)])
            self.w.at(answer.first(now), answer)


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0, 10), TZ)


def live_year(session: Session, units: dict[str, Unit], kb: dict[str, KnowledgeEntry], now: datetime, *,
              per_month: float, months: int, seed: int, progress: Progress | None = None,
              password_hash: str | None = None) -> dict[str, int]:
    """Live ``months`` months up to ``now`` with about ``per_month`` registrations a month; commit as it goes.

    Returns what was done (tickets, policies uploaded, flags raised).
    """
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)
    start = now - timedelta(days=round(months * 30.4))
    world = World(session, units, seed, start, password_hash or generate_password_hash(dc.DEMO_PASSWORD))
    planner = Planner(world, kb, rng, now, seed)
    tickets = planner.tickets(start, now, per_month)
    policies = planner.policies(start, now)
    flags = planner.flags(start, now, months)
    for when, life in tickets + policies + flags:
        world.at(when, life)
    passes = ClockPass(world, rng)
    cal = world.clock.cal
    day = start.astimezone(TZ).date()
    while day <= now.astimezone(TZ).date():
        if cal.is_working_day(day - timedelta(days=1)):
            world.at(_local_midnight(day), passes)
        day += timedelta(days=1)
    month_said = None
    while world.queue and world.queue[0][0] <= now:
        when, _, life = heapq.heappop(world.queue)
        local = when.astimezone(TZ)
        if (local.year, local.month) != month_said:
            session.commit()
            month_said = (local.year, local.month)
            say(f"{local:%Y年%m月}（已登记{world.registered}件）")
        if life is passes:
            passes.run(when)
            session.commit()
            continue
        nxt = life.wake(when)
        if nxt is not None:
            world.at(max(nxt, when), life)
    # The accountability candidates the scheduler would find in this year (Art. 19), once, as of now.
    detect_candidates(session, now)
    session.commit()
    say(f"完成：共登记{world.registered}件工单，上传政策{len(policies)}条，知识库纠错{len(flags)}次")
    return {"tickets": len(tickets), "policies": len(policies), "flags": len(flags)}
