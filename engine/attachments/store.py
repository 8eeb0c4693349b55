"""Take uploads in: check and clean them before the ticket is locked (``prepare``), then write them in the action's
own transaction (``store``), so a file and the step it belongs to are committed together or not at all.

The bytes are kept in the database, in the attachment's own row (docs/architecture.md, "Attachments"): every web
node sees them, backups hold them, and there is no second store that could keep a file the database forgot.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common import Actor, Forbidden, Invalid
from engine.domain.roles import Role
from engine.models import Attachment, AttachmentSettings
from engine.models.attachments import MB, size_text

from . import imaging, sniff

DEFAULT_LIMITS = {"max_file_mb": 10, "max_ticket_mb": 50, "max_files": 10}
#: Upper bounds the settings page accepts (the web server refuses a request past its own cap, docs/operator-guide).
CEILINGS = {"max_file_mb": 50, "max_ticket_mb": 500, "max_files": 30}
SETTINGS_ROLES = frozenset({Role.ADMIN})

#: What each slot of a step is called, and which form field carries it.
SLOT_LABELS = {"file": "附件", "scan": "书面说明扫描件"}
SLOT_FIELDS = {"file": "attachments", "scan": "explanation_scan"}
#: The steps (audit actions) that take files, per slot: intake, return, co-handling part, reply, extension request,
#: supervision answer (and its signed written explanation), joint-review meeting, evaluation.
SLOT_ACTIONS = {
    "file": frozenset({"register", "return", "co_part", "reply", "extension_request", "supervision_reply",
                       "jr_meeting", "evaluate"}),
    "scan": frozenset({"supervision_reply"}),
}
#: The slots a task's page offers, per form key (the pages read this; ``store`` checks the action itself).
FORM_KEY_SLOTS = {"sign": ("file",), "co_handle": ("file",), "reply": ("file",), "jr_meeting": ("file",),
                  "evaluate": ("file",), "supervision_reply": ("file", "scan")}
#: Steps whose files are the citizen's own material (PIPL, Art. 26): registered or evaluated.
CITIZEN_ACTIONS = frozenset({"register", "evaluate"})
LOCATION_MAX = 255


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name its sender gave, its bytes, the slot it fills, whether the uploader shows it
    to the citizen, and a place the uploader chose to type. What the sender said its type was is not kept."""

    name: str
    data: bytes
    slot: str = "file"
    public: bool = False
    location: str | None = None


@dataclass(frozen=True)
class Prepared:
    """An upload checked and cleaned, ready to be stored with the step that brings it."""

    slot: str
    name: str
    kind: str
    mime: str
    label: str
    data: bytes = field(repr=False)
    thumb: bytes | None = field(repr=False)
    sha256: str
    width: int | None
    height: int | None
    public: bool
    location: str | None

    @property
    def size(self) -> int:
        return len(self.data)

    def annex(self) -> dict:
        """What an issued document prints about this file (a picture is printed on its own page)."""
        return {"label": SLOT_LABELS[self.slot], "name": self.name, "kind_label": self.label,
                "size_text": size_text(self.size), "sha256": self.sha256,
                "image": imaging.annex_image(self.data) if self.kind == "image" else None}


@dataclass(frozen=True)
class Limits:
    max_file_mb: int
    max_ticket_mb: int
    max_files: int

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MB

    @property
    def max_ticket_bytes(self) -> int:
        return self.max_ticket_mb * MB


def limits(session: Session) -> Limits:
    """The office's limits, or the defaults while none were set."""
    row = session.get(AttachmentSettings, 1)
    if row is None:
        return Limits(**DEFAULT_LIMITS)
    return Limits(row.max_file_mb, row.max_ticket_mb, row.max_files)


def set_limits(session: Session, actor: Actor, values: dict, now: datetime) -> Limits:
    """Change the office's limits.

    :raises Forbidden: for anyone but an administrator.
    :raises Invalid: for a value out of range, or a per-ticket limit below the per-file one.
    """
    if not (actor.kind == "system" or (actor.kind == "user" and actor.role in SETTINGS_ROLES)):
        raise Forbidden("只有系统管理员可以设置附件上限", f"{actor.label} may not change attachment limits")
    labels = {"max_file_mb": "单个附件上限（MB）", "max_ticket_mb": "每件工单附件总量上限（MB）",
              "max_files": "每次最多上传的附件数"}
    errors, clean = {}, {}
    for key, label in labels.items():
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CEILINGS[key]:
            errors[key] = f"{label}须为1至{CEILINGS[key]}的整数"
        else:
            clean[key] = value
    if not errors and clean["max_ticket_mb"] < clean["max_file_mb"]:
        errors["max_ticket_mb"] = "每件工单附件总量上限不能小于单个附件上限"
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"attachment limits refused: {sorted(errors)}", fields=errors)
    row = session.get(AttachmentSettings, 1) or AttachmentSettings(id=1)
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_by, row.updated_at = actor.label[:120], now
    session.add(row)
    session.flush()
    return Limits(**clean)


