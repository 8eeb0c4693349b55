"""Accountability (责任追究, Art. 19): candidates found in the data, reviewed by a supervisor, proposed in writing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from documents import format_deadline, format_when_text
from engine.common import Actor, Forbidden, Invalid, NotFound
from engine.docstore import issue_document
from engine.domain.calendar import TZ
from engine.domain.roles import Role
from engine.models import AccountabilityCase, Evaluation, KnowledgeFlag, Reply, Supervision, Ticket, Unit

from .supervision import RepeatRule, merged_groups, repeated_groups

SITUATIONS = {
    1: "推诿扯皮、弄虚作假、不作为、乱作为", 2: "办理不力被退回重办", 3: "无正当理由逾期办理", 4: "未答复诉求人",
    5: "主办、协办单位不履职引发投诉", 6: "不执行督办或重办通知", 7: "同一事项重复投诉3次以上未解决且无解决措施",
    8: "打击报复、压制举报或泄露诉求人信息", 9: "知识库维护不力误导市民", 10: "其他违法违规情形",
}
DETECTED = (2, 3, 4, 6, 7, 9)
MANUAL = (1, 5, 8, 10)
REVIEW_ROLES = {Role.SUPERVISOR, Role.ADMIN}
#: The list's statuses in the order a supervisor works through them (and the list shows them).
STATUS_ORDER = ("candidate", "confirmed", "proposed", "concluded", "dismissed")
PROPOSE_TO = ("市纪委监委", "市委组织部")


def _local(dt: datetime | None) -> str:
    """A moment as the documents write it in running text: 2026年5月26日0时10分."""
    return format_when_text(dt.astimezone(TZ)) if dt else "—"


def _end(dt: datetime | None) -> str:
    """A period's end as the notices that set it print it: 2026年5月28日（星期四）24时, not 5月29日00时00分."""
    return format_deadline(dt.astimezone(TZ)) if dt else "—"


def _add(session: Session, situation: int, key: str, unit_id: int | None, ticket_ids: list[int], facts: list[str],
         now: datetime) -> bool:
    if session.scalar(select(AccountabilityCase.id).where(AccountabilityCase.situation == situation,
                                                          AccountabilityCase.source_key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(AccountabilityCase(situation=situation, source_key=key, unit_id=unit_id,
                                           ticket_ids=ticket_ids, facts=facts, detected_by="system",
                                           created_at=now, status="candidate"))
    except IntegrityError:  # another scheduler pass found it first
        return False
    return True


def detect_candidates(session: Session, now: datetime, rule: RepeatRule = RepeatRule()) -> int:
    """Find candidates for situations (2), (3), (4), (6), (7) in the data; each source is proposed once."""
    made = 0
    # (2) a redo ordered because the handling was not effective
    q = (select(Evaluation, Ticket).join(Ticket, Ticket.id == Evaluation.ticket_id)
         .where(Evaluation.redo_reasonable.is_(True), Ticket.redo_count >= 1))
    for ev, t in session.execute(q).all():
        made += _add(session, 2, f"ticket:{t.id}", t.lead_unit_id, [t.id], [
            f"工单{t.number}回访时诉求人对办理结果表示不满意，经{_local(ev.redo_decided_at)}审定理由合理，发回重办。",
            f"审定理由：{ev.redo_reason or '—'}"], now)
    # (3) overdue: the first reply came after the deadline, or none came and the deadline has passed
    for t in session.scalars(select(Ticket).where(Ticket.handling_due.is_not(None), Ticket.handling_due < now)):
        first = session.scalar(select(Reply).where(Reply.ticket_id == t.id).order_by(Reply.id).limit(1))
        late_at = first.submitted_at if first is not None else None
        if first is None and t.status in ("handling", "co_handling", "signing"):
            made += _add(session, 3, f"ticket:{t.id}", t.lead_unit_id, [t.id], [
                f"工单{t.number}办理时限为{_end(t.handling_due)}，截至{_local(now)}仍未答复。"], now)
        elif late_at is not None and late_at > t.handling_due:
            made += _add(session, 3, f"ticket:{t.id}", t.lead_unit_id, [t.id], [
                f"工单{t.number}办理时限为{_end(t.handling_due)}，{_local(late_at)}才答复，"
                "逾期且无批准的延期。"], now)
    # (4) the unit replied without telling the citizen
    for r, t in session.execute(select(Reply, Ticket).join(Ticket, Ticket.id == Reply.ticket_id)
                                .where(Reply.citizen_informed.is_(False))).all():
        made += _add(session, 4, f"reply:{r.id}", r.unit_id, [t.id], [
            f"工单{t.number}的答复（{_local(r.submitted_at)}提交）注明未将办理结果告知诉求人。"], now)
    # (6) a supervision not answered in time
    for s, t in session.execute(select(Supervision, Ticket).join(Ticket, Ticket.id == Supervision.ticket_id)
                                .where(Supervision.overdue_flagged_at.is_not(None))).all():
        made += _add(session, 6, f"supervision:{s.id}", s.unit_id, [t.id], [
            f"工单{t.number}于{_local(s.opened_at)}列入督办，应于{_end(s.due_at)}前答复并提交书面说明，"
            + (f"{_local(s.replied_at)}才答复。" if s.replied_at else "逾期未答复。")], now)
    # (9) a knowledge-base gap or error the unit let run past its 5-working-day fix deadline
    for f in session.scalars(select(KnowledgeFlag).where(KnowledgeFlag.due_at < now,
                                                         or_(KnowledgeFlag.fixed_at.is_(None),
                                                             KnowledgeFlag.fixed_at > KnowledgeFlag.due_at))):
        state = f"{_local(f.fixed_at)}才修正" if f.fixed_at else f"截至{_local(now)}仍未修正"
        made += _add(session, 9, f"kb_flag:{f.id}", f.unit_id, [f.source_ticket_id] if f.source_ticket_id else [], [
            f"市热线办于{_local(f.flagged_at)}指出知识库{'知识缺失' if f.kind == 'gap' else '信息错误'}：{f.text}",
            f"应于{_end(f.due_at)}前修正，{state}。"], now)
    # (7) the same matter reported 3+ times and still not resolved; a merged matter (并单) when its main ticket
    # passed its handling deadline without an accepted reply, or was archived with a citizen still dissatisfied
    merged = merged_groups(session, now, rule)
    for ids in merged:
        main = session.get(Ticket, ids[0])
        facts = _merged_unresolved(session, main, ids, now)
        if facts:
            made += _add(session, 7, "matter:" + str(main.id), main.lead_unit_id, ids, facts, now)
    seen = {tuple(g) for g in merged}
    for ids in repeated_groups(session, now, rule):
        if tuple(ids) in seen:
            continue
        tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)))
        unresolved = [t for t in tickets if t.status != "archived" or t.handling_rating in ("dissatisfied",
                                                                                            "very_dissatisfied")]
        if len(tickets) >= 3 and unresolved:
            made += _add(session, 7, "tickets:" + ",".join(map(str, ids)), tickets[-1].lead_unit_id, ids, [
                f"同一事项{rule.days}天内被反映{len(tickets)}次（{'、'.join(t.number for t in tickets)}），"
                f"其中{len(unresolved)}件未解决或诉求人不满意。"], now)
    return made


