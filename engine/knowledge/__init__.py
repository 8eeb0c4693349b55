"""The knowledge base (知识库, Art. 8(1), 25, 26(2)): entries owned by units with versions and approvals, the
7-working-day upload rule, the office's flags and their 5-working-day fix clock, Chinese full-text search.

May import ``engine.common``, ``engine.notices``, ``engine.docstore`` and the layers below them.
"""
from . import changes, entries, flags, pages, search
from .flags import kb_monitor_pass, recompute_open_flags
from .search import reindex_all

__all__ = ["changes", "entries", "flags", "kb_monitor_pass", "pages", "recompute_open_flags", "reindex_all", "search"]
