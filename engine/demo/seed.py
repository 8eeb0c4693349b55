"""Build a living Heyuan demo through the real services: units, users, KB entries, tickets in every state."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from engine.common import Actor, transaction
from engine.domain.roles import ROLE_LABELS, Role
from engine.knowledge import reindex_all
from engine.models import Category, KnowledgeEntry, KnowledgeVersion, Unit, User
from engine.process import EXPLANATION_TEMPLATES
from engine.tickets import complete_task, register

from . import content as dc
from . import generator as dg
from . import kb as dk
from .duties import seed_duties
from .matters import seed_matters

# How far each demo ticket is driven, with weights: a newcomer sees every state.
STAGES = {"scoping": 4, "refused": 5, "answered": 8, "answered_open": 3, "dispatching": 5, "county": 3,
          "signing": 8, "returned": 3, "co_handling": 4, "handling": 14, "reviewing": 6, "evaluating": 8,
          "redo_deciding": 3, "redo_handling": 3, "archived": 23}


def seed_units(session: Session) -> dict[str, Unit]:
    units = {u.code: u for u in session.scalars(select(Unit))}
    for spec in dc.ALL_UNITS:
        if spec["code"] in units:
            continue
        leader = spec.get("leader") or {}
        u = Unit(code=spec["code"], name=spec["name"], kind=spec["kind"], leader_name=leader.get("name"),
                 leader_title=leader.get("title"), leader_phone=leader.get("mobile"), phone=spec.get("phone"),
                 duties=spec.get("duties"), parent_id=units[spec["parent"]].id if spec.get("parent") else None)
        session.add(u)
        session.flush()
        units[u.code] = u
    return units


def seed_users(session: Session, units: dict[str, Unit], now: datetime) -> list[tuple[str, str, str]]:
    pw = generate_password_hash(dc.DEMO_PASSWORD)
    logins = []
    for spec in dc.DEMO_USERS:
        unit = units.get(spec["unit"])
        if session.scalar(select(User).where(User.username == spec["username"])) is None:
            session.add(User(username=spec["username"], password_hash=pw, display_name=spec["display_name"],
                             phone=spec.get("phone"), role=spec["role"], unit_id=unit.id if unit else None,
                             created_at=now))
        logins.append((spec["username"], ROLE_LABELS[Role(spec["role"])], unit.name if unit else ""))
    session.flush()
    return logins


def seed_reference(session: Session, units: dict[str, Unit], now: datetime) -> dict[str, KnowledgeEntry]:
    names = set(session.scalars(select(Category.name)))
    for c in dc.CATEGORIES:
        if c["name"] not in names:
            unit = units.get(c["default_unit"])
            session.add(Category(name=c["name"], default_unit_id=unit.id if unit else None))
    kb = {e.title: e for e in session.scalars(select(KnowledgeEntry))}
    by_code = {}
    seeder = Actor.system("演示数据")
    for e in dk.KB_ENTRIES:
        entry = kb.get(e["title"])
        if entry is None:
            cat = dc.CATEGORIES_BY_CODE.get(e["category"])
            # Each unit's policy long in force: published as version 1, not uploaded late (Art. 25).
            entry = KnowledgeEntry(title=e["title"], category=cat["name"] if cat else e["category"],
                                   content=e["content"], basis=e.get("basis"), unit_id=units[e["unit"]].id,
                                   keywords=list(e.get("keywords") or []), status="published", created_at=now,
                                   effective_date=date.fromisoformat(e["effective"]) if e.get("effective") else None,
                                   current_version=1, uploaded_late=False, updated_at=now)
            session.add(entry)
            session.flush()
            session.add(KnowledgeVersion(
                entry_id=entry.id, version=1, status=entry.status, title=entry.title, content=entry.content,
                basis=entry.basis, keywords=entry.keywords, category=entry.category,
                effective_date=entry.effective_date, expiry_date=None, author=seeder.label[:120], author_id=None,
                note="演示数据", created_at=now))
        by_code[e["code"]] = entry
    session.flush()
    reindex_all(session)  # the knowledge base's Chinese full-text index (jieba words)
    seed_duties(session, units, now)  # the units' duty lists (职责清单) the dispatch suggestions read
    return by_code


def _unit_actor(role: Role, unit: Unit) -> Actor:
    label = {Role.RECEIVER: "受理员", Role.HANDLER: "经办人", Role.COUNTY_DISPATCHER: "派单员"}[role]
    return Actor("user", f"{unit.name}{label}", None, role, unit.id)


class _Driver:
    """Drive one ticket through the services, advancing a simulated clock between steps."""

    def __init__(self, session, units, staff, rng, t0, limit):
        self.s, self.units, self.staff, self.rng, self.t, self.limit = session, units, staff, rng, t0, limit

    def tick(self, hours_lo=0.2, hours_hi=20.0) -> datetime:
        self.t = min(self.t + timedelta(hours=self.rng.uniform(hours_lo, hours_hi)), self.limit)
        return self.t

    def do(self, actor, ticket, task, data):
        return complete_task(self.s, actor, ticket.id, task, data, self.tick())


def _pick_units(req: dict, units: dict[str, Unit], rng) -> tuple[Unit, list[Unit]]:
    lead = units.get(req.get("local_unit") or "") or units.get(req["unit"]) or units["HY-ZJJ"]
    pool = [u for u in units.values() if u.kind in ("city_department", "enterprise") and u.id != lead.id]
    cos = rng.sample(pool, 1) if rng.random() < 0.5 else []
    return lead, cos


def seed_tickets(session: Session, units: dict[str, Unit], kb: dict[str, KnowledgeEntry], now: datetime,
                 count: int, seed: int) -> int:
    rng = random.Random(seed)
    staff = {u.role: Actor.of_user(u) for u in session.scalars(select(User))}
    stages = list(STAGES)
    weights = list(STAGES.values())
    made = 0
    for i in range(count):
        req = dg.request_for(i, rng)
        stage = rng.choices(stages, weights)[0]
        start = now - timedelta(days=rng.uniform(0.5, 40) if stage == "archived" else rng.uniform(0.1, 9))
        d = _Driver(session, units, staff, rng, start, now)
        with transaction(session):
            _drive(d, req, stage, kb)
        made += 1
    return made


def _drive(d: _Driver, req: dict, stage: str, kb: dict[str, KnowledgeEntry]) -> None:
    s, rng, staff = d.s, d.rng, d.staff
    cat = dc.CATEGORIES_BY_CODE.get(req["category"])
    data = {"channel": req["channel"], "citizen_name": req["citizen_name"], "citizen_phone": req["phone"],
            "address": req["address"], "content": req["content"], "ticket_type": req["type"],
            "category": cat["name"] if cat else None}
    agent = staff["agent"]
    ticket, _code, _ = register(s, agent, data, d.tick(0, 0.1))
    if stage == "scoping":
        return
    if stage == "refused":
        code = rng.choice([1, 2, 4, 9, 11])
        complete_task(s, agent, ticket.id, "decide_scope", {"scope": "refuse", "refusal_code": code,
                      "refusal_explanation": EXPLANATION_TEMPLATES[code]}, d.tick(0, 0.2))
        return
    if stage in ("answered", "answered_open"):
        entry = kb.get(req.get("kb") or "") or next(iter(kb.values()))
        d.do(agent, ticket, "decide_scope", {"scope": "answer", "kb_entry_id": entry.id})
        if stage == "answered":
            d.do(agent, ticket, "evaluate", {"intake_rating": rng.choice(["very_satisfied", "satisfied", "basic"]),
                                             "method": "callback"})
        return
    d.do(agent, ticket, "decide_scope", {"scope": "accept"})
    if stage == "dispatching":
        return
    lead, cos = _pick_units(req, d.units, rng)
    county = d.units.get(f"{req['county']}-OFFICE")
    if stage == "county" and county is not None:
        d.do(staff["dispatcher"], ticket, "dispatch", {"via_county": county.id})
        return
    if stage == "returned":
        d.do(staff["dispatcher"], ticket, "dispatch", {"lead_unit": lead.id})
        d.do(_unit_actor(Role.RECEIVER, lead), ticket, "sign", {
            "decision": "return", "return_reason": "该事项不属于本单位法定职责，建议转属地政府处理",
            "return_basis": "《河源市12345政府服务热线管理办法》第十条"})
        return
    d.do(staff["dispatcher"], ticket, "dispatch", {"lead_unit": lead.id, "co_units": [u.id for u in cos]})
    if stage == "signing":
        return
    d.do(_unit_actor(Role.RECEIVER, lead), ticket, "sign", {"decision": "sign"})
    if cos:
        if stage == "co_handling":
            return
        for u in cos:
            d.do(_unit_actor(Role.HANDLER, u), ticket, "co_handle", {"co_part": f"{u.name}已按职责配合核查处理。"})
    if stage in ("co_handling", "handling"):
        return
    reply = {"department": lead.name, "handler_name": rng.choice(dg.SURNAMES) + "工", "result": req["reply"],
             "basis": req["basis"], "contact_method": "电话联系诉求人并告知办理结果"}
    handler = _unit_actor(Role.HANDLER, lead)
    d.do(handler, ticket, "reply", reply)
    if stage == "reviewing":
        return
    d.do(staff["reviewer"], ticket, "review", {"decision": "accept"})
    if stage == "evaluating":
        return
    if stage in ("redo_deciding", "redo_handling"):
        d.do(agent, ticket, "evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied",
                                         "method": "callback", "comment": "问题没有解决"})
        if stage == "redo_handling":
            d.do(staff["reviewer"], ticket, "redo_decision", {"reasonable": True,
                                                              "reason": "诉求人反映问题仍存在，经核实理由合理"})
        return
    good = rng.choices(["very_satisfied", "satisfied", "basic", "dissatisfied"], [30, 45, 18, 7])[0]
    d.do(agent, ticket, "evaluate", {"intake_rating": "satisfied", "handling_rating": good, "method":
                                     rng.choice(["callback", "sms", "ivr"]),
                                     "comment": "答复与实际情况不符" if good == "dissatisfied" else None})
    if good == "dissatisfied":
        d.do(staff["reviewer"], ticket, "redo_decision",
             {"reasonable": False, "reason": "已依法答复，诉求超出政策范围"})


def seed_demo(session: Session, now: datetime, tickets: int = 300, seed: int = 12345) -> list[tuple[str, str, str]]:
    """Load the demo once; running it again adds nothing but the tickets."""
    with transaction(session):
        units = seed_units(session)
        logins = seed_users(session, units, now)
        kb = seed_reference(session, units, now)
    seed_tickets(session, units, kb, now, tickets, seed)
    seed_matters(session, units, now)  # a water cut-off surge and a construction site's merged complaints
    return logins
