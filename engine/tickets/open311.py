"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/): what a city's app or mini-program may ask and file.

Services are our categories by ticket type (``<type>.<category id>``, or ``<type>`` for a matter without category),
with Chinese names. A POST registers a ticket on the ``open311`` channel like any channel client's, and keeps the
service code and lat/long beside it. GET answers list only requests filed through Open311, and never a name, phone
or e-mail. Errors are :class:`Open311Error` (HTTP status and a Chinese description) for the spec's error array.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.attachments import public_for_ticket
from engine.common import Actor, Invalid
from engine.domain.rules import refusal_clause
from engine.domain.states import STATUS_LABELS, TYPE_LABELS, UNHELD_STATUSES, TicketStatus, TicketType
from engine.models import Category, Open311Request, RefusalReason, Reply, Ticket, Unit

from .handoff import handoff_view
from .lifecycle import register

CLOSED = frozenset({TicketStatus.EVALUATING.value, TicketStatus.ARCHIVED.value, TicketStatus.REFUSED.value})
MAX_IDS, MAX_RESULTS, WINDOW = 50, 1000, timedelta(days=90)
DESCRIPTION_MAX = 4000


ANONYMOUS = "未留姓名"


class Open311Error(Exception):
    """A request Open311 answers with an error array: ``status`` is the HTTP status, ``description`` Chinese."""

    def __init__(self, status: int, description: str, *more: str):
        super().__init__(description)
        self.status, self.description = status, description
        self.descriptions = [description, *more]  # one entry of the error array each


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    ticket_type: str
    category: str | None

    def as_dict(self) -> dict:
        return {"service_code": self.code, "service_name": self.name,
                "description": f"{self.group}：{self.name}", "metadata": False, "type": "realtime",
                "keywords": "、".join(part for part in (self.group, *(self.name.split("/")))), "group": self.group}


def services(session: Session) -> list[Service]:
    """Every service: each ticket type alone, then with each category."""
    cats = session.execute(select(Category.id, Category.name).order_by(Category.name)).all()
    out = []
    for ttype, label in TYPE_LABELS.items():
        out.append(Service(ttype.value, f"{label}（其他）", label, ttype.value, None))
        out += [Service(f"{ttype.value}.{cid}", name, label, ttype.value, name) for cid, name in cats]
    return out


def service(session: Session, code: str | None) -> Service:
    """:raises Open311Error: 404 for an unknown service code."""
    ttype, _, cid = (code or "").partition(".")
    if ttype in {t.value for t in TicketType} and (not cid or (cid.isdigit() and len(cid) < 10)):
        label = TYPE_LABELS[TicketType(ttype)]
        if not cid:
            return Service(ttype, f"{label}（其他）", label, ttype, None)
        name = session.scalar(select(Category.name).where(Category.id == int(cid)))
        if name is not None:
            return Service(code, name, label, ttype, name)
    raise Open311Error(404, "没有该服务代码（service_code），请先查询服务列表")


def _coordinate(raw: str | None, low: float, high: float, name: str) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name}须为数字") from None
    if not low <= value <= high:
        raise Open311Error(400, f"{name}超出范围（{low:g}至{high:g}）")
    return value


def create(session: Session, actor: Actor, form: dict, now: datetime) -> tuple[Ticket, str, Service]:
    """Register a service request from an Open311 client (its fields as posted).

    :raises Open311Error: 400 with a Chinese description; nothing is written.
    """
    svc = service(session, form.get("service_code"))
    lat = _coordinate(form.get("lat"), -90, 90, "纬度（lat）")
    lon = _coordinate(form.get("long"), -180, 180, "经度（long）")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "纬度（lat）和经度（long）须同时提供")
    address = (form.get("address_string") or "").strip()
    if lat is None and not address:
        raise Open311Error(400, "请提供位置：经纬度（lat/long）或地址（address_string）")
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "请填写诉求内容（description）")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"诉求内容（description）不能超过{DESCRIPTION_MAX}字")
    # Names are optional in GeoReport v2: a request without one is registered as such, never refused.
    name = "".join((form.get("last_name") or "", form.get("first_name") or "")).strip() or ANONYMOUS
    if lat is not None:
        address = f"{address}（{lat:.6f}, {lon:.6f}）" if address else f"经纬度 {lat:.6f}, {lon:.6f}"
    data = {"citizen_name": name, "citizen_phone": form.get("phone"), "address": address[:255],
            "content": description, "ticket_type": svc.ticket_type, "category": svc.category}
    try:
        ticket, code, _step = register(session, actor, data, now)
    except Invalid as exc:
        names = {"citizen_name": "first_name/last_name", "citizen_phone": "phone", "address": "address_string",
                 "content": "description"}
        said = [f"{v}（{names[k]}）" if k in names else v for k, v in exc.fields.items()] or [exc.message_zh]
        raise Open311Error(400, *said) from None
    session.add(Open311Request(ticket_id=ticket.id, service_code=svc.code, lat=lat, long=lon, client=actor.name,
                               requested_at=now))
    session.flush()
    return ticket, code, svc


