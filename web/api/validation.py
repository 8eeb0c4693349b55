"""Validate requests against ``web.api.schemas`` and generate the OpenAPI document from the same models (spectree).

A refused request is a 400 with one Chinese message per field (``error.fields``) before any service runs.
Responses are not validated at run time (a wrong document must never cost a user a 500); the API fuzzing suite
checks every response against the document instead.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel, ValidationError
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items
from werkzeug.wrappers import Response

from engine.common import Invalid

from . import attachments_schema
from .schemas import TASK_BODIES, ErrorOut

TASK_PATH = "/api/v1/tickets/{ticket_id}/tasks/{task_ref}"


class _Plugin(FlaskPlugin):
    """spectree's Flask plugin, serving the document at /api/v1/openapi.json and never checking responses."""

    def register_route(self, app):
        app.add_url_rule("/openapi.json", endpoint="openapi", view_func=lambda: jsonify(openapi_document()))
        app.record(lambda state: setattr(self, "blueprint_state", state))

    def find_routes(self):
        return (rule for rule in super().find_routes() if rule.endpoint != "api.openapi")

    def request_validation(self, request, query, json, form, headers, cookies):
        """spectree's check of the query and the JSON body, without first copying every header and cookie into
        dictionaries no route declares a model for (forms, headers and cookies go through spectree unchanged)."""
        if form is not None or headers is not None or cookies is not None:
            return super().request_validation(request, query, json, form, headers, cookies)
        adapter = self.model_adapter
        use_json = (json is not None and request.method not in ("GET", "DELETE")
                    and request.mimetype not in self.FORM_MIMETYPE)
        request.context = Context(
            adapter.validate_obj(query, get_multidict_items(request.args, query)) if query is not None else None,
            adapter.validate_obj(json, request.get_json(silent=True) or {}) if use_json else None,
            None, None, None)

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        # Not checked at run time (see above): a view's answer goes to Flask as it is, instead of spectree taking
        # the body out of the response object and building a second response around it.
        if isinstance(resp, Response) or (isinstance(resp, tuple) and len(resp) == 2 and isinstance(resp[0], Response)
                                          and isinstance(resp[1], int)):
            return resp, None
        return super().validate_response(resp, resp_model, True, False)


def _refuse(request, response, error, instance, adapter) -> None:
    """spectree's hook before the view: turn a validation error into our 400 with Chinese field messages."""
    if error is not None:
        raise refusal(error)


SPEC = SpecTree(
    "flask", backend=_Plugin, before=_refuse, validation_error_status=400, validation_error_model=ErrorOut,
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    title="12345政务服务便民热线工单平台 API", version="1", page_templates={}, annotations=False,
    description="渠道接入与系统集成接口。请求体和查询参数按本文档校验，不符合时返回 400，"
                "error.fields 逐项给出中文说明；所有错误均为 JSON：{error:{code,message,fields}}。",
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type="http", scheme="bearer",
        description="渠道客户端令牌（flask --app web create-api-client 生成）"
                    "或用户令牌（POST /api/v1/session 获取）"))],
    security={"bearer": []},
)


def _label(model: type[BaseModel] | None, loc: tuple) -> str:
    fields = getattr(model, "model_fields", {}) if model is not None else {}
    name = loc[0] if loc else None
    info = fields.get(name) if isinstance(name, str) else None
    title = getattr(info, "title", None)
    return title or (name if isinstance(name, str) else "请求体")


ATTACHMENTS_AS_FILES = "附件须作为文件上传（网页表单或 multipart 接口），不能写在提交的数据中"


def _message(err: dict, label: str) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return f"请填写{label}"
    if kind == "extra_forbidden":
        if tuple(err["loc"])[-1:] == ("attachments",):
            return ATTACHMENTS_AS_FILES
        return "不支持该字段，请对照接口文档"
    if kind in ("string_type", "string_unicode"):
        return f"{label}应为文本"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"{label}应为整数"
    if kind in ("bool_type", "bool_parsing"):
        return f"{label}应为 true 或 false"
    if kind in ("list_type", "tuple_type"):
        return f"{label}应为列表"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{label}应为 JSON 对象"
    if kind == "string_too_long":
        return f"{label}不能超过{ctx.get('max_length')}个字"
    if kind == "too_long":
        return f"{label}最多{ctx.get('max_length')}项"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{label}超出允许的范围"
    if kind in ("literal_error", "enum"):
        return f"{label}的取值不正确，可选：{ctx.get('expected', '')}"
    if kind == "value_error":
        return f"{label}含有不允许的字符"
    return f"{label}格式不正确"


def refusal(error: ValidationError, model: type[BaseModel] | None = None) -> Invalid:
    """A 400 naming every refused field in Chinese (the first problem of each field)."""
    fields: dict[str, str] = {}
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        if loc and loc[0] in ("body", "query", "json"):  # spectree prefixes nothing today; be tolerant
            loc = loc[1:]
        key = str(loc[0]) if loc else "_body"
        if key not in fields:
            fields[key] = _message(err, _label(model or _model_of(error), loc))
    # Files sent inside the JSON: say how to send them instead of a general refusal.
    files_in_json = fields.get("attachments") == ATTACHMENTS_AS_FILES
    message = ATTACHMENTS_AS_FILES if files_in_json else "提交的信息有误，请修改后重试"
    return Invalid(message, f"request refused by schema: {sorted(fields)}", fields=fields)


def _model_of(error: ValidationError) -> type[BaseModel] | None:
    return _MODELS.get(error.title)


_MODELS: dict[str, type[BaseModel]] = {}


def remember(*models: type[BaseModel]) -> None:
    """Let error messages find the titles of these models' fields (a ValidationError names its model only)."""
    for m in models:
        _MODELS[m.__name__] = m


def check_body(model: type[BaseModel], data: Any) -> dict:
    """Validate ``data`` against ``model``; return the data with unset fields left out.

    :raises Invalid: with per-field Chinese messages.
    """
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc, model=model) from None
    return parsed.model_dump(exclude_unset=True) if not hasattr(parsed, "root") else parsed.root


def openapi_document() -> dict:
    """The document generated from the schemas; the task body is one of the form keys' bodies."""
    doc = SPEC.spec
    if TASK_PATH in doc.get("paths", {}) and "x-task-bodies" not in doc:
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        refs = []
        for model in TASK_BODIES.values():
            name = model.__name__
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for sub, sub_schema in schema.pop("$defs", {}).items():
                schemas.setdefault(sub, sub_schema)
            schemas[name] = schema
            refs.append({"$ref": f"#/components/schemas/{name}"})
        op = doc["paths"][TASK_PATH]["post"]
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "anyOf": refs, "description": "按待办任务的表单键（tasks[].form_key）提交对应的字段；" + "；".join(
                f"{k or '（流程图自定义字段）'}：{m.__name__}" for k, m in TASK_BODIES.items())}}}}
        doc["x-task-bodies"] = {k: m.__name__ for k, m in TASK_BODIES.items()}
        # The multipart attachment endpoints (web/api/attachments.py) take the same JSON bodies in a form field;
        # their description is plain data kept beside them.
        doc["paths"].update(attachments_schema.PATHS)
        schemas.update(attachments_schema.SCHEMAS)
    return doc


remember(*TASK_BODIES.values())
