"""Print many issued documents as one PDF: queue a batch now, lay it out in the background with its progress.

:func:`request_batch` flushes and never commits, like every operation. :func:`run_batch` is the background worker:
it owns its sessions and commits progress and outcome in short transactions of its own, so a page can poll them.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from documents import DocumentError, get_kind, render_batch
from engine.common import Actor, Forbidden, Invalid, NotFound, transaction
from engine.models import IssuedDocument, PrintBatch

from .archive import document_filter, jsonable

log = logging.getLogger(__name__)

BATCH_STATUS_LABELS = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败"}
MAX_BATCH = 500


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _batch_title(kind: str | None, date_from: date | None, date_to: date | None, count: int) -> str:
    what = get_kind(kind).title if kind else "公文"
    if date_from and date_to:
        span = f"{date_from.isoformat()}至{date_to.isoformat()}"
    elif date_from:
        span = f"{date_from.isoformat()}起"
    elif date_to:
        span = f"截至{date_to.isoformat()}"
    else:
        span = "全部日期"
    return f"{what}（{span}）共{count}份"


def request_batch(session: Session, actor: Actor, now: datetime, *, kind: str | None = None,
                  number: str | None = None, date_from: date | None = None, date_to: date | None = None,
                  unit_id: int | None = None, ticket_no: str | None = None) -> PrintBatch:
    """Queue one PDF of every live document matching the filters the actor may read, in number order.

    The matching documents are fixed now; :func:`run_batch` lays them out later.
    :raises Forbidden: for an actor who is not a signed-in user.
    :raises Invalid: when nothing matches, or more than :data:`MAX_BATCH` documents do.
    """
    if actor.kind != "user":
        raise Forbidden("批量打印仅供登录用户使用", f"{actor.label} may not print batches")
    filters = {"kind": kind, "number": number, "date_from": date_from, "date_to": date_to, "unit_id": unit_id,
               "ticket_no": ticket_no}
    conditions = document_filter(actor, status="issued", **filters)
    ids = list(session.scalars(select(IssuedDocument.id).where(*conditions)
                               .order_by(IssuedDocument.kind, IssuedDocument.year, IssuedDocument.seq)))
    if not ids:
        raise Invalid("没有符合条件的有效公文，无法批量打印", "empty print batch")
    if len(ids) > MAX_BATCH:
        raise Invalid(f"一次最多批量打印{MAX_BATCH}份，当前条件匹配{len(ids)}份，请缩小范围",
                      f"print batch of {len(ids)} refused")
    batch = PrintBatch(filter={**jsonable(filters), "ids": ids},
                       title=_batch_title(kind, date_from, date_to, len(ids)), status="queued", done=0,
                       total=len(ids), requested_by_id=actor.user_id, requested_by=actor.label[:120],
                       created_at=now)
    session.add(batch)
    session.flush()
    return batch


def _set_batch(session_factory: Callable[[], Session], batch_id: int, **values) -> None:
    with session_factory() as session, transaction(session):
        session.execute(update(PrintBatch).where(PrintBatch.id == batch_id).values(**values))


def _failure_message(exc: Exception, numbers: list[str], laid_out: int) -> str:
    if isinstance(exc, DocumentError) and laid_out < len(numbers):
        return (f"批量打印失败：公文{numbers[laid_out]}无法重新排版（存档内容不完整或引用了不允许的资源），"
                "请联系系统管理员")
    if isinstance(exc, DocumentError):
        return "批量打印失败：有公文无法排版，请缩小范围后重试或联系系统管理员"
    return "批量打印失败：系统内部错误，已记录，请稍后重试"


def run_batch(session_factory: Callable[[], Session], batch_id: int,
              clock: Callable[[], datetime] = _utcnow) -> str | None:
    """Lay out a queued batch from the documents' stored facts and store its PDF.

    Progress is committed after each document, the outcome at the end, each in a short transaction. Returns the
    final status (``done`` or ``failed``), or the current one when the batch was not queued (a second worker does
    nothing). A failure is stored with a Chinese message for the requester, never raised.
    """
    with session_factory() as session, transaction(session):
        batch = session.scalar(select(PrintBatch).where(PrintBatch.id == batch_id).with_for_update())
        if batch is None or batch.status != "queued":
            return batch.status if batch is not None else None
        batch.status = "running"
        ids = [int(i) for i in batch.filter.get("ids", [])]
    laid_out = 0
    numbers: list[str] = []

    def progress(done: int, total: int) -> None:
        nonlocal laid_out
        laid_out = done
        _set_batch(session_factory, batch_id, done=done)

    try:
        with session_factory() as session:
            rows = {r.id: r for r in session.execute(
                select(IssuedDocument.id, IssuedDocument.kind, IssuedDocument.number, IssuedDocument.facts)
                .where(IssuedDocument.id.in_(ids)))}
        if len(rows) != len(ids):
            raise DocumentError(f"documents {sorted(set(ids) - set(rows))} are missing")
        numbers = [rows[i].number for i in ids]
        pdf = render_batch([(rows[i].kind, rows[i].facts) for i in ids], progress=progress)
    except Exception as exc:  # the requester sees a Chinese message; the log keeps the cause
        log.exception("print batch %s failed after %s documents", batch_id, laid_out)
        _set_batch(session_factory, batch_id, status="failed", error=_failure_message(exc, numbers, laid_out),
                   finished_at=clock())
        return "failed"
    _set_batch(session_factory, batch_id, status="done", done=len(ids), pdf=pdf,
               sha256=hashlib.sha256(pdf).hexdigest(), finished_at=clock())
    return "done"


def get_batch(session: Session, actor: Actor, batch_id: int) -> PrintBatch:
    """Return a batch the actor may see: their own, or any for the office.

    :raises NotFound: otherwise.
    """
    # Always read the row again: the worker commits progress from another session.
    batch = session.scalar(select(PrintBatch).where(PrintBatch.id == batch_id)
                           .execution_options(populate_existing=True))
    office = actor.role is not None and actor.role.is_office
    if batch is None or not (office or (actor.user_id is not None and batch.requested_by_id == actor.user_id)):
        raise NotFound("批量打印任务不存在", f"batch {batch_id} not visible to {actor.label}")
    return batch


def batch_progress(batch: PrintBatch) -> dict:
    """What the progress page polls: status, counts and the Chinese error of a failure."""
    return {"id": batch.id, "title": batch.title, "status": batch.status,
            "status_label": BATCH_STATUS_LABELS[batch.status], "done": batch.done, "total": batch.total,
            "error": batch.error}


def batch_pdf(session: Session, actor: Actor, batch_id: int) -> tuple[PrintBatch, bytes]:
    """Return a finished batch and its PDF.

    :raises NotFound: as :func:`get_batch`, or when the batch has no PDF (yet).
    """
    batch = get_batch(session, actor, batch_id)
    if batch.status != "done" or batch.pdf is None:
        raise NotFound("批量打印文件尚未生成", f"batch {batch_id} is {batch.status}")
    return batch, batch.pdf


def list_batches(session: Session, actor: Actor, limit: int = 20) -> list[dict]:
    """The actor's recent batches (the office sees everyone's), newest first."""
    q = select(PrintBatch).order_by(PrintBatch.id.desc()).limit(limit)
    if not (actor.role is not None and actor.role.is_office):
        q = q.where(PrintBatch.requested_by_id == actor.user_id)
    return [{**batch_progress(b), "requested_by": b.requested_by, "created_at": b.created_at}
            for b in session.scalars(q)]
