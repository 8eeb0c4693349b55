"""The office's attachment limits (附件上限): sizes in MB and files per step."""
from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .base import CommandForm


def _limit(label: str, top: int) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(f"请填写{label}"),
                                           NumberRange(1, top, f"{label}须为1至{top}的整数")])


class AttachmentLimitsForm(CommandForm):
    """附件上限; the ceilings are those of ``engine.attachments.CEILINGS`` (the service checks them again)."""

    max_file_mb = _limit("单个附件上限（MB）", 50)
    max_ticket_mb = _limit("每件工单附件总量上限（MB）", 500)
    max_files = _limit("每次最多上传的附件数", 30)

    def to_command(self) -> dict:
        return {"max_file_mb": self.max_file_mb.data, "max_ticket_mb": self.max_ticket_mb.data,
                "max_files": self.max_files.data}
