"""Exports (Art. 26): the assessment as CSV or Excel, and ticket-level data only with the office's approval.

A ticket export is requested (who, why, period, filters, fields), approved or refused by a 督办员 or 系统管理员
other than the requester, and downloaded by the requester while the approval is valid. Every request, decision,
download and refused download is written to ``export_log``. Citizens' names, phones and addresses are masked unless
the approval explicitly allows personal data. Files have no row cap: Excel continues on a further sheet after
1,048,576 rows.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound, iso
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES, Role, mask_address, mask_name, mask_phone
from engine.domain.rules import LEVEL_LABELS
from engine.domain.states import (
    CHANNEL_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    Channel,
    TicketStatus,
    TicketType,
)
from engine.models import ExportLog, ExportRequest, Ticket, Unit

from .counties import load_counties
from .sheets import XLSX_MAX_ROWS, PeriodEnd, write_table
from .tables import inclusive_dates

APPROVER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
DEFAULT_VALID_DAYS, MAX_VALID_DAYS = 7, 30
STATUS_TEXT = {"pending": "待审批", "approved": "已批准", "refused": "未批准"}
EVENT_TEXT = {"request": "提出申请", "approve": "批准", "refuse": "不予批准", "download": "下载", "denied": "拒绝下载"}
FORMATS = ("csv", "xlsx")

_lead = aliased(Unit)
#: code → (Chinese column title, column); the county has no column: ``ticket_rows`` looks it up (``counties``).
FIELDS: dict[str, tuple[str, Any]] = {
    "number": ("工单编号", Ticket.number),
    "created_at": ("登记时间", Ticket.created_at),
    "channel": ("渠道", Ticket.channel),
    "ticket_type": ("诉求类型", Ticket.ticket_type),
    "category": ("诉求分类", Ticket.category),
    "status": ("状态", Ticket.status),
    "lead_unit": ("主办单位", _lead.name),
    "county": ("所属县（区）", None),
    "citizen_name": ("诉求人", Ticket.citizen_name),
    "citizen_phone": ("联系电话", Ticket.citizen_phone),
    "address": ("地址", Ticket.address),
    "content": ("诉求内容", Ticket.content),
    "handling_due": ("办理时限", Ticket.handling_due),
    "closed_at": ("办结时间", Ticket.closed_at),
    "handling_rating": ("办理评价", Ticket.handling_rating),
    "redo_count": ("重办次数", Ticket.redo_count),
    "return_count": ("退回次数", Ticket.return_count),
    "monitor_level": ("监控等级", Ticket.monitor_level),
}
DEFAULT_FIELDS = ("number", "created_at", "channel", "ticket_type", "category", "status", "lead_unit", "county",
                  "handling_due", "closed_at", "handling_rating")


#: Personal data (Art. 26): masked unless the approval allows it.
PERSONAL_FIELDS = {"citizen_name": mask_name, "citizen_phone": mask_phone, "address": mask_address}


def _by_value(labels) -> Any:
    table = {getattr(k, "value", k): v for k, v in labels.items()}
    return lambda v: table.get(v, v)


#: Codes written as the Chinese words the pages use (an unknown code is written as it is).
_LABELS = {"channel": _by_value(CHANNEL_LABELS), "ticket_type": _by_value(TYPE_LABELS),
           "status": _by_value(STATUS_LABELS), "handling_rating": _by_value(RATING_LABELS),
           "monitor_level": _by_value(LEVEL_LABELS)}
#: Deadlines written as every page and document writes them: 00:00 of the next day is 24:00 of the last day (CSV as
#: that text, Excel as a date-time cell showing it: ``sheets.PeriodEnd``).
_TEXTS = {"handling_due": PeriodEnd}
FILTERS = {"unit_id": Ticket.lead_unit_id, "ticket_type": Ticket.ticket_type, "channel": Ticket.channel,
           "category": Ticket.category, "status": Ticket.status}


# -- the log --------------------------------------------------------------------------------------------------------

def _log(session: Session, actor: Actor, what: str, event: str, now: datetime, *, request_id: int | None = None,
         fmt: str | None = None, rows: int | None = None, **detail) -> ExportLog:
    row = ExportLog(request_id=request_id, what=what, event=event, actor=actor.label[:120], actor_id=actor.user_id,
                    at=now, format=fmt, rows=rows, detail=detail or None)
    session.add(row)
    session.flush()
    return row


def log_assessment_download(session: Session, actor: Actor, fmt: str, rows: int, start: datetime, end: datetime,
                            version: str, now: datetime) -> ExportLog:
    """Record a download of the assessment (operating and assessment data, Art. 26(1)); the period as the inclusive
    Beijing dates the file shows."""
    first, last = inclusive_dates(start, end)
    return _log(session, actor, "assessment", "download", now, fmt=fmt, rows=rows, period_from=first.isoformat(),
                period_to=last.isoformat(), weights_version=version)


def export_log(session: Session, actor: Actor, limit: int = 200) -> list[ExportLog]:
    """The latest export events, newest first; approvers see all, others their own.

    :raises Forbidden: for users outside the hotline office.
    """
    _office(actor)
    q = select(ExportLog).order_by(ExportLog.at.desc(), ExportLog.id.desc()).limit(limit)
    if actor.role not in APPROVER_ROLES:
        q = q.where(ExportLog.actor_id == actor.user_id)
    return list(session.scalars(q))


def masking(req: ExportRequest) -> str:
    """「未脱敏」 or 「脱敏」: what the files are once approved, what was asked for until then."""
    unmasked = req.allow_personal if req.status == "approved" else req.personal_data
    return "未脱敏" if unmasked else "脱敏"


def request_label(req: ExportRequest) -> str:
    """How people name a request: who asked, when to the second, and whether masked (张三 2026-12-07 10:31:05的未脱敏
    申请), never its row id: two requests of the same minute, one masked and one not, are told apart."""
    return f"{req.requested_by} {req.requested_at.astimezone(TZ):%Y-%m-%d %H:%M:%S}的{masking(req)}申请"


def file_name(req: ExportRequest, fmt: str) -> str:
    """The download's file name: the request's time to the second, masked or not, and the period (inclusive Beijing
    dates), e.g. 工单数据_20261207213605申请_未脱敏_2026-11-01至2026-11-30.xlsx."""
    first, last = inclusive_dates(req.period_from, req.period_to)
    return (f"工单数据_{req.requested_at.astimezone(TZ):%Y%m%d%H%M%S}申请_{masking(req)}_"
            f"{first.isoformat()}至{last.isoformat()}.{fmt}")


def requests_of(session: Session, events: list[ExportLog]) -> dict[int, ExportRequest]:
    """The requests the events belong to, by id (one query for a page of the log)."""
    ids = {e.request_id for e in events if e.request_id is not None}
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(ExportRequest).where(ExportRequest.id.in_(ids)))}


def unmasked_downloads(session: Session, limit: int = 200) -> list[dict]:
    """Downloads of citizens' unmasked names, phones or addresses, for the 诉求人信息查看记录 (Art. 26): one row per
    request and downloader, like a view there is one row per user, ticket and reason — the first and last download,
    how many downloads, how many tickets, the purpose and who approved it. Keys as ``engine.tickets.pii_views``."""
    rows = session.execute(
        select(ExportRequest, ExportLog.actor, func.min(ExportLog.at), func.max(ExportLog.at), func.count(),
               func.max(ExportLog.rows))
        .join(ExportLog, ExportLog.request_id == ExportRequest.id)
        .where(ExportLog.event == "download", ExportRequest.allow_personal.is_(True))
        .group_by(ExportRequest.id, ExportLog.actor_id, ExportLog.actor)
        .order_by(func.max(ExportLog.at).desc()).limit(limit)).all()
    return [{"at": iso(first), "last_at": iso(last), "views": n, "actor": who, "ticket_id": None, "number": None,
             "export": f"批量导出{tickets or 0}件（未脱敏）",
             "reason": f"导出用途：{req.purpose}；{req.decided_by}批准导出未脱敏的个人信息（{request_label(req)}）"}
            for req, who, first, last, n, tickets in rows]


# -- requests and decisions -----------------------------------------------------------------------------------------

def _office(actor: Actor) -> None:
    if not (actor.kind == "user" and actor.role in OFFICE_ROLES):
        raise Forbidden("只有市热线办可以申请或审批数据导出", f"{actor.label} is outside the office")


def _clean_filters(raw: Mapping[str, Any] | None) -> dict:
    out, errors = {}, {}
    for key, value in (raw or {}).items():
        if value in (None, ""):
            continue
        if key not in FILTERS:
            errors[key] = "未知的筛选条件"
        elif key == "unit_id":
            try:
                out[key] = int(value)
            except (TypeError, ValueError):
                errors[key] = "单位无效"
        elif key == "ticket_type" and value not in {t.value for t in TicketType}:
            errors[key] = "诉求类型无效"
        elif key == "channel" and value not in {c.value for c in Channel}:
            errors[key] = "渠道无效"
        elif key == "status" and value not in {s.value for s in TicketStatus}:
            errors[key] = "状态无效"
        else:
            out[key] = str(value).strip()[:80]
    if errors:
        raise Invalid("筛选条件有误", f"bad export filters {sorted(errors)}", fields=errors)
    return out


def request_export(session: Session, actor: Actor, *, purpose: str, start: datetime, end: datetime,
                   fields: list[str], now: datetime, filters: Mapping[str, Any] | None = None,
                   personal_data: bool = False) -> ExportRequest:
    """Ask the office to approve an export of ticket-level data.

    :raises Forbidden: for users outside the hotline office.
    :raises Invalid: without a purpose, with a bad period, unknown fields or filters.
    """
    _office(actor)
    errors = {}
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = "请说明导出用途"
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        errors["period"] = "起止日期有误"
    fields = [f for f in dict.fromkeys(fields or ()) if f]
    if not fields or any(f not in FIELDS for f in fields):
        errors["fields"] = "请选择要导出的字段"
    if errors:
        raise Invalid("导出申请填写有误", f"invalid export request {sorted(errors)}", fields=errors)
    personal = bool(personal_data) and any(f in PERSONAL_FIELDS for f in fields)
    req = ExportRequest(requested_by=actor.label[:120], requested_by_id=actor.user_id, requested_at=now,
                        purpose=purpose[:2000], period_from=start, period_to=end, filters=_clean_filters(filters),
                        fields=fields, personal_data=personal, status="pending", allow_personal=False)
    session.add(req)
    session.flush()
    _log(session, actor, "tickets", "request", now, request_id=req.id, fields=fields, personal_data=personal)
    return req


def get_request(session: Session, actor: Actor, request_id: int) -> ExportRequest:
    """One request: approvers see every request, others their own.

    :raises NotFound: when it does not exist or is not the actor's to see.
    """
    _office(actor)
    req = session.get(ExportRequest, request_id)
    if req is None or not (actor.role in APPROVER_ROLES or req.requested_by_id == actor.user_id):
        raise NotFound("导出申请不存在", f"export request {request_id} not visible to {actor.label}")
    return req


def list_requests(session: Session, actor: Actor, limit: int = 200) -> list[ExportRequest]:
    """Requests newest first: approvers see all, others their own."""
    _office(actor)
    q = select(ExportRequest).order_by(ExportRequest.requested_at.desc(), ExportRequest.id.desc()).limit(limit)
    if actor.role not in APPROVER_ROLES:
        q = q.where(ExportRequest.requested_by_id == actor.user_id)
    return list(session.scalars(q))


def decide_export(session: Session, actor: Actor, request_id: int, approve: bool, now: datetime, *,
                  note: str | None = None, allow_personal: bool = False,
                  valid_days: int = DEFAULT_VALID_DAYS) -> ExportRequest:
    """Approve (valid for ``valid_days``) or refuse (with a reason) a pending request.

    Personal data is unmasked only if the request asked for it and the approver allows it explicitly.
    :raises Forbidden: for anyone but a 督办员 or 系统管理员, and for the requester deciding their own request.
    :raises Conflict: when the request is decided already.
    :raises Invalid: for a refusal without a reason or a validity outside 1–30 days.
    """
    if not (actor.kind == "user" and actor.role in APPROVER_ROLES):
        raise Forbidden("只有督办员或系统管理员可以审批数据导出", f"{actor.label} may not decide exports")
    req = session.scalar(select(ExportRequest).where(ExportRequest.id == request_id).with_for_update())
    if req is None:
        raise NotFound("导出申请不存在", f"export request {request_id} not found")
    if req.requested_by_id is not None and req.requested_by_id == actor.user_id:
        raise Forbidden("不能审批本人提出的导出申请", f"{actor.label} may not decide own export {request_id}")
    if req.status != "pending":
        raise Conflict(f"该导出申请已{STATUS_TEXT[req.status]}", f"export request {request_id} is {req.status}")
    note = (note or "").strip() or None
    if not approve and not note:
        raise Invalid("不予批准须说明理由", "export refused without reason", fields={"note": "请填写理由"})
    if approve and not (isinstance(valid_days, int) and 1 <= valid_days <= MAX_VALID_DAYS):
        raise Invalid(f"有效期须为1至{MAX_VALID_DAYS}天", f"bad validity {valid_days!r}",
                      fields={"valid_days": f"1至{MAX_VALID_DAYS}天"})
    req.status = "approved" if approve else "refused"
    req.decided_by, req.decided_by_id, req.decided_at, req.decision_note = actor.label[:120], actor.user_id, now, note
    req.allow_personal = bool(approve and allow_personal and req.personal_data)
    req.valid_until = now + timedelta(days=valid_days) if approve else None
    session.flush()
    _log(session, actor, "tickets", "approve" if approve else "refuse", now, request_id=req.id,
         allow_personal=req.allow_personal, valid_until=req.valid_until.isoformat() if req.valid_until else None,
         note=note)
    return req


# -- downloads ------------------------------------------------------------------------------------------------------

def authorize_download(session: Session, actor: Actor, request_id: int, now: datetime) -> ExportRequest:
    """The request, if the actor may download it now: the requester's own, approved, and still valid.

    :raises NotFound: as :func:`get_request`.
    :raises Forbidden: when it is not approved or the approval has expired (Art. 26).
    """
    req = get_request(session, actor, request_id)
    if req.requested_by_id != actor.user_id:
        raise Forbidden("只有申请人可以下载导出数据", f"{actor.label} is not the requester of {request_id}")
    if req.status != "approved":
        raise Forbidden("该导出申请未经市热线办批准，不能下载（《管理办法》第二十六条）",
                        f"export {request_id} is {req.status}")
    if req.valid_until is None or now >= req.valid_until:
        raise Forbidden("该导出批准已过有效期，请重新申请", f"export {request_id} expired at {req.valid_until}")
    return req


def log_denied(session: Session, actor: Actor, request_id: int, fmt: str | None, why: str,
               now: datetime) -> ExportLog:
    """Record a refused download (written in its own transaction by the caller, as the refusal rolls back)."""
    known = session.get(ExportRequest, request_id) is not None
    return _log(session, actor, "tickets", "denied", now, request_id=request_id if known else None, fmt=fmt,
                reason=why[:300], asked_request=request_id)


def ticket_rows(session: Session, req: ExportRequest) -> Iterator[list]:
    """The header and then one row per ticket of the request, streamed; personal data masked unless allowed.

    The county is the dashboard's (``counties``): looked up from the row's lead unit and county office."""
    fields = list(req.fields)
    yield [FIELDS[f][0] for f in fields]
    counties = load_counties(session) if "county" in fields else None
    cols = [Ticket.lead_unit_id if f == "county" else FIELDS[f][1] for f in fields]
    q = (select(*cols, Ticket.county_office_id)
         .select_from(Ticket)
         .outerjoin(_lead, _lead.id == Ticket.lead_unit_id)
         .where(Ticket.created_at >= req.period_from, Ticket.created_at < req.period_to,
                *(FILTERS[k] == v for k, v in (req.filters or {}).items() if k in FILTERS))
         .order_by(Ticket.id).execution_options(yield_per=5000))
    maskers = [None if req.allow_personal else PERSONAL_FIELDS.get(f) for f in fields]
    labels = [_LABELS.get(f) or _TEXTS.get(f) for f in fields]
    for *values, office_id in session.execute(q):
        row = []
        for f, value, mask, label in zip(fields, values, maskers, labels, strict=True):
            if f == "county":
                value = counties.name_of(value, office_id)
            elif value is not None and label is not None:
                value = label(value)
            if mask is not None:
                value = mask(value)
            row.append(value)
        yield row


def download(session: Session, actor: Actor, request_id: int, fmt: str, out: IO[bytes], now: datetime, *,
             rows_per_sheet: int = XLSX_MAX_ROWS) -> tuple[ExportRequest, int]:
    """Write an approved export as CSV or Excel to ``out`` and log the download with its row count.

    :raises Forbidden: as :func:`authorize_download`.
    :raises Invalid: for an unknown format.
    """
    if fmt not in FORMATS:
        raise Invalid("不支持的导出格式", f"unknown export format {fmt!r}")
    req = authorize_download(session, actor, request_id, now)
    n = write_table(ticket_rows(session, req), fmt, out, "工单数据", rows_per_sheet)
    _log(session, actor, "tickets", "download", now, request_id=req.id, fmt=fmt, rows=n,
         personal_data=req.allow_personal, approved_by=req.decided_by)
    return req, n
