"""Rich text typed by units (knowledge entries), cleaned by nh3 (the Python binding of ammonia) to an allow-list.

Sanitizing HTML is where hand-written code fails quietly (entity-encoded schemes, parser differentials, unclosed
tags); ammonia parses as browsers do (html5ever) and rebuilds only what the allow-list names.
"""
from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "a", "table", "thead", "tbody", "tr", "th",
                          "td"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https"})


def sanitize(rich: str | None) -> str:
    """Keep p, br, lists, strong, em, tables and http(s) links (rel="noopener noreferrer"); drop every other tag
    and attribute (their text stays; the content of script and style goes), comments included."""
    return nh3.clean(rich or "", tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, url_schemes=set(URL_SCHEMES),
                     link_rel="noopener noreferrer", strip_comments=True)
