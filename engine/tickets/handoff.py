"""12345 ↔ 110 (Art. 6(2), DOMAIN.md §13): handing a caller over to an emergency line, and 110's matters.

Outbound: a matter refused with reason 2 is handed over (转接) by the agent; the handoff (line, time, agent,
summary, outcome) is recorded and sent to the line's linkage platform through the emergency outbox. Inbound: a
non-police matter 110 sends to 12345 arrives on the ``110`` channel with its 110 case number, and the answer the
office gives (an immediate answer, a refusal, or the approved reply) is reported back to 110 the same way.
A handoff is not a refusal in the assessment.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, write_audit
from engine.common import text as _text
from engine.domain.calendar import TZ
from engine.domain.interop import (
    DIRECTION_LABELS,
    EMERGENCY_REFUSAL_CODE,
    INBOUND_LINE,
    LINE_LABELS,
    OUTCOME_LABELS,
    handoff_sentence,
)
from engine.domain.states import Channel
from engine.models import EmergencyHandoff, Ticket
from engine.notices import EVENT_HANDOFF, EVENT_REPLY, enqueue

CASE_NUMBER_MAX = 40
__all__ = ["EMERGENCY_REFUSAL_CODE", "check_case_number", "check_outbound", "handoff_view", "monthly_counts",
           "record_inbound", "record_outbound", "recent", "report_back"]


def check_outbound(data: dict, errors: dict[str, str], content: str) -> dict:
    """The handoff fields of a refusal with reason 2: line, outcome and summary (the 诉求内容 when left empty)."""
    line, outcome = data.get("handoff_line"), data.get("handoff_outcome")
    if line not in LINE_LABELS:
        errors["handoff_line"] = "请选择转接的紧急服务专线（110、119、120或122）"
    if outcome not in OUTCOME_LABELS:
        errors["handoff_outcome"] = "请选择转接结果（已转接、对方未接或诉求人挂断）"
    summary = _text(data, "handoff_summary", "转接摘要", errors, required=False, max_len=2000) or content[:2000]
    return {"line": line, "outcome": outcome, "summary": summary}


def record_outbound(session: Session, actor: Actor, ticket: Ticket, handoff: dict, now: datetime) -> EmergencyHandoff:
    """Record the handoff of a refused ticket and queue its record for the line's linkage platform."""
    row = EmergencyHandoff(ticket_id=ticket.id, direction="out", line=handoff["line"], at=now,
                           agent_id=actor.user_id, summary=handoff["summary"], outcome=handoff["outcome"])
    session.add(row)
    text = (f"12345热线工单{ticket.number}转接{LINE_LABELS[row.line]}：{OUTCOME_LABELS[row.outcome]}。"
            f"摘要：{row.summary[:300]}")
    _send(session, actor, ticket, row, EVENT_HANDOFF, text, now, agent=actor.label)
    return row


def record_inbound(session: Session, ticket: Ticket, case_number: str, now: datetime) -> EmergencyHandoff:
    """Keep the 110 case number of a matter 110 sent on to 12345."""
    row = EmergencyHandoff(ticket_id=ticket.id, direction="in", line=INBOUND_LINE, at=now, agent_id=None,
                           summary=ticket.content[:2000], case_number=case_number)
    session.add(row)
    return row


def check_case_number(data: dict, errors: dict[str, str]) -> str | None:
    """The 110 case number a ticket on the ``110`` channel must carry."""
    return _text(data, "case_number_110", "110接警单号", errors, max_len=CASE_NUMBER_MAX)


def inbound_of(session: Session, ticket_id: int) -> EmergencyHandoff | None:
    return session.scalar(select(EmergencyHandoff).where(EmergencyHandoff.ticket_id == ticket_id,
                                                         EmergencyHandoff.direction == "in"))


