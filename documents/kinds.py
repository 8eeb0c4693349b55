"""Declare the formal documents the hotline office prints and the facts each one rests on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


class DocumentError(ValueError):
    """A document cannot be rendered: unknown kind, missing or invalid facts, refused resource."""


#: Art. 6: reasons for not accepting a matter, by the item number the agent picks.
REFUSAL_REASONS: dict[int, str] = {
    1: "不属于市人民政府、承办单位职责或服务范围的事项",
    2: "应当通过110、119、120、122等紧急服务专线处理的事项",
    3: "属于党委、人大、政协、纪委、法院、检察院、军队、武警职责范围的事项",
    4: "依法应当通过诉讼、仲裁、行政复议解决的事项",
    5: "已进入诉讼、仲裁、行政复议、信访、信息公开等法定程序或已通过上述法定程序处理的事项",
    6: "涉及国家机密、商业秘密、个人隐私的事项",
    7: "党员干部贪污腐败、行贿受贿等违纪事项",
    8: "正在办理过程中或已依法办理完毕，诉求人无新情况、新理由，向政府热线提出的同一事项",
    9: "违反法律法规、社会公序良俗以及恶意攻击、骚扰或无实质诉求内容的事项",
    10: "经消费者协会调解或正在处理的和已经行政调解并结案的消费投诉事项",
    11: "其他不予受理的事项",
}

#: Art. 18: why a ticket is supervised -> (short label, article wording, item number). The short labels are the
#: pages' own (督办类别 on the notice reads as the supervision list does); "other" is the office's own decision.
SUPERVISION_REASONS: dict[str, tuple[str, str, int]] = {
    "leader_instruction": ("领导批示", "市领导批示或交办的事项", 1),
    "red_card": ("红牌", "时限督办，红牌发出后随即进入工单督办环节", 2),
    "repeated": ("重复或集中反映", "多次或者集中反映的合理合法事项", 3),
    "other": ("督办员决定", "其他需要督办的事项", 4),
}

#: The 书面说明's second section, worded by why the ticket was supervised (the 督办通知单's reason code): only a red
#: card means something was not done in time.
EXPLANATION_HEADINGS: dict[str, str] = {
    "red_card": "未按时限办理的原因及整改措施",
    "leader_instruction": "落实领导批示的情况",
    "repeated": "群众多次或集中反映的原因及处理措施",
    "other": "督办事项的情况说明",
}

#: Art. 19: situations in which the office proposes accountability, by item number.
ACCOUNTABILITY_SITUATIONS: dict[int, str] = {
    1: "在办理工单过程中出现推诿扯皮、弄虚作假、行政不作为、违法行政，不履行职责的",
    2: "同一热线事项，在承办单位职能范围内未进行有效处理被再次发回重新办理的",
    3: "热线事项未按规定时限办结，且无合理事由的",
    4: "未向诉求人回复办理结果的",
    5: "被指定为牵头主办或协办单位后，不认真履行职责不及时办理，引起投诉的",
    6: "未按督办或重办通知要求严格办理的",
    7: "在承办机构职能范围内，同一事项重复投诉3次以上未解决或未制定解决措施的",
    8: "对诉求人打击报复，扣押、销毁举报消息，或违反保密规定，未经诉求人同意泄露诉求人信息资料或涉密事项的",
    9: "未严格按照规定，提供、更新、维护涉及本单位的政府热线知识库信息，或因知识库信息过时、错误等原因误导市民而引发较多市民投诉的",
    10: "其他违反有关法律法规、政策规定的",
}

#: Art. 10(5), 13: the office's decision on an extension request.
EXTENSION_DECISIONS: dict[str, str] = {"approved": "同意延期", "denied": "不同意延期"}

#: Art. 8(4): how a joint review ended.
JOINT_REVIEW_OUTCOMES: dict[str, str] = {
    "settled": "确定承办单位",
    "unsettled": "仍无法确定承办单位，由市热线办提出拟办意见报市政府审定",
}

COMMON_REQUIRED: tuple[str, ...] = ("number", "date")


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def _requires_when(key: str, allowed: Mapping, needs: Mapping[str, tuple[str, ...]]) -> Callable[[Mapping], list[str]]:
    """Build a check: ``key`` must be one of ``allowed``; some of its values need further keys."""

    def check(context: Mapping) -> list[str]:
        value = context.get(key)
        if _is_missing(value):
            return []  # reported as a missing required key already
        if isinstance(value, (list, dict, set)) or value not in allowed:
            raise DocumentError(f"{key}={value!r} is not one of {sorted(allowed, key=str)}")
        return [extra for extra in needs.get(value, ()) if _is_missing(context.get(extra))]

    return check


def _explanation_check(context: Mapping) -> list[str]:
    """A 书面说明 needs the unit's explanation; facts issued before it had one (``situation`` and ``rectification``,
    printed in the earlier layout) still render when a batch prints them again."""
    reason = context.get("reason_code")
    if not _is_missing(reason) and (not isinstance(reason, str) or reason not in EXPLANATION_HEADINGS):
        raise DocumentError(f"reason_code={reason!r} is not one of {sorted(EXPLANATION_HEADINGS)}")
    if not _is_missing(context.get("explanation")):
        return []
    if not _is_missing(context.get("situation")):
        return [key for key in ("rectification",) if _is_missing(context.get(key))]
    return ["explanation"]


@dataclass(frozen=True)
class Kind:
    """One kind of formal document: its code, Chinese title, number abbreviation and required facts."""

    code: str
    title: str
    abbr: str
    required: tuple[str, ...]
    description: str
    check: Callable[[Mapping], list[str]] | None = field(default=None, compare=False, repr=False)

    @property
    def template(self) -> str:
        return f"{self.code}.html"

    def missing(self, context: Mapping) -> list[str]:
        """Return the required keys absent (or empty) in ``context``.

        :raises DocumentError: when a coded value is not one this kind knows.
        """
        keys = COMMON_REQUIRED + self.required
        missing = [key for key in keys if _is_missing(context.get(key))]
        if self.check is not None:
            missing += [key for key in self.check(context) if key not in missing]
        return missing


KINDS: tuple[Kind, ...] = (
    Kind(
        "refusal_notice", "不予受理告知书", "不",
        ("addressee", "ticket_no", "received_at", "channel", "content_summary", "reason_code", "explanation"),
        "Tells the citizen why the matter is not accepted (Art. 6, 11).",
        _requires_when("reason_code", REFUSAL_REASONS, {8: ("earlier_ticket_no",)}),
    ),
    Kind(
        "police_referral", "移送函", "移",
        ("addressee", "caller_phone", "kind_label", "law", "facts", "flagged_at", "evidence"),
        "Refers a malicious caller to the public security organ with the flag's evidence (Art. 27).",
    ),
    Kind(
        "return_explanation", "退回说明", "退",
        ("unit", "ticket_no", "ticket_type", "content_summary", "received_at", "returned_at", "reason",
         "legal_basis"),
        "A unit's reasons and legal basis for returning a ticket within one working day (Art. 10(1)).",
    ),
    Kind(
        "extension_form", "延期申请审批单", "延",
        ("unit", "ticket_no", "ticket_type", "content_summary", "received_at", "original_deadline",
         "requested_days", "reason", "applicant", "applied_at", "decision", "reviewer", "decided_at"),
        "A unit's extension request and the office's decision (Art. 10(5), 13).",
        _requires_when("decision", EXTENSION_DECISIONS,
                       {"approved": ("new_deadline",), "denied": ("decision_reason",)}),
    ),
    Kind(
        "supervision_notice", "督办通知单", "督",
        ("addressee", "ticket_no", "ticket_type", "received_at", "deadline", "content_summary", "reason_code",
         "reply_due", "contact"),
        "Opens supervision of a ticket and asks for a reply within two working days (Art. 18).",
        _requires_when("reason_code", SUPERVISION_REASONS,
                       {"leader_instruction": ("instruction", "instructed_by"), "other": ("instruction",)}),
    ),
    Kind(
        "written_explanation", "书面说明", "说",
        ("unit", "ticket_no", "supervision_number", "content_summary", "result", "handler", "leader", "replied_at"),
        "A unit's written explanation answering a supervision notice (Art. 18).",
        _explanation_check,
    ),
    Kind(
        "redo_notice", "重办通知", "重",
        ("addressee", "ticket_no", "ticket_type", "content_summary", "replied_at", "original_reply", "evaluation",
         "grounds", "review_opinion", "dispatched_at", "deadline", "contact"),
        "Sends a ticket back for its single redo after a reasonable dissatisfied evaluation (Art. 15).",
    ),
    Kind(
        "joint_review_minutes", "联合审定纪要", "审",
        ("ticket_no", "content_summary", "meeting_at", "chair", "attendees", "dispute", "discussion",
         "outcome"),
        "Minutes of a joint review that settles the lead and co-handling units of a disputed ticket (Art. 8(4)).",
        _requires_when("outcome", JOINT_REVIEW_OUTCOMES, {"settled": ("lead_unit",)}),
    ),
    Kind(
        "proposed_opinion", "拟办意见", "拟",
        ("addressee", "ticket_no", "content_summary", "units_positions", "review_number", "proposal",
         "signer"),
        "The office's proposed handling opinion to the city government when a joint review fails (Art. 8(4)).",
    ),
    Kind(
        "accountability_proposal", "责任追究建议书", "责",
        ("addressee", "unit", "ticket_no", "situation_code", "facts", "proposal"),
        "Proposes accountability of a unit to the discipline commission or organisation department (Art. 19).",
        _requires_when("situation_code", ACCOUNTABILITY_SITUATIONS, {}),
    ),
    Kind(
        "ticket_record", "工单办理单", "单",
        ("ticket_no", "ticket_type", "channel", "received_at", "citizen", "content", "lead_unit", "deadline",
         "status", "timeline"),
        "The full record of one ticket with its timeline (Art. 7-15).",
    ),
    Kind(
        "kb_correction_notice", "知识库纠错通知", "纠",
        ("addressee", "entry_id", "entry_title", "problem", "details", "found_at", "due", "contact"),
        "Asks a unit to fix a knowledge-base gap or error within five working days (Art. 25).",
    ),
    Kind(
        "work_brief", "工作简报", "简",
        ("issue", "period", "overview", "tables"),
        "Periodic work brief: volumes, hot spots, difficulties and blockages (Art. 20).",
    ),
    Kind(
        "special_report", "专报", "专",
        ("issue", "subject", "period", "overview", "tables"),
        "Special report on one category or one place over a period: volume, trend, units, rates (Art. 20).",
    ),
    Kind(
        "assessment_bulletin", "考核通报", "考",
        ("addressee", "period", "overview", "tables"),
        "Bulletin of the units' quantified assessment results (Art. 22, 23).",
    ),
)

KIND_BY_CODE: dict[str, Kind] = {kind.code: kind for kind in KINDS}


def get_kind(code: str) -> Kind:
    """Return the kind registered under ``code``.

    :raises DocumentError: when no such kind exists.
    """
    try:
        return KIND_BY_CODE[code]
    except (KeyError, TypeError):
        raise DocumentError(f"unknown document kind {code!r}; known kinds: {', '.join(KIND_BY_CODE)}") from None


def format_number(office_short: str, abbr: str, year: int, seq: int) -> str:
    """Format a document number such as ``河热线督〔2026〕12号``.

    :raises DocumentError: when the year or sequence number is not plausible.
    """
    if not isinstance(year, int) or not 1000 <= year <= 9999:
        raise DocumentError(f"year must be a four-digit integer, got {year!r}")
    if not isinstance(seq, int) or seq < 1:
        raise DocumentError(f"sequence number must be a positive integer, got {seq!r}")
    return f"{office_short}{abbr}〔{year}〕{seq}号"
