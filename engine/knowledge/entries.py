"""Knowledge-base upkeep (Art. 8(1), 25, 26(2)): entries owned by units, versions, approvals, flags and their clock.

"谁提供、谁维护、谁负责": only the owning unit's 信息采编员 changes an entry directly; another unit's editor or the
office proposes an edit that the owner's editor or the office (审核员/系统管理员) approves. Every change is a new
version. An entry uploaded less than 7 working days before its policy takes effect is marked late. A gap or error
the office flags must be fixed within 5 working days; :func:`kb_monitor_pass` moves open flags through
预警/黄牌/红牌 like a ticket's clock, with an audit row and notices to the unit's editors and 分管领导.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound, calendar
from engine.domain.calendar import WorkingCalendar, local_date
from engine.domain.roles import Role
from engine.models import KnowledgeEditRequest, KnowledgeEntry, KnowledgeVersion, Unit

from . import search as kb_search
from .richtext import sanitize

STATUSES = ("draft", "published", "expired", "withdrawn")
STATUS_LABELS = {"draft": "草稿", "published": "已发布", "expired": "已失效", "withdrawn": "已撤回"}
APPROVER_ROLES = frozenset({Role.REVIEWER, Role.ADMIN})
UPLOAD_LEAD_DAYS = 7  # Art. 25: uploaded at least 7 WD before the policy takes effect
FIELDS = ("title", "category", "content", "basis", "keywords", "effective_date", "expiry_date")


# -- the 7-working-day rule ---------------------------------------------------------------------------------------


def uploaded_late(cal: WorkingCalendar, uploaded_at: datetime, effective: date | None) -> bool:
    """Tell whether an upload leaves fewer than 7 working days before the policy takes effect.

    The upload day is not counted (民法典 Art. 201); the 7 working days must all lie before the effective date.
    """
    if effective is None:
        return False
    seventh = cal.add_working_days(uploaded_at, UPLOAD_LEAD_DAYS).last_day
    return effective <= seventh


# -- entries ----------------------------------------------------------------------------------------------------------


def _is_owner(actor: Actor, entry: KnowledgeEntry) -> bool:
    return actor.kind == "user" and actor.role == Role.KB_EDITOR and actor.unit_id == entry.unit_id


def _is_approver(actor: Actor) -> bool:
    return actor.kind == "user" and actor.role in APPROVER_ROLES


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    unknown = set(data) - set(FIELDS) - {"unit_id"}
    if unknown:
        raise Invalid("包含无法修改的字段", f"unknown knowledge fields {sorted(unknown)}")
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "content":
            value = sanitize(value)
            if not kb_search.plain_text(value):
                errors[key] = "请填写知识内容"
        elif key == "keywords":
            items = value.replace("，", ",").split(",") if isinstance(value, str) else list(value or [])
            value = [str(k).strip()[:40] for k in items if str(k).strip()][:20] or None
        elif key in ("effective_date", "expiry_date"):
            if isinstance(value, str) and value:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    errors[key] = "日期格式应为YYYY-MM-DD"
            elif value in ("", None):
                value = None
            elif not isinstance(value, date) or isinstance(value, datetime):
                errors[key] = "日期格式应为YYYY-MM-DD"
        else:
            value = (str(value).strip() if value is not None else None) or None
        out[key] = value
    if creating and not out.get("title"):
        errors["title"] = "请填写标题"
    if "title" in out and (not out["title"] or len(out["title"]) > 200):
        errors["title"] = "标题不能为空且不超过200字"
    if creating and "content" not in out:
        errors["content"] = "请填写知识内容"
    eff, exp = out.get("effective_date"), out.get("expiry_date")
    if isinstance(eff, date) and isinstance(exp, date) and exp <= eff:
        errors["expiry_date"] = "失效日期须晚于生效日期"
    if errors:
        raise Invalid("知识条目填写有误", f"invalid knowledge entry {sorted(errors)}", fields=errors)
    return out


def _snapshot(session: Session, entry: KnowledgeEntry, actor: Actor, now: datetime, note: str | None) -> int:
    entry.current_version = (entry.current_version or 0) + 1
    entry.updated_at = now
    session.add(KnowledgeVersion(
        entry_id=entry.id, version=entry.current_version, status=entry.status, title=entry.title,
        content=entry.content, basis=entry.basis, keywords=entry.keywords, category=entry.category,
        effective_date=entry.effective_date, expiry_date=entry.expiry_date, author=actor.label[:120],
        author_id=actor.user_id, note=note, created_at=now))
    kb_search.index_entry(session, entry)
    return entry.current_version


def _last_published(session: Session, entry: KnowledgeEntry) -> KnowledgeVersion | None:
    """The entry's latest version saved while it was published (None if it never was)."""
    q = select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry.id, KnowledgeVersion.status == "published")
    return session.scalar(q.order_by(KnowledgeVersion.version.desc()).limit(1))


