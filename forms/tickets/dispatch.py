"""The office's routing forms: dispatch (派单), county dispatch (县级派单) and the joint-review decision (联合审定)."""
from __future__ import annotations

from ..base import Choice, CommandForm, MultiCheck, Radio, blank, opt_int, options, text, unit_choices

MODE_CHOICES = options([("direct", "直接派给承办单位"), ("county", "转县（区）热线办二级派单"),
                        ("joint_review", "提请联合审定（职责不清或有争议）")])
OUTCOME_CHOICES = options([("settled", "审定确定主办、协办单位"), ("escalate", "仍不能确定，拟办意见报市政府决定")])


class _UnitsForm(CommandForm):
    lead_unit = Choice("主办单位", coerce=opt_int, choices=[blank()])
    co_units = MultiCheck("协办单位（可多选，可不选）", coerce=opt_int, choices=[])

    def set_units(self, units: list[dict], *, grouped: bool = False) -> None:
        self.lead_unit.choices = unit_choices(units, grouped=grouped)
        self.co_units.choices = options((u["id"], u["name"]) for u in units)

    def units_command(self) -> dict:
        return {"lead_unit": self.lead_unit.data, "co_units": list(self.co_units.data or [])}


class DispatchForm(_UnitsForm):
    """派单: one lead unit and any co-handlers, or hand the ticket to a county office."""

    mode = Radio("派单方式", choices=MODE_CHOICES, default="direct", required="请选择派单方式")
    via_county = Choice("县（区）热线办", coerce=opt_int, choices=[blank()])
    reason = text("提请联合审定的理由", 2000, required=False, area=True)

    def set_counties(self, counties: list[dict]) -> None:
        self.via_county.choices = unit_choices(counties)

    def to_command(self) -> dict:
        if self.mode.data == "county":
            return {"via_county": self.via_county.data}
        if self.mode.data == "joint_review":
            return {"action": "joint_review", "reason": self.reason.data}
        return self.units_command()


class CountyDispatchForm(_UnitsForm):
    """县级派单: the county office picks the lead and co-handling units among its members."""

    def to_command(self) -> dict:
        return self.units_command()


class JointDecisionForm(_UnitsForm):
    """联合审定决定 (Art. 8(4)): the units the review settled on, or a proposed opinion for the city government."""

    outcome = Radio("审定结果", choices=OUTCOME_CHOICES, default="settled",
                    required="请选择审定确定承办单位，或提请市政府决定")
    decision_text = text("审定意见", 5000, area=True)

    def to_command(self) -> dict:
        data = {"outcome": self.outcome.data, "decision_text": self.decision_text.data}
        if self.outcome.data == "settled":
            data.update(self.units_command())
        return data
