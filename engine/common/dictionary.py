"""jieba's default dictionary, read once per process for the two segmenters that start from it.

The knowledge base's search (jieba's global segmenter, taught the domain's words) and the same-matter search (a
segmenter of its own, taught every concept variant) both start from jieba's default dictionary. Reading it (jieba's
cache, a marshal of about 500,000 words and prefixes) costs about 1.2 s of CPU; copying it about 12 ms. So it is
read once: the first segmenter to start gets a copy, the second the dictionary as read. A copy shares the words
and counts and costs only its table, 15 MB, which a process also holds until its second segmenter starts. A
segmenter started later (a test resetting the caches) reads the dictionary as jieba would.
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_read: tuple[dict, int] | None = None
_given = 0


def start(tokenizer) -> None:
    """Initialise ``tokenizer`` (a ``jieba.Tokenizer`` on the default dictionary) with that dictionary, unless it
    already is."""
    global _read, _given
    if tokenizer.initialized:
        return
    with _lock:
        if _given >= 2:
            tokenizer.initialize()
            return
        if _read is None:
            import jieba

            reader = jieba.Tokenizer()
            reader.initialize()
            _read = (reader.FREQ, reader.total)
        freq, total = _read
        _given += 1
        if _given == 2:
            _read = None  # the second one takes the dictionary itself
        else:
            freq = dict(freq)
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
