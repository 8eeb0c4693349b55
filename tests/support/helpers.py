"""Shared helpers for service and API tests: actors for the demo users and units, standard form data."""
from __future__ import annotations

from sqlalchemy import select

from engine.common.actors import Actor
from engine.domain.roles import Role
from engine.models import Unit, User

CITIZEN = {"channel": "phone", "citizen_name": "张三丰", "citizen_phone": "13800001234",
           "address": "源城区新江街道永和路18号", "content": "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。",
           "ticket_type": "complaint", "category": "城乡建设/噪音扰民"}
REPLY = {"department": "市住房和城乡建设局建筑管理科", "handler_name": "李工", "result": "经现场核查，已责令施工单位停止夜间施工。",
         "basis": "《中华人民共和国噪声污染防治法》第四十三条", "contact_method": "电话联系诉求人告知结果"}


def user(session, username: str) -> Actor:
    return Actor.of_user(session.scalar(select(User).where(User.username == username)))


def unit(session, code: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code))


def unit_actor(session, role: Role, code: str) -> Actor:
    u = unit(session, code)
    return Actor("user", f"{u.name}{role.label}", None, role, u.id)


def kb_entries_top(session) -> int:
    """The highest knowledge-entry id now (the seeded entries end here); see :func:`drop_kb_entries_after`."""
    from sqlalchemy import func

    from engine.models import KnowledgeEntry

    return session.scalar(select(func.max(KnowledgeEntry.id))) or 0


def drop_kb_entries_after(session, top: int) -> None:
    """Remove the knowledge entries a test made (ids above ``top``) with their versions, requests, flags and index
    rows; the caller commits."""
    from sqlalchemy import delete

    from engine.knowledge import search as kb_search
    from engine.models import KnowledgeEditRequest, KnowledgeEntry, KnowledgeFlag, KnowledgeVersion

    made = list(session.scalars(select(KnowledgeEntry.id).where(KnowledgeEntry.id > top)))
    if made:
        for model in (KnowledgeFlag, KnowledgeEditRequest, KnowledgeVersion):
            session.execute(delete(model).where(model.entry_id.in_(made)))
        kb_search.unindex(session, made)
        session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.id.in_(made)))
