"""The forms of the side processes' tasks: extension approval (延期审批), joint review (会商协调, 主管部门意见,
审定决定, 拟办意见, 市政府决定), supervision (督办答复, 督办审核) and the redo decision (重办审定). Shape only."""
from __future__ import annotations

from wtforms.validators import InputRequired

from ..base import Choice, CommandForm, LocalDateField, MultiCheck, Radio, blank, opt_int, options, text, unit_choices

OUTCOME_CHOICES = options([("settled", "审定确定主办、协办单位"), ("escalate", "仍不能确定，拟办意见报市政府决定")])
EXTENSION_CHOICES = options([("approve", "批准延期"), ("deny", "不予延期（说明理由，继续按原时限办理）")])
CHECK_CHOICES = options([("accept", "合格，督办办结"), ("back", "不合格，退回重新答复")])
REDO_CHOICES = options([("yes", "理由合理，重办（仅一次，不得延期）"), ("no", "理由不合理，不予重办"),
                        ("malicious", "恶意评价，不予重办")])
REDO_KINDS = {"yes": "reasonable", "no": "unreasonable", "malicious": "malicious"}


class UnitsForm(CommandForm):
    """A lead unit and any co-handling units, picked from the same lists as dispatch."""

    lead_unit = Choice("主办单位", coerce=opt_int, choices=[blank()])
    co_units = MultiCheck("协办单位（可多选，可不选）", coerce=opt_int, choices=[])

    def set_units(self, units: list[dict], *, grouped: bool = False) -> None:
        self.lead_unit.choices = unit_choices(units, grouped=grouped)
        self.co_units.choices = options((u["id"], u["name"]) for u in units)

    def units_command(self) -> dict:
        return {"lead_unit": self.lead_unit.data, "co_units": list(self.co_units.data or [])}


class ExtensionReviewForm(CommandForm):
    """延期审批: approve (the new deadline is computed, never typed) or deny with a reason."""

    decision = Radio("审批结果", choices=EXTENSION_CHOICES, required="请选择批准延期或不予延期")
    reason = text("审批意见（不予延期的须说明理由）", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"decision": self.decision.data, "reason": self.reason.data}


class JointMeetingForm(CommandForm):
    """会商协调: who met, when, the minutes, and the competent departments to consult."""

    participants = text("参会单位和人员", 2000, area=True)
    meeting_date = LocalDateField("会商日期", validators=[InputRequired("请填写会商日期")])
    minutes = text("会商纪要", 10000, area=True)
    consult_units = MultiCheck("须征求意见的主管部门（可不选）", coerce=opt_int, choices=[])

    def set_units(self, units: list[dict]) -> None:
        self.consult_units.choices = options((u["id"], u["name"]) for u in units)

    def to_command(self) -> dict:
        return {"participants": self.participants.data, "meeting_date": self.meeting_date.data.isoformat(),
                "minutes": self.minutes.data, "consult_units": list(self.consult_units.data or [])}


class ConsultForm(CommandForm):
    """主管部门意见: the consulted department's written opinion on duties and legal basis."""

    consult_opinion = text("主管部门意见（职责归属和法律政策依据）", 5000, area=True)

    def to_command(self) -> dict:
        return {"consult_opinion": self.consult_opinion.data}


class JointDecisionForm(UnitsForm):
    """审定决定 (Art. 8(4)): the units the review settled on, or a proposed opinion for the city government."""

    outcome = Radio("审定结果", choices=OUTCOME_CHOICES, default="settled",
                    required="请选择审定确定承办单位，或提请市政府决定")
    decision_text = text("审定意见", 5000, area=True)

    def to_command(self) -> dict:
        data = {"outcome": self.outcome.data, "decision_text": self.decision_text.data}
        if self.outcome.data == "settled":
            data.update(self.units_command())
        return data


class ProposalForm(CommandForm):
    """拟办意见: the office's proposal to the city government; it starts from the 审定意见 already written."""

    proposal = text("拟办意见", 10000, area=True)

    def to_command(self) -> dict:
        return {"proposal": self.proposal.data}


class CityDecisionForm(UnitsForm):
    """市政府决定: the city government names the lead and co-handling units; the ticket goes to them to sign for."""

    lead_unit = Choice("主办单位", coerce=opt_int, choices=[blank()], required="请选择主办单位")
    city_decision = text("市政府决定", 5000, area=True)

    def to_command(self) -> dict:
        return {"city_decision": self.city_decision.data, **self.units_command()}


class SupervisionReplyForm(CommandForm):
    """督办答复 (Art. 18): the unit leader's answer and the written explanation (书面说明) that is printed."""

    reply_text = text("督办答复", 5000, area=True)
    written_explanation = text("书面说明", 10000, area=True)

    def to_command(self) -> dict:
        return {"reply_text": self.reply_text.data, "written_explanation": self.written_explanation.data}


class SupervisionCheckForm(CommandForm):
    """督办审核: accept the answer and close the supervision, or send it back with a reason."""

    decision = Radio("审核结果", choices=CHECK_CHOICES, required="请选择合格或退回重新答复")
    reason = text("审核意见（退回的须说明理由）", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"decision": self.decision.data, "reason": self.reason.data}


class RedoDecisionForm(CommandForm):
    """重办审定 (Art. 15): are the citizen's grounds for dissatisfaction reasonable?"""

    reasonable = Radio("不满意理由是否合理", choices=REDO_CHOICES, required="请认定不满意的理由是否合理")
    reason = text("认定理由", 2000, area=True)

    def to_command(self) -> dict:
        return {"kind": REDO_KINDS[self.reasonable.data], "reason": self.reason.data}


__all__ = ["CityDecisionForm", "ConsultForm", "ExtensionReviewForm", "JointDecisionForm", "JointMeetingForm",
           "ProposalForm", "RedoDecisionForm", "SupervisionCheckForm", "SupervisionReplyForm", "UnitsForm"]
