"""What an accountability lead (责任追究, Art. 19) is about, read for the page that confirms or dismisses it.

A lead found in the data rests on one record: a reply (4), the ticket's handling deadline (3), a supervision (6), a
redo (2), a knowledge-base flag (9), or a matter reported again and again (7). The page shows that record itself:
the answer being judged, the deadline with when it was met or missed, and the documents it involves, so the
supervisor decides without opening the ticket. Plain dicts with Chinese labels and ISO instants; nothing here writes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, iso
from engine.docstore import documents_for_ticket
from engine.domain.states import METHOD_LABELS, RATING_LABELS, STATUS_LABELS, EvaluationMethod, Rating, TicketStatus
from engine.domain.timelimits import span_text
from engine.models import (
    AccountabilityCase,
    Evaluation,
    KnowledgeEntry,
    KnowledgeFlag,
    Reply,
    Supervision,
    Ticket,
    Unit,
)

from . import facts

#: Each situation of Art. 19 in a few words, for the lead's name on the list and its page.
SHORT = {1: "推诿扯皮或不作为", 2: "被发回重办", 3: "逾期办理", 4: "未告知诉求人", 5: "不履职引发投诉",
         6: "未按督办要求办理", 7: "重复投诉未解决", 8: "打击报复或泄露信息", 9: "知识库维护不力", 10: "其他违法违规"}
#: The documents a lead of each situation involves, by kind, among those issued on its tickets.
DOCUMENT_KINDS = {2: ("redo_notice",), 3: ("extension_form",), 6: ("supervision_notice", "written_explanation"),
                  7: ("supervision_notice", "written_explanation", "redo_notice")}


def case_title(situation: int, ticket_numbers: list[str], unit: str | None) -> str:
    """The lead's name as people say it: 「HL20261130001482 · 未告知诉求人」 (no number of its own: the rules give
    a number only to the 责任追究建议书 it may lead to)."""
    if ticket_numbers:
        head = ticket_numbers[0] + (f"等{len(ticket_numbers)}件工单" if len(ticket_numbers) > 1 else "")
    else:
        head = unit or "—"
    return f"{head} · {SHORT.get(situation, '责任追究')}"


def deadline(label: str, due: datetime | None, met_at: datetime | None, now: datetime, met: str = "答复") -> dict:
    """A deadline with when it was met or missed: 「逾期1天3小时」, 「按时」, or 「截至目前已逾期…」."""
    if due is None:
        state = "未设定"
    elif met_at is not None:
        state = f"逾期{span_text((met_at - due).total_seconds())}{met}" if met_at > due else f"在期限内{met}"
    else:
        state = f"尚未{met}，已逾期{span_text((now - due).total_seconds())}" if now > due else f"尚未{met}，未到期"
    return {"label": label, "due": iso(due), "met_at": iso(met_at), "met": met, "state": state,
            "late": bool(due and ((met_at or now) > due))}


def reply_dict(session: Session, reply: Reply, label: str) -> dict:
    """A unit's reply as the decision page shows it: who, when (handled and submitted), the result, the basis and
    whether the citizen was told (联系情况)."""
    unit = session.get(Unit, reply.unit_id)
    return {"label": label, "unit": unit.name if unit else "—", "department": reply.department,
            "handler_name": reply.handler_name, "handled_at": iso(reply.handled_at),
            "submitted_at": iso(reply.submitted_at), "result": reply.result, "basis": reply.basis,
            "contact_method": reply.contact_method, "citizen_informed": reply.citizen_informed, "redo": reply.redo,
            "review": {"accept": "审核通过", "back": "审核退回"}.get(reply.review_decision or "", "待审核")}


def _documents(session: Session, case: AccountabilityCase, actor: Actor) -> list[dict]:
    kinds = DOCUMENT_KINDS.get(case.situation, ())
    out = []
    for tid in (case.ticket_ids or [])[:20] if kinds else []:
        out += [d for d in documents_for_ticket(session, tid, actor) if d["kind"] in kinds]
    return sorted(out, key=lambda d: (d["issued_at"], d["id"]))


def _ticket(session: Session, ref: str) -> Ticket | None:
    return session.get(Ticket, int(ref)) if ref.isdigit() else None


def _late_reply(session: Session, out: dict, ticket: Ticket, now: datetime) -> None:
    """(3): the handling deadline, the first reply and how late it came; the extension asked for, if any."""
    first = session.scalar(select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.id).limit(1))
    out["deadlines"].append(deadline("办理时限", ticket.handling_due, first.submitted_at if first else None, now))
    if first is not None:
        out["replies"].append(reply_dict(session, first, "首次答复"))
    out["extension"] = facts.extension_facts(session, ticket)


def _redo(session: Session, out: dict, ticket: Ticket) -> None:
    """(2): the citizen's rating judged reasonable, and the reply it was about."""
    ev = session.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id,
                                                 Evaluation.redo_reasonable.is_(True))
                        .order_by(Evaluation.id.desc()).limit(1))
    if ev is None:
        return
    rated = session.scalar(select(Reply).where(Reply.ticket_id == ticket.id, Reply.review_decision == "accept",
                                               Reply.submitted_at <= ev.evaluated_at)
                           .order_by(Reply.id.desc()).limit(1))
    if rated is not None:
        out["replies"].append(reply_dict(session, rated, "被评价不满意的答复"))
    out["evaluation"] = {
        "handling_label": RATING_LABELS[Rating(ev.handling_rating)] if ev.handling_rating else "—",
        "method_label": METHOD_LABELS[EvaluationMethod(ev.method)], "evaluated_at": iso(ev.evaluated_at),
        "comment": ev.comment, "redo_reason": ev.redo_reason, "redo_decided_at": iso(ev.redo_decided_at)}