def parse_time(raw: str | None, name: str) -> datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z or with an offset); naive means UTC.

    :raises Open311Error: 400 when it does not read.
    """
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}格式不正确，应为 2026-11-25T10:00:00+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _query(ids=None, codes=None, statuses=None, start=None, end=None):
    q = (select(Ticket, Open311Request).join(Open311Request, Open311Request.ticket_id == Ticket.id)
         .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS))
    if ids is not None:
        return q.where(Ticket.number.in_(ids))
    if codes:
        q = q.where(Open311Request.service_code.in_(codes))
    if statuses == {"open"}:
        q = q.where(Ticket.status.not_in(CLOSED))
    elif statuses == {"closed"}:
        q = q.where(Ticket.status.in_(CLOSED))
    return q.where(Ticket.created_at >= start, Ticket.created_at <= end)


def find(session: Session, args: dict, now: datetime) -> list[dict]:
    """Requests filed through Open311, filtered as GET requests.json asks (ids override everything else).

    :raises Open311Error: 400 for a bad filter or a range beyond 90 days.
    """
    ids = [i.strip() for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"一次最多查询{MAX_IDS}个诉求编号")
    if ids:
        return [_answer(session, t, r) for t, r in session.execute(_query(ids=ids))]
    codes = [c.strip() for c in (args.get("service_code") or "").split(",") if c.strip()][:MAX_IDS]
    statuses = {s.strip() for s in (args.get("status") or "").split(",") if s.strip()}
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, "状态（status）只能为 open 或 closed")
    start, end = parse_time(args.get("start_date"), "开始时间（start_date）"), \
        parse_time(args.get("end_date"), "结束时间（end_date）")
    end = end or (start + WINDOW if start else now)
    start = start or end - WINDOW
    if end < start or end - start > WINDOW:
        raise Open311Error(400, "查询时间范围不能超过90天，且结束时间不能早于开始时间")
    return [_answer(session, t, r) for t, r in session.execute(_query(None, codes, statuses, start, end))]


def one(session: Session, number: str) -> dict:
    """:raises Open311Error: 404 when there is no such request filed through Open311."""
    found = session.execute(_query(ids=[number])).first()
    if found is None:
        raise Open311Error(404, "没有该诉求（service_request_id）")
    return _answer(session, *found)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds") if value else None


def _notes(session: Session, ticket: Ticket) -> str | None:
    """What the citizen was answered: the approved reply, the immediate answer, or why it was not accepted."""
    reply = session.scalar(select(Reply.result).where(Reply.ticket_id == (ticket.main_ticket_id or ticket.id),
                                                      Reply.review_decision == "accept")
                           .order_by(Reply.id.desc()).limit(1))
    if reply:
        return reply
    if ticket.answer_text:
        return ticket.answer_text
    if ticket.status == TicketStatus.REFUSED.value:
        label = session.scalar(select(RefusalReason.label).where(RefusalReason.code == ticket.refusal_code))
        handed = " ".join(h["sentence"] for h in handoff_view(session, ticket.id) if h["sentence"])
        # A handoff's sentence says where the call went and what to do now: it takes the explanation's place.
        said = handed or ticket.refusal_explanation or ""
        return f"不予受理（{refusal_clause(ticket.refusal_code)}：{label}）。{said}"
    return STATUS_LABELS[TicketStatus(ticket.status)]


def _answer(session: Session, ticket: Ticket, req: Open311Request) -> dict:
    """One service request as GeoReport v2 describes it; never the citizen's name, phone or e-mail."""
    svc_name = ticket.category or f"{TYPE_LABELS[TicketType(ticket.ticket_type)]}（其他）"
    held = ticket.lead_unit_id is not None and ticket.status not in UNHELD_STATUSES  # not the unit that returned it
    unit = session.scalar(select(Unit.name).where(Unit.id == ticket.lead_unit_id)) if held else None
    media = next((a for a in public_for_ticket(session, ticket.id) if a.kind == "image"), None)
    return {"service_request_id": ticket.number, "status": "closed" if ticket.status in CLOSED else "open",
            "status_notes": _notes(session, ticket), "service_name": svc_name, "service_code": req.service_code,
            "description": ticket.content, "agency_responsible": unit, "service_notice": None,
            "requested_datetime": _iso(ticket.created_at), "updated_datetime": _iso(ticket.updated_at),
            "expected_datetime": _iso(ticket.handling_due) if held else None, "address": ticket.address,
            "address_id": None, "zipcode": None, "lat": req.lat, "long": req.long, "media": media}
