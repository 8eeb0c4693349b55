"""The process variables the platform writes outside the diagrams: what a ticket starts with and what the handler of
each form key returns for the gateways, with Chinese labels, types and values.

Validation reads this to refuse a condition that reads a name nothing writes; the modeller's condition builder
offers these variables with their labels. When a handler returns a new routing variable, add it here: the test
``tests/process/test_variables.py`` runs every form key's handler through the standard journeys and fails on a
variable missing from this table.
"""
from __future__ import annotations

from engine.domain.states import CHANNEL_LABELS, RATING_LABELS, TYPE_LABELS, Rating
from engine.workflow.bundle import MAIN_PROCESS
from engine.workflow.elements import flows, read_model
from engine.workflow.variables import BOOLEAN, Analysis, Catalogue, Variable

TICKET_TYPE = Variable("ticket_type", "诉求类型", "enum", tuple((t.value, label) for t, label in TYPE_LABELS.items()))
RATINGS = tuple((r.value, label) for r, label in RATING_LABELS.items() if r != Rating.NONE)
LEAD_UNIT = Variable("lead_unit", "主办单位（单位编号）", "unit")
CO_UNITS = Variable("co_units", "协办单位（单位编号列表）", "units")

START = {
    MAIN_PROCESS: [TICKET_TYPE, Variable("channel", "来源渠道", "enum",
                                         tuple((c.value, label) for c, label in CHANNEL_LABELS.items()))],
    "supervision": [Variable("unit", "被督办单位（单位编号）", "unit"),
                    Variable("ticket_id", "工单编号（内部）", "long")],
}

FORMS = {
    "scope": [Variable("scope", "受理审查结果", "enum", (("accept", "受理派单"), ("refuse", "不予受理"),
                                                       ("answer", "即时答复"))), TICKET_TYPE],
    "dispatch": [Variable("dispatch_action", "派单方式", "enum",
                          (("dispatch", "派单"), ("joint_review", "提请联合审定"))),
                 LEAD_UNIT, CO_UNITS, Variable("via_county", "经县级热线办转派（单位编号，直派时为空）", "unit")],
    "county_dispatch": [LEAD_UNIT, CO_UNITS],
    "sign": [Variable("sign_decision", "签收结果", "enum", (("sign", "签收"), ("return", "退回"),
                                                          ("deemed", "逾期视同签收")))],
    "co_handle": [],
    "reply": [Variable("handling_action", "办理方式", "enum", (("reply", "提交答复"), ("extension", "申请延期")))],
    "extension_review": [Variable("extension_decision", "延期审批结果", "enum", (("approve", "批准延期"),
                                                                              ("deny", "不予延期")))],
    "review": [Variable("review_decision", "审核结果", "enum", (("accept", "审核通过"), ("back", "退回修改")))],
    "evaluate": [Variable("intake_rating", "对受理的评价", "enum", RATINGS),
                 Variable("handling_rating", "对办理的评价（即时答复时为空）", "enum", RATINGS)],
    "redo_decision": [Variable("redo_reasonable", "不满意理由是否合理", "boolean", BOOLEAN)],
    "jr_meeting": [Variable("consult_units", "征求意见的主管部门（单位编号列表）", "units")],
    "jr_consult": [],
    "joint_decision": [Variable("jr_outcome", "联合审定结果", "enum", (("settled", "已审定承办单位"),
                                                                    ("escalate", "报市政府决定"))),
                       Variable("joint_lead_unit", "审定的主办单位", "unit"),
                       Variable("joint_co_units", "审定的协办单位", "units")],
    "jr_proposal": [],
    "jr_city_decision": [Variable("joint_lead_unit", "市政府决定的主办单位", "unit"),
                         Variable("joint_co_units", "市政府决定的协办单位", "units")],
    "supervision_reply": [],
    "supervision_check": [Variable("check_decision", "督办审核结果", "enum", (("accept", "合格，督办办结"),
                                                                           ("back", "不合格，退回重新答复")))],
}


def catalogue() -> Catalogue:
    """The platform's variables for validation and the condition builder."""
    return Catalogue(start={k: list(v) for k, v in START.items()}, forms={k: list(v) for k, v in FORMS.items()})


def condition_scopes(files: dict[str, bytes]) -> dict[str, list[dict]]:
    """For each sequence flow leaving a gateway: the variables its condition may read, with labels and types."""
    model = read_model(files)
    analysis = Analysis(model, catalogue())
    out = {}
    for flow in flows(model):
        source = model.get(flow.props.get("source"))
        if source is not None and source.kind in ("exclusiveGateway", "inclusiveGateway"):
            # what the task just before the gateway wrote first: that is what its conditions usually read
            before: set[str] = set()
            for fid in source.incoming:
                incoming = model.get(fid)
                task = model.get(incoming.props.get("source")) if incoming is not None else None
                before |= {v.name for v in analysis.writes(task)} if task is not None else set()
            found = analysis.scope(flow.id)
            out[flow.id] = [v.as_dict() for v in sorted(found, key=lambda v: v.name not in before)]
    return out
