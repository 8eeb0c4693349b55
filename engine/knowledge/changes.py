"""What a pending edit request would change (Art. 25): each field of the entry as it stands against the value the
request proposes, with the text fields' difference marked character by character (Chinese has no spaces between
words, so characters are the unit a reader compares). Reads only; the decision itself is
``entries.decide_edit_request``.

The rich-text content is compared as plain text (paragraphs and list items kept as lines), so the approver reads the
words that change, not the HTML around them; a change of formatting alone is reported as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from engine.models import KnowledgeEditRequest, KnowledgeEntry

from . import search as kb_search
from .entries import FIELDS

TEXT_FIELDS = frozenset({"title", "content", "basis"})  # shown with a character diff
_BLOCK_END = re.compile(r"</(?:p|li|tr|h[1-6]|table|ul|ol)\s*>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
MAX_DIFF_CHARS = 20_000  # a longer text is shown whole, old then new, without the character diff


@dataclass(frozen=True)
class FieldChange:
    """One field of the entry: its value now and the one proposed (display text), and whether it differs.

    ``pieces`` is the character diff of a changed text field: ("same" | "del" | "ins", text) in reading order;
    ``format_only`` tells that the content's HTML changed but not its words.
    """

    key: str
    changed: bool
    old: str
    new: str
    pieces: tuple[tuple[str, str], ...] = field(default=())
    format_only: bool = False


def readable(rich: str | None) -> str:
    """The words of sanitized HTML, one line per paragraph, list item or table row, spaces tidied."""
    lines = kb_search.plain_text(_BLOCK_END.sub("\n", rich or "")).split("\n")
    return "\n".join(line for line in (_SPACES.sub(" ", raw).strip() for raw in lines) if line)


def _shown(key: str, value: Any) -> str:
    """A stored or proposed value as the page prints it ("" for none)."""
    if value is None:
        return ""
    if key == "content":
        return readable(value)
    if key == "keywords":
        return "、".join(str(k) for k in value) if value else ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def diff_pieces(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The character diff of two texts: ("same" | "del" | "ins", text), deletions before insertions."""
    if len(old) + len(new) > MAX_DIFF_CHARS:
        return (("del", old), ("ins", new))
    out: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            out.append(("del", old[i1:i2]))
        if j2 > j1:
            out.append(("ins", new[j1:j2]))
    return tuple(out)


def _raw(key: str, value: Any) -> Any:
    """The value in the form the request stores it (dates as ISO text, empty as None), for comparing."""
    if isinstance(value, date):
        return value.isoformat()
    return value or None


def request_changes(entry: KnowledgeEntry, request: KnowledgeEditRequest) -> list[FieldChange]:
    """Every field of the entry, in the edit form's order, against what the request proposes.

    A field the request does not name is unchanged. The entry as it stands is what an approval replaces (an approval
    of a request made on an older version is refused by the service, see ``stale``).
    """
    proposed = request.changes or {}
    out = []
    for key in FIELDS:
        now_value = getattr(entry, key)
        old = _shown(key, now_value)
        if key not in proposed or _raw(key, proposed[key]) == _raw(key, now_value):
            out.append(FieldChange(key, False, old, old))
            continue
        new = _shown(key, proposed[key])
        if old == new:  # the content's HTML differs, its words do not
            out.append(FieldChange(key, True, old, new, format_only=True))
            continue
        pieces = diff_pieces(old, new) if key in TEXT_FIELDS and old and new else ()
        out.append(FieldChange(key, True, old, new, pieces))
    return out


def stale(entry: KnowledgeEntry, request: KnowledgeEditRequest) -> bool:
    """Whether the entry has a newer version than the one the request was made on (an approval would be refused)."""
    return entry.current_version != request.base_version
