"""Audit rows: every action on a ticket, with actor, before/after state and time."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.models import AuditLog

from .actors import Actor
from .driver import execute as write

ACTION_LABELS = {
    "register": "登记诉求",
    "scope_accept": "受理",
    "refuse": "不予受理",
    "answer": "即时答复",
    "dispatch": "派单",
    "county_dispatch": "县级派单",
    "sign": "签收",
    "deemed_accept": "逾期未退回，视同接受",
    "return": "退回",
    "joint_decision": "联合审定决定",
    "co_part": "协办意见",
    "reply": "办理答复",
    "review_accept": "审核通过",
    "review_back": "审核退回重新答复",
    "evaluate": "回访评价",
    "evaluation_timeout": "逾期未评价",
    "redo_decision": "重办审定",
    "redo": "重办派发",
    "archive": "归档",
    "pii_view": "查看诉求人信息",
    "migrate": "迁移至新流程版本",
    "document_issue": "出具公文",
    "document_void": "作废公文",
    "joint_review_open": "提请联合审定",
    "jr_meeting": "联合审定会商",
    "jr_consult": "主管部门意见",
    "jr_proposal": "拟办意见",
    "jr_city_decision": "市政府决定",
    "extension_request": "申请延期",
    "extension_decision": "延期审批",
    "extension_approve": "延期批准，时限顺延",
    "supervision_open": "督办立项",
    "supervision_reply": "督办答复",
    "supervision_check": "督办审核",
    "supervision_overdue": "督办逾期",
    "monitor_warning": "时限预警",
    "monitor_yellow": "黄牌",
    "monitor_red": "红牌",
    "supervision_request": "红牌转督办",
    "supervision_request_merged": "红牌并入已在进行的红牌督办",
    "deadline_recomputed": "节假日调整，时限重算",
    "calendar_import": "录入年度节假日安排",
    "notice_resend": "重新发送通知",
    "kb_flag": "知识库纠错",
    "kb_flag_fixed": "知识库已修正",
    "kb_flag_recomputed": "知识库纠错时限重算",
    "kb_flag_warning": "知识库纠错预警",
    "kb_flag_yellow": "知识库纠错黄牌",
    "kb_flag_red": "知识库纠错红牌",
    "setting_change": "修改热线办设置",
    "user_create": "新建用户",
    "user_deactivate": "停用用户",
    "user_activate": "启用用户",
    "user_password_reset": "重置用户密码",
    "api_client_create": "新建接口客户端",
    "api_client_revoke": "吊销接口客户端",
    "attachment_publish": "公开附件",
    "attachment_unpublish": "取消公开附件",
    "merge": "并单（并入主单）",
    "merge_in": "并单（并入子单）",
    "unmerge": "撤销并单",
    "unmerge_out": "子单撤销并单",
    "matter_reply": "主单答复送达",
    "matter_evaluated": "并单回访汇总",
    "surge": "集中反映预警",
    "handoff_sent": "转接紧急服务专线（记录已报送）",
    "handoff_reply": "向110反馈办理结果",
    "caller_view": "查看来电人档案",
    "caller_flag": "标记恶意来电",
    "caller_flag_confirm": "复核确认恶意来电标记",
    "caller_flag_lift": "解除恶意来电标记",
    "caller_flag_shown": "登记时提示来电人标记",
    "caller_referral": "出具移送函",
}


_HELD = "audit_rows_after_the_action"


def write_audit(session: Session, ticket_id: int | None, actor: Actor, action: str, before: str | None,
                after: str | None, now: datetime, *, follows_action: bool = False, **detail) -> None:
    """Append one audit row at once, in the caller's transaction.

    A plain INSERT on the session's connection rather than an ORM object: audit rows are never changed or read back
    through the session, and on the hot path (one or two per action) the unit of work costs several times the
    statement itself. The ticket must already be in the database (flushed) when ``ticket_id`` is given.

    ``follows_action``: the row is a consequence of the action being completed (the extension its approval grants,
    the document its answer prints). Inside :func:`action_first` it is held and written after the action's own row,
    which is written last (its after-state is known only then); timelines order rows of one instant by id, so the
    decision reads before what it caused. Outside, it is written at once.
    """
    values = audit_values(ticket_id, actor, action, before, after, now, **detail)
    held = session.info.get(_HELD) if follows_action else None
    if held is not None:
        held.append(values)
    else:
        write(session, AUDIT_INSERT, values)


@contextmanager
def action_first(session: Session) -> Iterator[None]:
    """Hold the rows written with ``follows_action`` inside the block; write them, in order, when it ends well.

    Nested blocks leave the rows to the outermost one. An error discards them with the rest of the transaction.
    """
    if session.info.get(_HELD) is not None:
        yield
        return
    held: list[dict] = []
    session.info[_HELD] = held
    try:
        yield
    finally:
        session.info.pop(_HELD, None)
    for values in held:  # one by one: ids in write order on every database
        write(session, AUDIT_INSERT, values)


def audit_values(ticket_id: int | None, actor: Actor, action: str, before: str | None, after: str | None,
                 now: datetime, **detail) -> dict:
    """The column values of one audit row (for a caller that writes it within a statement of its own)."""
    return {"ticket_id": ticket_id, "actor_id": actor.user_id, "actor_label": actor.label, "action": action,
            "before_status": before, "after_status": after, "detail": detail or None, "at": now}


AUDIT_INSERT = insert(AuditLog.__table__)
