"""attachments: files of a ticket with their bytes, who opened them, and the office's upload limits

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("supervision_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("slot", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumb", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("kind IN ('image', 'pdf', 'office')", name=op.f("ck_attachment_kind")),
        sa.CheckConstraint("slot IN ('file', 'scan')", name=op.f("ck_attachment_slot")),
        sa.CheckConstraint("origin IN ('citizen', 'unit', 'office')", name=op.f("ck_attachment_origin")),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachment_size")),
        sa.CheckConstraint("NOT public OR origin <> 'citizen' OR published_at IS NOT NULL",
                           name=op.f("ck_attachment_citizen_published")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_attachment_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["supervision_id"], ["supervision.id"],
                                name=op.f("fk_attachment_supervision_id_supervision")),
        sa.ForeignKeyConstraint(["added_by_id"], ["app_user.id"], name=op.f("fk_attachment_added_by_id_app_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_attachment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("token", name=op.f("uq_attachment_token")),
    )
    op.create_index("ix_attachment_ticket_added", "attachment", ["ticket_id", "added_at"], unique=False)
    op.create_table(
        "attachment_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("via IN ('page', 'api', 'citizen')", name=op.f("ck_attachment_access_via")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"],
                                name=op.f("fk_attachment_access_attachment_id_attachment")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_attachment_access_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_attachment_access_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_access")),
    )
    op.create_index(op.f("ix_attachment_access_attachment_id"), "attachment_access", ["attachment_id"], unique=False)
    op.create_index(op.f("ix_attachment_access_ticket_id"), "attachment_access", ["ticket_id"], unique=False)
    op.create_table(
        "attachment_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("max_file_mb", sa.Integer(), nullable=False),
        sa.Column("max_ticket_mb", sa.Integer(), nullable=False),
        sa.Column("max_files", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_attachment_settings_single_row")),
        sa.CheckConstraint("max_file_mb >= 1 AND max_ticket_mb >= max_file_mb AND max_files >= 1",
                           name=op.f("ck_attachment_settings_limits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_settings")),
    )


def downgrade():
    op.drop_table("attachment_settings")
    op.drop_index(op.f("ix_attachment_access_ticket_id"), table_name="attachment_access")
    op.drop_index(op.f("ix_attachment_access_attachment_id"), table_name="attachment_access")
    op.drop_table("attachment_access")
    op.drop_index("ix_attachment_ticket_added", table_name="attachment")
    op.drop_table("attachment")
