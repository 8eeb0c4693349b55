"""What the knowledge-base pages may show (Art. 25): published entries to everyone signed in; an entry that is not
published (draft, withdrawn, expired) and its versions only to its own unit's users and the hotline office; a unit's
own entries of every status; the flags of the office's correction list. Reads only; nothing here writes.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common import Actor, Forbidden, Invalid, NotFound
from engine.models import IssuedDocument, KnowledgeEntry, KnowledgeFlag, KnowledgeVersion, Unit

from .entries import STATUSES


def _office(actor: Actor) -> bool:
    return actor.kind == "system" or (actor.kind == "user" and actor.role is not None and actor.role.is_office)


def may_read(actor: Actor, entry: KnowledgeEntry) -> bool:
    """Whether the actor may read the entry and its versions: published, or the actor's own unit, or the office."""
    if entry.status == "published" or _office(actor):
        return True
    return actor.kind == "user" and actor.unit_id is not None and actor.unit_id == entry.unit_id


def readable_entry(session: Session, actor: Actor, entry_id: int) -> KnowledgeEntry:
    """Return an entry the actor may read.

    :raises NotFound: for an unknown entry.
    :raises Forbidden: for an entry that is not published, to anyone outside its unit and the office.
    """
    entry = session.get(KnowledgeEntry, entry_id)
    if entry is None:
        raise NotFound("知识条目不存在", f"kb entry {entry_id} not found")
    if not may_read(actor, entry):
        raise Forbidden("您无权查看该知识条目：未发布的条目仅所属单位和热线办可以查看",
                        f"{actor.label} may not read {entry.status} kb entry {entry_id}")
    return entry


def entry_version(session: Session, actor: Actor, entry_id: int, number: int
                  ) -> tuple[KnowledgeEntry, KnowledgeVersion]:
    """Return an entry the actor may read and one of its versions.

    :raises NotFound: for an unknown entry or version.
    :raises Forbidden: as :func:`readable_entry`.
    """
    entry = readable_entry(session, actor, entry_id)
    version = session.scalar(select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry.id,
                                                            KnowledgeVersion.version == number))
    if version is None:
        raise NotFound("该版本不存在", f"kb entry {entry_id} has no version {number}")
    return entry, version


def unit_entries(session: Session, actor: Actor, unit_id: int, *, status: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[KnowledgeEntry], int, dict[str, int]]:
    """A unit's own entries of every status, the most recently changed first; with the total of the page's filter
    and the count per status.

    :raises Forbidden: for anyone but the unit's own users and the office.
    :raises NotFound: for an unknown unit.
    :raises Invalid: for an unknown status.
    """
    if not (_office(actor) or (actor.kind == "user" and actor.unit_id == unit_id)):
        raise Forbidden("您无权查看其他单位的知识条目", f"{actor.label} may not list kb entries of unit {unit_id}")
    if session.get(Unit, unit_id) is None:
        raise NotFound("单位不存在", f"unit {unit_id} not found")
    if status is not None and status not in STATUSES:
        raise Invalid("未知的条目状态", f"unknown kb status {status!r}", fields={"status": "请选择条目状态"})
    counts = {s: 0 for s in STATUSES}
    counts.update({s: int(n) for s, n in session.execute(
        select(KnowledgeEntry.status, func.count()).where(KnowledgeEntry.unit_id == unit_id)
        .group_by(KnowledgeEntry.status))})
    q = select(KnowledgeEntry).where(KnowledgeEntry.unit_id == unit_id)
    if status:
        q = q.where(KnowledgeEntry.status == status)
    changed = func.coalesce(KnowledgeEntry.updated_at, KnowledgeEntry.created_at)
    rows = list(session.scalars(q.order_by(changed.desc(), KnowledgeEntry.id.desc()).limit(limit).offset(offset)))
    total = counts[status] if status else sum(counts.values())
    return rows, total, counts


def units_with_entries(session: Session) -> list[tuple[int, str, int]]:
    """Every unit with how many entries it owns (any status), for the office's unit picker: (id, name, count)."""
    n = (select(KnowledgeEntry.unit_id, func.count().label("n")).group_by(KnowledgeEntry.unit_id).subquery())
    q = (select(Unit.id, Unit.name, func.coalesce(n.c.n, 0)).outerjoin(n, n.c.unit_id == Unit.id)
         .order_by(func.coalesce(n.c.n, 0).desc(), Unit.code))
    return [(uid, name, int(count)) for uid, name, count in session.execute(q)]


def flag_list(session: Session, actor: Actor, *, fixed: bool = False, limit: int = 500
              ) -> tuple[list[KnowledgeFlag], dict[int, str], dict[int, dict]]:
    """The correction list: open flags by deadline, or fixed ones newest fix first; a 信息采编员 sees its unit's only.

    Returns the flags, the titles of their entries and their correction notices (by document id: number, status).
    """
    q = select(KnowledgeFlag)
    if fixed:
        q = q.where(KnowledgeFlag.fixed_at.is_not(None)).order_by(KnowledgeFlag.fixed_at.desc(), KnowledgeFlag.id)
    else:
        q = q.where(KnowledgeFlag.fixed_at.is_(None)).order_by(KnowledgeFlag.due_at, KnowledgeFlag.id)
    if not _office(actor):
        q = q.where(KnowledgeFlag.unit_id == actor.unit_id)
    rows = list(session.scalars(q.limit(limit)))
    entry_ids = {f.entry_id for f in rows if f.entry_id}
    titles = dict(session.execute(select(KnowledgeEntry.id, KnowledgeEntry.title)
                                  .where(KnowledgeEntry.id.in_(entry_ids))).all()) if entry_ids else {}
    doc_ids = {f.document_id for f in rows if f.document_id}
    docs = {i: {"id": i, "number": number, "status": status} for i, number, status in session.execute(
        select(IssuedDocument.id, IssuedDocument.number, IssuedDocument.status)
        .where(IssuedDocument.id.in_(doc_ids)))} if doc_ids else {}
    return rows, titles, docs