def report_back(session: Session, actor: Actor, ticket: Ticket, answer: str, now: datetime) -> bool:
    """Report the office's answer on a matter 110 sent us back to 110 (once); False when it did not come from 110."""
    if ticket.channel != Channel.P110.value:  # only a ticket registered on the 110 channel has an inbound record
        return False
    row = inbound_of(session, ticket.id)
    if row is None or row.reported_at is not None:
        return False
    row.reported_at = now
    text = f"110接警单{row.case_number}（12345工单{ticket.number}）办理结果：{answer[:500]}"
    _send(session, actor, ticket, row, EVENT_REPLY, text, now, reply=answer[:2000])
    return True


def _send(session: Session, actor: Actor, ticket: Ticket, row: EmergencyHandoff, event: str, text: str, now: datetime,
          **extra) -> None:
    session.flush()
    params = {"direction": row.direction, "ticket_number": ticket.number, "case_number": row.case_number,
              "outcome": row.outcome, "at": now.isoformat(), "summary": row.summary[:2000], **extra}
    enqueue(session, kind="emergency", recipient=row.line, recipient_name=LINE_LABELS[row.line],
            recipient_role="line", template=event, text=text, params=params, ticket_id=ticket.id,
            dedupe_key=f"{event}:{row.id}", now=now)
    write_audit(session, ticket.id, actor, "handoff_sent" if event == EVENT_HANDOFF else "handoff_reply",
                None, None, now, line=row.line, case_number=row.case_number)


def handoff_view(session: Session, ticket_id: int) -> list[dict]:
    """The handoffs of one ticket, for the ticket page, the tracking page and the refusal notice."""
    rows = session.scalars(select(EmergencyHandoff).where(EmergencyHandoff.ticket_id == ticket_id)
                           .order_by(EmergencyHandoff.id))
    return [{"direction": r.direction, "direction_label": DIRECTION_LABELS[r.direction], "line": r.line,
             "line_label": LINE_LABELS[r.line], "at": r.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
             "outcome_label": OUTCOME_LABELS.get(r.outcome or "", ""), "summary": r.summary,
             "case_number": r.case_number, "put_through": r.outcome == "transferred",
             "sentence": handoff_sentence(r.line, r.outcome, r.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"))
             if r.direction == "out" and r.outcome else None,
             "reported": r.reported_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if r.reported_at else None}
            for r in rows]


def monthly_counts(session: Session, year: int) -> dict:
    """Handoffs both ways per month and line in ``year`` (Asia/Shanghai months)."""
    start = datetime(year, 1, 1, tzinfo=TZ)
    end = datetime(year + 1, 1, 1, tzinfo=TZ)
    rows = session.execute(select(EmergencyHandoff.direction, EmergencyHandoff.line, EmergencyHandoff.at)
                           .where(EmergencyHandoff.at >= start, EmergencyHandoff.at < end))
    counts: dict[tuple[int, str, str], int] = {}
    for direction, line, at in rows:
        key = (at.astimezone(TZ).month, direction, line)
        counts[key] = counts.get(key, 0) + 1
    columns = [("out", line) for line in LINE_LABELS] + [("in", INBOUND_LINE)]
    months = [{"month": m, "cells": [counts.get((m, d, ln), 0) for d, ln in columns]} for m in range(1, 13)]
    totals = [sum(row["cells"][i] for row in months) for i in range(len(columns))]
    return {"year": year, "columns": [{"direction": d, "line": ln,
                                       "label": f"转{ln}" if d == "out" else "110转来"} for d, ln in columns],
            "months": months, "totals": totals}


def recent(session: Session, limit: int = 100) -> list[dict]:
    """The latest handoffs both ways with their tickets, newest first (no citizen data)."""
    q = (select(EmergencyHandoff, Ticket.number).join(Ticket, Ticket.id == EmergencyHandoff.ticket_id)
         .order_by(EmergencyHandoff.at.desc(), EmergencyHandoff.id.desc()).limit(limit))
    return [{"ticket_id": r.ticket_id, "number": number, "direction_label": DIRECTION_LABELS[r.direction],
             "line_label": LINE_LABELS[r.line], "at": r.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
             "outcome_label": OUTCOME_LABELS.get(r.outcome or "", ""), "case_number": r.case_number,
             "reported": r.reported_at is not None} for r, number in session.execute(q)]
