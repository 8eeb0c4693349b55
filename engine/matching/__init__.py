"""The same matter and the right unit (issue 21): similar tickets ranked by meaning, place and time (the word
index, the search, the links the dispatcher's queue and surge alerts read), 集中反映 surge alerts, the units' duty
lists (职责清单) and the dispatch suggestions built from them, the history of similar tickets and the place.

Merging tickets (并单) changes tickets' workflows, so it lives in ``engine.tickets``, which indexes each ticket it
registers here. May import ``engine.common``, ``engine.notices`` (the surge alert's SMS), ``engine.oversight`` (a
surge's supervision, Art. 18(3)) and the layers below them.
"""
from . import duties, index, similar, suggest, surges, text
from .index import backfill, index_ticket, refresh_stats
from .similar import (
    Hit,
    Query,
    check_draft,
    check_limit,
    link,
    open_similar,
    query_of,
    search,
    similar_to_ticket,
    unlinked,
)
from .suggest import Suggestion, record_shown

__all__ = ["Hit", "Query", "Suggestion", "backfill", "check_draft", "check_limit", "duties", "index", "index_ticket",
           "link", "open_similar", "query_of", "record_shown", "refresh_stats", "search", "similar",
           "similar_to_ticket", "suggest", "surges", "text", "unlinked"]
