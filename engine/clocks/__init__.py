"""Clocks (时限, Art. 9, 10, 13, 17): the working-day calendar the office administers, each ticket's stored
deadlines and their explanations, and the 预警/黄牌/红牌 monitor with its notices.

May import ``engine.common``, ``engine.notices``, ``engine.knowledge`` (entering a year recomputes the flags'
clocks too) and the layers below them.
"""
from . import calendar_admin, deadlines, monitor
from .calendar_seed import NoticeError, chinesecalendar_names, chinesecalendar_overrides, parse_year_notice
from .deadlines import explain_ticket_clocks, store_clock
from .monitor import apply_extension, follow

__all__ = ["NoticeError", "apply_extension", "calendar_admin", "chinesecalendar_names", "chinesecalendar_overrides",
           "deadlines", "explain_ticket_clocks", "follow", "monitor", "parse_year_notice", "store_clock"]
