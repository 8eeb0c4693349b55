"""The people of the demo year at work: each ticket's life, each supervision's answer, each knowledge-base upload
and fix, done through the real services at the moment they happen.

A life is woken at the moment it planned; it looks at what is ready now (the scheduler may have moved the ticket
meanwhile: deemed acceptance, 未评价), acts through ``complete_task`` with that moment as ``now`` and says when it
wants to be woken next. Timings and choices come from the unit's habits (``engine/demo/profiles.py``).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor
from engine.domain.calendar import TZ, WorkingCalendar
from engine.domain.roles import Role
from engine.knowledge import entries as kb_entries
from engine.knowledge import flags as kb_flags
from engine.models import Assignment, KnowledgeEntry, TaskProjection, Ticket, Unit, User
from engine.tickets import complete_task

from .generator import GIVEN_NAMES, SURNAMES
from .profiles import Habits

OFFICE_START, OFFICE_END = 8.5, 17.5  # the office day, in hours
RATINGS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
UNIT_LABELS = {Role.RECEIVER: "受理员", Role.HANDLER: "经办人", Role.COUNTY_DISPATCHER: "派单员",
               Role.KB_EDITOR: "信息采编员"}


class Clock:
    """Office hours on working days, from the real working-day calendar."""

    def __init__(self, cal: WorkingCalendar):
        self.cal = cal

    def office_after(self, t: datetime, hours: float, *, every_day: bool = False) -> datetime:
        """``t`` plus ``hours`` of office time (08:30–17:30 on working days; on every day for the hotline office,
        which works in shifts)."""
        local = t.astimezone(TZ)
        left = hours
        while True:
            day = local.date()
            start = datetime.combine(day, time(8, 30), TZ)
            end = datetime.combine(day, time(17, 30), TZ)
            if not (every_day or self.cal.is_working_day(day)) or local >= end:
                local = datetime.combine(day + timedelta(days=1), time(8, 30), TZ)
                continue
            local = max(local, start)
            room = (end - local).total_seconds() / 3600
            if left <= room:
                return local + timedelta(hours=left)
            left -= room
            local = datetime.combine(day + timedelta(days=1), time(8, 30), TZ)

    def working_days_after(self, t: datetime, days: float) -> datetime:
        return self.office_after(t, days * (OFFICE_END - OFFICE_START))


@dataclass
class Staff:
    """Who acts: the demo users where a unit has one for the role, otherwise a named desk of the unit."""

    session: Session
    units: dict[str, Unit]
    by_role: dict[str, Actor]
    by_unit_role: dict[tuple[int, str], Actor]
    password_hash: str
    since: datetime
    _made: dict = field(default_factory=dict)

    def office(self, role: str) -> Actor:
        return self.by_role[role]

    def of(self, unit_id: int, role: Role) -> Actor:
        found = self.by_unit_role.get((unit_id, role.value)) or self._made.get((unit_id, role))
        if found is None:
            unit = next(u for u in self.units.values() if u.id == unit_id)
            if role == Role.KB_EDITOR:  # the knowledge base records its authors by account
                found = Actor.of_user(self._account(unit, role))
            else:
                name = unit.leader_name if role == Role.UNIT_LEADER else f"{unit.name}{UNIT_LABELS[role]}"
                found = Actor("user", name, None, role, unit_id)
            self._made[(unit_id, role)] = found
        return found

    def _account(self, unit: Unit, role: Role) -> User:
        """An account of the unit's staff for a role no demo login covers (named, with a staff mobile).

        It records who wrote the unit's entries but cannot sign in: only the logins ``seed-demo`` prints do."""
        username = f"{unit.code.lower()}-{role.value}"
        known = self.session.scalar(select(User).where(User.username == username))
        if known is not None:  # a database seeded before keeps its authors
            return known
        n = 700 + len(self._made)
        name = SURNAMES[n % len(SURNAMES)] + GIVEN_NAMES[(n * 7) % len(GIVEN_NAMES)]
        user = User(username=username, password_hash=self.password_hash,
                    display_name=name, phone=f"1380000{n:04d}", role=role.value, unit_id=unit.id,
                    created_at=self.since, active=False)
        self.session.add(user)
        self.session.flush()
        return user


