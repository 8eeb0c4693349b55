"""Issue formal documents with gapless numbers, keep them unchanged, void them with a reason, find them.

Operations flush and never commit. Batch printing lives in :mod:`engine.docstore.batches`.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from documents import DEFAULTS as RENDER_DEFAULTS
from documents import DocumentError, Kind, format_number, get_kind, render_pdf
from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound, visible_filter, write_audit
from engine.domain.calendar import TZ
from engine.domain.roles import Role
from engine.models import DocumentCounter, IssuedDocument, Ticket, Unit

from .facts import Facts, for_ticket
from .labels import fact_label

log = logging.getLogger(__name__)

DEFAULT_OFFICE_SHORT = "河热线"
#: The texts that name the office, its city, its hotline and the governing measures (管理办法) on every document.
#: The app sets them from its configuration (``configure_heading``) so that a document issued by any caller —
#: a page, the scheduler, a service — names them the same way; a context may still give its own.
HEADING_KEYS = ("office_name", "office_short", "city", "hotline_name", "measures")
_heading: dict[str, str] = {}
ISSUE_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
VOID_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
#: Kinds a unit writes itself; a unit user may issue them for its own unit only.
UNIT_KINDS = frozenset({"return_explanation", "written_explanation"})
#: Kinds of which a ticket (and unit) has at most one live document: void the wrong one, then issue again.
ONE_PER_TICKET = frozenset({"refusal_notice", "extension_form", "redo_notice"})
#: Kinds of which a ticket has one live document per occasion, told apart by one of their facts: each return (its
#: instant) has its own 退回说明, each joint review (the instant it was opened) its own minutes and proposal.
ONE_PER_OCCASION = {"return_explanation": ("returned_at", "该次退回"),
                    "joint_review_minutes": ("opened_at", "该次联合审定"),
                    "proposed_opinion": ("opened_at", "该次联合审定")}
#: Kinds only the office and the unit concerned may read, even where the ticket is shared.
UNIT_PRIVATE_KINDS = frozenset({"accountability_proposal"})
STATUS_LABELS = {"issued": "有效", "void": "已作废"}
MAX_REASON = 500


def jsonable(value):
    """Turn a context into JSON-safe values the renderer reads back unchanged: instants in Beijing time as ISO."""
    if isinstance(value, datetime):
        return (value.astimezone(TZ) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def configure_heading(values: Mapping[str, str | None]) -> None:
    """Set the deployment's heading texts (keys of ``HEADING_KEYS``; empty values keep the renderer's defaults)."""
    _heading.clear()
    _heading.update({key: str(value) for key, value in values.items() if key in HEADING_KEYS and value})


def heading() -> dict[str, str]:
    """The heading texts every document is issued with unless its context gives its own."""
    return {**{key: RENDER_DEFAULTS[key] for key in HEADING_KEYS if key in RENDER_DEFAULTS},
            "office_short": RENDER_DEFAULTS.get("office_short", DEFAULT_OFFICE_SHORT), **_heading}


def _kind(code: str) -> Kind:
    try:
        return get_kind(code)
    except DocumentError:
        raise Invalid("未知的公文种类", f"unknown document kind {code!r}", fields={"kind": "请选择公文种类"}) from None


# --- Issuing --------------------------------------------------------------------------------------------------------

def _check_may_issue(actor: Actor, kind: str, unit_id: int | None) -> None:
    if actor.kind == "system" or (actor.kind == "user" and actor.role in ISSUE_ROLES):
        return
    if actor.kind == "user" and actor.role is not None and actor.role.is_unit and kind in UNIT_KINDS \
            and unit_id is not None and unit_id == actor.unit_id:
        return
    raise Forbidden("您无权出具该公文", f"{actor.label} may not issue {kind}")


def _lock_counter(session: Session, kind: str, year: int) -> DocumentCounter:
    """Return the counter row of (kind, year), created if missing and locked until the transaction ends.

    PostgreSQL: INSERT … ON CONFLICT DO NOTHING, then SELECT … FOR UPDATE (concurrent issuers queue on the row).
    SQLite: the INSERT takes the database's single write lock, which serialises issuers just the same.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(DocumentCounter).values(kind=kind, year=year, last_seq=0)
                    .on_conflict_do_nothing(index_elements=["kind", "year"]))
    return session.scalars(select(DocumentCounter)
                           .where(DocumentCounter.kind == kind, DocumentCounter.year == year)
                           .with_for_update().execution_options(populate_existing=True)).one()


def next_seq(session: Session, kind: str, year: int) -> int:
    """The sequence the next document of ``kind`` (its code) in ``year`` would get, read without reserving it."""
    last = session.scalar(select(DocumentCounter.last_seq).where(DocumentCounter.kind == kind,
                                                                 DocumentCounter.year == year))
    return (last or 0) + 1


