"""clocks: monitoring thresholds on ticket, notice outbox, supervision requests, job lease

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00

Hand-written. SQLite cannot add a constraint to an existing table without rebuilding it, and rebuilding `ticket`
would trip the foreign keys that point at it, so on SQLite the two check constraints are written inline in
`ALTER TABLE … ADD COLUMN` (which SQLite allows); PostgreSQL gets the same named constraints separately.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INSTANTS = ("accept_warning_at", "accept_yellow_at", "accept_red_at",
             "handling_warning_at", "handling_yellow_at", "handling_red_at", "next_threshold_at")
_STAGE_CHECK = "monitor_stage IN ('dispatch', 'acceptance', 'handling')"
_LEVEL_CHECK = "monitor_level IN ('normal', 'warning', 'yellow', 'red')"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        for name in _INSTANTS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        if not sqlite:
            batch_op.add_column(sa.Column("monitor_stage", sa.String(length=12), nullable=True))
            batch_op.add_column(sa.Column("monitor_level", sa.String(length=10), nullable=False,
                                          server_default="normal"))
        batch_op.create_index(batch_op.f("ix_ticket_next_threshold_at"), ["next_threshold_at"], unique=False)
    if sqlite:
        op.execute("ALTER TABLE ticket ADD COLUMN monitor_stage VARCHAR(12) "
                   f"CONSTRAINT ck_ticket_monitor_stage CHECK ({_STAGE_CHECK})")
        op.execute("ALTER TABLE ticket ADD COLUMN monitor_level VARCHAR(10) DEFAULT 'normal' NOT NULL "
                   f"CONSTRAINT ck_ticket_monitor_level CHECK ({_LEVEL_CHECK})")
    else:
        op.create_check_constraint("ck_ticket_monitor_stage", "ticket", _STAGE_CHECK)
        op.create_check_constraint("ck_ticket_monitor_level", "ticket", _LEVEL_CHECK)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("recipient_name", sa.String(length=120), nullable=True),
        sa.Column("recipient_role", sa.String(length=20), nullable=True),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_by", sa.String(length=20), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('sms', 'voice')", name=op.f("ck_outbox_kind")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_outbox_status")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts")),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f("ck_outbox_sent_has_time")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_outbox_ticket_id_ticket"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "supervision_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("threshold_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint("reason IN ('red_card')", name=op.f("ck_supervision_request_reason")),
        sa.CheckConstraint("status IN ('open', 'taken', 'closed')", name=op.f("ck_supervision_request_status")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_supervision_request_ticket_id_ticket"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_supervision_request_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_request")),
        sa.UniqueConstraint("ticket_id", "stage", "threshold_at", name="uq_supervision_request_once"),
    )
    with op.batch_alter_table("supervision_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_request_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade():
    op.drop_table("job_lease")
    with op.batch_alter_table("supervision_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_request_ticket_id"))
    op.drop_table("supervision_request")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_ticket_id"))
        batch_op.drop_index("ix_outbox_status_next")
    op.drop_table("outbox")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint("ck_ticket_monitor_level", "ticket", type_="check")
        op.drop_constraint("ck_ticket_monitor_stage", "ticket", type_="check")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_next_threshold_at"))
    for name in ("monitor_level", "monitor_stage", *reversed(_INSTANTS)):
        if sqlite:
            # Native DROP COLUMN (SQLite 3.35+) keeps the table; a batch rebuild would trip the foreign keys
            # that point at ticket. A column's own CHECK constraint does not stop it.
            op.execute(f"ALTER TABLE ticket DROP COLUMN {name}")
        else:
            op.drop_column("ticket", name)
