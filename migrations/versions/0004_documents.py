"""documents: number counters per kind and year, issued documents (kept unchanged), print batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00

Hand-written; only new tables, so SQLite needs no rebuild.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_VOID_CHECK = ("(status = 'issued' AND void_reason IS NULL AND voided_at IS NULL) OR "
               "(status = 'void' AND void_reason IS NOT NULL AND length(trim(void_reason)) > 0 "
               "AND voided_at IS NOT NULL)")


def upgrade():
    op.create_table(
        "document_counter",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_seq >= 0", name=op.f("ck_document_counter_last_seq")),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_document_counter")),
    )

    op.create_table(
        "issued_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("addressee", sa.String(length=200), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("voided_by", sa.String(length=120), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('issued', 'void')", name=op.f("ck_issued_document_status")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_issued_document_seq")),
        sa.CheckConstraint(_VOID_CHECK, name=op.f("ck_issued_document_void_has_reason")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_issued_document_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_issued_document_unit_id_unit")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["app_user.id"],
                                name=op.f("fk_issued_document_issued_by_id_app_user")),
        sa.ForeignKeyConstraint(["voided_by_id"], ["app_user.id"],
                                name=op.f("fk_issued_document_voided_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint("number", name=op.f("uq_issued_document_number")),
        sa.UniqueConstraint("kind", "year", "seq", name="uq_issued_document_kind_year_seq"),
    )
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.create_index("ix_issued_document_kind_issued", ["kind", "issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_issued_document_issued_at"), ["issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_issued_document_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_issued_document_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "print_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_print_batch_status")),
        sa.CheckConstraint("done >= 0 AND total >= 0 AND done <= total", name=op.f("ck_print_batch_progress")),
        sa.CheckConstraint("status <> 'done' OR pdf IS NOT NULL", name=op.f("ck_print_batch_done_has_pdf")),
        sa.CheckConstraint("status <> 'failed' OR error IS NOT NULL", name=op.f("ck_print_batch_failed_has_error")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"],
                                name=op.f("fk_print_batch_requested_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_batch")),
    )
    with op.batch_alter_table("print_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_batch_requested_by_id"), ["requested_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("print_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_batch_requested_by_id"))
    op.drop_table("print_batch")
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_document_unit_id"))
        batch_op.drop_index(batch_op.f("ix_issued_document_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_issued_document_issued_at"))
        batch_op.drop_index("ix_issued_document_kind_issued")
    op.drop_table("issued_document")
    op.drop_table("document_counter")