def next_number(session: Session, kind: str, now: datetime, office_short: str | None = None) -> str:
    """The number the next document of ``kind`` issued at ``now`` would get, read without reserving it: shown
    before issuing, it may still go to a concurrent issuer first.

    :raises Invalid: for an unknown kind.
    """
    spec = _kind(kind)
    year = now.astimezone(TZ).year
    return format_number(office_short or heading()["office_short"], spec.abbr, year, next_seq(session, spec.code, year))


def _refuse_duplicate(session: Session, kind: Kind, ticket_id: int, unit_id: int | None, facts: Mapping) -> None:
    same_unit = IssuedDocument.unit_id.is_(None) if unit_id is None else IssuedDocument.unit_id == unit_id
    key, occasion = ONE_PER_OCCASION.get(kind.code, (None, "该工单"))
    live = session.execute(select(IssuedDocument.number, IssuedDocument.facts).where(
        IssuedDocument.kind == kind.code, IssuedDocument.ticket_id == ticket_id, same_unit,
        IssuedDocument.status == "issued").order_by(IssuedDocument.id)).all()
    number = next((n for n, kept in live if key is None or (kept or {}).get(key) == facts.get(key)), None)
    if number is not None:
        raise Conflict(f"{occasion}已出具{kind.title}（{number}），如需重新出具请先作废原文",
                       f"{kind.code} already issued for ticket {ticket_id} as {number}", code="already_issued")


def issue_document(session: Session, kind: str, context: Mapping, actor: Actor, now: datetime,
                   ticket_id: int | None = None, unit_id: int | None = None,
                   annexes: list[dict] | None = None) -> IssuedDocument:
    """Number, render and store one document; the PDF is kept exactly as rendered, with its SHA-256.

    ``annexes`` (附件: label, name, kind_label, size_text, sha256, image as a ``data:`` URI or None) are listed
    after the body and pictures printed on pages of their own; the facts keep the list without the pictures.

    The number (next of the kind in the Beijing-time year of ``now``) and the date are the issuer's: a ``number``
    or ``date`` in ``context`` is replaced. The counter stays locked while the PDF renders, so a failure leaves
    no gap: the counter is only advanced after a successful render, and the caller rolls back anyway.
    :raises Forbidden: for an actor who may not issue this kind.
    :raises Invalid: for an unknown kind, missing facts or a document that cannot be rendered.
    :raises Conflict: when the ticket already has a live document of a kind it may have only one of.
    :raises NotFound: for an unknown ticket.
    """
    spec = _kind(kind)
    _check_may_issue(actor, spec.code, unit_id)
    if not isinstance(context, Mapping):
        raise Invalid("公文内容格式不正确", f"{spec.code}: context must be a mapping")
    ticket = None
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("工单不存在", f"no ticket {ticket_id} for {spec.code}")
    local = now.astimezone(TZ)
    facts = jsonable({**heading(), **{key: value for key, value in context.items() if key != "number"}})
    facts["date"] = local.date().isoformat()
    try:
        missing = spec.missing({**facts, "number": "—"})
    except DocumentError as exc:
        raise Invalid(f"出具{spec.title}的内容有误，请核对后重试", f"{spec.code}: {exc}") from None
    if missing:
        labels = "、".join(fact_label(key) for key in missing)
        raise Invalid(f"缺少出具{spec.title}所需的内容：{labels}", f"{spec.code}: missing {missing}",
                      fields={key: f"请填写{fact_label(key)}" for key in missing})

    counter = _lock_counter(session, spec.code, local.year)
    if ticket_id is not None and (spec.code in ONE_PER_TICKET or spec.code in ONE_PER_OCCASION):
        _refuse_duplicate(session, spec, ticket_id, unit_id, facts)
    seq = counter.last_seq + 1
    facts["number"] = format_number(facts.get("office_short") or DEFAULT_OFFICE_SHORT, spec.abbr, local.year, seq)
    if annexes:
        facts["annexes"] = [{k: v for k, v in a.items() if k != "image"} for a in annexes]
    try:
        pdf = render_pdf(spec.code, {**facts, "annexes": annexes} if annexes else facts)
    except DocumentError as exc:
        log.warning("could not render %s %s: %s", spec.code, facts["number"], exc)
        raise Invalid(f"{spec.title}无法生成：所需内容不完整或引用了不允许的外部资源", f"{spec.code}: {exc}") from None
    counter.last_seq = seq
    addressee = facts.get("addressee")
    doc = IssuedDocument(
        kind=spec.code, number=facts["number"], year=local.year, seq=seq,
        title=str(facts.get("title") or spec.title)[:200], ticket_id=ticket_id, unit_id=unit_id,
        addressee=str(addressee)[:200] if addressee else None, facts=facts, pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), issued_by_id=actor.user_id,
        issued_by=actor.label[:120], issued_at=now, status="issued")
    session.add(doc)
    session.flush()
    if ticket is not None:
        write_audit(session, ticket.id, actor, "document_issue", ticket.status, ticket.status, now,
                    follows_action=True, kind=spec.code, title=spec.title, number=doc.number, document_id=doc.id)
    return doc


