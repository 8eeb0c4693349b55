"""What every capability shares: who acts, refusals, access and unit scoping, the audit row, the transaction,
shape checks for task data, the form-key handler registry, the process-wide caches and the administration of
accounts (users, channel clients).

Owns no rule of the measures. May import ``engine.domain``, ``engine.models`` and ``engine.workflow`` only; every
capability may import it.
"""
from . import accounts, dictionary, throttle
from .access import can_act, hash_query_code, iso, visible_filter
from .actors import Actor
from .assignments import assign, deactivate, dispatch_round, new_round
from .audit import ACTION_LABELS, AUDIT_INSERT, action_first, audit_values, write_audit
from .context import (
                      RUNTIME,
                      active_ids,
                      active_rule_set,
                      active_version,
                      bundle_for,
                      calendar,
                      forget_active,
                      reset_caches,
                      rules_for,
)
from .db import configure_sqlite, session_factory, transaction
from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from .registry import Result, form_keys, handle, handler
from .settings import get_setting, put_setting
from .validate import as_id, fail, text, unit_field, units_field

__all__ = ["ACTION_LABELS", "accounts", "RUNTIME", "Actor", "Conflict", "Forbidden", "Invalid", "NotFound", "Result",
           "ServiceError", "active_ids", "active_rule_set", "active_version", "as_id", "assign", "bundle_for",
           "calendar", "can_act", "configure_sqlite", "deactivate", "dictionary", "dispatch_round", "fail",
           "forget_active", "form_keys", "get_setting", "handle", "handler", "hash_query_code", "iso", "new_round",
           "put_setting", "reset_caches", "rules_for", "session_factory", "text", "throttle", "transaction",
           "unit_field", "units_field", "visible_filter", "write_audit", "AUDIT_INSERT", "action_first", "audit_values"]
