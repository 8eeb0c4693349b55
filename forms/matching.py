"""Forms of the same-matter pages (issue 21): a unit's duty item (职责清单), merging tickets (并单) and un-merging
them, and handling a 集中反映 alert. Shape only; the services check meaning."""
from __future__ import annotations

from .base import CommandForm, MultiCheck, OptionalInt, opt_int, options, text


class DutyForm(CommandForm):
    """One item of a unit's duty list; words are typed separated by spaces, commas or 、."""

    title = text("职责事项", 120, message="请填写职责事项名称")
    keywords = text("关键词（空格、逗号或顿号分隔）", 2000, required=False, area=True)
    categories = MultiCheck("对应的诉求分类", choices=[])
    areas = text("负责区域（县区、镇街名称，市直单位可不填）", 500, required=False)
    basis = text("依据（三定方案、权责清单条目）", 255, required=False)

    def set_categories(self, names: list[str]) -> None:
        self.categories.choices = options([(n, n) for n in names])

    def to_command(self) -> dict:
        return {"title": self.title.data, "keywords": self.keywords.data or "", "categories": self.categories.data,
                "areas": self.areas.data or "", "basis": self.basis.data or None}


class MergeForm(CommandForm):
    """并单 from a main ticket's page: the similar tickets to merge into it, and why."""

    ticket_ids = MultiCheck("并入本单的工单", coerce=opt_int, choices=[], required="请勾选要并入本单的工单")
    reason = text("并单理由", 2000, area=True, message="请写明并单理由（为什么是同一事项）")

    def set_tickets(self, hits: list[dict]) -> None:
        self.ticket_ids.choices = options([(h["ticket_id"], h["number"]) for h in hits])

    def to_command(self) -> dict:
        return {"child_ids": list(self.ticket_ids.data), "reason": self.reason.data}


class MergeIntoForm(CommandForm):
    """并单 from a ticket's page into another ticket as its main ticket."""

    main_ticket_id = OptionalInt("并入的主单")
    reason = text("并单理由", 2000, area=True, message="请写明并单理由（为什么是同一事项）")

    def to_command(self) -> dict:
        return {"main_id": self.main_ticket_id.data, "reason": self.reason.data}


class UnmergeForm(CommandForm):
    reason = text("撤销并单的理由", 2000, area=True, message="请写明撤销并单的理由")

    def to_command(self) -> dict:
        return {"reason": self.reason.data}


class SurgeMergeForm(CommandForm):
    """The one-step merge of a 集中反映 alert: the main ticket (suggested) and, optionally, the reason."""

    main_ticket_id = OptionalInt("主单")
    reason = text("并单理由（可不填，默认写明集中反映情况）", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"main_id": self.main_ticket_id.data, "reason": self.reason.data or None}


class DismissAlertForm(CommandForm):
    note = text("排除理由", 2000, area=True, message="请写明排除的理由（如：并非同一事项）")

    def to_command(self) -> dict:
        return {"note": self.note.data}
