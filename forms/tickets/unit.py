"""The unit's forms: sign for or return (签收/退回), co-handling part (协办意见), reply (办理答复, Art. 12)."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField
from wtforms.validators import Optional, StopValidation

from engine.domain.calendar import TZ

from ..base import CommandForm, LocalDateTimeField, Radio, options, text

HANDLING_CHOICES = options([("reply", "提交办理答复"), ("extension", "申请延期（每件限一次，须在时限届满前）")])
SIGN_CHOICES = options([("sign", "签收"), ("return", "退回（须在1个工作日内，写明理由和依据）")])


RETURN_CLOSED = "已超过1个工作日的退回期限，视同接受，不能再退回，请签收后办理"


class SignDecision(Radio):
    """签收或退回; once the return window has closed a posted 退回 gets the reason, not "invalid choice"."""

    closed = False
    closed_reason = RETURN_CLOSED

    def pre_validate(self, form):
        if self.closed and self.data == "return":
            raise StopValidation(self.closed_reason)
        super().pre_validate(form)


class SignForm(CommandForm):
    """签收或退回."""

    decision = SignDecision("签收或退回", choices=SIGN_CHOICES, required="请选择签收或退回")
    return_reason = text("退回理由", 2000, required=False, area=True)
    return_basis = text("退回的法律法规或文件依据", 2000, required=False, area=True)

    def close_return(self, reason: str = RETURN_CLOSED) -> None:
        """Past the 1-WD window the unit is deemed to have accepted, or the city government named the unit: only
        签收 remains (the task stays open); a posted 退回 is told ``reason``."""
        self.decision.choices = [c for c in self.decision.choices if c.value != "return"]
        self.decision.closed, self.decision.closed_reason = True, reason
        self.decision.label.text = "签收"
        del self.return_reason
        del self.return_basis

    def to_command(self) -> dict:
        data = {"decision": self.decision.data}
        if self.decision.data == "return" and self.return_reason is not None:
            data.update(return_reason=self.return_reason.data, return_basis=self.return_basis.data)
        return data


class CoHandleForm(CommandForm):
    """协办单位办理: the co-handler's part, given to the lead unit."""

    co_part = text("协办意见", 5000, area=True, message="请填写协办意见")

    def to_command(self) -> dict:
        return {"co_part": self.co_part.data}


class ReplyForm(CommandForm):
    """办理答复 with every field Art. 12 asks for, or a request for an extension (延期, Art. 10(5), 13)."""

    action = Radio("办理方式", choices=HANDLING_CHOICES, default="reply", required="请选择提交答复或申请延期")
    handled_at = LocalDateTimeField("办理时间（北京时间）")
    department = text("具体承办的业务部门", 120)
    handler_name = text("经办人", 60)
    result = text("办理结果", 5000, area=True)
    basis = text("法律法规或政策依据", 2000, area=True)
    contact_method = text("与诉求人的联系方式和情况", 120)
    # Ticked only by the handler who told the citizen: never pre-ticked (Art. 12; an unticked reply is a candidate for
    # accountability situation 4).
    citizen_informed = BooleanField("已将办理结果告知诉求人", default=False)
    days = IntegerField("申请延期的工作日数", validators=[Optional()])
    reason = text("延期理由", 2000, required=False, area=True)

    REPLY_KEYS = ("department", "handler_name", "result", "basis", "contact_method")

    def close_extension(self) -> None:
        """No extension may be asked now (asked before, a redo, or past the deadline): only the reply remains."""
        self.action.choices = [c for c in self.action.choices if c.value != "extension"]
        del self.days
        del self.reason

    def validate(self, extra_validators=None) -> bool:
        if self.action.data == "extension" and self.days is not None:
            for key in self.REPLY_KEYS:  # a request for more time carries no reply yet
                self[key].validators = [Optional()]
        return super().validate(extra_validators)

    def to_command(self) -> dict:
        if self.action.data == "extension" and self.days is not None:
            return {"action": "extension", "days": self.days.data, "reason": self.reason.data}
        data = {k: getattr(self, k).data for k in self.REPLY_KEYS}
        if self.handled_at.data is not None:
            data["handled_at"] = self.handled_at.data.replace(tzinfo=TZ).isoformat()
        data["citizen_informed"] = bool(self.citizen_informed.data)
        return data