@dataclass
class Plan:
    """What will happen to one ticket, drawn when it is registered."""

    data: dict                       # what the caller said, as ``register`` takes it (with the scope decision)
    reply: dict                      # the lead unit's answer (Art. 12 fields)
    first: Unit | None = None        # the unit dispatched to first
    second: Unit | None = None       # the unit it goes to after a return
    co: list[Unit] = field(default_factory=list)
    county: Unit | None = None       # the county office it passes through, if any
    will_return: bool = False
    late: str = "on_time"            # on_time | yellow | red
    deemed: bool = False
    sent_back: bool = False          # the office sends the first answer back once
    evaluated: bool = True
    rating: str = "satisfied"
    reasonable: bool = False         # a 不满意 the office finds reasonable (重办)
    stop: str | None = None          # the stage a ticket of the last days stays in
    fast: bool = False               # the unit acts within hours, so the ticket reaches its stage in time


class TicketLife:
    """One ticket from registration to archive (or to the stage it stays in), through the services."""

    def __init__(self, world, plan: Plan, rng: random.Random, habits: dict[str, Habits]):
        self.w, self.plan, self.rng, self.habits = world, plan, rng, habits
        self.ticket_id: int | None = None
        self.planned: dict[str, datetime] = {}
        self.returned = self.backed = self.redone = False

    # -- waking ---------------------------------------------------------------------------------------------------

    def wake(self, now: datetime) -> datetime | None:
        if self.ticket_id is None:
            return self._register(now)
        for _ in range(12):  # act on what is due, then plan what became ready
            tasks = self.w.ready(self.ticket_id)
            due, waits = None, []
            for uuid, bpmn_id, unit_id in tasks:
                if self._stays(bpmn_id):
                    continue
                when = self.planned.get(uuid)
                if when is None:
                    when = self._when(bpmn_id, unit_id, now)
                    if when is None:
                        waits.append(self._recheck(bpmn_id, now))
                        continue
                    self.planned[uuid] = when
                if when <= now and due is None:
                    due = (uuid, bpmn_id, unit_id)
                else:
                    waits.append(when)
            if due is None:
                waits = [w for w in waits if w is not None]
                return min(waits) if waits else None
            self._act(*due, now)
        return now + timedelta(minutes=5)

    def _register(self, now: datetime) -> datetime | None:
        from engine.tickets import register

        data = dict(self.plan.data)
        if self.plan.stop == "scoping":
            data.pop("scope", None)
            data.pop("kb_entry_id", None)
        ticket, _code, _step = register(self.w.session, self.w.staff.office("agent"), data, now)
        self.ticket_id = ticket.id
        self.w.registered += 1
        return now

    def _stays(self, bpmn_id: str) -> bool:
        stop = self.plan.stop
        return {"scoping": bpmn_id == "decide_scope", "dispatching": bpmn_id == "dispatch", "returned": bpmn_id == "dispatch" and self.returned,
                "county": bpmn_id == "county_dispatch", "signing": bpmn_id == "sign",
                "co_handling": bpmn_id == "co_handle", "handling": bpmn_id == "reply" and not self.redone,
                "reviewing": bpmn_id == "review", "evaluating": bpmn_id == "evaluate",
                "answered_open": bpmn_id == "evaluate", "redo_deciding": bpmn_id == "redo_decision",
                "redo_handling": bpmn_id == "reply" and self.redone}.get(stop or "", False)

    def _recheck(self, bpmn_id: str, now: datetime) -> datetime | None:
        """When to look again at a task left to the scheduler (deemed acceptance); None when nothing follows.

        Always later than ``now``: the clock pass that deems acceptance runs only after working days, so a deadline
        that passed on a Friday is acted on days later, and a recheck at a time already past would wake this life
        again at the same instant for ever."""
        if bpmn_id != "sign":
            return None
        ticket = self.w.session.get(Ticket, self.ticket_id)
        if not ticket.accept_due:
            return None
        return max(ticket.accept_due + timedelta(hours=10), now + timedelta(hours=6))

    # -- when -----------------------------------------------------------------------------------------------------

    def _when(self, bpmn_id: str, unit_id: int | None, now: datetime) -> datetime | None:
        clock, rng, p = self.w.clock, self.rng, self.plan
        quick = 0.25 if p.fast else 1.0  # a ticket that must reach its stage today moves quickly
        if bpmn_id == "dispatch":
            return clock.office_after(now, rng.uniform(0.2, 3.0) * quick, every_day=True)
        if bpmn_id == "county_dispatch":
            return clock.office_after(now, rng.uniform(0.5, 6.0) * quick, every_day=True)
        if bpmn_id == "sign":
            if p.deemed and not self.returned:
                return self._sign_after_deeming(now)
            hurry = p.fast or (p.will_return and not self.returned)
            hours = rng.uniform(0.2, 1.5) if hurry else rng.uniform(*self._habits(unit_id).sign_hours)
            ticket = self.w.session.get(Ticket, self.ticket_id)
            at = clock.office_after(now, hours, every_day=p.fast)
            return min(at, ticket.accept_due - timedelta(minutes=30)) if ticket.accept_due else at
        if bpmn_id == "co_handle":
            hours = rng.uniform(0.3, 1.5) if p.fast else rng.uniform(3, 14)
            return clock.office_after(now, hours, every_day=p.fast)
        if bpmn_id == "reply":
            return self._reply_time(unit_id, now)
        if bpmn_id == "review":
            return clock.office_after(now, rng.uniform(0.3, 4.0) * quick, every_day=True)
        if bpmn_id in ("redo_decision", "extension_review"):
            return clock.office_after(now, rng.uniform(0.5, 8.0), every_day=True)
        if bpmn_id == "evaluate":
            if not p.evaluated:
                return None  # no answer: 未评价 after 3 working days (the scheduler records it)
            ticket = self.w.session.get(Ticket, self.ticket_id)
            at = clock.office_after(now, rng.uniform(1.0, 12.0) * quick, every_day=True)
            return min(at, ticket.eval_due - timedelta(hours=2)) if ticket.eval_due else at
        return clock.office_after(now, rng.uniform(1, 8))  # a task a process owner added

    def _sign_after_deeming(self, now: datetime) -> datetime | None:
        """A unit that let its return window pass signs later, before the acceptance 黄牌: None until deemed."""
        lead = self.w.session.scalar(select(Assignment.sign_mode).where(
            Assignment.ticket_id == self.ticket_id, Assignment.role == "lead", Assignment.active.is_(True)))
        if lead != "deemed":
            return None  # the scheduler has not closed the window yet: look again later (``_recheck``)
        ticket = self.w.session.get(Ticket, self.ticket_id)
        at = self.w.clock.office_after(now, self.rng.uniform(2.0, 14.0))
        if ticket.accept_yellow_at is not None:
            at = min(at, ticket.accept_yellow_at - timedelta(hours=2))
        return max(at, now)

    def _reply_time(self, unit_id: int | None, now: datetime) -> datetime:
        ticket = self.w.session.get(Ticket, self.ticket_id)
        due, red = ticket.handling_due, ticket.handling_red_at
        late = self.plan.late if not self.redone else "on_time"
        if self.plan.fast:  # a ticket that must reach its stage today: the unit's duty desk answers at once
            return self.w.clock.office_after(now, self.rng.uniform(0.5, 2.5), every_day=True)
        if due is None:
            return self.w.clock.office_after(now, self.rng.uniform(4, 30))
        if late == "red" and red is not None:
            return self.w.clock.office_after(red, self.rng.uniform(1, 16))
        if late == "yellow" and red is not None:
            # The morning after the deadline: late, but reviewed the same day, before the red card at 24:00 (the
            # handling clock runs until the office accepts the answer).
            return self.w.clock.office_after(due, self.rng.uniform(0.2, 3.0))
        pace = self._habits(unit_id).pace
        at = self.w.clock.office_after(now, 0) + (due - now) * self.rng.uniform(*pace)
        at = self.w.clock.office_after(at, 0)
        return at if at <= due else max(now + timedelta(minutes=20), due - timedelta(hours=self.rng.uniform(1, 6)))

    def _habits(self, unit_id: int | None) -> Habits:
        return self.habits[self.w.unit_code(unit_id)]

    # -- acting ---------------------------------------------------------------------------------------------------

    def _act(self, uuid: str, bpmn_id: str, unit_id: int | None, now: datetime) -> None:
        staff, p, rng = self.w.staff, self.plan, self.rng
        actor, data = staff.office("agent"), {}
        if bpmn_id == "dispatch":
            actor = staff.office("dispatcher")
            lead = p.second if self.returned else p.first
            if p.county is not None and not self.returned and lead.parent_id == p.county.id:
                data = {"via_county": p.county.id}
            else:
                data = {"lead_unit": lead.id, "co_units": [u.id for u in p.co if u.id != lead.id]}
        elif bpmn_id == "county_dispatch":
            actor = staff.of(unit_id, Role.COUNTY_DISPATCHER)
            data = {"lead_unit": p.first.id}
        elif bpmn_id == "sign":
            actor = staff.of(unit_id, Role.RECEIVER)
            if p.will_return and not self.returned and not p.deemed:  # deemed acceptance ends the right to return
                data = {"decision": "return", "return_reason": "该事项不属于本单位法定职责，建议按属地管理原则转办",
                        "return_basis": "《河源市12345政府服务热线管理办法》第十条"}
                self.returned = True
            else:
                data = {"decision": "sign"}
        elif bpmn_id == "co_handle":
            actor = staff.of(unit_id, Role.HANDLER)
            data = {"co_part": f"{self.w.unit_name(unit_id)}已按职责配合核查处理，意见已反馈主办单位。"}
        elif bpmn_id == "reply":
            actor = staff.of(unit_id, Role.HANDLER)
            data = dict(p.reply, department=self.w.unit_name(unit_id))
        elif bpmn_id == "review":
            actor = staff.office("reviewer")
            data = {"decision": "accept"}
            if p.sent_back and not self.backed:
                data = {"decision": "back", "reason": "答复未写明法律政策依据和与诉求人的联系情况，请补充后重新答复"}
                self.backed = True
        elif bpmn_id == "evaluate":
            rating = p.rating if not self.redone else rng.choice(("satisfied", "basic", "very_satisfied"))
            data = {"intake_rating": rng.choices(RATINGS[:4], (40, 45, 12, 3))[0], "handling_rating": rating,
                    "method": rng.choice(("callback", "callback", "sms", "ivr"))}
            if rating in ("dissatisfied", "very_dissatisfied"):
                data["comment"] = rng.choice(("问题没有解决", "处理太慢，态度敷衍", "只回电话没有到现场"))
            elif data["intake_rating"] == "dissatisfied":  # a reason is required for either rating (Art. 17)
                data["comment"] = rng.choice(("热线等待时间太长", "话务员没有听清我的问题"))
        elif bpmn_id == "redo_decision":
            actor = staff.office("reviewer")
            if p.reasonable and not self.redone:
                data = {"reasonable": True, "reason": "经回访核实，诉求人反映的问题仍然存在，不满意理由合理"}
                self.redone = True
            else:
                data = {"reasonable": False, "reason": "承办单位已依法依规答复，诉求超出政策规定范围"}
        elif bpmn_id == "extension_review":
            actor = staff.office("reviewer")
            data = {"decision": "approve"}
        complete_task(self.w.session, actor, self.ticket_id, uuid, data, now)
        self.planned.pop(uuid, None)


