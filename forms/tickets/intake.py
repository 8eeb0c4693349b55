"""The call agent's forms: the scope decision (受理审查) and the intake form that registers and decides at once."""
from __future__ import annotations

from engine.domain.interop import EMERGENCY_REFUSAL_CODE, LINE_LABELS, OUTCOME_LABELS
from engine.domain.rules import refusal_item
from engine.domain.states import CHANNEL_LABELS, TYPE_LABELS, Channel

from ..base import Choice, CommandForm, OptionalInt, Radio, blank, check_phone, opt_int, options, text

SCOPE_CHOICES = options([("accept", "受理（转派单）"), ("refuse", "不予受理"), ("answer", "即时答复（知识库）")])
TYPE_CHOICES = options((t.value, label) for t, label in TYPE_LABELS.items())
# 110's matters and Open311 requests come through their own API clients, not typed in by an agent.
CHANNEL_CHOICES = options((c.value, label) for c, label in CHANNEL_LABELS.items()
                          if c not in (Channel.P110, Channel.OPEN311))
LINE_CHOICES = options(LINE_LABELS.items())
OUTCOME_CHOICES = options(OUTCOME_LABELS.items())


class ScopeForm(CommandForm):
    """受理审查: accept, refuse with a coded reason and an explanation, or answer from the knowledge base."""

    scope = Radio("受理审查结论", choices=SCOPE_CHOICES, required="请选择受理、不予受理或即时答复")
    ticket_type = Choice("诉求类型", choices=[blank("不改变"), *TYPE_CHOICES])
    category = Choice("诉求分类", choices=[blank("不改变")])
    refusal_code = Choice("不予受理理由（第六条）", coerce=opt_int, choices=[blank()])
    refusal_explanation = text("向诉求人的解释说明", 2000, required=False, area=True)
    related_ticket_id = OptionalInt("关联的此前工单")
    handoff_line = Choice("转接的紧急服务专线", choices=[blank(), *LINE_CHOICES])
    handoff_outcome = Radio("转接结果", choices=OUTCOME_CHOICES)
    handoff_summary = text("转接摘要（告知专线的要点，不填则用诉求内容）", 2000, required=False, area=True)
    kb_entry_id = OptionalInt("作答的知识库条目")
    answer_text = text("答复内容（不填则用知识库条目原文）", 5000, required=False, area=True)

    def set_choices(self, categories: list[dict], reasons: list[dict]) -> None:
        first = self.category.choices[0]
        self.category.choices = [first, *options((c["name"], c["name"]) for c in categories)]
        self.refusal_code.choices = [blank(), *options((r["code"], f"{refusal_item(r['code'])}{r['label']}")
                                                       for r in reasons)]

    def scope_command(self) -> dict:
        data: dict = {"scope": self.scope.data}
        if self.scope.data == "refuse":
            data.update(refusal_code=self.refusal_code.data, refusal_explanation=self.refusal_explanation.data,
                        related_ticket_id=self.related_ticket_id.data)
            if self.refusal_code.data == EMERGENCY_REFUSAL_CODE:  # Art. 6(2): handed over to the line
                data.update(handoff_line=self.handoff_line.data or None,
                            handoff_outcome=self.handoff_outcome.data or None,
                            handoff_summary=self.handoff_summary.data or None)
        elif self.scope.data == "answer":
            data.update(kb_entry_id=self.kb_entry_id.data, answer_text=self.answer_text.data)
        return data

    def to_command(self) -> dict:
        data = self.scope_command()
        if self.ticket_type.data:
            data["ticket_type"] = self.ticket_type.data
        if self.category.data:
            data["category"] = self.category.data
        return data


class IntakeForm(ScopeForm):
    """登记诉求: who called, what about, and the scope decision, registered in one step."""

    channel = Choice("来源渠道", choices=CHANNEL_CHOICES, default="phone", required="请选择来源渠道")
    citizen_name = text("诉求人姓名", 60)
    citizen_phone = text("联系电话", 40)
    address = text("地址或地点", 255, required=False)
    ticket_type = Choice("诉求类型", choices=[blank(), *TYPE_CHOICES],
                         required="请选择诉求类型（咨询/求助/投诉/举报/建议/经济违法）")
    category = Choice("诉求分类", choices=[blank("请选择（可不选）")])
    content = text("诉求内容", 5000, area=True)

    def validate_citizen_phone(self, field):
        check_phone(field)

    def to_command(self) -> dict:
        return {"channel": self.channel.data, "citizen_name": self.citizen_name.data,
                "citizen_phone": self.citizen_phone.data, "address": self.address.data or None,
                "content": self.content.data, "ticket_type": self.ticket_type.data,
                "category": self.category.data or None, **self.scope_command()}
