"""Dispatch suggestions (智能派单): the units most likely right for a ticket, each with its reasons, from three
sources added up by ``engine.domain.similarity.suggestion_score``:

- the duty list (职责清单): the unit's keywords found in what the citizen said (directly or as the same concept),
  a keyword weighing more the fewer units list it, and the ticket's category among the unit's categories;
- the history of similar tickets: units that signed them and were not returned, and whose replies satisfied the
  citizens, count for; units that returned them count against;
- the place: a county unit for an address in its county (属地), never a county unit for another county.

A unit that returned this very ticket (any round) argued it is not responsible (Art. 10(1)) and is never suggested
for it again, however well it scores.

A person decides: the page shows the best three and selects none. What was shown is kept
(``dispatch_suggestion``), and the dispatch that follows records which unit was chosen and its rank.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor
from engine.domain import similarity as sim
from engine.domain.roles import HANDLING_KINDS, UnitKind
from engine.domain.states import DISSATISFIED, Rating
from engine.models import Assignment, Category, DispatchSuggestion, Evaluation, Ticket, Unit, UnitDuty

from . import similar, text

#: Similar earlier tickets read for the history, and the least score that counts.
HISTORY_HITS, HISTORY_MIN = 20, 0.3
#: How much a similar ticket in another county or town (or at an unknown place) counts in the history.
PLACE_ELSEWHERE, PLACE_UNKNOWN = 0.3, 0.6
SATISFIED = frozenset({Rating.VERY_SATISFIED.value, Rating.SATISFIED.value, Rating.BASIC.value})
COUNTY_KINDS = frozenset({UnitKind.COUNTY_GOVERNMENT.value, UnitKind.COUNTY_DEPARTMENT.value})


@dataclass
class Suggestion:
    unit_id: int
    unit_name: str
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"unit_id": self.unit_id, "unit_name": self.unit_name, "score": self.score, "reasons": self.reasons}


@dataclass
class _Unit:
    unit: Unit
    keywords: dict[str, str] = field(default_factory=dict)  # keyword → its duty item's title
    categories: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)


def _duties(session: Session) -> dict[int, _Unit]:
    kinds = [k.value for k in HANDLING_KINDS]
    rows = session.execute(select(UnitDuty, Unit).join(Unit, Unit.id == UnitDuty.unit_id).where(
        UnitDuty.active.is_(True), Unit.active.is_(True), Unit.kind.in_(kinds))).all()
    out: dict[int, _Unit] = {}
    for duty, unit in rows:
        u = out.setdefault(unit.id, _Unit(unit))
        for k in duty.keywords or []:
            u.keywords.setdefault(k.lower(), duty.title)
        u.categories.update(duty.categories or [])
        u.areas.update(duty.areas or [])
    return out


def _duty_scores(units: dict[int, _Unit], content: str, terms: dict[str, float], category: str | None,
                 eligible: set[int]) -> dict[int, tuple[float, list[str]]]:
    """Per unit: how well its duty list covers what was said; a keyword weighs 1/n when n of the units that may
    take this address list it (the same duty of the other counties does not make it common)."""
    said = content.lower()
    listed: dict[str, int] = {}
    for uid, u in units.items():
        if uid not in eligible:
            continue
        for k in u.keywords:
            listed[k] = listed.get(k, 0) + 1
    out = {}
    for uid, u in units.items():
        if uid not in eligible:
            continue
        # One concept counts once, however many of the unit's keywords say it ("过期" and "变质").
        concepts: dict[tuple, float] = {}
        items: list[str] = []
        for k, title in u.keywords.items():
            if k in said or any(c in terms for c in sim.canonical_words(k)):
                key = sim.canonical_words(k) or (k,)
                concepts[key] = max(concepts.get(key, 0.0), 1.0 / listed[k])
                if title not in items:
                    items.append(title)
        raw = sum(concepts.values())
        if category and category in u.categories:
            raw += 0.8
        if raw:
            reasons = [f"职责清单：{'、'.join(items[:2])}"] if items else []
            if category and category in u.categories:
                reasons.append(f"职责清单含分类“{category}”")
            out[uid] = (1 - math.exp(-raw), reasons)
    return out


def _place_scores(units: dict[int, _Unit], place: sim.Place) -> dict[int, tuple[float | None, str | None]]:
    """Per unit: 1 for its town, 0.8 for its county, 0.3 for a citywide unit, None for a county unit elsewhere."""
    out = {}
    for uid, u in units.items():
        county = u.unit.kind in COUNTY_KINDS
        if place.town and any(a == place.town or a in place.town for a in u.areas if a.endswith(("镇", "街道", "乡"))):
            out[uid] = (1.0, f"属地：{place.town}")
        elif place.district and place.district in u.areas:
            out[uid] = (0.8, f"属地：{place.district}")
        elif county and (place.district or place.town):
            out[uid] = (None, None)  # a county's unit, and the address is in another county
        else:
            out[uid] = (0.3 if not county else 0.0, None)
    return out


def _history(session: Session, ticket_query: similar.Query, place: sim.Place, now: datetime
             ) -> dict[int, tuple[float, list[str]]]:
    """Per unit: its record on the similar earlier tickets (-1..1), a ticket elsewhere counting less (which unit
    took it there says less about who takes it here)."""
    hits = [h for h in similar.search(session, Actor.system(), ticket_query, now, limit=HISTORY_HITS)
            if h.score >= HISTORY_MIN]
    if not hits:
        return {}
    weight = {}
    for h in hits:
        there = sim.parse_place(h.address)
        near = 1.0 if sim.shared_place(place, there) else (PLACE_ELSEWHERE if sim.places_differ(place, there)
                                                           else PLACE_UNKNOWN)
        weight[h.ticket_id] = h.score * near
    signed: dict[int, float] = {}
    returned: dict[int, float] = {}
    counts: dict[int, list[int]] = {}
    for a in session.scalars(select(Assignment).where(Assignment.ticket_id.in_(weight), Assignment.role == "lead")):
        w = weight[a.ticket_id]
        c = counts.setdefault(a.unit_id, [0, 0, 0])
        if a.returned_at is not None:
            returned[a.unit_id] = returned.get(a.unit_id, 0.0) + w
            c[1] += 1
        elif a.signed_at is not None:
            signed[a.unit_id] = signed.get(a.unit_id, 0.0) + w
            c[0] += 1
    for ev in session.scalars(select(Evaluation).where(Evaluation.ticket_id.in_(weight),
                                                       Evaluation.unit_id.is_not(None))):
        w = weight[ev.ticket_id]
        if ev.handling_rating in SATISFIED:
            signed[ev.unit_id] = signed.get(ev.unit_id, 0.0) + 0.5 * w
            counts.setdefault(ev.unit_id, [0, 0, 0])[2] += 1
        elif ev.handling_rating in DISSATISFIED:
            returned[ev.unit_id] = returned.get(ev.unit_id, 0.0) + 0.5 * w
    total = sum(weight.values())
    out = {}
    for uid, (n_signed, n_returned, n_happy) in counts.items():
        value = (signed.get(uid, 0.0) - returned.get(uid, 0.0)) / total
        reasons = []
        if n_signed:
            reasons.append(f"相似工单{n_signed}件由该单位签收办理" + (f"，满意{n_happy}件" if n_happy else ""))
        if n_returned:
            reasons.append(f"相似工单被该单位退回{n_returned}次")
        out[uid] = (value, reasons)
    return out


def _returned_by(session: Session, ticket: Ticket) -> set[int]:
    """The units that returned this ticket in any round."""
    if ticket.id is None:
        return set()
    return set(session.scalars(select(Assignment.unit_id).where(Assignment.ticket_id == ticket.id,
                                                                Assignment.returned_at.is_not(None))))


def suggest(session: Session, ticket: Ticket, now: datetime, *, limit: int = 3) -> list[Suggestion]:
    """The best ``limit`` units for a ticket, best first, each with its score and reasons (Chinese)."""
    units = _duties(session)
    terms = text.terms(ticket.content, ticket.category, ticket.address)
    place = sim.parse_place(ticket.address)
    if not place.words:
        place = sim.place_in_text(ticket.content)
    places = _place_scores(units, place)
    duty = _duty_scores(units, ticket.content or "", terms, ticket.category,
                        {uid for uid, (p, _r) in places.items() if p is not None})
    history = _history(session, similar.query_of(ticket), place, now)
    default = session.scalar(select(Category.default_unit_id).where(Category.name == ticket.category)) \
        if ticket.category else None
    candidates = set(duty) | {u for u, (v, _r) in history.items() if v > 0} | ({default} if default else set())
    candidates -= _returned_by(session, ticket)
    names = {uid: u.unit.name for uid, u in units.items()}
    kinds = {uid: u.unit.kind for uid, u in units.items()}
    for uid, name, kind in session.execute(select(Unit.id, Unit.name, Unit.kind).where(
            Unit.id.in_(candidates - set(names)), Unit.active.is_(True),
            Unit.kind.in_([k.value for k in HANDLING_KINDS]))):
        names[uid], kinds[uid] = name, kind
    out = []
    for uid in candidates:
        if uid not in names:
            continue
        # A unit without a duty list: a county unit only for its own county is unknown, so neutral for a city one.
        p, p_reason = places.get(uid, (0.0 if kinds[uid] in COUNTY_KINDS else 0.3, None))
        if p is None:
            continue
        d, d_reasons = duty.get(uid, (0.0, []))
        h, h_reasons = history.get(uid, (0.0, []))
        score = sim.suggestion_score(d, h, p if (d or h > 0) else 0.0, uid == default)
        if score <= 0:
            continue
        reasons = [*d_reasons, *h_reasons, *([p_reason] if p_reason else [])]
        if uid == default:
            reasons.append("诉求分类的对口单位")
        out.append(Suggestion(uid, names[uid], score, reasons))
    out.sort(key=lambda s: (-s.score, s.unit_id))
    return out[:limit]


def record_shown(session: Session, actor: Actor, ticket: Ticket, shown: list[Suggestion], now: datetime
                 ) -> DispatchSuggestion:
    """Keep what was shown to a dispatcher; the dispatch that follows fills in what was chosen."""
    row = DispatchSuggestion(ticket_id=ticket.id, shown_at=now, shown_to_id=actor.user_id,
                             units=[s.as_json() for s in shown])
    session.add(row)
    session.flush()
    return row
