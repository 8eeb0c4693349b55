"""Clocks of the tasks that just became ready (part of every action's save, engine/tickets/lifecycle.py)."""
from __future__ import annotations

from datetime import datetime

from engine.clocks import follow as follow_monitor
from engine.clocks import store_clock
from engine.common import Actor, calendar, rules_for, write_audit
from engine.domain import timelimits as tl
from engine.domain.states import TicketStatus
from engine.models import Ticket
from engine.workflow import ReadyTask
from engine.workflow.runtime import Instance


def start_clocks(session, ticket: Ticket, inst: Instance, new: list[ReadyTask], actor: Actor, now: datetime,
              after: TicketStatus) -> None:
    """Start the clocks of tasks that just became ready; keep the ticket's counters and monitor in step."""
    if not new:
        return
    data = inst.data()
    cal = calendar(session)
    rules = rules_for(session, ticket.rule_set_id)
    ids = {t.bpmn_id for t in new}
    restarted: set[str] = set()
    ticket.return_count = int(data.get("return_count") or 0)
    if "dispatch" in ids:
        clock = tl.dispatch_clock(cal, rules, now, several_units=ticket.return_count > 0)
        ticket.dispatch_due = clock.due
        ticket.deadline_provisional = clock.provisional
        restarted.add("dispatch")
    if "sign" in ids:
        ticket.received_at = now
        acceptance = tl.acceptance_clock(cal, rules, now)
        handling = tl.handling_clock(cal, rules, ticket.ticket_type, now)
        ticket.handling_started_at = now
        store_clock(ticket, acceptance)
        store_clock(ticket, handling)
        ticket.deadline_provisional = handling.provisional or acceptance.provisional
        restarted.update(("acceptance", "handling"))
    redo_count = int(data.get("redo_count") or 0)
    if "reply" in ids and redo_count > ticket.redo_count:
        ticket.redo_count = redo_count
        handling = tl.handling_clock(cal, rules, ticket.ticket_type, now, redo=True)
        ticket.handling_started_at = now
        store_clock(ticket, handling)
        ticket.deadline_provisional = handling.provisional
        restarted.add("handling")
        write_audit(session, ticket.id, actor, "redo", ticket.status, ticket.status, now, follows_action=True,
                    due=handling.due.isoformat())
    if "evaluate" in ids:
        evaluation = tl.evaluation_clock(cal, rules, now)
        ticket.eval_due = evaluation.due
        ticket.deadline_provisional = evaluation.provisional
    follow_monitor(ticket, after.value, restarted)
