"""A ticket's words for the same-matter search: jieba segmentation with its own dictionary, canonical words.

The search has a tokenizer of its own (``jieba.Tokenizer``), not jieba's global one: it is taught every variant of
:data:`engine.domain.vocabulary.CONCEPTS` as one word, and teaching the global tokenizer would change how the
knowledge base's index segments new entries against its old ones.
"""
from __future__ import annotations

import logging
import threading

from engine.common import dictionary
from engine.domain import similarity as sim
from engine.models.matching import TERM_CHARS

_lock = threading.Lock()
_tokenizer = None
#: Words of the hotline's matters the default dictionary splits, kept whole besides the concept variants.
EXTRA_WORDS = ("没收到", "社保卡", "居住证", "公积金", "异地就医", "医保", "不动产",
               "新生儿", "随迁子女", "燃气", "报修", "补办", "挂失", "泥头车", "油烟", "违建", "欠薪", "积水",
               "水压", "水质", "路灯", "占道", "电梯", "物业", "出租车", "拒载", "校外培训", "低保")
#: At most this many characters of a text are segmented (a long story says what it is about early on).
TEXT_CHARS = 2000
#: A two-character word inside a longer one counts (at half weight) when the dictionary knows it this well.
INNER_FREQ = 50
INNER_WEIGHT = 0.5


def tokenizer():
    """The search's own jieba tokenizer, built once per process."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                dictionary.start(tok)
                for word in (*sim.vocabulary(), *EXTRA_WORDS):
                    tok.add_word(word, freq=300000)
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def words(text: str | None) -> list[tuple[str, float]]:
    """The words of a text with their weight, lower case, no punctuation: jieba's precise words (1), and for a
    longer word that is not a concept variant the well-known two-character words inside it at half weight
    ("施工噪音" → 施工, 噪音; "月工资" → 工资), so texts match however a compound was split."""
    if not text:
        return []
    tok = tokenizer()
    out = []
    for w in tok.cut(text[:TEXT_CHARS], HMM=False):
        w = w.strip().lower()
        if not w or not any(ch.isalnum() for ch in w):
            continue
        out.append((w, 1.0))
        if len(w) > 2 and sim.canonical_words(w) == (w,):
            out.extend((g, INNER_WEIGHT) for g in (w[i:i + 2] for i in range(len(w) - 1))
                       if (tok.FREQ.get(g) or 0) >= INNER_FREQ)
    return out


def terms(content: str | None, category: str | None, address: str | None) -> dict[str, float]:
    """The weighted terms of a ticket or a request being typed: what it says (canonical, without its place names)
    and its category; each with weight 1 + ln(count). The place is weighed separately (:func:`sim.parse_place`)."""
    parts = sim.parse_place(address).words | sim.place_in_text(content).words
    counted = sim.matter_terms(words(content), parts)
    counted.update(sim.category_terms(category))
    return {t[:TERM_CHARS]: sim.tf_weight(n) for t, n in counted.items()}
