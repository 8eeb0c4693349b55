"""The monitor's bulk writes (engine/clocks/bulk.py): on PostgreSQL rows go by COPY in text format, formatted by us;
what comes back must be exactly what was written — tabs, newlines, backslashes, NULLs, JSON, instants, booleans."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.clocks.bulk import insert_many
from engine.models import AuditLog, Outbox

NOW = datetime(2026, 11, 25, 2, 0, 0, 123456, tzinfo=timezone.utc)
ODD = "第一行\t制表符\n第二行\r\\N 反斜杠\\t 不是转义 \"引号\" 'single' \u2028 end\\"


def _outbox(i: int, text: str, params) -> dict:
    return {"ticket_id": None, "kind": "sms", "recipient": f"1380000{i:04d}", "recipient_name": None if i else "张三",
            "recipient_role": "receiver", "template": "handling.warning", "params": params, "text": text,
            "status": "pending", "attempts": i, "next_attempt_at": NOW + timedelta(hours=i), "last_error": None,
            "sent_at": None, "delivered_by": None, "dedupe_key": f"bulk-test:{i}", "created_at": NOW}


def test_odd_text_json_nulls_and_instants_come_back_as_written(db):
    params = {"unit": ODD, "days": "3", "n": 1, "nested": {"a": [1, None, "\\"]}, "none": None}
    rows = [_outbox(0, ODD, params), _outbox(1, "plain", None), _outbox(2, "\\", {"x": "\t"})]
    insert_many(db.session, Outbox, rows)
    got = db.session.scalars(select(Outbox).where(Outbox.dedupe_key.like("bulk-test:%")).order_by(Outbox.dedupe_key))
    back = [{k: getattr(o, k) for k in rows[0]} for o in got]
    assert back == rows


def test_a_value_of_another_type_is_written_by_the_driver(db):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY and its formatting are PostgreSQL's; SQLite takes an executemany of plain values")
    rows = [_outbox(0, ODD, {"a": 1}), _outbox(1, "second", None), _outbox(2, "third", {"b": ODD})]
    rows[1]["attempts"] = Decimal(7)  # not formatted by us: that row goes through psycopg's adaptation
    insert_many(db.session, Outbox, rows)
    got = db.session.scalars(select(Outbox).where(Outbox.dedupe_key.like("bulk-test:%")).order_by(Outbox.dedupe_key))
    assert [(o.text, o.attempts, o.params) for o in got] == [(ODD, 0, {"a": 1}), ("second", 7, None),
                                                             ("third", 2, {"b": ODD})]


def test_monitor_audit_rows_keep_their_detail(db):
    row = {"ticket_id": None, "actor_id": None, "actor_label": "系统（时限监控）", "action": "monitor_warning",
           "before_status": "handling", "after_status": "handling", "detail": {"late_seconds": 5, "why": ODD},
           "at": NOW}
    insert_many(db.session, AuditLog, [row, {**row, "detail": None, "before_status": None}])
    got = db.session.scalars(select(AuditLog).where(AuditLog.ticket_id.is_(None), AuditLog.at == NOW)
                             .order_by(AuditLog.id)).all()[-2:]
    assert [(a.before_status, a.detail, a.at) for a in got] == [("handling", row["detail"], NOW), (None, None, NOW)]
    db.session.rollback()
