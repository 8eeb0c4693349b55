"""Attachments (附件): citizens' photos, units' evidence of handling, scanned written explanations.

Owns the type check by content (``sniff``), re-encoding pictures without their metadata (``imaging``), the office's
size limits, storing files in the transaction of the step that adds them (``store``), and finding, opening,
logging and publishing them (``access``). Which steps take files and who sees the citizen's own material are
decided by the capabilities that own those steps (``engine.tickets``, ``engine.oversight``).

May import ``engine.common`` and the layers below it.
"""
from . import access, imaging, sniff, store
from .access import (
    content,
    describe,
    find,
    find_for_citizen,
    find_public,
    for_citizen,
    for_ticket,
    link_timeline,
    log_access,
    may_publish,
    public_for_ticket,
    publish,
)
from .store import (
    CEILINGS,
    FORM_KEY_SLOTS,
    SLOT_FIELDS,
    SLOT_LABELS,
    Limits,
    Prepared,
    Upload,
    limits,
    prepare,
    set_limits,
    size_text,
)
from .store import store as store_files

__all__ = ["CEILINGS", "FORM_KEY_SLOTS", "Limits", "Prepared", "SLOT_FIELDS", "SLOT_LABELS", "Upload", "access",
           "content", "describe", "find", "find_for_citizen", "find_public", "for_citizen", "for_ticket", "imaging",
           "limits", "link_timeline", "log_access", "may_publish", "prepare", "public_for_ticket", "publish",
           "set_limits", "size_text", "sniff", "store", "store_files"]
