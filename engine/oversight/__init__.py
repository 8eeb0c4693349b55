"""Oversight (监督): extension approval (延期, Art. 10(5), 13), supervision (督办, Art. 18), joint review
(联合审定, Art. 8(4)), redo adjudication (重办, Art. 15), accountability (责任追究, Art. 19) and the flags on
malicious callers with their referral to the police (``callers``, Art. 27).

Importing this package registers the handlers of the joint-review and supervision tasks. May import
``engine.common``, ``engine.notices``, ``engine.docstore``, ``engine.clocks``, ``engine.attachments`` (the files a
supervision answer brings, listed in its 书面说明) and the layers below them.
"""
from . import accountability, callers, evidence, extensions, facts, handlers, supervision
from .accountability import detect_candidates
from .extensions import extension_refusal, request_extension
from .supervision import (
                          REASON_LABELS,
                          RepeatRule,
                          complete_supervision_task,
                          flag_overdue,
                          open_supervision,
                          supervise_repeated,
                          take_red_cards,
)

__all__ = ["REASON_LABELS", "RepeatRule", "accountability", "callers", "complete_supervision_task", "detect_candidates",
           "evidence", "extension_refusal", "extensions", "facts", "flag_overdue", "handlers", "open_supervision",
           "request_extension", "supervise_repeated", "supervision", "take_red_cards"]