class SupervisionAnswer:
    """A unit leader answers a supervision (with the written explanation) and the supervisor checks it."""

    def __init__(self, world, ticket_id: int, uuid: str, unit_id: int, rng: random.Random, habits: Habits):
        self.w, self.ticket_id, self.uuid, self.unit_id, self.rng, self.habits = world, ticket_id, uuid, unit_id, \
            rng, habits

    def wake(self, now: datetime) -> datetime | None:
        row = self.w.session.scalar(select(TaskProjection).where(TaskProjection.task_uuid == self.uuid))
        if row is None:
            return None
        if row.bpmn_id == "sup_reply":
            leader = self.w.staff.of(self.unit_id, Role.UNIT_LEADER)
            complete_task(self.w.session, leader, self.ticket_id, self.uuid, {
                "reply_text": "已责成经办科室立即整改，现已办结并电话回复诉求人。",
                "written_explanation": "经查，该件因经办人员对办理时限把握不严、跟进不及时导致逾期。我单位已对相关人员"
                                       "进行批评教育，并建立工单到期前一日提醒制度，确保今后按时办结。"}, now)
        else:
            complete_task(self.w.session, self.w.staff.office("supervisor"), self.ticket_id, self.uuid,
                          {"decision": "accept"}, now)
        nxt = self.w.session.scalar(select(TaskProjection.task_uuid).where(
            TaskProjection.ticket_id == self.ticket_id, TaskProjection.supervision_id.is_not(None),
            TaskProjection.bpmn_id == "sup_check"))
        if nxt is None:
            return None
        self.uuid = nxt
        return self.w.clock.office_after(now, self.rng.uniform(1, 10))

    def first(self, now: datetime) -> datetime:
        return self.w.clock.working_days_after(now, self.rng.uniform(*self.habits.supervision_days))


