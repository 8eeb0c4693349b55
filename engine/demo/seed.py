"""Build a living Heyuan demo through the real services: units, users, KB entries, and a year of tickets."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from engine.common import Actor, transaction
from engine.domain.roles import ROLE_LABELS, Role
from engine.knowledge import reindex_all
from engine.models import Category, KnowledgeEntry, KnowledgeVersion, Unit, User

from . import content as dc
from . import kb as dk
from .duties import seed_duties
from .history import Progress, live_year
from .matters import seed_matters


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


def seed_users(session: Session, units: dict[str, Unit], now: datetime,
               password_hash: str | None = None) -> list[tuple[str, str, str]]:
    """The demo accounts, all with the demo password (``password_hash``: its hash by the deployment's method;
    by default Werkzeug's)."""
    pw = password_hash or generate_password_hash(dc.DEMO_PASSWORD)
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


#: Tickets of the default demo year (``seed-demo`` without ``--tickets``): about 125 a month, measured to stay
#: well under a minute (docs/demo.md).
DEFAULT_TICKETS = 1500


def seed_demo(session: Session, now: datetime, tickets: int = DEFAULT_TICKETS, seed: int = 12345, months: int = 12,
              progress: Progress | None = None, password_hash: str | None = None) -> list[tuple[str, str, str]]:
    """Load the demo: units, users and knowledge entries (once), then ``months`` months of the hotline up to
    ``now`` with about ``tickets`` registrations, lived through the services (docs/demo.md). ``password_hash``:
    the demo password's hash by the deployment's method (see :func:`seed_users`).

    Running it again adds another such period of tickets to the same units and users.
    """
    say = progress or (lambda _msg: None)
    since = now - timedelta(days=round(months * 30.4) + 30)
    password_hash = password_hash or generate_password_hash(dc.DEMO_PASSWORD)
    with transaction(session):
        units = seed_units(session)
        logins = seed_users(session, units, since, password_hash)
        kb = seed_reference(session, units, since)
    say("单位、账号和知识库已就绪")
    live_year(session, units, kb, now, per_month=tickets / months, months=months, seed=seed, progress=say,
              password_hash=password_hash)
    seed_matters(session, units, now)  # a water cut-off surge and a construction site's merged complaints
    return logins
