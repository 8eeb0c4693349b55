"""jieba's default dictionary is read once per process and shared out (engine/common/dictionary.py): the segmenters
started from it cut text exactly as segmenters that read it themselves, and neither sees the other's words."""
from __future__ import annotations

import jieba

from engine.common import dictionary

TEXT = "小区工地夜间施工噪音扰民，月工资拖欠三个月，供水管道爆裂停水"


def test_two_segmenters_share_one_reading_and_keep_their_own_words(monkeypatch):
    monkeypatch.setattr(dictionary, "_read", None)
    monkeypatch.setattr(dictionary, "_given", 0)
    first, second, third, own = jieba.Tokenizer(), jieba.Tokenizer(), jieba.Tokenizer(), jieba.Tokenizer()
    own.initialize()
    for tok in (first, second, third):
        dictionary.start(tok)
    assert first.FREQ is not second.FREQ and third.FREQ is not second.FREQ
    for tok in (first, second, third):
        assert tok.initialized and tok.total == own.total and len(tok.FREQ) == len(own.FREQ)
        assert list(tok.cut(TEXT, HMM=False)) == list(own.cut(TEXT, HMM=False))
    first.add_word("噪音扰民", freq=300000)
    assert "噪音扰民" in first.cut(TEXT, HMM=False) and "噪音扰民" not in second.cut(TEXT, HMM=False)
    dictionary.start(first)  # already started: left as it is
    assert "噪音扰民" in first.cut(TEXT, HMM=False)
