"""What the intake, ticket and dispatch pages show of the same matter: similar tickets, the matter a ticket
belongs to with its merge forms, the dispatch suggestions. Read-only helpers the ticket pages call."""
from __future__ import annotations

from sqlalchemy import select

from engine.common import Actor, iso, transaction, visible_filter
from engine.domain.states import TicketStatus
from engine.matching import Query, record_shown, search, similar_to_ticket
from engine.matching import suggest as suggestions
from engine.models import Ticket
from engine.tickets import child_problem, main_problem, matter_view
from forms import MergeForm, MergeIntoForm, UnmergeForm

from ..common import MERGE_ROLES
from ..extensions import db
from ..security import now

PANEL_HITS = 8


def hit_dict(h) -> dict:
    """A hit as the panels and the live JSON show it: the API's fields and what a person reads beside them."""
    snippet = (h.content or "").strip()
    return {**h.as_json(), "status_label": TicketStatus(h.status).label, "created_at": iso(h.created_at),
            "snippet": snippet if len(snippet) <= 80 else snippet[:80] + "…", "category": h.category,
            "address": h.address, "main_ticket_id": h.main_ticket_id}


def draft_similar(actor: Actor, content: str | None, address: str | None, category: str | None,
                  phone: str | None) -> list[dict]:
    """Similar tickets for a request being typed at intake (nothing when nothing is typed yet)."""
    if not (content or "").strip():
        return []
    hits = search(db.session, actor, Query(content.strip()[:5000], (address or "").strip()[:255] or None,
                                           (category or "").strip()[:80] or None, (phone or "").strip()[:40] or None),
                  now(), limit=PANEL_HITS)
    return [hit_dict(h) for h in hits]


def ticket_similar(actor: Actor, ticket: Ticket, limit: int = PANEL_HITS) -> list[dict]:
    return [hit_dict(h) for h in similar_to_ticket(db.session, actor, ticket, now(), limit=limit)]


def ticket_matter(actor: Actor, ticket: Ticket) -> dict:
    """The matter section of a ticket page: its main ticket or merged tickets, the similar tickets, the forms."""
    view = matter_view(db.session, ticket)
    similar = ticket_similar(actor, ticket)
    can_merge = actor.kind == "user" and actor.role in MERGE_ROLES
    # A unit sees the matter's main ticket, not the calls merged into it: those are listed without a link.
    others = [c["id"] for c in view.others]
    visible = set(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(others), visible_filter(actor)))
                  ) if others else set()
    out = {"matter": view, "similar": similar, "can_merge": can_merge, "merge_form": None, "into_form": None,
           "unmerge_form": None, "openable": visible}
    if not can_merge:
        return out
    if ticket.main_ticket_id is not None:
        out["unmerge_form"] = UnmergeForm(prefix="unmerge") if view.can_unmerge else None
        return out
    if main_problem(ticket) is None:
        mergeable = []
        for h in similar:
            other = db.session.get(Ticket, h["ticket_id"])
            if other is not None and child_problem(db.session, other, ticket) is None:
                mergeable.append(h)
        if mergeable:
            form = MergeForm(prefix="merge")
            form.set_tickets(mergeable)
            out["merge_form"] = form
    mains = [h for h in similar if (m := db.session.get(Ticket, h["ticket_id"])) is not None
             and main_problem(m) is None and child_problem(db.session, ticket, m) is None]
    if mains:
        out["into_form"] = MergeIntoForm(prefix="into")
        out["mains"] = mains
    return out


def dispatch_suggestions(actor: Actor, ticket: Ticket, *, record: bool = True) -> list[dict]:
    """The three units suggested for a ticket's dispatch; with ``record`` kept as shown to this dispatcher (the
    dispatch that follows records whether one was taken)."""
    shown = suggestions.suggest(db.session, ticket, now())
    if record:
        with transaction(db.session):
            record_shown(db.session, actor, ticket, shown, now())
    return [s.as_json() for s in shown]
