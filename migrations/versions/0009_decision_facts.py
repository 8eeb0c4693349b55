"""decision facts: the dispute reason of a joint review, every answer and check of a supervision, and the
submissions the engine could not complete (登记失败), kept so no request is lost

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("joint_review", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
    with op.batch_alter_table("supervision", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("rounds", sa.JSON(), nullable=True))
    op.create_table(
        "failed_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("task", sa.String(length=80), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("error_zh", sa.Text(), nullable=False),
        sa.Column("error_en", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_ticket_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('intake', 'public', 'task')", name=op.f("ck_failed_submission_kind")),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_failed_submission_status")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_failed_submission_user_id_app_user")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["app_user.id"],
                                name=op.f("fk_failed_submission_resolved_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_submission")),
    )
    op.create_index("ix_failed_submission_status_at", "failed_submission", ["status", "at"], unique=False)


def downgrade():
    op.drop_index("ix_failed_submission_status_at", table_name="failed_submission")
    op.drop_table("failed_submission")
    with op.batch_alter_table("supervision", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("rounds")
    with op.batch_alter_table("joint_review", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("reason")
