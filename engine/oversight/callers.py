"""Callers and the office's flags on malicious ones (Art. 27, Art. 6(9), DOMAIN.md §10).

A caller is a phone number: the office opens their record (tickets, refusals with reason 9, ratings), flags them
(false reports, malicious attacks, harassment, tying up the lines) with a reason and the tickets that prove it, a
second office user confirms (two-person rule), and the flag ends on its date or is lifted with a reason. Only the
office's roles see flags; every view and change is audited. A flag never drops a call: intake shows a banner and
registers it as usual. Ratings given while a harassment flag is in force do not count in assessment. For conduct
that breaks public-order law the office prints a 移送函 to the public security organ from the flag's evidence.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound, driver, fail, write_audit
from engine.common import text as _text
from engine.docstore import issue_document
from engine.domain.calendar import TZ
from engine.domain.interop import FLAG_GUIDANCE, FLAG_KIND_LABELS, MALICIOUS_REFUSAL_CODE
from engine.domain.phones import PhoneError, normalize_phone
from engine.domain.roles import Role, mask_phone
from engine.domain.states import RATING_LABELS, STATUS_LABELS, TYPE_LABELS, Rating, TicketStatus, TicketType
from engine.models import CallerFlag, Evaluation, Ticket, User

#: Who opens callers' records and flags them: the office's desk, not the process owner or the city leader.
FLAG_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
FLAG_EXCLUSION = "flagged_caller"  # evaluation.exclusion_kind of a rating given while flagged for harassment
MAX_FLAG_DAYS = 366
RECORD_LIMIT = 200


def may_see_flags(actor: Actor) -> bool:
    return actor.kind == "user" and actor.role in FLAG_ROLES


def _require(actor: Actor) -> None:
    if not may_see_flags(actor):
        raise Forbidden("只有热线办工作人员可以查看和标记来电人", f"{actor.label} asked for caller flags")


def phone_of(raw: str | None) -> str:
    """The stored form of a typed phone number.

    :raises Invalid: for a number that cannot be a phone.
    """
    try:
        return normalize_phone(raw)
    except PhoneError as exc:
        raise Invalid(exc.message_zh, "caller lookup: bad phone", fields={"phone": exc.message_zh}) from None


def _local(value: datetime | None) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _status(flag: CallerFlag, now: datetime) -> tuple[str, str]:
    if flag.lifted_at is not None:
        return "lifted", "已解除"
    if flag.ends_at <= now:
        return "ended", "已到期"
    if flag.confirmed_at is None:
        return "pending", "待复核"
    return "active", "生效中"


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def flag_view(session: Session, flag: CallerFlag, now: datetime, names: dict[int, str] | None = None) -> dict:
    names = names if names is not None else _names(session, (flag.created_by_id, flag.confirmed_by_id,
                                                             flag.lifted_by_id))
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(flag.evidence or []))).all())
    status, label = _status(flag, now)
    return {"id": flag.id, "phone": flag.phone, "phone_masked": mask_phone(flag.phone), "kind": flag.kind,
            "kind_label": FLAG_KIND_LABELS[flag.kind], "reason": flag.reason,
            "guidance": flag.guidance or FLAG_GUIDANCE[flag.kind], "status": status, "status_label": label,
            "evidence": [{"id": i, "number": numbers.get(i)} for i in flag.evidence or []],
            "ends": last_day(flag.ends_at),
            "created_by": names.get(flag.created_by_id), "created": _local(flag.created_at),
            "created_by_id": flag.created_by_id,
            "confirmed_by": names.get(flag.confirmed_by_id), "confirmed": _local(flag.confirmed_at),
            "lifted_by": names.get(flag.lifted_by_id), "lifted": _local(flag.lifted_at),
            "lift_reason": flag.lift_reason}


def caller_record(session: Session, actor: Actor, phone: str, now: datetime) -> dict:
    """The caller's record: tickets, refusals with reason 9, ratings and flags (audited as a view).

    :raises Forbidden: for anyone outside the office's desk.
    """
    _require(actor)
    tickets = list(session.scalars(select(Ticket).where(Ticket.citizen_phone == phone)
                                   .order_by(Ticket.created_at.desc()).limit(RECORD_LIMIT)))
    ratings = session.execute(select(Evaluation, Ticket.number).join(Ticket, Ticket.id == Evaluation.ticket_id)
                              .where(Ticket.citizen_phone == phone).order_by(Evaluation.evaluated_at.desc())
                              .limit(RECORD_LIMIT)).all()
    flags = list(session.scalars(select(CallerFlag).where(CallerFlag.phone == phone).order_by(CallerFlag.id.desc())))
    names = _names(session, [i for f in flags for i in (f.created_by_id, f.confirmed_by_id, f.lifted_by_id)])
    write_audit(session, None, actor, "caller_view", None, None, now, phone=phone)
    rows = [{"id": t.id, "number": t.number, "created": _local(t.created_at), "type": TYPE_LABELS[TicketType(
             t.ticket_type)], "status": STATUS_LABELS[TicketStatus(t.status)], "content": t.content[:120],
             "refusal_code": t.refusal_code} for t in tickets]
    return {"phone": phone, "name": tickets[0].citizen_name if tickets else None, "tickets": rows,
            "refusals_9": [r for r in rows if r["refusal_code"] == MALICIOUS_REFUSAL_CODE],
            "ratings": [{"number": number, "at": _local(e.evaluated_at),
                         "intake": RATING_LABELS[Rating(e.intake_rating)],
                         "handling": RATING_LABELS[Rating(e.handling_rating)] if e.handling_rating else "—",
                         "excluded": e.excluded_from_assessment} for e, number in ratings],
            "flags": [flag_view(session, f, now, names) for f in flags]}


def last_day(ends_at: datetime) -> str:
    """The last day a flag is in force, as the office entered it: it ends at 24:00 of that day (the next midnight)."""
    return (ends_at.astimezone(TZ) - timedelta(microseconds=1)).strftime("%Y-%m-%d")


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)


def propose_flag(session: Session, actor: Actor, data: dict, now: datetime) -> CallerFlag:
    """Propose a flag on a caller (``phone``, ``kind``, ``reason``, ``evidence`` ticket ids, ``ends_on``, and the
    optional ``guidance``); it is in force once a second office user confirms it.

    :raises Forbidden: outside the office's desk.
    :raises Invalid: with Chinese messages per field; nothing is written.
    """
    _require(actor)
    errors: dict[str, str] = {}
    phone = phone_of(data.get("phone"))
    kind = data.get("kind")
    if kind not in FLAG_KIND_LABELS:
        errors["kind"] = "请选择标记类型（虚假举报、恶意攻击、骚扰或恶意占线）"
    reason = _text(data, "reason", "标记理由", errors, max_len=2000)
    guidance = _text(data, "guidance", "处置提示", errors, required=False, max_len=1000)
    evidence = sorted({i for i in data.get("evidence") or () if isinstance(i, int) and 0 < i < 2**31})
    own = set(session.scalars(select(Ticket.id).where(Ticket.id.in_(evidence), Ticket.citizen_phone == phone)))
    if not evidence:
        errors["evidence"] = "请选择作为证据的工单（该来电人的工单）"
    elif own != set(evidence):
        errors["evidence"] = "证据工单须为该来电人的工单"
    ends_on = data.get("ends_on")
    if isinstance(ends_on, str):  # from the API: 2026-12-31
        try:
            ends_on = date.fromisoformat(ends_on.strip())
        except ValueError:
            errors["ends_on"] = "截止日期格式不正确，应为年-月-日，如 2026-12-31"
            ends_on = None
    today = now.astimezone(TZ).date()
    if not isinstance(ends_on, date):
        errors.setdefault("ends_on", "请填写标记的截止日期")
    elif not today <= ends_on <= today + timedelta(days=MAX_FLAG_DAYS):
        errors["ends_on"] = f"截止日期须在今天至{MAX_FLAG_DAYS}天之内"
    fail(errors, "caller flag")
    if session.scalar(select(CallerFlag.id).where(CallerFlag.phone == phone, CallerFlag.kind == kind,
                                                  _in_force_or_pending(now))):
        raise Conflict("该号码已有同类标记（待复核或生效中），请在原标记上复核或解除后再标记",
                       f"caller flag of kind {kind} already open for this phone")
    flag = CallerFlag(phone=phone, kind=kind, reason=reason, guidance=guidance, evidence=evidence,
                      ends_at=_end_of(ends_on), created_by_id=actor.user_id, created_at=now)
    session.add(flag)
    session.flush()
    write_audit(session, None, actor, "caller_flag", None, "pending", now, flag_id=flag.id, phone=phone, kind=kind,
                evidence=evidence)
    return flag


def get_flag(session: Session, actor: Actor, flag_id: int, *, lock: bool = False) -> CallerFlag:
    """:raises Forbidden: outside the office's desk.  :raises NotFound: no such flag."""
    _require(actor)
    q = select(CallerFlag).where(CallerFlag.id == flag_id)
    flag = session.scalar(q.with_for_update() if lock else q)
    if flag is None:
        raise NotFound("来电人标记不存在", f"caller flag {flag_id} not found")
    return flag


