"""Find, describe, open and publish attachments; every way in goes through the ticket's own visibility.

A URL names an attachment by its random token only. Staff reach it through ``find`` (the ticket must be visible to
them, else "not found"), the citizen through ``find_for_citizen`` (their own uploads and what was published, after
the number and query code were checked), anyone through ``find_public`` (published ones only, the Open311
``media_url``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, defer

from engine.common import ACTION_LABELS, Actor, Forbidden, NotFound, iso, visible_filter, write_audit
from engine.domain.roles import Role
from engine.models import Attachment, AttachmentAccess, Ticket
from engine.models.attachments import ATTACHMENT_KIND_LABELS as KIND_LABELS

from .store import SLOT_LABELS, size_text

ORIGIN_LABELS = {"citizen": "诉求人提供", "unit": "承办单位", "office": "热线办"}
#: Who may publish or withdraw any attachment (a unit: only its own uploads).
PUBLISH_ROLES = frozenset({Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
_LIGHT = (defer(Attachment.data), defer(Attachment.thumb))


def describe(a: Attachment, *, hidden: bool = False) -> dict:
    """An attachment as pages and the API show it; ``hidden`` keeps out what names or shows it (masking)."""
    return {"token": None if hidden else a.token, "hidden": hidden,
            "name": f"诉求人提供的{KIND_LABELS[a.kind]}" if hidden else a.name,
            "kind": a.kind, "kind_label": KIND_LABELS[a.kind], "mime": a.mime, "size": a.size,
            "size_text": size_text(a.size), "has_thumb": a.kind == "image" and not hidden,
            "width": a.width, "height": a.height, "action": a.action,
            "step_label": ACTION_LABELS.get(a.action, "其他操作"), "slot": a.slot, "slot_label": SLOT_LABELS[a.slot],
            "origin": a.origin, "origin_label": ORIGIN_LABELS[a.origin], "public": a.public,
            "location": None if hidden else a.location, "added_by": a.added_by, "added_at": iso(a.added_at),
            "unit_id": a.unit_id, "supervision_id": a.supervision_id}


def for_ticket(session: Session, ticket_id: int, *, hide_citizen: bool = False) -> list[dict]:
    """Every attachment of a ticket, oldest first; the citizen's own material hidden when asked (masking)."""
    rows = session.scalars(select(Attachment).options(*_LIGHT).where(Attachment.ticket_id == ticket_id)
                           .order_by(Attachment.added_at, Attachment.id)).all()
    return [describe(a, hidden=hide_citizen and a.origin == "citizen") for a in rows]


def for_citizen(session: Session, ticket_id: int) -> list[dict]:
    """What the citizen sees on the tracking page: their own uploads and what the office or unit published."""
    rows = session.scalars(select(Attachment).options(*_LIGHT)
                           .where(Attachment.ticket_id == ticket_id,
                                  or_(Attachment.origin == "citizen", Attachment.public.is_(True)))
                           .order_by(Attachment.added_at, Attachment.id)).all()
    return [describe(a) for a in rows]


def public_for_ticket(session: Session, ticket_id: int) -> list[Attachment]:
    """The published attachments of a ticket: what an Open311 ``media_url`` may point at."""
    return list(session.scalars(select(Attachment).options(*_LIGHT)
                                .where(Attachment.ticket_id == ticket_id, Attachment.public.is_(True))
                                .order_by(Attachment.added_at, Attachment.id)))


def link_timeline(timeline: list[dict], attachments: list[dict]) -> list[dict]:
    """Put each attachment under the timeline entry of the step that added it (same action, same instant)."""
    by_step: dict[tuple, list] = {}
    for a in attachments:
        by_step.setdefault((a["action"], a["added_at"]), []).append(a)
    for entry in timeline:
        entry["attachments"] = by_step.pop((entry["action"], entry["at"]), [])
    return timeline


def find(session: Session, actor: Actor, token: str) -> Attachment:
    """The attachment named by ``token`` if its ticket is visible to ``actor``.

    :raises NotFound: for an unknown token or a ticket outside the actor's scope (the same answer for both).
    """
    a = session.scalar(select(Attachment).options(*_LIGHT).join(Ticket, Ticket.id == Attachment.ticket_id)
                       .where(Attachment.token == (token or ""), visible_filter(actor)))
    if a is None:
        raise NotFound("附件不存在或您无权查看", f"attachment {str(token)[:8]}… not visible to {actor.label}")
    return a


