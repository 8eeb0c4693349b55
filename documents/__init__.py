"""Formal documents of the hotline office, rendered as A4 PDFs from plain dictionaries.

This package never imports flask, sqlalchemy, SpiffWorkflow, ``engine`` or ``web``: callers pass plain values
(str, int, date, datetime, lists and dicts of them) and get PDF bytes back. Document numbers are allocated and
stored by the caller; issued PDFs are stored by the caller and never re-rendered.
"""

from .kinds import KINDS, DocumentError, Kind, format_number, get_kind
from .render import (
    DEFAULTS,
    chinese_date,
    format_deadline,
    format_period_end,
    format_when_text,
    render_batch,
    render_html,
    render_pdf,
)
from .specimens import specimen_context

__all__ = [
    "DEFAULTS",
    "KINDS",
    "DocumentError",
    "Kind",
    "chinese_date",
    "format_deadline",
    "format_number",
    "format_period_end",
    "format_when_text",
    "get_kind",
    "render_batch",
    "render_html",
    "render_pdf",
    "specimen_context",
]
