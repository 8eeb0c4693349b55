"""The facts every document specimen shares: the office, the ticket (a night-time construction noise complaint in
源城区), its units and contact, and helpers for instants and document numbers. All invented."""
from __future__ import annotations

import datetime as dt

from .kinds import format_number, get_kind

OFFICE_SHORT = "河热线"
TICKET_NO = "HL20261125000123"
LEAD_UNIT = "源城区住房和城乡建设局"
CO_UNIT = "源城区新江街道办事处"
NOISE_COMPLAINT = (
    "诉求人反映：源城区新江街道越王大道东侧“江景华庭”项目在建工地近一周每晚22时后仍进行混凝土浇筑和打桩作业，"
    "噪声严重影响周边小区居民休息；诉求人曾多次向工地反映未果，要求相关部门依法查处并规范夜间施工。"
)
OFFICE_CONTACT = {"name": "张丽", "phone": "0762-3388123"}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute)


def end_of(year: int, month: int, day: int) -> dt.datetime:
    """Deadlines end at 24:00 of their last working day, stored as 00:00 of the next day."""
    return dt.datetime(year, month, day) + dt.timedelta(days=1)


def doc_number(kind: str, seq: int, year: int = 2026) -> str:
    return format_number(OFFICE_SHORT, get_kind(kind).abbr, year, seq)
