"""The shapes of /api/v1, declared once: each model validates a request before any service runs and is the
source of the OpenAPI document (``web.api.validation``). Shape only (types, lengths, choices); the services check
meaning. Titles are the Chinese field names the error messages use.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel

from engine.domain.interop import LINE_LABELS, OUTCOME_LABELS
from engine.domain.states import Channel, EvaluationMethod, Rating, TicketType

from ..inputs import bad_text

MAX_ID = 2**31 - 1


def clean_text(value: str) -> str:
    """Refuse what no person types and some databases cannot store: NUL and other control characters (line
    breaks and tabs are kept), and lone surrogates (which are not Unicode text)."""
    if bad_text(value):
        raise ValueError("forbidden character")
    return value


def Text(max_length: int, required: bool = False) -> Any:  # noqa: N802 - a type factory reads like a type
    """Text of at most ``max_length`` characters; ``required``: not empty either."""
    return Annotated[str, Field(min_length=1 if required else None, max_length=max_length),
                     AfterValidator(clean_text)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Ids = Annotated[list[Id], Field(max_length=20)]


TicketTypes = Literal[tuple(t.value for t in TicketType)]  # type: ignore[valid-type]
Channels = Literal[tuple(c.value for c in Channel)]  # type: ignore[valid-type]
Lines = Literal[tuple(LINE_LABELS)]  # type: ignore[valid-type]
Outcomes = Literal[tuple(OUTCOME_LABELS)]  # type: ignore[valid-type]
Ratings = Literal[tuple(r.value for r in Rating if r != Rating.NONE)]  # type: ignore[valid-type]
Methods = Literal[tuple(m.value for m in EvaluationMethod if m not in (EvaluationMethod.TIMEOUT,))]  # type: ignore


class Body(BaseModel):
    """A JSON request body: exact types (no "1" for 1), no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Query parameters arrive as text: numbers are parsed, bounds are checked."""

    model_config = ConfigDict(extra="ignore")


# -- requests ------------------------------------------------------------------------------------------------------

class SessionIn(Body):
    username: Text(60, True) = Field(title="用户名")
    password: Text(200, True) = Field(title="密码")


class ProgressIn(Body):
    number: Text(32, True) = Field(title="工单编号")
    code: Text(16, True) = Field(title="查询码")


class CitizenEvaluationIn(ProgressIn):
    intake_rating: Ratings | None = Field(None, title="对热线受理的评价")
    handling_rating: Ratings | None = Field(None, title="对承办单位办理的评价")
    comment: Text(2000) | None = Field(None, title="评价意见")


class ScopeFields(Body):
    scope: Literal["accept", "refuse", "answer"] = Field(title="受理决定")
    ticket_type: TicketTypes | None = Field(None, title="诉求类型")
    category: Text(80) | None = Field(None, title="诉求分类")
    refusal_code: Id | None = Field(None, title="不予受理理由")
    refusal_explanation: Text(2000) | None = Field(None, title="向诉求人的解释说明")
    related_ticket_id: Id | None = Field(None, title="关联工单")
    handoff_line: Lines | None = Field(None, title="转接的紧急服务专线")
    handoff_outcome: Outcomes | None = Field(None, title="转接结果")
    handoff_summary: Text(2000) | None = Field(None, title="转接摘要")
    kb_entry_id: Id | None = Field(None, title="知识库条目")
    answer_text: Text(5000) | None = Field(None, title="答复内容")


class TicketIn(Body):
    """登记诉求; with ``scope`` the agent decides the scope at once (users of the hotline office only)."""

    channel: Channels | None = Field(None, title="渠道")
    citizen_name: Text(60, True) = Field(title="诉求人姓名")
    citizen_phone: Text(20, True) = Field(title="联系电话")
    address: Text(255) | None = Field(None, title="地址或地点")
    content: Text(5000, True) = Field(title="诉求内容")
    case_number_110: Text(40) | None = Field(None, title="110接警单号")
    ticket_type: TicketTypes = Field(title="诉求类型")
    category: Text(80) | None = Field(None, title="诉求分类")
    scope: Literal["accept", "refuse", "answer"] | None = Field(None, title="受理决定")
    refusal_code: Id | None = Field(None, title="不予受理理由")
    refusal_explanation: Text(2000) | None = Field(None, title="向诉求人的解释说明")
    related_ticket_id: Id | None = Field(None, title="关联工单")
    handoff_line: Lines | None = Field(None, title="转接的紧急服务专线")
    handoff_outcome: Outcomes | None = Field(None, title="转接结果")
    handoff_summary: Text(2000) | None = Field(None, title="转接摘要")
    kb_entry_id: Id | None = Field(None, title="知识库条目")
    answer_text: Text(5000) | None = Field(None, title="答复内容")


class DispatchIn(Body):
    action: Literal["dispatch", "joint_review"] | None = Field(None, title="派单方式")
    reason: Text(2000) | None = Field(None, title="提请联合审定的理由")
    lead_unit: Id | None = Field(None, title="主办单位")
    co_units: Ids | None = Field(None, title="协办单位")
    via_county: Id | None = Field(None, title="县（区）热线办")


class CountyDispatchIn(Body):
    lead_unit: Id = Field(title="主办单位")
    co_units: Ids | None = Field(None, title="协办单位")


class SignIn(Body):
    decision: Literal["sign", "return"] = Field(title="签收或退回")
    return_reason: Text(2000) | None = Field(None, title="退回理由")
    return_basis: Text(2000) | None = Field(None, title="退回的法律法规或文件依据")


class CoHandleIn(Body):
    co_part: Text(5000, True) = Field(title="协办意见")


class ReplyIn(Body):
    action: Literal["reply", "extension"] | None = Field(None, title="提交答复或申请延期")
    department: Text(120) | None = Field(None, title="具体承办的业务部门")
    handler_name: Text(60) | None = Field(None, title="经办人")
    result: Text(5000) | None = Field(None, title="办理结果")
    basis: Text(2000) | None = Field(None, title="法律法规或政策依据")
    contact_method: Text(120) | None = Field(None, title="与诉求人的联系方式和情况")
    handled_at: Text(40) | None = Field(None, title="办理时间",
                                        description="ISO 8601，带时区，例如 2026-11-25T10:00:00+08:00")
    citizen_informed: bool | None = Field(None, title="是否已告知诉求人")
    days: Annotated[int, Field(ge=1, le=60)] | None = Field(None, title="申请延期的工作日数")
    reason: Text(2000) | None = Field(None, title="延期理由")


class ReviewIn(Body):
    decision: Literal["accept", "back"] = Field(title="审核结论")
    reason: Text(2000) | None = Field(None, title="退回理由")


class EvaluateIn(Body):
    intake_rating: Ratings = Field(title="对热线受理的评价")
    handling_rating: Ratings | None = Field(None, title="对承办单位办理的评价")
    method: Methods | None = Field(None, title="评价方式")
    comment: Text(2000) | None = Field(None, title="评价意见")


class RedoDecisionIn(Body):
    kind: Literal["reasonable", "unreasonable", "malicious"] | None = Field(None, title="认定结果")
    reasonable: bool | None = Field(None, title="理由是否合理")
    reason: Text(2000) | None = Field(None, title="认定理由")


class ExtensionReviewIn(Body):
    decision: Literal["approve", "deny"] = Field(title="延期审批结论")
    reason: Text(2000) | None = Field(None, title="不批准的理由")


class JrMeetingIn(Body):
    participants: Text(2000, True) = Field(title="参会单位和人员")
    meeting_date: Text(20, True) = Field(title="会商日期")
    minutes: Text(10000, True) = Field(title="会商纪要")
    consult_units: Ids | None = Field(None, title="征求意见的主管部门")


class JrConsultIn(Body):
    consult_opinion: Text(5000, True) = Field(title="主管部门意见")


class JrProposalIn(Body):
    proposal: Text(10000, True) = Field(title="拟办意见")


class JrCityDecisionIn(Body):
    city_decision: Text(5000, True) = Field(title="市政府决定")
    lead_unit: Id = Field(title="主办单位")
    co_units: Ids | None = Field(None, title="协办单位")


class SupervisionReplyIn(Body):
    reply_text: Text(5000, True) = Field(title="督办答复")
    written_explanation: Text(10000, True) = Field(title="书面说明")


class SupervisionCheckIn(Body):
    decision: Literal["accept", "back"] = Field(title="答复是否合格")
    reason: Text(2000) | None = Field(None, title="退回理由")


class JointDecisionIn(Body):
    outcome: Literal["settled", "escalate"] | None = Field(None, title="审定结果")
    decision_text: Text(5000, True) = Field(title="审定意见")
    lead_unit: Id | None = Field(None, title="主办单位")
    co_units: Ids | None = Field(None, title="协办单位")


FieldValue = Annotated[str, Field(max_length=5000), AfterValidator(clean_text)] | int | bool | None


class GenericTaskIn(RootModel[dict[Annotated[str, Field(max_length=64)], FieldValue]]):
    """A task a process owner added with its own fields (camunda:formData): field id → text, number or yes/no."""

    model_config = ConfigDict(strict=True, json_schema_extra={"maxProperties": 50})


#: The body of each form key a task of the deployed diagrams may carry; "" is a task with its own fields.
TASK_BODIES: dict[str, type[BaseModel]] = {
    "scope": ScopeFields, "dispatch": DispatchIn, "county_dispatch": CountyDispatchIn, "sign": SignIn,
    "co_handle": CoHandleIn, "reply": ReplyIn, "review": ReviewIn, "evaluate": EvaluateIn,
    "redo_decision": RedoDecisionIn, "extension_review": ExtensionReviewIn, "jr_meeting": JrMeetingIn,
    "jr_consult": JrConsultIn, "jr_proposal": JrProposalIn, "jr_city_decision": JrCityDecisionIn,
    "supervision_reply": SupervisionReplyIn, "supervision_check": SupervisionCheckIn,
    "joint_decision": JointDecisionIn, "": GenericTaskIn,
}


class TasksQuery(Query):
    limit: Annotated[int, Field(ge=1, le=500)] = Field(100, title="每页条数")
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = Field(0, title="起始位置")


class TicketQuery(Query):
    reason: Text(200) | None = Field(None, title="查看事由")


class KbQuery(Query):
    q: Text(200) | None = Field(None, title="检索词")


class SimilarQuery(Query):
    limit: Annotated[int, Field(ge=1, le=50)] = Field(10, title="条数")


class SuggestionsQuery(Query):
    """Dispatch suggestions are always the top three: ``limit`` is refused by the view."""

    limit: Text(20) | None = Field(None, title="条数（不接受）")


class SimilarDraftIn(Body):
    """A request being typed at intake: what to find similar tickets for."""

    content: Text(5000, True) = Field(title="诉求内容")
    address: Text(255) | None = Field(None, title="地址或地点")
    category: Text(80) | None = Field(None, title="诉求分类")
    citizen_phone: Text(40) | None = Field(None, title="联系电话")
    limit: Annotated[int, Field(ge=1, le=50)] | None = Field(None, title="条数")


# -- responses -----------------------------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["invalid", "forbidden", "conflict"])
    message: str = Field(description="给用户看的中文说明")
    fields: dict[str, str] | None = Field(None, description="逐项的中文说明，键为请求中的字段名")


class ErrorOut(BaseModel):
    error: ErrorDetail


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None


class SessionOut(BaseModel):
    token: str = Field(description="用户访问令牌（Bearer），退出登录或修改密码后失效")
    user: UserOut


class TicketRef(BaseModel):
    id: int
    number: str
    status: str
    status_label: str


class ReadyTaskOut(BaseModel):
    task_id: str
    task: str
    title: str | None
    role: str | None


class StepOut(BaseModel):
    ticket: TicketRef
    action: str
    tasks: list[ReadyTaskOut]
    query_code: str | None = Field(None, description="仅在创建时返回一次，供诉求人查询进度")
    caller_flags: list[dict[str, Any]] | None = Field(None, description="来电人的有效恶意来电标记（仅热线办可见）")


class TicketOut(Out):
    id: int
    number: str
    status: str
    status_label: str
    masked: bool
    tasks: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


class TimelineOut(BaseModel):
    timeline: list[dict[str, Any]]


class PositionOut(BaseModel):
    process_version_id: int
    waiting_at: list[Any]
    completed: list[Any]


class TaskListOut(BaseModel):
    tasks: list[dict[str, Any]]


class ProgressOut(Out):
    number: str
    status: str
    status_label: str
    can_evaluate: bool
    steps: list[dict[str, Any]]


class EvaluatedOut(BaseModel):
    number: str
    status: str
    status_label: str


class MetaOut(BaseModel):
    ticket_types: dict[str, str]
    channels: dict[str, str]
    ratings: dict[str, str]
    refusal_reasons: list[dict[str, Any]]


class UnitsOut(BaseModel):
    units: list[dict[str, Any]]


class KbOut(BaseModel):
    entries: list[dict[str, Any]]


class SignedOut(BaseModel):
    revoked: bool = Field(description="本账号此前签发的访问令牌均已失效")


class SimilarHit(BaseModel):
    ticket_id: int
    number: str
    score: float = Field(description="相似程度，0–1")
    reasons: list[str] = Field(description="相似的理由，如「同一地址」「内容相近 0.82」「同一来电人」")


class SimilarOut(BaseModel):
    similar: list[SimilarHit]


class Suggestion(BaseModel):
    unit_id: int
    unit_name: str
    score: float
    reasons: list[str]


class SuggestionsOut(BaseModel):
    suggestions: list[Suggestion]