def _merged_unresolved(session: Session, main: Ticket, ids: list[int], now: datetime) -> list[str]:
    """Why a merged matter is unresolved (Art. 19(7)), or nothing while it is being handled in time."""
    calls = f"同一事项被{len(ids)}位诉求人反映并单办理（主单{main.number}）"
    replied = session.scalar(select(Reply.id).where(Reply.ticket_id == main.id, Reply.review_decision == "accept")
                             .limit(1)) is not None
    if not replied and main.handling_due is not None and main.handling_due < now:
        return [f"{calls}，办理时限{_end(main.handling_due)}已过，截至{_local(now)}仍未答复。"]
    unhappy = session.scalar(select(func.count()).select_from(Evaluation).where(
        Evaluation.ticket_id.in_(ids), Evaluation.round == main.redo_count + 1,
        Evaluation.handling_rating.in_(("dissatisfied", "very_dissatisfied"))))
    if main.status == "archived" and unhappy:
        return [f"{calls}，办结时仍有{unhappy}位诉求人对办理不满意。"]
    return []


def list_cases(session: Session, *, status: str | None = None, situation: int | None = None,
               unit_id: int | None = None, limit: int = 50, offset: int = 0
               ) -> tuple[list[AccountabilityCase], int, dict[str, int]]:
    """One page of cases: by status in :data:`STATUS_ORDER`, newest first within a status; with the total of the
    filter (status, situation, unit) and the count per status under the other two filters (one grouped query).

    The caller has checked that the reader is one of the office's oversight roles.
    """
    where = []
    if situation:
        where.append(AccountabilityCase.situation == situation)
    if unit_id:
        where.append(AccountabilityCase.unit_id == unit_id)
    counts = {s: 0 for s in STATUS_ORDER}
    counts.update({s: int(n) for s, n in session.execute(
        select(AccountabilityCase.status, func.count()).where(*where).group_by(AccountabilityCase.status))})
    order = sql_case({s: i for i, s in enumerate(STATUS_ORDER)}, value=AccountabilityCase.status,
                     else_=len(STATUS_ORDER))
    q = select(AccountabilityCase).where(*where)
    if status:
        q = q.where(AccountabilityCase.status == status)
    rows = list(session.scalars(q.order_by(order, AccountabilityCase.id.desc()).limit(limit).offset(offset)))
    return rows, counts.get(status, 0) if status else sum(counts.values()), counts


