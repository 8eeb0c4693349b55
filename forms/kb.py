"""Knowledge-base forms: entries (new and edit), publishing, edit-request decisions, flags and their fixes."""
from __future__ import annotations

from .base import Choice, CommandForm, Radio, options, text

PUBLISH_CHOICES = (("publish", "立即发布"), ("draft", "保存为草稿"))
STATUS_ACTIONS = (("publish", "发布"), ("withdraw", "撤回"))
FLAG_KINDS = (("error", "信息错误"), ("gap", "知识缺失"))
DECISIONS = (("approve", "批准"), ("reject", "驳回"))


class EntryForm(CommandForm):
    """The service checks meaning (sanitizes the content, parses dates, the 7-working-day rule)."""

    title = text("标题", 200)
    category = text("类别", 80, required=False)
    content = text("知识内容", 20000, area=True, message="请填写知识内容")
    basis = text("政策依据", 2000, required=False, area=True)
    keywords = text("关键词（用逗号分隔）", 500, required=False)
    effective_date = text("生效日期（YYYY-MM-DD）", 10, required=False)
    expiry_date = text("失效日期（YYYY-MM-DD）", 10, required=False)

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


class FixForm(CommandForm):
    note = text("修正说明", 2000, area=True, message="请说明如何修正")

    def to_command(self) -> dict:
        return {"note": self.note.data}


__all__ = ["EntryForm", "NewEntryForm", "EditEntryForm", "StatusForm", "DecideForm", "FlagForm", "FixForm"]