def confirm_flag(session: Session, actor: Actor, flag_id: int, now: datetime) -> CallerFlag:
    """The second office user confirms a proposed flag (two-person rule).

    :raises Conflict: the proposer confirming, or a flag already confirmed, lifted or ended.
    """
    flag = get_flag(session, actor, flag_id, lock=True)
    if flag.created_by_id == actor.user_id:
        raise Conflict("标记须由另一名热线办工作人员复核确认", f"user {actor.user_id} confirming own flag {flag.id}")
    status, label = _status(flag, now)
    if status != "pending":
        raise Conflict(f"该标记{label}，不能再确认", f"caller flag {flag.id} is {status}")
    flag.confirmed_by_id, flag.confirmed_at = actor.user_id, now
    write_audit(session, None, actor, "caller_flag_confirm", "pending", "active", now, flag_id=flag.id,
                phone=flag.phone)
    return flag


def lift_flag(session: Session, actor: Actor, flag_id: int, reason: str | None, now: datetime) -> CallerFlag:
    """Lift a flag (proposed or in force) with a reason.

    :raises Invalid: without a reason.  :raises Conflict: a flag already lifted.
    """
    flag = get_flag(session, actor, flag_id, lock=True)
    errors: dict[str, str] = {}
    reason = _text({"reason": reason}, "reason", "解除理由", errors, max_len=2000)
    fail(errors, "lift caller flag")
    if flag.lifted_at is not None:
        raise Conflict("该标记已解除", f"caller flag {flag.id} already lifted")
    before = _status(flag, now)[0]
    flag.lifted_by_id, flag.lifted_at, flag.lift_reason = actor.user_id, now, reason
    write_audit(session, None, actor, "caller_flag_lift", before, "lifted", now, flag_id=flag.id, phone=flag.phone,
                reason=reason)
    return flag


