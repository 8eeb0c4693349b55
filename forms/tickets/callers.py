"""The office's forms on callers (Art. 27): look a caller up, flag them, lift a flag, refer them to the police."""
from __future__ import annotations

from wtforms.validators import DataRequired

from engine.domain.interop import FLAG_KIND_LABELS

from ..base import Choice, CommandForm, LocalDateField, MultiCheck, blank, check_phone, options, text


class CallerLookupForm(CommandForm):
    """来电人档案: by phone number."""

    phone = text("来电号码", 40)

    def validate_phone(self, field):
        check_phone(field)

    def to_command(self) -> dict:
        return {"phone": self.phone.data}


class FlagForm(CommandForm):
    """标记恶意来电: type, reason, the tickets that prove it, until when, and the agents' guidance."""

    kind = Choice("标记类型", choices=[blank(), *options(FLAG_KIND_LABELS.items())],
                  required="请选择标记类型（虚假举报、恶意攻击、骚扰或恶意占线）")
    reason = text("标记理由（事实经过）", 2000, area=True)
    evidence = MultiCheck("证据工单", coerce=int, choices=[], required="请选择作为证据的工单（该来电人的工单）")
    ends_on = LocalDateField("截止日期", validators=[DataRequired("请填写标记的截止日期")],
                             render_kw={"placeholder": "2027-05-31"})
    guidance = text("处置提示（不填则用该类型的标准提示）", 1000, required=False, area=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ends_on.hint = "格式：年-月-日，今天起366天之内；标记到该日24时失效，可提前解除"

    def set_tickets(self, tickets: list[dict]) -> None:
        self.evidence.choices = options((t["id"], f"{t['number']} {t['created']} {t['content'][:30]}")
                                        for t in tickets)

    def to_command(self) -> dict:
        return {"kind": self.kind.data, "reason": self.reason.data, "evidence": list(self.evidence.data or []),
                "ends_on": self.ends_on.data, "guidance": self.guidance.data or None}


class LiftFlagForm(CommandForm):
    """解除标记, with a reason."""

    reason = text("解除理由", 2000, area=True)

    def to_command(self) -> dict:
        return {"reason": self.reason.data}


class ReferralForm(CommandForm):
    """移送函 to the public security organ, from a flag in force."""

    organ = text("移送机关", 80, message="请填写接收移送的公安机关")
    law = text("涉嫌违反的法律规定", 200)
    facts = text("违法事实（不填则用标记理由）", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"organ": self.organ.data, "law": self.law.data, "facts": self.facts.data or None}
