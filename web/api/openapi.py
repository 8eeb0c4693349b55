"""The OpenAPI 3.1 document of /api/v1, written by hand so it says what the endpoints promise."""
from __future__ import annotations

from .matching import PATHS as MATCHING_PATHS

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string", "examples": ["invalid", "forbidden", "conflict"]},
                   "message": {"type": "string", "description": "给用户看的中文说明"},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}

TICKET_IN = {
    "type": "object", "required": ["citizen_name", "citizen_phone", "content", "ticket_type"],
    "properties": {
        "channel": {"type": "string", "enum": ["phone", "web", "wechat", "app"],
                    "description": "渠道；渠道客户端以其令牌所属渠道为准"},
        "citizen_name": {"type": "string", "maxLength": 60}, "citizen_phone": {"type": "string", "maxLength": 20},
        "address": {"type": "string", "maxLength": 255}, "content": {"type": "string", "maxLength": 5000},
        "ticket_type": {"type": "string", "enum": ["consult", "help", "complaint", "report", "suggestion",
                                                    "economic"]},
        "category": {"type": "string"},
        "scope": {"type": "string", "enum": ["accept", "refuse", "answer"],
                  "description": "话务员当场作出受理决定时填写"},
        "refusal_code": {"type": "integer", "minimum": 1, "maximum": 11},
        "refusal_explanation": {"type": "string"}, "related_ticket_id": {"type": "integer"},
        "kb_entry_id": {"type": "integer"}, "answer_text": {"type": "string"}}}

STEP = {"type": "object", "properties": {
    "ticket": {"type": "object", "properties": {"id": {"type": "integer"}, "number": {"type": "string"},
                                                "status": {"type": "string"}, "status_label": {"type": "string"}}},
    "action": {"type": "string"},
    "tasks": {"type": "array", "items": {"type": "object"}},
    "query_code": {"type": "string", "description": "仅在创建时返回一次，供诉求人查询进度"}}}

TASK_DATA = {"type": "object", "description": (
    "按任务的表单键提交：scope{scope,refusal_code,refusal_explanation,related_ticket_id,kb_entry_id}；"
    "dispatch{lead_unit,co_units,via_county}；county_dispatch{lead_unit,co_units}；"
    "sign{decision: sign|return,return_reason,return_basis}；co_handle{co_part}；"
    "reply{handled_at,department,handler_name,result,basis,contact_method,citizen_informed（确已告知诉求人才为 true，"
    "不提交视为未告知）} 或 reply{action: extension,days,reason}；review{decision: accept|back,reason}；"
    "evaluate{intake_rating,handling_rating,method,comment（不满意、非常不满意时必填，否则 400 reason_required）}；"
    "redo_decision{kind: reasonable|unreasonable|malicious,reason}；extension_review{decision: approve|deny,reason}；"
    "jr_meeting{participants,meeting_date,minutes,consult_units}；jr_consult{consult_opinion}；"
    "joint_decision{outcome: settled|escalate,lead_unit,co_units,decision_text}；jr_proposal{proposal}；"
    "jr_city_decision{lead_unit,co_units,city_decision}；supervision_reply{reply_text,written_explanation}；"
    "supervision_check{decision: accept|back,reason}")}


def _resp(desc: str, schema: dict | None = None) -> dict:
    out = {"description": desc}
    if schema:
        out["content"] = {"application/json": {"schema": schema}}
    return out


ERRORS = {"400": _resp("输入有误", ERROR), "401": _resp("未认证", ERROR), "403": _resp("无权操作", ERROR),
          "404": _resp("不存在或无权查看", ERROR), "409": _resp("任务已被处理（并发冲突）", ERROR)}


def _op(summary: str, ok: dict, *, body: dict | None = None, auth=True, params=None) -> dict:
    op = {"summary": summary, "responses": {**ok, **ERRORS}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if not auth:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, typ: str = "integer") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": typ}}


def openapi_document() -> dict:
    tid = _path_param("ticket_id")
    return {
        "openapi": "3.1.0",
        "info": {"title": "12345政务服务便民热线工单平台 API", "version": "1",
                 "description": "渠道接入与系统集成接口。错误均为 JSON：{error:{code,message,fields}}，"
                                "message 为中文。"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": (
            "渠道客户端令牌（flask --app web create-api-client 生成）或用户令牌（POST /api/v1/session 获取）")}},
            "schemas": {"Error": ERROR, "TicketIn": TICKET_IN, "Step": STEP}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/session": {"post": _op("用户登录，换取访问令牌", {"200": _resp("令牌")}, auth=False, body={
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})},
            "/api/v1/tickets": {"post": _op("登记诉求（任一渠道）", {"201": _resp("已登记", STEP)}, body=TICKET_IN)},
            "/api/v1/tickets/{ticket_id}": {"get": _op("查看工单（按单位范围，诉求人信息按角色脱敏）",
                                                        {"200": _resp("工单")}, params=[tid])},
            "/api/v1/tickets/{ticket_id}/timeline": {"get": _op("工单办理时间线", {"200": _resp("时间线")},
                                                                 params=[tid])},
            "/api/v1/tickets/{ticket_id}/position": {"get": _op("工单在流程图中的当前位置", {"200": _resp("位置")},
                                                                 params=[tid])},
            "/api/v1/tickets/{ticket_id}/tasks/{task_ref}": {"post": _op(
                "办理一项待办任务（task_ref 为任务 ID 或流程节点 ID）", {"200": _resp("办理结果", STEP)},
                body=TASK_DATA, params=[tid, _path_param("task_ref", "string")])},
            "/api/v1/tasks": {"get": _op("我的待办", {"200": _resp("待办列表")})},
            "/api/v1/progress": {"post": _op("诉求人凭工单编号和查询码查询进度", {"200": _resp("进度")}, auth=False,
                                             body={"type": "object", "required": ["number", "code"],
                                                   "properties": {"number": {"type": "string"},
                                                                  "code": {"type": "string"}}})},
            "/api/v1/progress/evaluate": {"post": _op("诉求人网上评价", {"200": _resp("已评价")}, auth=False, body={
                "type": "object", "required": ["number", "code", "intake_rating"],
                "properties": {"number": {"type": "string"}, "code": {"type": "string"},
                               "intake_rating": {"type": "string"}, "handling_rating": {"type": "string"},
                               "comment": {"type": "string",
                                           "description": "评价意见；不满意、非常不满意时必须写明理由"}}})},
            "/api/v1/meta": {"get": _op("类型、渠道、评价等级、不予受理理由", {"200": _resp("字典")}, auth=False)},
            "/api/v1/units": {"get": _op("承办单位列表", {"200": _resp("单位")})},
            "/api/v1/kb": {"get": _op("知识库检索（简易）", {"200": _resp("条目")},
                                      params=[{"name": "q", "in": "query", "schema": {"type": "string"}}])},
            "/api/v1/openapi.json": {"get": _op("本文档", {"200": _resp("OpenAPI")}, auth=False)},
            **{path: {verb: {**op, "responses": {**op["responses"], **ERRORS}} for verb, op in ops.items()}
               for path, ops in MATCHING_PATHS.items()},
        },
    }
