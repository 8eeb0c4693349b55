"""process versions record a forced deployment: the override reason and the journeys skipped

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("skipped_journeys", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.drop_column("skipped_journeys")
        batch_op.drop_column("override_reason")
