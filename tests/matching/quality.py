"""Measure the same-matter search and the dispatch suggestions on the written test sets (tests/matching/data).

Used by tests/matching/test_quality.py (which asserts the targets) and bench/matching_quality.py (which records the
figures in bench/RESULTS.md). Tickets are registered through the product's own ``register`` on the database given;
the background is the demo's request generator (its templates and places, never the test sets' places).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.common import Actor
from engine.demo import content as dc
from engine.demo import generator as dg
from engine.domain.roles import Role
from engine.matching import Query, refresh_stats, search
from engine.models import User
from engine.tickets import register

from .data.similar_pairs import PAIRS

BACKGROUND = 300


def _agent(session) -> Actor:
    return Actor.of_user(session.scalar(select(User).where(User.role == Role.AGENT.value).limit(1)))


def _phone(i: int, kind: int = 0) -> str:
    """A fictional number: kind 0 earlier tickets, 1 near-misses, 2 later calls, 3 dispatch requests."""
    return f"139{kind}{i:07d}"


def _ticket(session, actor, address, content, category, phone, at):
    data = {"citizen_name": "测试", "citizen_phone": phone, "address": address or "", "content": content,
            "ticket_type": "complaint", "category": category or ""}
    return register(session, actor, data, at)[0]


@dataclass
class SimilarReport:
    pairs: int = 0
    found_at_5: int = 0
    near_misses: int = 0
    near_in_top3: int = 0
    misses: list[str] = field(default_factory=list)
    intruders: list[str] = field(default_factory=list)
    ranks: dict[str, int | None] = field(default_factory=dict)

    @property
    def recall_at_5(self) -> float:
        return self.found_at_5 / self.pairs if self.pairs else 0.0


def load_similar_corpus(session, now: datetime, background: int = BACKGROUND, pairs=PAIRS, base: int = 0) -> dict:
    """Register the background, every pair's earlier ticket and its near-misses; return their ids by pair."""
    actor = _agent(session)
    rng = random.Random(21)
    for i in range(background):
        req = dg.request_for(i, rng)
        cat = dc.CATEGORIES_BY_CODE[req["category"]]["name"]
        _ticket(session, actor, req["address"], req["content"], cat, req["phone"],
                now - timedelta(hours=rng.uniform(1, 24 * 60)))
    ids = {}
    for n, pair in enumerate(pairs):
        at = now - timedelta(hours=pair.hours)
        earlier = _ticket(session, actor, *pair.earlier, _phone(base + n), at)
        near = [_ticket(session, actor, *nm, _phone(base + n * 10 + k, 1), at + timedelta(minutes=30 + k))
                for k, nm in enumerate(pair.near)]
        ids[pair.key] = (earlier.id, [t.id for t in near])
    session.flush()
    refresh_stats(session, now)
    return ids


def evaluate_similar(session, ids: dict, now: datetime, pairs=PAIRS, base: int = 0) -> SimilarReport:
    """Recall@5 of each pair's earlier ticket for its later call, and near-misses among the three best."""
    report = SimilarReport()
    system = Actor.system()
    for n, pair in enumerate(pairs):
        address, content, category = pair.later
        phone = _phone(base + n) if pair.caller else _phone(base + n, 2)
        hits = search(session, system, Query(content, address, category, phone, now), now, limit=5)
        ranked = [h.ticket_id for h in hits]
        earlier, near = ids[pair.key]
        report.pairs += 1
        report.ranks[pair.key] = ranked.index(earlier) + 1 if earlier in ranked else None
        if earlier in ranked:
            report.found_at_5 += 1
        else:
            report.misses.append(pair.key)
        report.near_misses += len(near)
        bad = [i for i in near if i in ranked[:3]]
        report.near_in_top3 += len(bad)
        if bad:
            report.intruders.append(pair.key)
    return report


# -- dispatch suggestions ----------------------------------------------------------------------------------------

@dataclass
class DispatchReport:
    requests: int = 0
    top1: int = 0
    top3: int = 0
    baseline: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.requests if self.requests else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.requests if self.requests else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline / self.requests if self.requests else 0.0


def load_history(session, now: datetime, count: int = 150) -> int:
    """Earlier tickets dispatched to the unit the demo gives their matter and signed there: the history the
    suggestions learn from (the demo generator's requests, none of the test set's)."""
    from engine.models import Unit
    from engine.tickets import complete_task

    actor = _agent(session)
    dispatcher = Actor.of_user(session.scalar(select(User).where(User.role == Role.DISPATCHER.value).limit(1)))
    units = {u.code: u for u in session.scalars(select(Unit))}
    rng = random.Random(2121)
    for i in range(count):
        req = dg.request_for(10_000 + i, rng)
        at = now - timedelta(days=rng.uniform(2, 120))
        cat = dc.CATEGORIES_BY_CODE[req["category"]]["name"]
        data = {"citizen_name": req["citizen_name"], "citizen_phone": req["phone"], "address": req["address"],
                "content": req["content"], "ticket_type": "complaint", "category": cat, "scope": "accept"}
        ticket = register(session, actor, data, at)[0]
        lead = units[req["local_unit"] or req["unit"]]
        complete_task(session, dispatcher, ticket.id, "dispatch", {"lead_unit": lead.id}, at + timedelta(hours=1))
        receiver = Actor("user", f"{lead.name}受理人", None, Role.RECEIVER, lead.id)
        complete_task(session, receiver, ticket.id, "sign", {"decision": "sign"}, at + timedelta(hours=3))
    session.flush()
    refresh_stats(session, now)
    return count


def evaluate_dispatch(session, now: datetime, requests=None) -> DispatchReport:
    """Top-1 and top-3 of the suggestions for each written request, and the category default as the baseline."""
    from engine.matching import suggest as suggestions
    from engine.models import Category, Unit

    from .data.dispatch_requests import REQUESTS

    requests = REQUESTS if requests is None else requests
    actor = _agent(session)
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    defaults = dict(session.execute(select(Category.name, Category.default_unit_id)).all())
    report = DispatchReport()
    offset = 0 if requests is REQUESTS else 1000
    for n, (address, content, category, expected) in enumerate(requests):
        ticket = _ticket(session, actor, address, content, category, _phone(offset + n, 3), now)
        shown = [codes[s.unit_id] for s in suggestions.suggest(session, ticket, now)]
        report.requests += 1
        report.top1 += shown[:1] == [expected]
        report.top3 += expected in shown
        report.baseline += category is not None and codes.get(defaults.get(category)) == expected
        if shown[:1] != [expected]:
            report.misses.append(f"{n}:{expected}->{shown}")
    return report