def _supervision(session: Session, out: dict, sup: Supervision, actor: Actor, now: datetime) -> None:
    """(6): the supervision with its notice, every answer and 书面说明, and whether the answer came in time."""
    found = facts.supervisions_of(session, sup.ticket_id, only=sup.id, actor=actor)
    out["supervision"] = found[0] if found else None
    out["deadlines"].append(deadline("督办答复期限", sup.due_at, sup.replied_at, now))


def _flag(session: Session, out: dict, flag: KnowledgeFlag, now: datetime) -> None:
    unit = session.get(Unit, flag.unit_id)
    entry = session.get(KnowledgeEntry, flag.entry_id) if flag.entry_id else None
    out["flag"] = {"kind": "知识缺失" if flag.kind == "gap" else "信息错误", "text": flag.text,
                   "flagged_by": flag.flagged_by, "flagged_at": iso(flag.flagged_at),
                   "unit": unit.name if unit else "—", "category": flag.category,
                   "entry": {"id": entry.id, "title": entry.title} if entry else None}
    out["deadlines"].append(deadline("修正期限", flag.due_at, flag.fixed_at, now, met="修正"))


def _matter(session: Session, out: dict, case: AccountabilityCase, now: datetime) -> None:
    """(7): every ticket of the matter with its state and the citizen's rating; the main ticket's deadline."""
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(case.ticket_ids or [])))}
    for tid in case.ticket_ids or []:
        t = tickets.get(tid)
        if t is None:
            continue
        rating = RATING_LABELS[Rating(t.handling_rating)] if t.handling_rating else "未评价"
        out["tickets"].append({"id": t.id, "number": t.number, "rating": rating,
                               "status": STATUS_LABELS[TicketStatus(t.status)], "received_at": iso(t.received_at)})
    main = tickets.get((case.ticket_ids or [0])[0])
    if main is not None:
        accepted = session.scalar(select(Reply).where(Reply.ticket_id == main.id, Reply.review_decision == "accept")
                                  .order_by(Reply.id).limit(1))
        out["deadlines"].append(deadline("主单办理时限", main.handling_due,
                                         accepted.submitted_at if accepted else None, now))
        if accepted is not None:
            out["replies"].append(reply_dict(session, accepted, "主单的答复"))


def case_evidence(session: Session, case: AccountabilityCase, actor: Actor, now: datetime) -> dict:
    """The record the lead rests on, by its source; a lead a supervisor entered shows each ticket's latest reply.

    The caller has checked that the reader is one of the office's oversight roles; documents follow the archive's
    rule for ``actor``.
    """
    out: dict = {"replies": [], "deadlines": [], "supervision": None, "extension": None, "evaluation": None,
                 "flag": None, "tickets": [], "documents": _documents(session, case, actor)}
    kind, _, ref = (case.source_key or "").partition(":")
    if kind == "reply" and ref.isdigit():
        reply = session.get(Reply, int(ref))
        if reply is not None:
            out["replies"].append(reply_dict(session, reply, "被认定未告知诉求人的答复"))
    elif kind == "ticket" and case.situation == 3 and (ticket := _ticket(session, ref)) is not None:
        _late_reply(session, out, ticket, now)
    elif kind == "ticket" and case.situation == 2 and (ticket := _ticket(session, ref)) is not None:
        _redo(session, out, ticket)
    elif kind == "supervision" and ref.isdigit() and (sup := session.get(Supervision, int(ref))) is not None:
        _supervision(session, out, sup, actor, now)
    elif kind == "kb_flag" and ref.isdigit() and (flag := session.get(KnowledgeFlag, int(ref))) is not None:
        _flag(session, out, flag, now)
    elif kind in ("matter", "tickets"):
        _matter(session, out, case, now)
    else:  # entered by a supervisor: what each ticket's unit last answered
        for tid in (case.ticket_ids or [])[:5]:
            last = session.scalar(select(Reply).where(Reply.ticket_id == tid).order_by(Reply.id.desc()).limit(1))
            if last is not None:
                out["replies"].append(reply_dict(session, last, "最近一次答复"))
    return out
