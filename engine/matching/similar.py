"""Similar tickets (同一事项, Art. 6(8), 11): earlier and later tickets ranked by meaning, place and time.

What a ticket says is a vector of its canonical words weighted by TF-IDF; two tickets are compared by the cosine of
their vectors (「内容相近 0.82」), to which the place they share, the same caller and nearness in time add
(``engine.domain.similarity.combine``). Candidates come from the word index in one grouped query over the words of
the ticket, rarest first, within a window of registration (open and recently closed tickets alike); a word so
common that its postings would pass ``MAX_POSTINGS`` is left out of the candidate query (it still counts in the
score), so the work is bounded whatever is typed. The same caller's tickets are always candidates.
Unit scoping applies: an actor gets only the tickets it may see.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from engine.common import Actor, Invalid, visible_filter
from engine.domain import similarity as sim
from engine.domain.states import FINAL_STATUSES, TicketStatus
from engine.models import SimilarIndex, SimilarLink, Ticket, TicketTerm

from . import index, text

#: Registration window searched (days): open tickets and those closed recently enough to be "the same matter".
WINDOW_DAYS = 180
#: Candidates read from the word index, best first, before the exact score is computed.
CANDIDATES = 120
#: At most this many postings (ticket-word pairs, counted over all time) are read for one search.
MAX_POSTINGS = 30_000
MAX_LIMIT = 50
#: A link (for the dispatcher's queue and surges) is kept from this score and this text similarity on.
LINK_SCORE, LINK_TEXT = 0.3, 0.2
#: Characters no person types (PostgreSQL refuses NUL in text): dropped from whatever is compared.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FIELDS = (("content", "诉求内容", 5000, True), ("address", "地址或地点", 255, False),
          ("category", "诉求分类", 80, False), ("citizen_phone", "联系电话", 40, False))


@dataclass(frozen=True)
class Query:
    """What to compare with: a ticket or a request being typed, and the moment it is about."""

    content: str
    address: str | None = None
    category: str | None = None
    phone: str | None = None
    at: datetime | None = None
    exclude_id: int | None = None


@dataclass
class Hit:
    ticket_id: int
    number: str
    score: float
    reasons: list[str]
    text_score: float
    status: str
    created_at: datetime
    category: str | None = None
    address: str | None = None
    content: str = ""
    main_ticket_id: int | None = None
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"ticket_id": self.ticket_id, "number": self.number, "score": self.score, "reasons": self.reasons}


def query_of(ticket: Ticket) -> Query:
    return Query(ticket.content, ticket.address, ticket.category, ticket.citizen_phone, ticket.created_at, ticket.id)


def check_draft(data: object) -> Query:
    """A request being typed, as the intake page or a client sends it.

    :raises Invalid: with Chinese messages per field for a wrong shape (not an object, not text, too long, no content).
    """
    if not isinstance(data, dict):
        raise Invalid("请求体必须是 JSON 对象", "similar: body is not an object")
    errors, values = {}, {}
    for key, label, n, required in FIELDS:
        value = data.get(key)
        if value is None or value == "":
            if required:
                errors[key] = f"请填写{label}"
            values[key] = None
        elif not isinstance(value, str):
            errors[key] = f"{label}须为文字"
        elif len(value) > n:
            errors[key] = f"{label}不能超过{n}个字"
        else:
            values[key] = value.strip() or None
    if not errors and not values["content"]:
        errors["content"] = "请填写诉求内容"
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"similar refused: {sorted(errors)}", fields=errors)
    return Query(values["content"], values["address"], values["category"], values["citizen_phone"])


def check_limit(raw: object, default: int = 10) -> int:
    """``?limit=`` as a number from 1 to ``MAX_LIMIT``.

    :raises Invalid: for anything else.
    """
    if raw in (None, ""):
        return default
    if isinstance(raw, str) and raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
        return int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= MAX_LIMIT:
        return raw
    raise Invalid(f"limit 须为 1 至 {MAX_LIMIT} 的整数", f"similar: bad limit {raw!r}", fields={"limit": "数量有误"})


def _candidates(session: Session, weights: dict[str, float], st: index.Stats, since: datetime) -> list[int]:
    chosen, budget = [], 0
    for term in sorted(weights, key=lambda t: (st.df.get(t, 0), t)):
        df = st.df.get(term, 0)
        if len(chosen) >= 3 and budget + df > MAX_POSTINGS:
            continue
        chosen.append(term)
        budget += df
    if not chosen:
        return []
    value = case({t: weights[t] * st.idf(t) for t in chosen}, value=TicketTerm.term, else_=0.0)
    score = func.sum(TicketTerm.weight * value).label("s")
    q = (select(TicketTerm.ticket_id, score).where(TicketTerm.term.in_(chosen), TicketTerm.created_at >= since)
         .group_by(TicketTerm.ticket_id).order_by(score.desc(), TicketTerm.ticket_id.desc()).limit(CANDIDATES))
    return [tid for tid, _s in session.execute(q)]


def search(session: Session, actor: Actor, query: Query, now: datetime, *, limit: int = 10,
           window_days: int = WINDOW_DAYS, weights: sim.SimilarityWeights = sim.SimilarityWeights()) -> list[Hit]:
    """The tickets most like ``query`` that ``actor`` may see, best first, each with its score and reasons."""
    query = _clean(query)
    at = query.at or now
    since = now - timedelta(days=window_days)
    st = index.stats(session)
    terms = text.terms(query.content, query.category, query.address)
    qw = {t: w * st.idf(t) for t, w in terms.items()}
    ids = set(_candidates(session, qw, st, since))
    phone = (query.phone or "").strip()
    if phone:
        ids.update(session.scalars(select(Ticket.id).where(Ticket.citizen_phone == phone, Ticket.created_at >= since)
                                   .order_by(Ticket.id.desc()).limit(20)))
    ids.discard(query.exclude_id)
    if not ids:
        return []
    cols = (Ticket.id, Ticket.number, Ticket.address, Ticket.citizen_phone, Ticket.category, Ticket.created_at,
            Ticket.status, Ticket.main_ticket_id, Ticket.content)
    rows = session.execute(select(*cols).where(Ticket.id.in_(ids), visible_filter(actor))).all()
    vectors: dict[int, dict[str, float]] = defaultdict(dict)
    for tid, term, w in session.execute(select(TicketTerm.ticket_id, TicketTerm.term, TicketTerm.weight)
                                        .where(TicketTerm.ticket_id.in_([r.id for r in rows]))):
        vectors[tid][term] = w
    here = _place(query.address, query.content)
    places: dict[tuple, sim.Place] = {}
    hits = []
    for r in rows:
        alike = sim.text_similarity(qw, {t: w * st.idf(t) for t, w in vectors.get(r.id, {}).items()})
        key = (r.address, None if r.address else r.content[:300])
        place = places.get(key) or places.setdefault(key, _place(r.address, r.content))
        hours = abs((at - r.created_at).total_seconds()) / 3600
        score, reasons = sim.combine(alike, sim.shared_place(here, place), bool(phone) and r.citizen_phone == phone,
                                     hours, weights, elsewhere=sim.places_differ(here, place))
        if score >= weights.min_score:
            hits.append(Hit(r.id, r.number, score, reasons, round(alike, 4), r.status, r.created_at, r.category,
                            r.address, r.content, r.main_ticket_id))
    hits.sort(key=lambda h: (-h.score, -h.created_at.timestamp(), -h.ticket_id))
    hits = hits[:limit]
    _name_mains(session, hits)
    return hits


def _clean(query: Query) -> Query:
    def clean(value: str | None) -> str | None:
        return _CONTROL.sub("", value) if value else value
    return Query(clean(query.content) or "", clean(query.address), clean(query.category), clean(query.phone),
                 query.at, query.exclude_id)


def _place(address: str | None, content: str | None) -> sim.Place:
    """Where a ticket is: its address, or the place its words name when it has none."""
    place = sim.parse_place(address)
    return place if place.words else sim.place_in_text(content)


def _name_mains(session: Session, hits: list[Hit]) -> None:
    mains = {h.main_ticket_id for h in hits if h.main_ticket_id}
    if not mains:
        return
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(mains))).all())
    for h in hits:
        if h.main_ticket_id:
            h.reasons.append(f"已并入{numbers.get(h.main_ticket_id, '主单')}")


def similar_to_ticket(session: Session, actor: Actor, ticket: Ticket, now: datetime, *, limit: int = 10) -> list[Hit]:
    """Tickets like one the actor may see (the caller checked that), measured from its registration."""
    return search(session, actor, query_of(ticket), now, limit=limit)


# -- links: which tickets have similar open ones (the dispatcher's queue, surges) --------------------------------

def link(session: Session, ticket_ids: list[int], now: datetime) -> int:
    """Find and keep the similar tickets of each ticket (as the system sees them); return how many were linked."""
    system = Actor.system()
    done = 0
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))):
        found = search(session, system, query_of(ticket), now, limit=10)
        session.execute(delete(SimilarLink).where(SimilarLink.ticket_id == ticket.id))
        for h in found:
            if h.score >= LINK_SCORE and h.text_score >= LINK_TEXT:
                session.add(SimilarLink(ticket_id=ticket.id, other_id=h.ticket_id, score=h.score,
                                        text_score=h.text_score))
        row = session.get(SimilarIndex, ticket.id)
        if row is not None:
            row.linked_at = now
        done += 1
    session.flush()
    return done


def unlinked(session: Session, now: datetime, *, days: int = 3, limit: int = 200) -> list[int]:
    """Indexed tickets of the last ``days`` days whose similar tickets were never looked up, oldest first."""
    return list(session.scalars(select(SimilarIndex.ticket_id).where(
        SimilarIndex.linked_at.is_(None), SimilarIndex.created_at >= now - timedelta(days=days))
        .order_by(SimilarIndex.created_at).limit(limit)))


def open_similar(session: Session, ticket_ids: list[int], now: datetime, *, link_missing: int = 30
                 ) -> dict[int, list[dict]]:
    """For each ticket, the open tickets linked to it as similar (either way, merged tickets left out), best
    first; the tickets not linked yet are linked now, at most ``link_missing`` of them (the scheduler links the
    rest)."""
    if not ticket_ids:
        return {}
    missing = list(session.scalars(select(SimilarIndex.ticket_id).where(
        SimilarIndex.ticket_id.in_(ticket_ids), SimilarIndex.linked_at.is_(None)).limit(link_missing)))
    if missing:
        link(session, missing, now)
    final = [s.value for s in FINAL_STATUSES]
    out: dict[int, list[dict]] = {i: [] for i in ticket_ids}
    pairs = session.execute(select(SimilarLink.ticket_id, SimilarLink.other_id, SimilarLink.score).where(
        SimilarLink.ticket_id.in_(ticket_ids) | SimilarLink.other_id.in_(ticket_ids))).all()
    others = {b for a, b, _ in pairs} | {a for a, b, _ in pairs}
    # A merged ticket (并单) is handled as its main ticket: it is not another open ticket of the matter.
    info = {r.id: r for r in session.execute(select(Ticket.id, Ticket.number, Ticket.status).where(
        Ticket.id.in_(others), Ticket.status.not_in(final), Ticket.main_ticket_id.is_(None)))} if others else {}
    for a, b, score in pairs:
        for mine, other in ((a, b), (b, a)):
            if mine in out and other in info and all(x["ticket_id"] != other for x in out[mine]):
                r = info[other]
                out[mine].append({"ticket_id": r.id, "number": r.number, "score": score,
                                  "status_label": TicketStatus(r.status).label})
    for found in out.values():
        found.sort(key=lambda x: -x["score"])
    return out
