"""findings: the content digest of every ticket (same or near-identical matters grouped in SQL) and a partial index
of the handling deadlines of tickets with a unit (the overdue list)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:00:00

The digest is computed here with the project's own rule (engine.domain.matching, standard library only), in batches
of 5,000 tickets, for every ticket registered before the upgrade.
"""
import sqlalchemy as sa
from alembic import op

from engine.domain.matching import content_digest

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

WHERE = "status IN ('handling', 'co_handling')"
BATCH = 5000


def upgrade():
    with op.batch_alter_table("ticket", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("content_key", sa.String(length=40), nullable=True))
    op.create_index("ix_ticket_with_unit_due", "ticket", ["handling_due"], unique=False,
                    postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, content FROM ticket WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            break
        keyed = [{"id": i, "k": content_digest(c)} for i, c in rows]
        keyed = [r for r in keyed if r["k"] is not None]
        if keyed:
            conn.execute(sa.text("UPDATE ticket SET content_key = :k WHERE id = :id"), keyed)
        last = rows[-1][0]


def downgrade():
    op.drop_index("ix_ticket_with_unit_due", table_name="ticket")
    with op.batch_alter_table("ticket", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("content_key")
