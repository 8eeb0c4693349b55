"""Refusals a service can raise: a code, a Chinese message for users and an English one for logs."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message_zh: str, log_en: str | None = None, *, fields: dict[str, str] | None = None,
                 code: str | None = None):
        super().__init__(log_en or message_zh)
        self.message_zh = message_zh
        self.log_en = log_en or message_zh
        self.fields = fields or {}
        if code:
            self.code = code


class Invalid(ServiceError):
    status = 400
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
