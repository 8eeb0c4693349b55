"""Ticket states, the one transition table, and the Chinese labels users see."""
from __future__ import annotations

from enum import Enum


class TicketStatus(str, Enum):
    SCOPING = "scoping"
    DISPATCHING = "dispatching"
    COUNTY_DISPATCHING = "county_dispatching"
    SIGNING = "signing"
    JOINT_REVIEW = "joint_review"
    CO_HANDLING = "co_handling"
    HANDLING = "handling"
    REVIEWING = "reviewing"
    EVALUATING = "evaluating"
    REDO_DECIDING = "redo_deciding"
    MERGED = "merged"
    REFUSED = "refused"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


STATUS_LABELS = {
    TicketStatus.SCOPING: "待受理审查",
    TicketStatus.DISPATCHING: "待派单",
    TicketStatus.COUNTY_DISPATCHING: "待县级派单",
    TicketStatus.SIGNING: "待签收",
    TicketStatus.JOINT_REVIEW: "联合审定中",
    TicketStatus.CO_HANDLING: "协办中",
    TicketStatus.HANDLING: "办理中",
    TicketStatus.REVIEWING: "待审核",
    TicketStatus.EVALUATING: "待回访评价",
    TicketStatus.REDO_DECIDING: "待重办审定",
    TicketStatus.MERGED: "已并单（随主单办理）",
    TicketStatus.REFUSED: "不予受理（已归档）",
    TicketStatus.ARCHIVED: "已归档",
}

FINAL_STATUSES = frozenset({TicketStatus.REFUSED, TicketStatus.ARCHIVED})

S = TicketStatus
#: The states in which no unit holds the ticket: waiting for the office's or a county office's dispatch, or for the
#: joint review to settle the unit. A lead unit and handling deadline still on the row from before a return (退回)
#: are history then, not who handles it or by when (the analytics and the monitor read the row as it is).
UNHELD_STATUSES = frozenset({S.DISPATCHING.value, S.COUNTY_DISPATCHING.value, S.JOINT_REVIEW.value})
#: The states a ticket may be merged from as a 子单 (并单, DOMAIN.md §12): before its own unit has replied.
MERGEABLE = frozenset({S.DISPATCHING, S.COUNTY_DISPATCHING, S.SIGNING, S.CO_HANDLING, S.HANDLING})
# BPMN decides what comes next; this table decides what is legal, so a wrong diagram
# cannot produce an illegal ticket. Staying in the same state is always legal.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.SCOPING: frozenset({S.DISPATCHING, S.REFUSED, S.EVALUATING}),
    S.DISPATCHING: frozenset({S.COUNTY_DISPATCHING, S.SIGNING, S.JOINT_REVIEW, S.MERGED}),
    S.COUNTY_DISPATCHING: frozenset({S.SIGNING, S.MERGED}),
    S.SIGNING: frozenset({S.DISPATCHING, S.JOINT_REVIEW, S.CO_HANDLING, S.HANDLING, S.MERGED}),
    S.JOINT_REVIEW: frozenset({S.DISPATCHING, S.SIGNING}),
    S.CO_HANDLING: frozenset({S.HANDLING, S.MERGED}),
    S.HANDLING: frozenset({S.REVIEWING, S.MERGED}),
    S.REVIEWING: frozenset({S.HANDLING, S.EVALUATING}),
    # A merged ticket's own evaluation done, it follows its main ticket again (a redo, then the archive).
    S.EVALUATING: frozenset({S.ARCHIVED, S.REDO_DECIDING, S.MERGED}),
    S.REDO_DECIDING: frozenset({S.HANDLING, S.ARCHIVED}),
    # 子单: back to where it was (un-merge, until the reply), the main ticket's reply reaches it, archived with it.
    S.MERGED: MERGEABLE | {S.EVALUATING, S.ARCHIVED},
    S.REFUSED: frozenset(),
    S.ARCHIVED: frozenset(),
}

