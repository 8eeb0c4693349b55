"""When two tickets' contents are "the same or near-identical" (重复反映, findings): a key with what does not change
the meaning removed, and a fixed-width digest of it stored on the ticket so the grouping is plain SQL."""
from __future__ import annotations

import hashlib
import string
import unicodedata

#: What content_key removes after NFKC and lower-casing: whitespace, ASCII punctuation and symbols, and the Chinese
#: punctuation NFKC leaves as it is (an explicit list, so the rule can be stated exactly).
DROPPED = " \t\r\n\v\f" + string.punctuation + "、。“”‘’「」『』【】《》〈〉〔〕—–‖·・￥"
_DROP_TABLE = str.maketrans("", "", DROPPED)
#: A key shorter than this says too little to call two tickets the same matter ("路灯坏了").
MIN_KEY_LENGTH = 10


def content_key(text: str | None) -> str:
    """The text with what does not change its meaning removed: NFKC (full-width → half-width), lower case, and none
    of the characters in DROPPED. Two contents are near-identical when their keys match."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_DROP_TABLE)


def content_digest(text: str | None) -> str | None:
    """SHA-1 (hex) of :func:`content_key`, or None when the key is shorter than ``MIN_KEY_LENGTH`` (never grouped).
    Stored as ``ticket.content_key`` when the ticket is registered."""
    key = content_key(text)
    return hashlib.sha1(key.encode("utf-8")).hexdigest() if len(key) >= MIN_KEY_LENGTH else None
