"""The office's routing forms: dispatch (派单) and county dispatch (县级派单)."""
from __future__ import annotations

from ..base import Choice, Radio, blank, opt_int, options, text, unit_choices
from ..oversight.decisions import UnitsForm

MODE_CHOICES = options([("direct", "直接派给承办单位"), ("county", "转县（区）热线办二级派单"),
                        ("joint_review", "提请联合审定（职责不清或有争议）")])


class DispatchForm(UnitsForm):
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


class CountyDispatchForm(UnitsForm):
    """县级派单: the county office picks the lead and co-handling units among its members."""

    def to_command(self) -> dict:
        return self.units_command()