def _judge_upload(session: Session, entry: KnowledgeEntry, now: datetime, *, first_live: bool,
                  effective_before: date | None) -> None:
    """Apply the 7-WD rule when the entry first goes live, and again when its policy date moves while live (or
    differs, when it is published again, from the date it last had while live).

    Nothing else re-judges it: a corrected typo, a fix the office asked for or publishing a withdrawn entry again
    with the same date leaves the judgement of the upload as it was.
    """
    if entry.status == "published" and (first_live or entry.effective_date != effective_before):
        entry.uploaded_late = uploaded_late(calendar(session), now, entry.effective_date)


def _refuse_expired(entry: KnowledgeEntry, status: str, now: datetime) -> None:
    """Refuse to put an entry live (``status`` published) once its expiry date has come."""
    if status == "published" and kb_search.past_expiry(entry, now):
        raise Invalid("失效日期已到，不能发布；请先修改失效日期", f"kb entry {entry.id} expired on {entry.expiry_date}",
                      fields={"expiry_date": "失效日期已到，不能发布"})


def create_entry(session: Session, actor: Actor, data: Mapping[str, Any], now: datetime, *,
                 publish: bool = True) -> KnowledgeEntry:
    """Create an entry of the actor's unit (the office may create one for any unit) as version 1.

    :raises Forbidden: for anyone but a 信息采编员 of the unit or the office's 审核员/管理员.
    :raises Invalid: for missing or malformed fields.
    """
    unit_id = data.get("unit_id") or actor.unit_id
    own = actor.kind == "user" and actor.role == Role.KB_EDITOR and actor.unit_id == unit_id
    if not (own or _is_approver(actor)) or unit_id is None or session.get(Unit, unit_id) is None:
        raise Forbidden("只有本单位信息采编员可以录入本单位知识", f"{actor.label} may not create entries of {unit_id}")
    values = _clean(data, creating=True)
    entry = KnowledgeEntry(unit_id=unit_id, status="published" if publish else "draft", created_at=now,
                           current_version=0, uploaded_late=False, **values)
    _refuse_expired(entry, entry.status, now)
    session.add(entry)
    session.flush()
    _judge_upload(session, entry, now, first_live=publish, effective_before=None)
    _snapshot(session, entry, actor, now, "新建")
    return entry


def _entry(session: Session, entry_id: int) -> KnowledgeEntry:
    entry = session.get(KnowledgeEntry, entry_id)
    if entry is None:
        raise NotFound("知识条目不存在", f"kb entry {entry_id} not found")
    return entry


def _apply(session: Session, entry: KnowledgeEntry, values: Mapping[str, Any], actor: Actor, now: datetime,
           note: str | None) -> int:
    before = entry.effective_date
    for key, value in values.items():
        if key in ("effective_date", "expiry_date") and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(entry, key, value)
    _judge_upload(session, entry, now, first_live=False, effective_before=before)
    if entry.status == "published" and kb_search.past_expiry(entry, now):
        entry.status = "expired"  # an expiry date set to today or earlier takes the entry out at once
        note = f"{note}（失效日期已到，条目失效）"
    return _snapshot(session, entry, actor, now, note)


def edit_entry(session: Session, actor: Actor, entry_id: int, data: Mapping[str, Any], now: datetime, *,
               reason: str | None = None) -> KnowledgeVersion | KnowledgeEditRequest:
    """Change an entry: the owner's editor directly (a new version), anyone allowed otherwise by an edit request.

    :raises Forbidden: for roles that neither own nor may propose (only 信息采编员 and the office's approvers).
    :raises Invalid: for malformed fields.
    """
    entry = _entry(session, entry_id)
    values = _clean(data, creating=False)
    if _is_owner(actor, entry):
        number = _apply(session, entry, values, actor, now, reason or "修改")
        return session.scalar(select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry.id,
                                                             KnowledgeVersion.version == number))
    if not (actor.kind == "user" and (actor.role == Role.KB_EDITOR or actor.role in APPROVER_ROLES)):
        raise Forbidden("您无权修改该知识条目", f"{actor.label} may not edit kb entry {entry_id}")
    jsonable = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    request = KnowledgeEditRequest(entry_id=entry.id, base_version=entry.current_version, changes=jsonable,
                                   reason=reason, requested_by=actor.label[:120], requested_by_id=actor.user_id,
                                   requested_unit_id=actor.unit_id, requested_at=now, status="pending")
    session.add(request)
    session.flush()
    return request


def is_requester(actor: Actor, request: KnowledgeEditRequest) -> bool:
    """Whether the actor made the request (and so may not decide it)."""
    return actor.kind == "user" and actor.user_id is not None and actor.user_id == request.requested_by_id


