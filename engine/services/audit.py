"""Audit rows: every action on a ticket, with actor, before/after state and time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import AuditLog

from .actors import Actor

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
}


def write_audit(session: Session, ticket_id: int | None, actor: Actor, action: str, before: str | None,
                after: str | None, now: datetime, **detail) -> AuditLog:
    row = AuditLog(ticket_id=ticket_id, actor_id=actor.user_id, actor_label=actor.label, action=action,
                   before_status=before, after_status=after, detail=detail or None, at=now)
    session.add(row)
    return row