def void_document(session: Session, actor: Actor, document_id: int, reason: str, now: datetime) -> IssuedDocument:
    """Void a wrong document with a reason; it stays in the archive, unchanged, marked void.

    :raises Forbidden: for an actor who may not void documents.
    :raises Invalid: without a reason.
    :raises NotFound: for an unknown document.
    :raises Conflict: when it is void already.
    """
    if not (actor.kind == "system" or (actor.kind == "user" and actor.role in VOID_ROLES)):
        raise Forbidden("只有审核员、督办员和系统管理员可以作废公文", f"{actor.label} may not void documents")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写作废理由", "void without a reason", fields={"reason": "请填写作废理由"})
    if len(reason) > MAX_REASON:
        raise Invalid(f"作废理由不能超过{MAX_REASON}字", "void reason too long", fields={"reason": "理由过长"})
    doc = session.scalar(select(IssuedDocument).where(IssuedDocument.id == document_id).with_for_update())
    if doc is None:
        raise NotFound("公文不存在", f"no document {document_id}")
    if doc.status == "void":
        raise Conflict(f"公文{doc.number}已于此前作废", f"document {doc.number} is void already")
    doc.status, doc.void_reason, doc.voided_at = "void", reason, now
    doc.voided_by_id, doc.voided_by = actor.user_id, actor.label[:120]
    session.flush()
    if doc.ticket_id is not None:
        ticket = session.get(Ticket, doc.ticket_id)
        write_audit(session, ticket.id, actor, "document_void", ticket.status, ticket.status, now,
                    kind=doc.kind, number=doc.number, document_id=doc.id, reason=reason)
    return doc


# --- Reading ---------------------------------------------------------------------------------------------------------

def visible_documents(actor: Actor):
    """A SQL condition restricting documents to what the actor may read.

    The office reads everything. A unit reads the documents of its own unit (a county office: also its member
    units') and those bound to tickets it can see, except the kinds private to the unit they concern.
    """
    if actor.kind == "system" or (actor.role is not None and actor.role.is_office):
        return true()
    if actor.kind != "user" or actor.role is None or actor.unit_id is None:
        return false()
    own = IssuedDocument.unit_id == actor.unit_id
    if actor.role == Role.COUNTY_DISPATCHER:
        own = or_(own, IssuedDocument.unit_id.in_(select(Unit.id).where(Unit.parent_id == actor.unit_id)))
    on_ticket = and_(IssuedDocument.ticket_id.is_not(None),
                     # Ticket stays inside: the archive's own query joins ticket for its number.
                     exists().where(Ticket.id == IssuedDocument.ticket_id, visible_filter(actor))
                     .correlate_except(Ticket),
                     or_(IssuedDocument.unit_id.is_(None), IssuedDocument.kind.not_in(UNIT_PRIVATE_KINDS)))
    return or_(own, on_ticket)


def get_document(session: Session, actor: Actor, document_id: int) -> IssuedDocument:
    """Return a document the actor may read.

    :raises NotFound: when it does not exist or lies outside the actor's scope (no existence leak).
    """
    doc = session.scalar(select(IssuedDocument).where(IssuedDocument.id == document_id, visible_documents(actor)))
    if doc is None:
        raise NotFound("公文不存在或您无权查看", f"document {document_id} not visible to {actor.label}")
    return doc


def document_pdf(session: Session, actor: Actor, document_id: int) -> tuple[IssuedDocument, bytes]:
    """Return the stored PDF exactly as issued (a reprint is the same bytes), after checking its SHA-256.

    :raises NotFound: as :func:`get_document`.
    :raises Conflict: when the stored bytes no longer match their SHA-256.
    """
    doc = get_document(session, actor, document_id)
    pdf = doc.pdf
    if hashlib.sha256(pdf).hexdigest() != doc.sha256:
        log.error("stored PDF of document %s (%s) does not match its SHA-256", doc.id, doc.number)
        raise Conflict("存档公文校验失败，请联系系统管理员", f"document {doc.id} fails its SHA-256", code="integrity")
    return doc, pdf


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), TZ)