def find_for_citizen(session: Session, ticket_id: int, token: str) -> Attachment:
    """An attachment of the citizen's own ticket that the citizen may see.

    :raises NotFound: for another ticket's attachment or one neither theirs nor published.
    """
    a = session.scalar(select(Attachment).options(*_LIGHT).where(
        Attachment.token == (token or ""), Attachment.ticket_id == ticket_id,
        or_(Attachment.origin == "citizen", Attachment.public.is_(True))))
    if a is None:
        raise NotFound("附件不存在", f"attachment {str(token)[:8]}… not shown to the citizen of ticket {ticket_id}")
    return a


def find_public(session: Session, token: str) -> Attachment:
    """A published attachment.

    :raises NotFound: for anything not published (a citizen's upload until the office publishes it).
    """
    a = session.scalar(select(Attachment).options(*_LIGHT).where(Attachment.token == (token or ""),
                                                                 Attachment.public.is_(True)))
    if a is None:
        raise NotFound("附件不存在或未公开", f"attachment {str(token)[:8]}… is not public")
    return a


def content(session: Session, a: Attachment, *, thumb: bool = False) -> bytes:
    """The stored bytes (or the thumbnail; a file without one gives its bytes)."""
    column = Attachment.thumb if thumb else Attachment.data
    data = session.scalar(select(column).where(Attachment.id == a.id))
    return data if data is not None else session.scalar(select(Attachment.data).where(Attachment.id == a.id))


def log_access(session: Session, actor: Actor, a: Attachment, via: str, now: datetime) -> None:
    """Record who opened the attachment (Art. 26), in the request's transaction."""
    session.add(AttachmentAccess(attachment_id=a.id, ticket_id=a.ticket_id, user_id=actor.user_id,
                                 actor_label=actor.label[:120], via=via, at=now))


def access_log(session: Session, limit: int = 300) -> list[dict]:
    """The latest openings, newest first, with the ticket and the attachment's name."""
    rows = session.execute(select(AttachmentAccess, Attachment.name, Attachment.origin, Ticket.number)
                           .join(Attachment, Attachment.id == AttachmentAccess.attachment_id)
                           .join(Ticket, Ticket.id == AttachmentAccess.ticket_id)
                           .order_by(AttachmentAccess.at.desc(), AttachmentAccess.id.desc()).limit(limit)).all()
    via = {"page": "网页", "api": "接口", "citizen": "诉求人查询页"}
    return [{"at": iso(r.at), "actor": r.actor_label, "ticket_id": r.ticket_id, "number": number, "name": name,
             "origin_label": ORIGIN_LABELS[origin], "via": via[r.via]} for r, name, origin, number in rows]


def may_publish(actor: Actor, origin: str, unit_id: int | None) -> bool:
    """Whether ``actor`` may publish an attachment of that origin and unit: the office any, a unit its own."""
    if actor.kind != "user" or actor.role is None:
        return False
    if actor.role in PUBLISH_ROLES:
        return True
    return actor.role.is_unit and origin == "unit" and unit_id == actor.unit_id


def publish(session: Session, actor: Actor, token: str, public: bool, now: datetime) -> Attachment:
    """Show an attachment to the citizen and the public (or withdraw it); the office decides for a citizen's own
    upload, a unit for its own files.

    :raises NotFound: outside the actor's scope.
    :raises Forbidden: for a role that may not publish this attachment.
    """
    a = find(session, actor, token)
    if not may_publish(actor, a.origin, a.unit_id):
        raise Forbidden("您无权公开或取消公开该附件", f"{actor.label} may not publish attachment {a.id}")
    if a.public == public:
        return a
    a.public = public
    a.published_by, a.published_at = (actor.label[:120], now) if public else (None, None)
    ticket = session.get(Ticket, a.ticket_id)
    write_audit(session, ticket.id, actor, "attachment_publish" if public else "attachment_unpublish",
                ticket.status, ticket.status, now, name=a.name)
    session.flush()
    return a
