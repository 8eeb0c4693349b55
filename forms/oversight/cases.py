"""Oversight forms: opening a supervision (督办) and handling accountability cases (责任追究)."""
from __future__ import annotations

from ..base import Choice, CommandForm, OptionalInt, options, text

SUPERVISION_REASONS = (("leader_instruction", "领导批示"), ("supervisor", "督办员决定"))


def lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class SupervisionForm(CommandForm):
    """The service checks meaning: a leader's instruction needs its text and author."""

    ticket_number = text("工单编号", 32)
    reason = Choice("督办事由", choices=options(SUPERVISION_REASONS), required="请选择督办事由")
    instruction = text("批示内容", 2000, required=False, area=True)
    instructed_by = text("批示领导", 120, required=False)
    note = text("督办说明", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"reason": self.reason.data, "instruction": self.instruction.data or None,
                "instructed_by": self.instructed_by.data or None, "note": self.note.data or None}


class CaseForm(CommandForm):
    situation = Choice("追责情形", required="请选择追责情形")
    unit_id = OptionalInt("被追责单位")
    facts = text("事实（每行一条）", 5000, area=True, message="请写明追责所依据的事实")
    ticket_numbers = text("相关工单编号（可选，多个用空格或逗号分隔）", 500, required=False)

    def to_command(self) -> dict:
        return {"situation": int(self.situation.data), "unit_id": self.unit_id.data, "facts": lines(self.facts.data)}


class ConfirmCaseForm(CommandForm):
    extra_facts = text("补充事实（可选，每行一条）", 5000, required=False, area=True)

    def to_command(self) -> dict:
        return {"extra_facts": lines(self.extra_facts.data)}


class DismissCaseForm(CommandForm):
    reason = text("不予追责理由", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"reason": self.reason.data or None}


class ProposeForm(CommandForm):
    proposed_to = Choice("提交机关", required="请选择建议提交的机关")
    proposal = text("追责建议", 5000, required=False, area=True)

    def to_command(self) -> dict:
        return {"proposed_to": self.proposed_to.data, "proposal": self.proposal.data or ""}


class OutcomeForm(CommandForm):
    outcome = text("处理结果", 5000, required=False, area=True)

    def to_command(self) -> dict:
        return {"outcome": self.outcome.data or ""}


__all__ = ["SupervisionForm", "CaseForm", "ConfirmCaseForm", "DismissCaseForm", "ProposeForm", "OutcomeForm"]
