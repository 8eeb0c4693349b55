"""privacy: the office's settings (the per-role policy on citizens' contact details) and a PII view log with one
row per user, ticket and reason

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00

Existing view rows are merged: the earliest row of each (ticket, user, reason) keeps the first time, takes the last
time and the number of rows as its view count; the others are deleted. Then the unique constraint is added.
"""
import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SAME = "p.ticket_id = pii_view.ticket_id AND p.reason = pii_view.reason AND " \
       "(p.user_id = pii_view.user_id OR (p.user_id IS NULL AND pii_view.user_id IS NULL))"


def upgrade():
    op.create_table(
        "office_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_office_setting")),
    )
    with op.batch_alter_table("pii_view", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("views", sa.Integer(), server_default="1", nullable=False))
    op.execute(f"UPDATE pii_view SET last_at = (SELECT max(p.at) FROM pii_view p WHERE {SAME}), "
               f"views = (SELECT count(*) FROM pii_view p WHERE {SAME})")
    op.execute(f"DELETE FROM pii_view WHERE EXISTS (SELECT 1 FROM pii_view p WHERE {SAME} AND p.id < pii_view.id)")
    with op.batch_alter_table("pii_view", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_pii_view_once", ["ticket_id", "user_id", "reason"])


def downgrade():
    with op.batch_alter_table("pii_view", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pii_view_once", type_="unique")
        batch_op.drop_column("views")
        batch_op.drop_column("last_at")
    op.drop_table("office_setting")
