"""A ticket's attachments under the ticket's own rules: unit scoping, the masking of the citizen's data, and the
Art. 26 log of every opening.

A citizen's own material (what came with the 诉求 or the evaluation) is personal data like the name and phone: the
roles that see those unmasked see it too; the others see that it exists, and open it only after stating why on the
「查看完整信息」 page (the reveal is logged there, and each opening here).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.attachments import find, for_ticket, log_access
from engine.common import Actor, Forbidden
from engine.models import Attachment

from . import privacy


def sees_citizen_files(session: Session, actor: Actor, ticket_id: int) -> bool:
    """Whether the citizen's own attachments are shown to ``actor`` without a stated reason: exactly when the office's
    policy shows the citizen's name and phone to the actor on this ticket (engine.tickets.privacy)."""
    return actor.kind == "system" or privacy.access_to(session, actor, ticket_id).shown


def listing(session: Session, actor: Actor, ticket_id: int, *, revealed: bool = False) -> list[dict]:
    """The ticket's attachments as ``actor`` may see them listed (``revealed``: after stating a reason)."""
    return for_ticket(session, ticket_id, hide_citizen=not (revealed or sees_citizen_files(session, actor, ticket_id)))


def open_attachment(session: Session, actor: Actor, token: str, now: datetime, *, via: str,
                    revealed: bool = False, log: bool = True) -> Attachment:
    """The attachment ``actor`` opens, its opening logged (Art. 26).

    ``revealed`` is the caller's proof that the actor stated a reason for this attachment (a signed grant from the
    reveal page); thumbnails shown on a page whose own view is logged pass ``log=False``.
    :raises NotFound: for an unknown token or a ticket outside the actor's scope.
    :raises Forbidden: for the citizen's own material opened by a role that sees it masked, without a reason.
    """
    a = find(session, actor, token)
    if a.origin == "citizen" and not (revealed or sees_citizen_files(session, actor, a.ticket_id)):
        raise Forbidden("诉求人提供的附件含个人信息：请在工单页点击「查看完整信息」说明事由后查看",
                        f"{actor.label} opened citizen attachment {a.id} without a reason")
    if log:
        log_access(session, actor, a, via, now)
    return a
