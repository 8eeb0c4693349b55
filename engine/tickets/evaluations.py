"""Citizens' evaluations (回访评价, Art. 14): the rules every channel goes through, for a ticket of its own or for one
citizen of a merged matter (并单), and which ratings a matter's redo decision settles."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.common import Invalid, Result, driver, fail
from engine.common import text as _text
from engine.domain.states import DISSATISFIED, DISSATISFIED_MESSAGE, EvaluationMethod, Rating
from engine.models import Evaluation, Ticket
from engine.oversight import callers

RATINGS = {r.value for r in Rating if r != Rating.NONE}
_INSERT = insert(Evaluation.__table__)
METHODS = {m.value for m in EvaluationMethod if m != EvaluationMethod.TIMEOUT}


def record_evaluation(session, actor, ticket, data, now, *, round_no: int, unit_id: int | None) -> Result:
    """Check and record one citizen's evaluation (or 未评价 for the system after the window): the ticket's own, or
    one citizen's of a merged matter (并单), whose round and unit are the main ticket's.

    :raises Invalid: a missing rating or method, a dissatisfied rating without its reason, a timeout too early.
    """
    errors: dict[str, str] = {}
    if actor.kind == "system":
        intake = handling = Rating.NONE.value
        method, comment = EvaluationMethod.TIMEOUT.value, None
        if ticket.eval_due is not None and now < ticket.eval_due:
            raise Invalid("评价期限未满", f"ticket {ticket.id}: evaluation timeout before due")
        handling = handling if ticket.scope == "accept" else None
        action = "evaluation_timeout"
    else:
        intake = data.get("intake_rating")
        handling = data.get("handling_rating")
        method = "online" if actor.kind == "citizen" else data.get("method")
        if intake not in RATINGS:
            errors["intake_rating"] = "请选择对热线受理的评价（非常满意/满意/基本满意/不满意/非常不满意）"
        if ticket.scope == "accept":
            if handling not in RATINGS:
                errors["handling_rating"] = "请选择对承办单位办理的评价"
        else:
            handling = None
        if method not in METHODS:
            errors["method"] = "请选择评价方式（人工回访/语音/短信/网上）"
        comment = _text(data, "comment", "评价意见", errors, required=False, max_len=2000)
        if not comment and "comment" not in errors and (intake in DISSATISFIED or handling in DISSATISFIED):
            errors["comment"] = DISSATISFIED_MESSAGE  # every channel: page, API, the agent's callback form
        if list(errors) == ["comment"] and errors["comment"] == DISSATISFIED_MESSAGE:
            raise Invalid(DISSATISFIED_MESSAGE, f"ticket {ticket.id}: dissatisfied rating without a reason",
                          fields=errors, code="reason_required")
        fail(errors, "evaluation")
        action = "evaluate"
    # Art. 27: ratings from a caller while flagged for harassment are kept but do not count, like malicious ones.
    flagged = actor.kind != "system" and callers.flagged_for_harassment(session, ticket.citizen_phone, now)
    # A plain row: nothing reads it back through the session in this action, and the unit of work at commit would
    # cost several times the statement.
    driver.execute(session, _INSERT, dict(
        ticket_id=ticket.id, round=round_no, intake_rating=intake, handling_rating=handling, method=method,
        comment=comment, recorded_by_id=actor.user_id, evaluated_at=now, unit_id=unit_id,
        excluded_from_assessment=flagged, exclusion_kind=callers.FLAG_EXCLUSION if flagged else None))
    ticket.intake_rating, ticket.handling_rating = intake, handling
    return ({"intake_rating": intake, "handling_rating": handling}, action,
            {"intake": intake, "handling": handling, "method": method})


def matter_ids(session: Session, main_id: int) -> list[int]:
    """The main ticket and the tickets merged into it, main first."""
    return [main_id, *session.scalars(select(Ticket.id).where(Ticket.main_ticket_id == main_id).order_by(Ticket.id))]


def dissatisfied_of_round(session: Session, ticket: Ticket) -> list[Evaluation]:
    """For a main ticket with merged tickets: every dissatisfied rating of its current round (the redo decision
    settles them together); empty for any other ticket."""
    ids = matter_ids(session, ticket.id)
    if len(ids) == 1:
        return []
    return list(session.scalars(select(Evaluation).where(
        Evaluation.ticket_id.in_(ids), Evaluation.round == ticket.redo_count + 1,
        Evaluation.handling_rating.in_(tuple(DISSATISFIED))).order_by(Evaluation.id)))