def _in_force_or_pending(now: datetime):
    """Not lifted and not past its last day (confirmed or still waiting for the second person)."""
    return CallerFlag.lifted_at.is_(None) & (CallerFlag.ends_at > now)


def _in_force(phone: str, now: datetime):
    return select(CallerFlag).where(CallerFlag.phone == phone, CallerFlag.confirmed_at.is_not(None),
                                    _in_force_or_pending(now))


# Built once from the same rule of what is in force: the intake banner is read on every registration.
_F = CallerFlag.__table__.c
_BANNER = (_in_force(bindparam("phone"), bindparam("now"))
           .with_only_columns(_F.id, _F.kind, _F.reason, _F.guidance, _F.ends_at).order_by(_F.id))


def intake_banner(session: Session, actor: Actor, phone: str | None, now: datetime) -> list[dict]:
    """The flags in force on the caller being registered, for the intake banner (audited when shown); empty for
    roles that do not see flags or a number that is not a phone."""
    if not phone or not may_see_flags(actor):
        return []
    try:
        phone = normalize_phone(phone)
    except PhoneError:
        return []
    flags = driver.rows(session, _BANNER, {"phone": phone, "now": now})
    if flags:
        write_audit(session, None, actor, "caller_flag_shown", None, None, now, phone=phone,
                    flags=[flag_id for flag_id, *_ in flags])
    return [{"kind_label": FLAG_KIND_LABELS[kind], "reason": reason, "guidance": guidance or FLAG_GUIDANCE[kind],
             "ends": last_day(ends_at)} for _id, kind, reason, guidance, ends_at in flags]


