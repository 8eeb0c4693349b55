"""attempts and tokens: attempt counters shared by every worker (sign-in, citizens' look-ups) replace the per-user
failure columns; a per-user token generation voids API tokens and sessions at sign-out and password change

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempt_counter",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=60), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempt_counter")),
    )
    op.create_index(op.f("ix_attempt_counter_account"), "attempt_counter", ["account"], unique=False)
    op.create_index(op.f("ix_attempt_counter_locked_until"), "attempt_counter", ["locked_until"], unique=False)
    # recreate="never": SQLite drops and adds these columns in place (no table copy under the foreign keys).
    with op.batch_alter_table("app_user", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")


def downgrade():
    with op.batch_alter_table("app_user", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("token_generation")
    op.drop_index(op.f("ix_attempt_counter_locked_until"), table_name="attempt_counter")
    op.drop_index(op.f("ix_attempt_counter_account"), table_name="attempt_counter")
    op.drop_table("attempt_counter")
