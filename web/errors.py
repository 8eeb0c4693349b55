"""Map refusals to JSON (API) or pages (HTML): Chinese for users, English in the log, never a bare 500."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.common import ServiceError
from engine.workflow import DiagramError

from .extensions import db
from .open311.views import error_array

log = logging.getLogger("hotline.web")

HTTP_MESSAGES = {400: "请求格式不正确", 401: "请先登录", 403: "您无权执行此操作", 404: "页面或资源不存在",
                 405: "不支持该请求方法", 409: "操作冲突，请刷新后重试", 413: "上传内容过大",
                 429: "请求过于频繁，请稍后再试", 500: "系统内部错误，已记录，请稍后重试"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if request.path.startswith("/open311/"):  # GeoReport v2's own error array, in the format asked for
        return error_array(status, "；".join([message, *(fields or {}).values()]))
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def register_errors(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        db.session.rollback()
        log.info("refused %s %s: %s", request.method, request.path, exc.log_en)
        return error_response(exc.status, exc.code, exc.message_zh, exc.fields)

    @app.errorhandler(DiagramError)
    def _diagram(exc: DiagramError):
        db.session.rollback()
        log.warning("diagram refused: %s", exc)
        return error_response(400, "diagram_invalid", "流程图有错误：" + "；".join(map(str, exc.problems)))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status == 400 and "CSRF" in (exc.description or ""):
            return error_response(400, "csrf", "页面已过期，请刷新后重新提交")
        return error_response(status, exc.name.lower().replace(" ", "_"), HTTP_MESSAGES.get(status, exc.name))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", HTTP_MESSAGES[500])