class PolicyUpload:
    """A unit's 信息采编员 uploads a policy before it takes effect (on time, or in its last days)."""

    def __init__(self, world, unit: Unit, data: dict):
        self.w, self.unit, self.data = world, unit, data

    def wake(self, now: datetime) -> None:
        kb_entries.create_entry(self.w.session, self.w.staff.of(self.unit.id, Role.KB_EDITOR), self.data, now)


class FlagAndFix:
    """The office flags an entry; the unit corrects it and reports the fix (Art. 25: within 5 working days)."""

    def __init__(self, world, entry_id: int, unit_id: int, kind: str, text: str, fix_days: float):
        self.w, self.entry_id, self.unit_id, self.kind, self.text, self.fix_days = world, entry_id, unit_id, kind, \
            text, fix_days
        self.flag_id: int | None = None

    def wake(self, now: datetime) -> datetime | None:
        if self.flag_id is None:
            row = kb_flags.flag(self.w.session, self.w.staff.office("reviewer"), kind=self.kind, text=self.text,
                                now=now, entry_id=self.entry_id)
            self.flag_id = row.id
            return self.w.clock.working_days_after(now, self.fix_days)
        editor = self.w.staff.of(self.unit_id, Role.KB_EDITOR)
        entry = self.w.session.get(KnowledgeEntry, self.entry_id)
        local = now.astimezone(TZ)
        kb_entries.edit_entry(self.w.session, editor, self.entry_id,
                              {"content": f"{entry.content}（{local:%Y年%m月%d日}核实更新）"}, now,
                              reason="按热线办纠错通知修正")
        kb_flags.fix_flag(self.w.session, editor, self.flag_id, "已核实并更新条目内容", now)
        return None
