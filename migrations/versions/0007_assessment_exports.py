"""assessment weights versions (seeded "2026-1" in force, "2026-2" with knowledge-base upkeep proposed), export
requests and their log, indexes for the year's assessment; sign and reply timeliness and the evaluation's unit
stored on their rows (filled in for older rows)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:30:00

The weights are written here as literal data (not imported from the code), so this migration always seeds what it
seeded the first time.
"""
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEEDED = (
    ("2026-1", {"sign_rate": 0.15, "on_time_rate": 0.25, "satisfaction_rate": 0.30, "redo_rate": 0.10,
                "return_rate": 0.10, "supervision_rate": 0.10}, True,
     "初始权重（签收15%、按时办结25%、满意30%、重办10%、退单10%、督办10%）"),
    ("2026-2", {"sign_rate": 0.15, "on_time_rate": 0.25, "satisfaction_rate": 0.25, "redo_rate": 0.10,
                "return_rate": 0.10, "supervision_rate": 0.05, "kb_upkeep_rate": 0.10}, False,
     "建议版本：增加知识库维护及时率10%（满意率、督办率各减5%），由市热线办决定启用"),
)


def upgrade():
    weights = op.create_table("assessment_weights",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("version", sa.String(length=20), nullable=False),
    sa.Column("weights", sa.JSON(), nullable=False),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("created_by", sa.String(length=120), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("activated_by", sa.String(length=120), nullable=True),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                            name=op.f("fk_assessment_weights_created_by_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_weights")),
    sa.UniqueConstraint("version", name=op.f("uq_assessment_weights_version"))
    )
    op.create_table("export_request",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("requested_by", sa.String(length=120), nullable=False),
    sa.Column("requested_by_id", sa.Integer(), nullable=True),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("purpose", sa.Text(), nullable=False),
    sa.Column("period_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("period_to", sa.DateTime(timezone=True), nullable=False),
    sa.Column("filters", sa.JSON(), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("personal_data", sa.Boolean(), nullable=False),
    sa.Column("status", sa.String(length=10), nullable=False),
    sa.Column("decided_by", sa.String(length=120), nullable=True),
    sa.Column("decided_by_id", sa.Integer(), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.Text(), nullable=True),
    sa.Column("allow_personal", sa.Boolean(), nullable=False),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'approved' OR valid_until IS NOT NULL",
                       name=op.f("ck_export_request_approval_validity")),
    sa.CheckConstraint("status <> 'refused' OR decision_note IS NOT NULL",
                       name=op.f("ck_export_request_refusal_reason")),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name=op.f("ck_export_request_status")),
    sa.CheckConstraint("NOT allow_personal OR personal_data",
                       name=op.f("ck_export_request_personal_granted_only_if_asked")),
    sa.CheckConstraint("period_from < period_to", name=op.f("ck_export_request_period")),
    sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"], name=op.f("fk_export_request_decided_by_id_app_user")),
    sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"],
                            name=op.f("fk_export_request_requested_by_id_app_user")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_export_request"))
    )
    with op.batch_alter_table("export_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_request_requested_by_id"), ["requested_by_id"], unique=False)

    op.create_table("export_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("request_id", sa.Integer(), nullable=True),
    sa.Column("what", sa.String(length=20), nullable=False),
    sa.Column("event", sa.String(length=10), nullable=False),
    sa.Column("actor", sa.String(length=120), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("format", sa.String(length=10), nullable=True),
    sa.Column("rows", sa.Integer(), nullable=True),
    sa.Column("detail", sa.JSON(), nullable=True),
    sa.CheckConstraint("event IN ('request', 'approve', 'refuse', 'download', 'denied')",
                       name=op.f("ck_export_log_event")),
    sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_export_log_actor_id_app_user")),
    sa.ForeignKeyConstraint(["request_id"], ["export_request.id"],
                            name=op.f("fk_export_log_request_id_export_request")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_export_log"))
    )
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.create_index("ix_export_log_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_log_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_assess_closed", ["closed_at", "status", "lead_unit_id", "redo_count"],
                              unique=False)
        batch_op.create_index("ix_ticket_created", ["created_at"], unique=False)
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index("ix_reply_submitted", ["submitted_at"], unique=False)
        batch_op.add_column(sa.Column("on_time", sa.Boolean(), nullable=True))
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_on_time", sa.Boolean(), nullable=True))
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_evaluation_unit_id_unit"), "unit", ["unit_id"], ["id"])
    # What the assessment used to join the ticket for, stored on the rows from now on; older rows filled in from
    # the ticket as it stands (the same figures the joins gave).
    op.execute("UPDATE assignment SET sign_on_time = CASE "
               "WHEN sign_mode = 'deemed' THEN TRUE "
               "WHEN sign_mode = 'signed' THEN (SELECT t.accept_due IS NULL OR assignment.signed_at <= t.accept_due "
               "FROM ticket t WHERE t.id = assignment.ticket_id) "
               "WHEN returned_at IS NOT NULL THEN FALSE END")
    op.execute("UPDATE reply SET on_time = (SELECT t.handling_due IS NULL OR reply.submitted_at <= t.handling_due "
               "FROM ticket t WHERE t.id = reply.ticket_id)")
    op.execute("UPDATE evaluation SET unit_id = (SELECT t.lead_unit_id FROM ticket t "
               "WHERE t.id = evaluation.ticket_id)")

    now = datetime.now(timezone.utc)
    op.bulk_insert(weights, [
        {"version": version, "weights": json.loads(json.dumps(w)), "note": note, "created_by": "系统初始化",
         "created_at": now, "active": active, "activated_by": "系统初始化" if active else None,
         "activated_at": now if active else None}
        for version, w, active, note in SEEDED])


def downgrade():
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evaluation_unit_id_unit"), type_="foreignkey")
        batch_op.drop_column("unit_id")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("sign_on_time")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_column("on_time")
        batch_op.drop_index("ix_reply_submitted")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_created")
        batch_op.drop_index("ix_ticket_assess_closed")
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_log_request_id"))
        batch_op.drop_index("ix_export_log_at")
    op.drop_table("export_log")
    with op.batch_alter_table("export_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_request_requested_by_id"))
    op.drop_table("export_request")
    op.drop_table("assessment_weights")
