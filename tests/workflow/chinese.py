"""Read a message as the process owner does: every sentence Chinese, the element named by its name, no Python
leftovers (``None``, ``True``, exception class names)."""
from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
LEFTOVERS = re.compile(r"\b(None|Traceback|Exception|Error|WorkflowTaskException|ValidationException)\b")


def assert_chinese(message: str, *names: str) -> None:
    """Every sentence of ``message`` holds Chinese; each of ``names`` (Chinese element names) appears in it."""
    assert message and message.strip(), "empty message"
    for sentence in re.split(r"[。；！？\n]", message):
        if sentence.strip():
            assert CJK.search(sentence), f"an ASCII-only sentence: {sentence!r} in {message!r}"
    assert not LEFTOVERS.search(message), f"a Python leftover in {message!r}"
    for name in names:
        assert name in message, f"{name!r} not named in {message!r}"