def document_filter(actor: Actor, *, kind: str | None = None, number: str | None = None,
                     date_from: date | None = None, date_to: date | None = None, unit_id: int | None = None,
                     ticket_no: str | None = None, status: str | None = None) -> list:
    if date_from and date_to and date_from > date_to:
        raise Invalid("起始日期不能晚于截止日期", "date range reversed", fields={"date_from": "起始日期晚于截止日期"})
    conditions = [visible_documents(actor)]
    if kind:
        conditions.append(IssuedDocument.kind == _kind(kind).code)
    if number:
        conditions.append(IssuedDocument.number.contains(number.strip(), autoescape=True))
    if date_from:
        conditions.append(IssuedDocument.issued_at >= _local_start(date_from))
    if date_to:
        conditions.append(IssuedDocument.issued_at < _local_start(date_to + timedelta(days=1)))
    if unit_id:
        conditions.append(IssuedDocument.unit_id == unit_id)
    if ticket_no:
        conditions.append(IssuedDocument.ticket_id.in_(
            select(Ticket.id).where(Ticket.number.contains(ticket_no.strip(), autoescape=True))))
    if status in STATUS_LABELS:
        conditions.append(IssuedDocument.status == status)
    return conditions


def _row(doc: IssuedDocument, ticket_no: str | None, unit: str | None) -> dict:
    kind = get_kind(doc.kind)
    return {"id": doc.id, "kind": doc.kind, "kind_title": kind.title, "number": doc.number, "title": doc.title,
            "year": doc.year, "seq": doc.seq, "ticket_id": doc.ticket_id, "ticket_no": ticket_no,
            "unit_id": doc.unit_id, "unit": unit, "addressee": doc.addressee, "sha256": doc.sha256,
            "size": doc.size, "issued_by": doc.issued_by, "issued_at": doc.issued_at, "status": doc.status,
            "status_label": STATUS_LABELS[doc.status], "void_reason": doc.void_reason, "voided_by": doc.voided_by,
            "voided_at": doc.voided_at}


def _rows(session: Session, conditions: list, limit: int, offset: int) -> list[dict]:
    q = (select(IssuedDocument, Ticket.number, Unit.name)
         .outerjoin(Ticket, Ticket.id == IssuedDocument.ticket_id)
         .outerjoin(Unit, Unit.id == IssuedDocument.unit_id)
         .where(*conditions).order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
         .limit(limit).offset(offset))
    return [_row(doc, number, unit) for doc, number, unit in session.execute(q).all()]


def search_documents(session: Session, actor: Actor, *, limit: int = 50, offset: int = 0,
                     **filters) -> tuple[list[dict], int]:
    """The archive: documents the actor may read, newest first, filtered by kind, number (part of it), issue
    date range (Beijing time, both days included), unit, ticket number and status; with the total count.

    :raises Invalid: for an unknown kind or a reversed date range.
    """
    conditions = document_filter(actor, **filters)
    total = session.scalar(select(func.count()).select_from(IssuedDocument).where(*conditions))
    return _rows(session, conditions, limit, offset), total


def document_view(session: Session, actor: Actor, document_id: int) -> dict:
    """One document's archive entry as a plain dict.

    :raises NotFound: as :func:`get_document`.
    """
    rows = _rows(session, [IssuedDocument.id == document_id, visible_documents(actor)], 1, 0)
    if not rows:
        raise NotFound("公文不存在或您无权查看", f"document {document_id} not visible to {actor.label}")
    return rows[0]


def documents_for_ticket(session: Session, ticket_id: int, actor: Actor | None = None) -> list[dict]:
    """The documents issued on a ticket, newest first, void ones included (marked); for the ticket page.

    The caller has checked that the ticket is visible; with ``actor`` the unit-private kinds are filtered too.
    """
    conditions = [IssuedDocument.ticket_id == ticket_id]
    if actor is not None:
        conditions.append(visible_documents(actor))
    return _rows(session, conditions, 200, 0)


def issue(session: Session, facts: Facts, actor: Actor, now: datetime, defaults: Mapping | None = None
          ) -> IssuedDocument:
    """Issue what a facts builder gathered; ``defaults`` (office name, short name) yield to the facts.

    :raises: as :func:`issue_document`.
    """
    context = {**(defaults or {}), **facts.context}
    return issue_document(session, facts.kind, context, actor, now, ticket_id=facts.ticket_id, unit_id=facts.unit_id)


def issue_for_ticket(session: Session, kind: str, ticket_id: int, actor: Actor, now: datetime, **options
                     ) -> IssuedDocument:
    """Build a ticket-bound kind's facts from the ticket's rows and issue it (a step that produces its document).

    :raises: as :func:`engine.docstore.facts.for_ticket` and :func:`issue_document`.
    """
    return issue(session, for_ticket(session, kind, ticket_id, **options), actor, now)


def archive_units(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The units that have documents the actor may read, for the archive's unit filter."""
    q = (select(Unit.id, Unit.name).where(Unit.id.in_(select(IssuedDocument.unit_id)
                                                      .where(visible_documents(actor)))).order_by(Unit.code))
    return [(uid, name) for uid, name in session.execute(q)]