def may_decide(actor: Actor, entry: KnowledgeEntry, request: KnowledgeEditRequest) -> bool:
    """Whether the actor may approve or reject the request: the owner's editor or the office, not the requester."""
    return (_is_owner(actor, entry) or _is_approver(actor)) and not is_requester(actor, request)


def decide_edit_request(session: Session, actor: Actor, request_id: int, approve: bool, now: datetime, *,
                        reason: str | None = None) -> KnowledgeEditRequest:
    """Approve (apply as a new version) or reject an edit request; the owner's editor or the office decides.

    :raises Forbidden: for the requester deciding their own request (不能审批本人提出的修改申请), or anyone but the
        owner's editor and the office.
    :raises Conflict: when the request is decided already or the entry changed since it was made.
    :raises Invalid: when a rejection gives no reason.
    """
    request = session.get(KnowledgeEditRequest, request_id)
    if request is None:
        raise NotFound("修改申请不存在", f"kb edit request {request_id} not found")
    entry = _entry(session, request.entry_id)
    if is_requester(actor, request):
        raise Forbidden("不能审批本人提出的修改申请", f"{actor.label} may not decide own request {request_id}")
    if not (_is_owner(actor, entry) or _is_approver(actor)):
        raise Forbidden("只有条目所属单位的信息采编员或热线办可以审批", f"{actor.label} may not decide {request_id}")
    if request.status != "pending":
        raise Conflict("该修改申请已处理", f"kb edit request {request_id} is {request.status}")
    if approve and entry.current_version != request.base_version:
        raise Conflict("条目已被修改，请重新提交修改申请", f"kb entry {entry.id} moved past v{request.base_version}")
    if not approve and not (reason or "").strip():
        raise Invalid("驳回须说明理由", "rejection without reason", fields={"reason": "请填写驳回理由"})
    request.status = "approved" if approve else "rejected"
    request.decided_by, request.decided_by_id, request.decided_at = actor.label[:120], actor.user_id, now
    request.decision_reason = (reason or "").strip() or None
    if approve:
        request.applied_version = _apply(session, entry, request.changes, actor, now,
                                         f"批准{request.requested_by}的修改申请")
    session.flush()
    return request


_TRANSITIONS = {"publish": ({"draft", "withdrawn", "expired"}, "published"),
                "withdraw": ({"draft", "published"}, "withdrawn")}


def change_status(session: Session, actor: Actor, entry_id: int, action: str, now: datetime) -> KnowledgeEntry:
    """Publish or withdraw an entry of the actor's unit (a new version; the index follows).

    :raises Forbidden: for anyone but the owning unit's editor.
    :raises Conflict: when the entry's status does not allow the action.
    """
    entry = _entry(session, entry_id)
    if not _is_owner(actor, entry):
        raise Forbidden("只有条目所属单位的信息采编员可以发布或撤回", f"{actor.label} may not {action} {entry_id}")
    sources, target = _TRANSITIONS[action]
    if entry.status not in sources:
        raise Conflict(f"{STATUS_LABELS[entry.status]}的条目不能{'发布' if target == 'published' else '撤回'}",
                       f"kb entry {entry_id} is {entry.status}")
    _refuse_expired(entry, target, now)
    # Published again: judged again only if the policy date differs from the one it last had while live (a date
    # moved while the entry was withdrawn would otherwise escape the rule).
    last = _last_published(session, entry) if target == "published" else None
    entry.status = target
    _judge_upload(session, entry, now, first_live=target == "published" and last is None,
                  effective_before=last.effective_date if last is not None else entry.effective_date)
    _snapshot(session, entry, actor, now, {"publish": "发布", "withdraw": "撤回"}[action])
    return entry


def expire_entries(session: Session, now: datetime) -> int:
    """Mark published entries whose expiry date has passed as expired; return how many."""
    today = local_date(now)
    due = session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.status == "published",
                                                       KnowledgeEntry.expiry_date <= today)).all()
    for entry in due:
        entry.status = "expired"
        _snapshot(session, entry, Actor.system("系统（知识到期）"), now, "到期失效")
    return len(due)


def versions(session: Session, entry_id: int) -> list[KnowledgeVersion]:
    """Return every version of an entry, oldest first."""
    return list(session.scalars(select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry_id)
                                .order_by(KnowledgeVersion.version)))


def late_uploads(session: Session, start: date, end: date) -> dict[int, int]:
    """Count entries uploaded late per unit among those taking effect in [start, end] (for the assessment)."""
    q = (select(KnowledgeEntry.unit_id, func.count()).where(
        KnowledgeEntry.uploaded_late.is_(True), KnowledgeEntry.effective_date >= start,
        KnowledgeEntry.effective_date <= end).group_by(KnowledgeEntry.unit_id))
    return {unit_id: int(n) for unit_id, n in session.execute(q)}


# -- gaps and errors flagged by the office, and their 5-WD clock ----------------------------------------------------
