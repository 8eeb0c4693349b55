"""a partial index of the handling deadlines of tickets with a unit, for the findings page's overdue list

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

WHERE = "status IN ('handling', 'co_handling')"


def upgrade():
    op.create_index("ix_ticket_with_unit_due", "ticket", ["handling_due"], unique=False,
                    postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade():
    op.drop_index("ix_ticket_with_unit_due", table_name="ticket")
