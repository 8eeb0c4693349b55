"""knowledge base: entry versions, edit requests, gap/error flags, new entry columns, full-text index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:10:00

The full-text index is dialect-specific and not part of the models (engine.models.knowledge.SEARCH_INDEX):
SQLite gets an FTS5 table ``kb_fts``; PostgreSQL a ``kb_entry.tsv`` tsvector column with a GIN index. Both hold
jieba-segmented words separated by spaces and are filled by ``engine.knowledge.search``.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("kb_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keywords", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("effective_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("expiry_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("current_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("uploaded_late", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table("kb_entry_version",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("entry_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("basis", sa.Text(), nullable=True),
    sa.Column("keywords", sa.JSON(), nullable=True),
    sa.Column("category", sa.String(length=80), nullable=True),
    sa.Column("effective_date", sa.Date(), nullable=True),
    sa.Column("expiry_date", sa.Date(), nullable=True),
    sa.Column("author", sa.String(length=120), nullable=False),
    sa.Column("author_id", sa.Integer(), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("version >= 1", name=op.f("ck_kb_entry_version_version")),
    sa.ForeignKeyConstraint(["author_id"], ["app_user.id"], name=op.f("fk_kb_entry_version_author_id_app_user")),
    sa.ForeignKeyConstraint(["entry_id"], ["kb_entry.id"], name=op.f("fk_kb_entry_version_entry_id_kb_entry")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_entry_version")),
    sa.UniqueConstraint("entry_id", "version", name="uq_kb_entry_version_number")
    )
    with op.batch_alter_table("kb_entry_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_entry_version_entry_id"), ["entry_id"], unique=False)

    op.create_table("kb_edit_request",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("entry_id", sa.Integer(), nullable=False),
    sa.Column("base_version", sa.Integer(), nullable=False),
    sa.Column("changes", sa.JSON(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("requested_by", sa.String(length=120), nullable=False),
    sa.Column("requested_by_id", sa.Integer(), nullable=True),
    sa.Column("requested_unit_id", sa.Integer(), nullable=True),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(length=10), nullable=False),
    sa.Column("decided_by", sa.String(length=120), nullable=True),
    sa.Column("decided_by_id", sa.Integer(), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_reason", sa.Text(), nullable=True),
    sa.Column("applied_version", sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f("ck_kb_edit_request_status")),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                       name=op.f("ck_kb_edit_request_reject_reason")),
    sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"],
                            name=op.f("fk_kb_edit_request_decided_by_id_app_user")),
    sa.ForeignKeyConstraint(["entry_id"], ["kb_entry.id"], name=op.f("fk_kb_edit_request_entry_id_kb_entry")),
    sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"],
                            name=op.f("fk_kb_edit_request_requested_by_id_app_user")),
    sa.ForeignKeyConstraint(["requested_unit_id"], ["unit.id"],
                            name=op.f("fk_kb_edit_request_requested_unit_id_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_edit_request"))
    )
    with op.batch_alter_table("kb_edit_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_edit_request_entry_id"), ["entry_id"], unique=False)

    op.create_table("kb_flag",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=10), nullable=False),
    sa.Column("entry_id", sa.Integer(), nullable=True),
    sa.Column("category", sa.String(length=80), nullable=True),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("source_ticket_id", sa.Integer(), nullable=True),
    sa.Column("flagged_by", sa.String(length=120), nullable=False),
    sa.Column("flagged_by_id", sa.Integer(), nullable=True),
    sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warning_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("yellow_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("red_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("next_threshold_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("level", sa.String(length=10), nullable=False),
    sa.Column("notified", sa.JSON(), nullable=True),
    sa.Column("provisional", sa.Boolean(), nullable=False),
    sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("fixed_by", sa.String(length=120), nullable=True),
    sa.Column("fix_note", sa.Text(), nullable=True),
    sa.Column("fixed_late", sa.Boolean(), nullable=True),
    sa.Column("document_id", sa.Integer(), nullable=True),
    sa.CheckConstraint("entry_id IS NOT NULL OR category IS NOT NULL", name=op.f("ck_kb_flag_target")),
    sa.CheckConstraint("kind IN ('gap', 'error')", name=op.f("ck_kb_flag_kind")),
    sa.CheckConstraint("level IN ('normal', 'warning', 'yellow', 'red')", name=op.f("ck_kb_flag_level")),
    sa.ForeignKeyConstraint(["document_id"], ["issued_document.id"],
                            name=op.f("fk_kb_flag_document_id_issued_document")),
    sa.ForeignKeyConstraint(["entry_id"], ["kb_entry.id"], name=op.f("fk_kb_flag_entry_id_kb_entry")),
    sa.ForeignKeyConstraint(["flagged_by_id"], ["app_user.id"], name=op.f("fk_kb_flag_flagged_by_id_app_user")),
    sa.ForeignKeyConstraint(["source_ticket_id"], ["ticket.id"], name=op.f("fk_kb_flag_source_ticket_id_ticket")),
    sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_kb_flag_unit_id_unit")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_flag"))
    )
    with op.batch_alter_table("kb_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_flag_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_flag_next_threshold_at"), ["next_threshold_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_flag_unit_id"), ["unit_id"], unique=False)

    # Existing entries become version 1 of themselves, so every entry has its history from here on.
    op.execute("INSERT INTO kb_entry_version (entry_id, version, status, title, content, basis, category, author, "
               "note, created_at) SELECT id, 1, status, title, content, basis, category, '系统迁移', "
               "'迁移前的条目', created_at FROM kb_entry")
    op.execute("UPDATE kb_entry SET current_version = 1")

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE kb_fts USING fts5(title, content, keywords)")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE kb_entry ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_kb_entry_tsv ON kb_entry USING gin (tsv)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS kb_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_kb_entry_tsv")
        op.execute("ALTER TABLE kb_entry DROP COLUMN IF EXISTS tsv")
    with op.batch_alter_table("kb_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_flag_unit_id"))
        batch_op.drop_index(batch_op.f("ix_kb_flag_next_threshold_at"))
        batch_op.drop_index(batch_op.f("ix_kb_flag_entry_id"))
    op.drop_table("kb_flag")
    with op.batch_alter_table("kb_edit_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_edit_request_entry_id"))
    op.drop_table("kb_edit_request")
    with op.batch_alter_table("kb_entry_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_entry_version_entry_id"))
    op.drop_table("kb_entry_version")
    with op.batch_alter_table("kb_entry", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("uploaded_late")
        batch_op.drop_column("current_version")
        batch_op.drop_column("expiry_date")
        batch_op.drop_column("effective_date")
        batch_op.drop_column("keywords")