def case_units(session: Session) -> list[tuple[int, str, int]]:
    """The units that have cases, with how many, for the list's unit filter."""
    q = (select(Unit.id, Unit.name, func.count(AccountabilityCase.id))
         .join(AccountabilityCase, AccountabilityCase.unit_id == Unit.id)
         .group_by(Unit.id, Unit.name, Unit.code).order_by(Unit.code))
    return [(uid, name, int(n)) for uid, name, n in session.execute(q)]


def add_case(session: Session, actor: Actor, situation: int, unit_id: int, facts: list[str], now: datetime,
             ticket_ids: list[int] | None = None) -> AccountabilityCase:
    """A supervisor records a case the data cannot show ((1), (5), (8), (10), or any other)."""
    _require(actor)
    facts = [f.strip() for f in facts if f and f.strip()]
    if situation not in SITUATIONS:
        raise Invalid("请选择《管理办法》第十九条所列情形", f"unknown situation {situation}")
    if session.get(Unit, unit_id) is None:
        raise Invalid("请选择被追责的单位", f"unknown unit {unit_id}", fields={"unit_id": "请选择单位"})
    if not facts:
        raise Invalid("请写明追责所依据的事实", "case without facts", fields={"facts": "请写明事实"})
    case = AccountabilityCase(situation=situation, source_key=f"manual:{now.timestamp()}:{actor.user_id}",
                              unit_id=unit_id, ticket_ids=ticket_ids or [], facts=facts, detected_by="supervisor",
                              created_by_id=actor.user_id, created_at=now, status="candidate")
    session.add(case)
    session.flush()
    return case


def _require(actor: Actor) -> None:
    if not (actor.kind == "user" and actor.role in REVIEW_ROLES):
        raise Forbidden("仅督办员可以处理责任追究", f"{actor.label} may not handle accountability")


def _case(session: Session, case_id: int) -> AccountabilityCase:
    case = session.get(AccountabilityCase, case_id)
    if case is None:
        raise NotFound("责任追究线索不存在", f"accountability case {case_id} not found")
    return case


def review_case(session: Session, actor: Actor, case_id: int, confirm: bool, now: datetime, *,
                reason: str | None = None, extra_facts: list[str] | None = None) -> AccountabilityCase:
    """Confirm a candidate with its facts, or dismiss it with a reason; every candidate is reviewed by a person."""
    _require(actor)
    case = _case(session, case_id)
    if case.status != "candidate":
        raise Invalid("该线索已处理", f"case {case_id} is {case.status}")
    if not confirm and not (reason or "").strip():
        raise Invalid("不予追责须说明理由", "dismissal without reason", fields={"reason": "请说明理由"})
    case.status = "confirmed" if confirm else "dismissed"
    case.review_reason = (reason or "").strip() or None
    case.facts = [*case.facts, *[f.strip() for f in extra_facts or [] if f.strip()]]
    case.reviewed_by_id, case.reviewed_at = actor.user_id, now
    return case


def propose(session: Session, actor: Actor, case_id: int, proposed_to: str, proposal: str, now: datetime):
    """Turn a confirmed case into a 责任追究建议书 (numbered, stored unchanged) for the given body."""
    _require(actor)
    case = _case(session, case_id)
    if case.status != "confirmed":
        raise Invalid("只有经审核确认的线索才能形成追责建议", f"case {case_id} is {case.status}")
    if proposed_to not in PROPOSE_TO:
        raise Invalid("请选择建议提交的机关（市纪委监委或市委组织部）", f"bad addressee {proposed_to!r}")
    if not (proposal or "").strip():
        raise Invalid("请填写追责建议", "empty proposal", fields={"proposal": "请填写建议"})
    unit = session.get(Unit, case.unit_id)
    tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(case.ticket_ids or []))))
    doc = issue_document(session, "accountability_proposal", {
        "addressee": proposed_to, "unit": unit.name if unit else "—",
        "ticket_no": "、".join(t.number for t in tickets) or "—", "situation_code": case.situation,
        "facts": case.facts, "proposal": proposal.strip()}, actor, now,
        ticket_id=tickets[0].id if tickets else None, unit_id=case.unit_id)
    case.status, case.proposed_to, case.document_id = "proposed", proposed_to, doc.id
    return case, doc


def record_outcome(session: Session, actor: Actor, case_id: int, outcome: str, now: datetime) -> AccountabilityCase:
    _require(actor)
    case = _case(session, case_id)
    if case.status != "proposed":
        raise Invalid("只能对已提出的追责建议登记处理结果", f"case {case_id} is {case.status}")
    if not (outcome or "").strip():
        raise Invalid("请填写处理结果", "empty outcome", fields={"outcome": "请填写处理结果"})
    case.status, case.outcome, case.outcome_at = "concluded", outcome.strip(), now
    return case
