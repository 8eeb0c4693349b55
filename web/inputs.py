"""Bad input of any shape gets a Chinese 400, never a 500: the request class and a check before every view.

Closed here for every page and every API route at once: JSON that does not parse or nests too deeply (Python's
parser would raise RecursionError), text with NUL or other control characters or lone surrogates in a form or a
JSON body (PostgreSQL cannot store NUL; a surrogate is not Unicode: refused with a 400), the same characters in a
query string (dropped, so a search box answers as for any other junk), and ``request.args.get(name, type=int)``
with a number no database column can hold (it falls back to the default, as any other unreadable number does).
"""
from __future__ import annotations

import re

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from engine.common import Invalid, NotFound

MAX_DEPTH = 32
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
INT_BOUND = 2**31 - 1
# What no person types: C0 controls but tab, line feed and carriage return; DEL; lone surrogates.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class BoundedArgs(ImmutableMultiDict):
    """Query and form values whose ``get(..., type=int)`` refuses numbers beyond a database integer."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -INT_BOUND <= value <= INT_BOUND:
            return default
        return value


class HotlineRequest(Request):
    parameter_storage_class = BoundedArgs

    @cached_property
    def args(self) -> BoundedArgs:
        parsed = Request.args.fget(self)  # werkzeug's parsing; then drop what no person types
        return BoundedArgs([(_BAD.sub("", k), _BAD.sub("", v)) for k, v in parsed.items(multi=True)])

    def on_json_loading_failed(self, e: ValueError | None):
        raise Invalid("请求体不是有效的 JSON", f"unparsable JSON body: {e}", code="bad_json")

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise Invalid("请求体嵌套层数过多", "JSON body nested too deeply to parse", code="bad_json") from None


def bad_text(value: str | None) -> bool:
    """True for text no person types: NUL and other control characters, or lone surrogates. (A multipart part whose
    name the parser could not read comes as None: nothing to check, and no view reads it.)"""
    return value is not None and _BAD.search(value) is not None  # one C scan, not a Python loop per character


def json_problem(data) -> str | None:
    """Where a parsed JSON document nests too deeply or holds bad text (a path like ``co_units[0]``), or None."""
    stack = [(data, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path or "_body"
        if isinstance(node, str):
            if bad_text(node):
                return path or "_body"
        elif isinstance(node, dict):
            for k, v in node.items():
                if bad_text(k):
                    return "_body"
                stack.append((v, f"{path}.{k}" if path else k, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
        elif isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
            return path or "_body"  # NaN and Infinity are not JSON, though Python's parser reads them
    return None


def check_request() -> None:
    """Refuse a request whose input no view should see.

    :raises Invalid: bad JSON or bad text, naming the field.
    :raises NotFound: a path whose variable holds bad text (no such page).
    """
    req = request._get_current_object()  # one context look-up for all the checks below
    for value in (req.view_args or {}).values():
        if isinstance(value, str) and bad_text(value):
            raise NotFound("页面或资源不存在", f"control character in path {req.path!r}")
    if req.mimetype in _FORM_TYPES:  # the two types Werkzeug parses a form from; any other leaves request.form empty
        for key, value in req.form.items(multi=True):
            if bad_text(key) or bad_text(value):
                raise Invalid("提交的内容含有不允许的字符，请删除后重试", f"control character in field {key!r}",
                              fields={_field(key): "含有不允许的字符"})
    if req.method in ("POST", "PUT", "PATCH", "DELETE") and req.is_json and req.content_length != 0:
        raw = req.get_data(cache=True)
        if raw.strip():
            data = req.get_json()
            where = json_problem(data)
            if where is not None:
                raise Invalid("提交的内容含有不允许的字符或嵌套过深，请修改后重试",
                              f"bad text or depth in JSON at {where}",
                              fields={where.split(".")[0].split("[")[0] or "_body": "含有不允许的字符或嵌套过深"})
            if req.path.startswith("/api/") and not isinstance(data, dict):
                raise Invalid("请求体必须是 JSON 对象", "request body is not a JSON object",
                              fields={"_body": "应为 JSON 对象"})


def _field(key: str) -> str:
    return key if not bad_text(key) else "_field"


def register_input_checks(app: Flask) -> None:
    app.request_class = HotlineRequest
    app.before_request(check_request)