# Which state a ticket is in while a given user task (by BPMN id) is ready.
# A task a process owner adds may name its state with the `status` property instead.
TASK_STATUS: dict[str, TicketStatus] = {
    "decide_scope": S.SCOPING,
    "dispatch": S.DISPATCHING,
    "county_dispatch": S.COUNTY_DISPATCHING,
    "sign": S.SIGNING,
    "jr_meeting": S.JOINT_REVIEW,
    "jr_consult": S.JOINT_REVIEW,
    "jr_decide": S.JOINT_REVIEW,
    "jr_proposal": S.JOINT_REVIEW,
    "jr_city_decision": S.JOINT_REVIEW,
    "extension_review": S.HANDLING,
    "co_handle": S.CO_HANDLING,
    "reply": S.HANDLING,
    "review": S.REVIEWING,
    "evaluate": S.EVALUATING,
    "redo_decision": S.REDO_DECIDING,
}


class IllegalTransition(Exception):
    """A change of state the transition table does not allow."""

    def __init__(self, before: TicketStatus, after: TicketStatus):
        super().__init__(f"illegal ticket transition {before.value} -> {after.value}")
        self.before, self.after = before, after


def check_transition(before: TicketStatus, after: TicketStatus) -> None:
    """Refuse a transition the table does not list.

    :raises IllegalTransition: when ``after`` is not reachable from ``before``.
    """
    if before != after and after not in TRANSITIONS[before]:
        raise IllegalTransition(before, after)


class TicketType(str, Enum):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    ECONOMIC = "economic"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]


TYPE_LABELS = {
    TicketType.CONSULT: "咨询",
    TicketType.HELP: "求助",
    TicketType.COMPLAINT: "投诉",
    TicketType.REPORT: "举报",
    TicketType.SUGGESTION: "建议",
    TicketType.ECONOMIC: "经济违法",
}


class Channel(str, Enum):
    PHONE = "phone"
    WEB = "web"
    WECHAT = "wechat"
    APP = "app"
    P110 = "110"  # non-police matters 110 sends on to 12345 (Art. 6(2))
    OPEN311 = "open311"  # a city's app or mini-program through the Open311 GeoReport v2 interface

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {Channel.PHONE: "电话", Channel.WEB: "网站", Channel.WECHAT: "微信", Channel.APP: "手机APP",
                  Channel.P110: "110转来", Channel.OPEN311: "开放接口"}


class Rating(str, Enum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASIC = "basic"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"
    NONE = "none"

    @property
    def label(self) -> str:
        return RATING_LABELS[self]

    @property
    def is_dissatisfied(self) -> bool:
        return self in (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)


RATING_LABELS = {
    Rating.VERY_SATISFIED: "非常满意",
    Rating.SATISFIED: "满意",
    Rating.BASIC: "基本满意",
    Rating.DISSATISFIED: "不满意",
    Rating.VERY_DISSATISFIED: "非常不满意",
    Rating.NONE: "未评价",
}

# Art. 14, 15: a 不满意 or 非常不满意 rating is weighed for a redo, so it always comes with the citizen's reason.
DISSATISFIED = frozenset({Rating.DISSATISFIED.value, Rating.VERY_DISSATISFIED.value})
DISSATISFIED_MESSAGE = "评价为不满意或非常不满意的，请写明不满意的理由"


class EvaluationMethod(str, Enum):
    CALLBACK = "callback"
    IVR = "ivr"
    SMS = "sms"
    ONLINE = "online"
    TIMEOUT = "timeout"


METHOD_LABELS = {
    EvaluationMethod.CALLBACK: "人工回访",
    EvaluationMethod.IVR: "语音评价",
    EvaluationMethod.SMS: "短信评价",
    EvaluationMethod.ONLINE: "网上评价",
    EvaluationMethod.TIMEOUT: "逾期未评价",
}
