"""Knowledge-base forms: entries (new and edit), publishing, edit-request decisions, flags (on an entry or a
category), their fixes and correction notices."""
from __future__ import annotations

from .base import Choice, CommandForm, ConfirmForm, Radio, blank, options, text

PUBLISH_CHOICES = (("publish", "立即发布"), ("draft", "保存为草稿"))
STATUS_ACTIONS = (("publish", "发布"), ("withdraw", "撤回"))
FLAG_KINDS = (("error", "信息错误"), ("gap", "知识缺失"))
DECISIONS = (("approve", "批准"), ("reject", "驳回"))
# An entry's fields by their Chinese names: the form's labels, and the names the edit-request review shows
FIELD_LABELS = {"title": "标题", "category": "类别", "content": "知识内容", "basis": "政策依据", "keywords": "关键词",
                "effective_date": "生效日期", "expiry_date": "失效日期"}


class EntryForm(CommandForm):
    """The service checks meaning (sanitizes the content, parses dates, the 7-working-day rule)."""

    title = text(FIELD_LABELS["title"], 200)
    category = text(FIELD_LABELS["category"], 80, required=False)
    content = text(FIELD_LABELS["content"], 20000, area=True, message="请填写知识内容")
    basis = text(FIELD_LABELS["basis"], 2000, required=False, area=True)
    keywords = text(f"{FIELD_LABELS['keywords']}（用逗号分隔）", 500, required=False)
    effective_date = text(f"{FIELD_LABELS['effective_date']}（YYYY-MM-DD）", 10, required=False)
    expiry_date = text(f"{FIELD_LABELS['expiry_date']}（YYYY-MM-DD）", 10, required=False)

    def to_command(self) -> dict:
        return {"title": self.title.data, "category": self.category.data or None, "content": self.content.data,
                "basis": self.basis.data or None, "keywords": self.keywords.data or "",
                "effective_date": self.effective_date.data or None, "expiry_date": self.expiry_date.data or None}


class NewEntryForm(EntryForm):
    publish = Radio("发布方式", choices=options(PUBLISH_CHOICES), default="publish", required="请选择发布方式")


class EditEntryForm(EntryForm):
    reason = text("修改说明", 2000, required=False, area=True)


class StatusForm(CommandForm):
    action = Choice("操作", choices=options(STATUS_ACTIONS), required="请选择操作")

    def to_command(self) -> dict:
        return {"action": self.action.data}


class DecideForm(CommandForm):
    decision = Radio("审批意见", choices=options(DECISIONS), required="请选择批准或驳回")
    reason = text("理由", 2000, required=False, area=True)

    def to_command(self) -> dict:
        return {"approve": self.decision.data == "approve", "reason": self.reason.data or None}


class FlagForm(CommandForm):
    kind = Radio("问题类型", choices=options(FLAG_KINDS), required="请选择知识缺失或信息错误")
    text = text("发现的问题", 2000, area=True, message="请说明发现的问题")

    def to_command(self) -> dict:
        return {"kind": self.kind.data, "text": self.text.data}


class CategoryFlagForm(FlagForm):
    """A gap or an error on a whole category; the unit defaults to the category's responsible unit (the service)."""

    category = Choice("类别", choices=[blank("请选择类别")], required="请选择类别")
    unit_id = Choice("负责修正的单位", choices=[blank("按类别的责任单位")])

    def set_choices(self, categories: list[str], units: list[tuple[int, str]]) -> None:
        self.category.choices = [blank("请选择类别"), *options((c, c) for c in categories)]
        self.unit_id.choices = [blank("按类别的责任单位"), *options((str(i), name) for i, name in units)]

    def to_command(self) -> dict:
        unit = self.unit_id.data
        return {**super().to_command(), "category": self.category.data,
                "unit_id": int(unit) if unit and unit.isdigit() else None}


class NoticeForm(ConfirmForm):
    """出具纠错通知: one button; the flag names everything the notice says."""


class FixForm(CommandForm):
    note = text("修正说明", 2000, area=True, message="请说明如何修正")

    def to_command(self) -> dict:
        return {"note": self.note.data}


__all__ = ["FIELD_LABELS", "EntryForm", "NewEntryForm", "EditEntryForm", "StatusForm", "DecideForm", "FlagForm",
           "CategoryFlagForm", "NoticeForm", "FixForm"]