_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_name(name: str | None, ext: str, index: int) -> str:
    """The uploader's file name without a path or control characters, ending in the extension of its real type."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = _CONTROL.sub("", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if sniff.extension(base) else base
    if not stem or stem.lower() in ("blob", "image", "file"):
        stem = f"附件{index}"
    stem = stem[:120]
    return f"{stem}.{ext}"


def prepare(session: Session, uploads, *, actor: Actor | None = None) -> list[Prepared]:
    """Check every upload's type by its bytes and its size against the office's limits; re-encode pictures.

    Runs before the ticket is locked: decoding a photo takes time and needs no row.
    :raises Invalid: with every refused file's Chinese message under its slot's form field; nothing is kept.
    """
    uploads = [u for u in uploads or () if u.data or u.name]
    if not uploads:
        return []
    lim = limits(session)
    errors: dict[str, list[str]] = {}

    def refuse(slot: str, message: str) -> None:
        errors.setdefault(SLOT_FIELDS.get(slot, "attachments"), []).append(message)

    if len(uploads) > lim.max_files:
        refuse(uploads[0].slot, f"每次最多上传{lim.max_files}个附件，本次选择了{len(uploads)}个")
    out: list[Prepared] = []
    for index, up in enumerate(uploads, start=1):
        if up.slot not in SLOT_LABELS:
            refuse("file", "附件类别不正确")
            continue
        shown = (up.name or f"附件{index}")[:120]
        if len(up.data) > lim.max_file_bytes:
            refuse(up.slot, f"「{shown}」大小为{size_text(len(up.data))}，超过单个附件{lim.max_file_mb}MB的上限")
            continue
        location = (up.location or "").strip()[:LOCATION_MAX] or None
        try:
            found = sniff.detect(up.data, shown, SLOT_FIELDS[up.slot])
            if found.kind == "image":
                pic = imaging.reencode(up.data, found.mime, shown, SLOT_FIELDS[up.slot])
                data, mime, ext, thumb, w, h = pic.data, pic.mime, pic.ext, pic.thumb, pic.width, pic.height
            else:
                data, mime, ext, thumb, w, h = up.data, found.mime, found.ext, None, None, None
        except Invalid as exc:
            refuse(up.slot, exc.message_zh)
            continue
        out.append(Prepared(up.slot, clean_name(up.name, ext, index), found.kind, mime, found.label, data, thumb,
                            hashlib.sha256(data).hexdigest(), w, h, bool(up.public), location))
    if errors:
        fields = {key: "；".join(messages) for key, messages in errors.items()}
        raise Invalid("；".join(fields.values()), f"uploads refused: {sorted(fields)}", fields=fields,
                      code="attachment_refused")
    return out


def ticket_bytes(session: Session, ticket_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                          .where(Attachment.ticket_id == ticket_id)) or 0


def origin_of(actor: Actor, action: str) -> str:
    if action in CITIZEN_ACTIONS or actor.kind in ("citizen", "channel"):
        return "citizen"
    return "unit" if actor.role is not None and actor.role.is_unit else "office"


def store(session: Session, actor: Actor, ticket_id: int, files: list[Prepared], action: str, now: datetime, *,
          supervision_id: int | None = None) -> list[Attachment]:
    """Write the prepared files as attachments of ``ticket_id`` added by the step ``action``; flush, never commit.

    :raises Invalid: when the step takes no files (or not of that slot), or the ticket would pass its total.
    """
    if not files:
        return []
    for f in files:
        if action not in SLOT_ACTIONS[f.slot]:
            message = ("签收不需要附件：附件只随退回一并提交" if action == "sign" else
                       f"「{f.name}」：该环节不能上传{SLOT_LABELS[f.slot]}")
            raise Invalid(message, f"step {action} takes no {f.slot} files", code="attachment_refused",
                          fields={SLOT_FIELDS[f.slot]: message})
    lim = limits(session)
    used, adding = ticket_bytes(session, ticket_id), sum(f.size for f in files)
    if used + adding > lim.max_ticket_bytes:
        message = (f"本工单附件总量将超过{lim.max_ticket_mb}MB的上限（已有{size_text(used)}，"
                   f"本次{size_text(adding)}）")
        raise Invalid(message, f"ticket {ticket_id} attachments would pass {lim.max_ticket_mb} MB",
                      code="attachment_refused", fields={SLOT_FIELDS[files[0].slot]: message})
    origin = origin_of(actor, action)
    rows = []
    for f in files:
        # A citizen's upload is never public by itself: the office publishes it (``access.publish``).
        public = f.public and origin != "citizen"
        rows.append(Attachment(
            token=secrets.token_urlsafe(24), ticket_id=ticket_id, supervision_id=supervision_id, action=action,
            slot=f.slot, origin=origin, kind=f.kind, mime=f.mime, name=f.name, size=f.size, sha256=f.sha256,
            width=f.width, height=f.height, location=f.location,
            public=public, published_by=actor.label[:120] if public else None,
            published_at=now if public else None, added_by_id=actor.user_id, added_by=actor.label[:120],
            unit_id=actor.unit_id if origin == "unit" else None, added_at=now, data=f.data, thumb=f.thumb))
    session.add_all(rows)
    session.flush()
    return rows
