"""A merged matter (并单, DOMAIN.md §12) after its main ticket's reply: the reply reaches every citizen, each
evaluates separately, the main ticket's workflow goes on when all have (or the 3-WD window closed for them), and
the merged tickets are archived with it.

How it is wired: when the main ticket's 回访评价 becomes ready and it has merged tickets, its own evaluate task is not
projected; each citizen of the matter (the main ticket's too) gets a task of the matter instead
(``task_projection.matter_ticket_id``), completed here through the same evaluation rules as any other. The last
of them completes the main ticket's evaluate task with 不满意 when any citizen was dissatisfied, so the office's
redo decision (Art. 15, once) is taken for the matter; after a redo the next reply reaches everyone again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.clocks import follow as follow_monitor
from engine.common import Actor, calendar, rules_for, write_audit
from engine.domain import timelimits as tl
from engine.domain.states import DISSATISFIED, TicketStatus, check_transition
from engine.models import Evaluation, Reply, TaskProjection, Ticket
from engine.notices import enqueue, sign
from engine.workflow import ReadyTask

from .evaluations import matter_ids, record_evaluation

MERGED = TicketStatus.MERGED.value
EVALUATING = TicketStatus.EVALUATING.value
_TP = TaskProjection.__table__


def children_of(session: Session, main_id: int) -> list[Ticket]:
    """The tickets merged into a main ticket now, oldest first."""
    return list(session.scalars(select(Ticket).where(Ticket.main_ticket_id == main_id).order_by(Ticket.id)))


def has_children(session: Session, main_id: int) -> bool:
    return session.scalar(select(Ticket.id).where(Ticket.main_ticket_id == main_id).limit(1)) is not None


def _office(session: Session) -> str:
    return sign(session)


def _task_row(ticket: Ticket, main: Ticket, now: datetime) -> dict:
    return {"ticket_id": ticket.id, "task_uuid": f"matter-{ticket.id}-{main.redo_count + 1}", "bpmn_id": "evaluate",
            "title": "回访评价", "role": "agent", "unit_id": None, "form_key": "evaluate", "ready_at": now,
            "due_at": ticket.eval_due, "supervision_id": None, "matter_ticket_id": main.id}


def reply_reached(session: Session, main: Ticket, actor: Actor, now: datetime) -> int:
    """The main ticket's reply was accepted: tell every citizen of the matter (SMS; the tracking page shows it)
    and open each one's evaluation, due in the evaluation window. Return the number of citizens."""
    children = children_of(session, main.id)
    reply = session.scalar(select(Reply).where(Reply.ticket_id == main.id, Reply.review_decision == "accept")
                           .order_by(Reply.id.desc()).limit(1))
    due = tl.evaluation_clock(calendar(session), rules_for(session, main.rule_set_id), now)
    office = _office(session)
    rows = [_task_row(main, main, now)]
    for child in children:
        before = child.status
        check_transition(TicketStatus(before), TicketStatus.EVALUATING)
        child.status, child.updated_at, child.eval_due = EVALUATING, now, due.due
        follow_monitor(child, EVALUATING)
        write_audit(session, child.id, actor, "matter_reply", before, EVALUATING, now, main=main.number,
                    unit=reply.department if reply else None, redo=main.redo_count > 0)
        rows.append(_task_row(child, main, now))
    session.connection().execute(_TP.insert(), rows)
    result = (reply.result if reply else "").strip()
    summary = result if len(result) <= 60 else result[:60] + "…"
    for t in [main, *children]:
        enqueue(session, kind="sms", recipient=t.citizen_phone, template="matter.reply", recipient_name=None,
                recipient_role="citizen", dedupe_key=f"matter-reply:{t.id}:{main.redo_count + 1}", now=now,
                ticket_id=t.id,
                text=f"【{office}】您反映的诉求（工单{t.number}）已办理答复：{summary} 可凭工单编号和查询码在"
                     f"网上查看全文并评价，我们也会电话回访。")
    return 1 + len(children)


@dataclass
class Done:
    """One citizen's evaluation of a matter; ``routing`` is set when it was the last of the round."""

    action: str
    detail: dict
    main: Ticket
    routing: dict | None = None


def evaluate(session: Session, actor: Actor, ticket: Ticket, proj: TaskProjection, data: dict,
             now: datetime) -> Done:
    """Record one citizen's evaluation of a merged matter (or 未评价 for the system after the window).

    :raises Invalid: as any evaluation (``record_evaluation``).
    """
    main = ticket if ticket.id == proj.matter_ticket_id else session.scalar(
        select(Ticket).where(Ticket.id == proj.matter_ticket_id).with_for_update())
    round_no = main.redo_count + 1
    _wf, action, detail = record_evaluation(session, actor, ticket, data, now, round_no=round_no,
                                            unit_id=main.lead_unit_id)
    session.connection().execute(delete(_TP).where(_TP.c.id == proj.id))
    before = ticket.status
    if ticket.id != main.id:
        check_transition(TicketStatus(before), TicketStatus.MERGED)
        ticket.status, ticket.updated_at = MERGED, now
    write_audit(session, ticket.id, actor, action, before, ticket.status, now, **detail, main=main.number)
    left = session.scalar(select(func.count()).select_from(TaskProjection)
                          .where(TaskProjection.matter_ticket_id == main.id))
    done = Done(action, detail, main)
    if not left:
        done.routing = _routing(session, main, round_no)
    return done


def _routing(session: Session, main: Ticket, round_no: int) -> dict:
    """What the main ticket's own evaluate task is completed with: 不满意 when any citizen was dissatisfied."""
    ids = matter_ids(session, main.id)
    evs = session.scalars(select(Evaluation).where(Evaluation.ticket_id.in_(ids), Evaluation.round == round_no)
                          .order_by(Evaluation.id)).all()
    own = next((e for e in evs if e.ticket_id == main.id), None)
    unhappy = next((e for e in evs if e.handling_rating in DISSATISFIED), None)
    handling = unhappy.handling_rating if unhappy else (own.handling_rating if own else "none")
    return {"intake_rating": own.intake_rating if own else "none", "handling_rating": handling}


def ready_evaluate(main_ready: list[ReadyTask]) -> ReadyTask | None:
    return next((t for t in main_ready if t.bpmn_id == "evaluate"), None)


def main_archived(session: Session, main: Ticket, now: datetime) -> int:
    """The main ticket was archived: so is every ticket merged into it. Return how many."""
    n = 0
    for child in children_of(session, main.id):
        if child.status != MERGED:
            continue
        check_transition(TicketStatus.MERGED, TicketStatus.ARCHIVED)
        child.status, child.updated_at, child.closed_at = TicketStatus.ARCHIVED.value, now, now
        follow_monitor(child, child.status)
        write_audit(session, child.id, Actor.system("系统（并单归档）"), "archive", MERGED, child.status, now,
                    main=main.number)
        n += 1
    return n
