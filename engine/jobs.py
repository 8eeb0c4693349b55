"""Clock-driven steps the scheduler takes: the return window closing (视同接受, Art. 10(1)), 未评价 after 3 WD
(Art. 14) and the side-process pass."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.domain.states import TicketStatus

from .common import Actor
from .domain.similarity import SurgeRule
from .knowledge import kb_monitor_pass
from .matching import backfill, link, refresh_stats, surges, unlinked
from .models import Assignment, TaskProjection, Ticket
from .oversight import RepeatRule, detect_candidates, flag_overdue, supervise_repeated, take_red_cards
from .tickets import Step, close_return_window, complete_task

SYSTEM = Actor.system("系统（时限监控）")


def overdue_signs(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Tickets whose 1-WD return window has closed while still unsigned, not yet recorded as deemed accepted."""
    return list(session.scalars(
        select(Ticket.id).join(Assignment, and_(Assignment.ticket_id == Ticket.id, Assignment.role == "lead",
                                                Assignment.active.is_(True)))
        .where(Ticket.status == TicketStatus.SIGNING.value, Ticket.accept_due <= now,
               Assignment.sign_mode.is_(None), Assignment.signed_at.is_(None))
        .order_by(Ticket.accept_due).limit(limit)))


def deem_accepted(session: Session, ticket_id: int, now: datetime) -> bool:
    """The unit did not return the ticket within 1 working day: it is deemed to have accepted it and may no longer
    return it. It is not signed for: the sign task stays open and the acceptance clock's cards keep running."""
    return close_return_window(session, ticket_id, now)


def overdue_evaluations(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return list(session.scalars(select(Ticket.id).join(TaskProjection, TaskProjection.ticket_id == Ticket.id)
                                .where(TaskProjection.bpmn_id == "evaluate", Ticket.eval_due <= now)
                                .order_by(Ticket.eval_due).limit(limit)))


def expire_evaluation(session: Session, ticket_id: int, now: datetime) -> Step:
    """No evaluation within 3 working days: record 未评价, never satisfied."""
    return complete_task(session, SYSTEM, ticket_id, "evaluate", {}, now)


def similar_upkeep(session: Session, now: datetime, limit: int = 500, link_limit: int = 100) -> int:
    """Index the tickets the same-matter search does not know yet, count new tickets' words, and look up the similar
    tickets of recent ones (the dispatcher's queue marks those with similar open ones) (issue 21)."""
    indexed = backfill(session, now, limit=limit)
    counted = refresh_stats(session, now)
    return indexed + counted + link(session, unlinked(session, now, limit=link_limit), now)


def side_process_steps(rule: RepeatRule = RepeatRule(), templates: Mapping[str, str] | None = None,
                       office: str | None = None, surge: SurgeRule = SurgeRule()):
    """The side-process pass as named steps, each to run in its own transaction: the same-matter index and 集中反映
    alerts, supervision for red cards and repeated reports, overdue supervisions, accountability candidates,
    knowledge-base flags (with the deployment's notice templates and office name). Every step is idempotent."""
    return [("similar_index", similar_upkeep),
            ("surges", lambda s, now: len(surges.detect(s, now, surge, office=office))),
            ("red_cards", take_red_cards), ("repeated", lambda s, now: supervise_repeated(s, now, rule)),
            ("overdue_supervisions", flag_overdue), ("accountability", lambda s, now: detect_candidates(s, now, rule)),
            ("knowledge_flags", lambda s, now: kb_monitor_pass(s, now, office=office, templates=templates).flags)]


def side_process_pass(session: Session, now: datetime, rule: RepeatRule = RepeatRule()) -> dict:
    """All the side-process steps in the caller's transaction (tests, ``run-jobs`` by hand)."""
    return {name: step(session, now) for name, step in side_process_steps(rule)}