# Asked at every evaluation.
_HARASSMENT = (_in_force(bindparam("phone"), bindparam("now")).where(CallerFlag.kind == "harassment")
               .with_only_columns(CallerFlag.id).limit(1))


def flagged_for_harassment(session: Session, phone: str, now: datetime) -> bool:
    """Whether a harassment flag is in force on ``phone`` now (its ratings do not count in assessment)."""
    return bool(driver.rows(session, _HARASSMENT, {"phone": phone, "now": now}))


def flag_list(session: Session, actor: Actor, now: datetime) -> list[dict]:
    """Every flag, newest first, with masked phones (the office's overview)."""
    _require(actor)
    flags = list(session.scalars(select(CallerFlag).order_by(CallerFlag.id.desc()).limit(500)))
    names = _names(session, [i for f in flags for i in (f.created_by_id, f.confirmed_by_id, f.lifted_by_id)])
    write_audit(session, None, actor, "caller_view", None, None, now, list=len(flags))
    return [flag_view(session, f, now, names) for f in flags]


def refer_to_police(session: Session, actor: Actor, flag_id: int, data: dict, now: datetime):
    """Print a 移送函 to the public security organ from a flag in force and its evidence (Art. 27); numbered and
    archived unchanged like every formal document.

    :raises Invalid: without the organ or the law.  :raises Conflict: a flag not in force.
    """
    flag = get_flag(session, actor, flag_id)
    errors: dict[str, str] = {}
    organ = _text(data, "organ", "移送机关", errors, max_len=80)
    law = _text(data, "law", "涉嫌违反的法律规定", errors, max_len=200)
    facts = _text(data, "facts", "违法事实", errors, required=False, max_len=2000) or flag.reason
    fail(errors, "police referral")
    status, label = _status(flag, now)
    if status != "active":
        raise Conflict(f"该标记{label}，须经复核确认且在有效期内方可移送", f"caller flag {flag.id} is {status}")
    evidence = list(session.scalars(select(Ticket).where(Ticket.id.in_(flag.evidence)).order_by(Ticket.created_at)))
    names = _names(session, (flag.created_by_id, flag.confirmed_by_id))
    refused = {t.id for t in evidence if t.refusal_code == MALICIOUS_REFUSAL_CODE}
    context = {
        "addressee": organ, "caller_phone": flag.phone, "caller_name": evidence[0].citizen_name if evidence else None,
        "kind_label": FLAG_KIND_LABELS[flag.kind], "law": law, "facts": facts,
        "flagged_by": names.get(flag.created_by_id), "confirmed_by": names.get(flag.confirmed_by_id),
        "flagged_at": flag.confirmed_at.astimezone(TZ),
        "evidence": [{"number": t.number, "at": t.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
                      "content": t.content[:200], "refused_9": t.id in refused} for t in evidence],
    }
    doc = issue_document(session, "police_referral", context, actor, now)
    write_audit(session, None, actor, "caller_referral", None, None, now, flag_id=flag.id, phone=flag.phone,
                document=doc.number)
    return doc
