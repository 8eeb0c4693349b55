"""Names users see for emergency-line handoffs (Art. 6(2)) and flags on malicious callers (Art. 27, Art. 6(9))."""
from __future__ import annotations

EMERGENCY_REFUSAL_CODE = 2  # Art. 6(2): belongs to 110/119/120/122
MALICIOUS_REFUSAL_CODE = 9  # Art. 6(9): unlawful, against public order, malicious attack, harassment …

LINE_LABELS = {"110": "110报警服务台", "119": "119火警", "120": "120急救", "122": "122交通事故报警"}
OUTCOME_LABELS = {"transferred": "已转接", "no_answer": "对方未接", "hung_up": "诉求人挂断"}
DIRECTION_LABELS = {"out": "12345转紧急服务专线", "in": "110转来12345"}


def handoff_sentence(line: str, outcome: str, at: str) -> str:
    """What the citizen is told about a handoff (tracking page, refusal notice, Open311 status notes).

    Only a call that was put through is "转接"; when the line did not answer or the caller hung up first, the citizen
    must not believe help is on its way, and is told to call the line at once.
    """
    name = LINE_LABELS[line]
    if outcome == "transferred":
        return f"您反映的事项属于{name}的职责，已于{at}转接{name}。如情况紧急，请直接拨打{line}。"
    why = "对方未接听" if outcome == "no_answer" else "转接完成前通话已中断"
    return f"您反映的事项属于{name}的职责，{at}尝试为您转接{name}，{why}，转接未成功。请立即自行拨打{line}。"
INBOUND_LINE = "110"

FLAG_KIND_LABELS = {"false_report": "虚假举报", "malicious_attack": "恶意攻击", "harassment": "骚扰",
                    "line_tying": "恶意占线"}
# What the agent is told to do when a flagged caller calls (the office may add its own words per flag).
FLAG_GUIDANCE = {
    "false_report": "该来电人曾多次虚假举报：照常登记，如实记录所述事实，受理前请核实关键信息。",
    "malicious_attack": "该来电人曾对工作人员恶意攻击：保持礼貌，照常登记诉求；如再次辱骂可依规定结束通话并记录。",
    "harassment": "该来电人曾骚扰热线：照常登记有实质内容的诉求；无实质诉求的按第六条第（九）项不予受理。",
    "line_tying": "该来电人曾恶意占用热线：简明引导说出诉求并登记；无实质诉求的按第六条第（九）项不予受理。",
}
