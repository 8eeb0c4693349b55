"""interoperability: emergency-line handoffs (12345 ↔ 110), the `110` and `open311` channels, the emergency outbox
kind, flags on malicious callers, Open311 requests

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:30:00

Hand-written. The two widened checks (ticket.channel gains '110' and 'open311', outbox.kind gains 'emergency') are changed on
SQLite by editing the stored table definition, as 0014 does for the ticket's state check (rebuilding `ticket`
would trip the foreign keys that point at it); allowing one more value cannot make an existing row invalid.
PostgreSQL drops and re-creates the named constraints.
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_CHECKS = (  # table, constraint, old condition, new condition
    ("ticket", "ck_ticket_channel", "channel IN ('phone', 'web', 'wechat', 'app')",
     "channel IN ('phone', 'web', 'wechat', 'app', '110', 'open311')"),
    ("outbox", "ck_outbox_kind", "kind IN ('sms', 'voice')", "kind IN ('sms', 'voice', 'emergency')"),
)


def _sqlite_check(table: str, old: str, new: str) -> None:
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    if new in sql:
        return
    if old not in sql:
        raise RuntimeError(f"{table}'s check is not the one this migration expects; migrate by hand")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                         (sql.replace(old, new), table))
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _swap_checks(forward: bool) -> None:
    for table, name, old, new in _CHECKS:
        before, after = (old, new) if forward else (new, old)
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_check(table, before, after)
        else:
            op.drop_constraint(op.f(name), table, type_="check")
            op.create_check_constraint(op.f(name), table, after)


def upgrade():
    _swap_checks(True)
    op.create_table(
        "emergency_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("line", sa.String(length=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("direction IN ('out', 'in')", name=op.f("ck_emergency_handoff_direction")),
        sa.CheckConstraint("line IN ('110', '119', '120', '122')", name=op.f("ck_emergency_handoff_line")),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('transferred', 'no_answer', 'hung_up')",
                           name=op.f("ck_emergency_handoff_outcome")),
        sa.CheckConstraint("direction <> 'out' OR outcome IS NOT NULL",
                           name=op.f("ck_emergency_handoff_out_has_outcome")),
        sa.CheckConstraint("direction <> 'in' OR case_number IS NOT NULL",
                           name=op.f("ck_emergency_handoff_in_has_case")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_emergency_handoff_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["agent_id"], ["app_user.id"], name=op.f("fk_emergency_handoff_agent_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_handoff")),
    )
    op.create_index("ix_emergency_handoff_at", "emergency_handoff", ["at"])
    op.create_index(op.f("ix_emergency_handoff_ticket_id"), "emergency_handoff", ["ticket_id"])
    op.create_index(op.f("ix_emergency_handoff_case_number"), "emergency_handoff", ["case_number"])
    op.create_table(
        "caller_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('false_report', 'malicious_attack', 'harassment', 'line_tying')",
                           name=op.f("ck_caller_flag_kind")),
        sa.CheckConstraint("confirmed_by_id IS NULL OR confirmed_by_id <> created_by_id",
                           name=op.f("ck_caller_flag_two_persons")),
        sa.CheckConstraint("lifted_at IS NULL OR lift_reason IS NOT NULL", name=op.f("ck_caller_flag_lift_has_reason")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_caller_flag_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["app_user.id"],
                                name=op.f("fk_caller_flag_confirmed_by_id_app_user")),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["app_user.id"], name=op.f("fk_caller_flag_lifted_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caller_flag")),
    )
    op.create_index(op.f("ix_caller_flag_phone"), "caller_flag", ["phone"])
    op.create_table(
        "open311_request",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name=op.f("ck_open311_request_lat")),
        sa.CheckConstraint("long IS NULL OR (long >= -180 AND long <= 180)", name=op.f("ck_open311_request_long")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_open311_request_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_open311_request")),
    )
    op.create_index(op.f("ix_open311_request_requested_at"), "open311_request", ["requested_at"])


def downgrade():
    op.drop_table("open311_request")
    op.drop_table("caller_flag")
    op.drop_table("emergency_handoff")
    _swap_checks(False)
