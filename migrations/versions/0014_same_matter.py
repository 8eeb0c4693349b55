"""the same matter: similar-ticket word index, merged handling (并单), surge alerts, duty lists, dispatch
suggestions; the ticket state 已并单 (merged)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00

Hand-written. Rebuilding `ticket` on SQLite would trip the foreign keys that point at it (see 0002), so there the
new columns are added with inline REFERENCES clauses, and the state check gains 'merged' by editing the stored
table definition as SQLite documents for changing a CHECK constraint ("Making Other Kinds Of Table Schema Changes":
writable_schema, then a new schema_version). Allowing one more value cannot make an existing row invalid.
PostgreSQL drops and re-creates the named constraint.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_OLD = ("'scoping', 'dispatching', 'county_dispatching', 'signing', 'joint_review', 'co_handling', 'handling', "
        "'reviewing', 'evaluating', 'redo_deciding', 'refused', 'archived'")
_NEW = ("'scoping', 'dispatching', 'county_dispatching', 'signing', 'joint_review', 'co_handling', 'handling', "
        "'reviewing', 'evaluating', 'redo_deciding', 'merged', 'refused', 'archived'")


def _sqlite_status_check(old: str, new: str) -> None:
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket'").scalar()
    if f"status IN ({new})" in sql:
        return
    if f"status IN ({old})" not in sql:
        raise RuntimeError("ticket's status check is not the one this migration expects; migrate by hand")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ticket'",
                         (sql.replace(f"status IN ({old})", f"status IN ({new})"),))
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _add_reference(table: str, column: str) -> None:
    name = f"fk_{table}_{column}_ticket"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES ticket (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(name), table, "ticket", [column], ["id"])
    op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_status_check(_OLD, _NEW)
    else:
        op.drop_constraint(op.f("ck_ticket_status"), "ticket", type_="check")
        op.create_check_constraint(op.f("ck_ticket_status"), "ticket", f"status IN ({_NEW})")
    _add_reference("ticket", "main_ticket_id")
    _add_reference("task_projection", "matter_ticket_id")

    op.create_table(
        "ticket_term",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_term_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("ticket_id", "term", name=op.f("pk_ticket_term")),
    )
    op.create_index("ix_ticket_term_lookup", "ticket_term", ["term", "created_at", "ticket_id", "weight"])
    op.create_table(
        "term_stat",
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_term_stat")),
    )
    op.create_table(
        "similar_index",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area", sa.String(length=60), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_similar_index_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_similar_index")),
    )
    op.create_index("ix_similar_index_area", "similar_index", ["area", "created_at"])
    op.create_index("ix_similar_index_unlinked", "similar_index", ["linked_at", "created_at"])
    op.create_index("ix_similar_index_counted", "similar_index", ["counted"])
    op.create_table(
        "similar_link",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("text_score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_similar_link_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["other_id"], ["ticket.id"], name=op.f("fk_similar_link_other_id_ticket")),
        sa.PrimaryKeyConstraint("ticket_id", "other_id", name=op.f("pk_similar_link")),
    )
    op.create_index("ix_similar_link_other_id", "similar_link", ["other_id"])
    op.create_table(
        "surge_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("main_ticket_id", sa.Integer(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("supervision_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'merged', 'dismissed')", name=op.f("ck_surge_alert_status")),
        sa.ForeignKeyConstraint(["main_ticket_id"], ["ticket.id"], name=op.f("fk_surge_alert_main_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["handled_by_id"], ["app_user.id"],
                                name=op.f("fk_surge_alert_handled_by_id_app_user")),
        sa.ForeignKeyConstraint(["supervision_id"], ["supervision.id"],
                                name=op.f("fk_surge_alert_supervision_id_supervision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surge_alert")),
    )
    op.create_index("ix_surge_alert_status_opened", "surge_alert", ["status", "opened_at"])
    op.create_table(
        "ticket_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("main_ticket_id", sa.Integer(), nullable=False),
        sa.Column("child_ticket_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("surge_alert_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("child_status", sa.String(length=30), nullable=False),
        sa.Column("assignment_ids", sa.JSON(), nullable=True),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("merged_by", sa.String(length=120), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unmerged_by_id", sa.Integer(), nullable=True),
        sa.Column("unmerged_by", sa.String(length=120), nullable=True),
        sa.Column("unmerged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unmerge_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("source IN ('manual', 'surge')", name=op.f("ck_ticket_merge_source")),
        sa.CheckConstraint("main_ticket_id <> child_ticket_id", name=op.f("ck_ticket_merge_not_itself")),
        sa.ForeignKeyConstraint(["main_ticket_id"], ["ticket.id"], name=op.f("fk_ticket_merge_main_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["child_ticket_id"], ["ticket.id"],
                                name=op.f("fk_ticket_merge_child_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["surge_alert_id"], ["surge_alert.id"],
                                name=op.f("fk_ticket_merge_surge_alert_id_surge_alert")),
        sa.ForeignKeyConstraint(["merged_by_id"], ["app_user.id"], name=op.f("fk_ticket_merge_merged_by_id_app_user")),
        sa.ForeignKeyConstraint(["unmerged_by_id"], ["app_user.id"],
                                name=op.f("fk_ticket_merge_unmerged_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_merge")),
    )
    op.create_index("ix_ticket_merge_main", "ticket_merge", ["main_ticket_id", "unmerged_at"])
    op.create_index("ix_ticket_merge_child_ticket_id", "ticket_merge", ["child_ticket_id"])
    op.create_table(
        "unit_duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("basis", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_duty_unit_id_unit")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"], name=op.f("fk_unit_duty_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_duty")),
    )
    op.create_index("ix_unit_duty_unit_id", "unit_duty", ["unit_id"])
    op.create_table(
        "dispatch_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_to_id", sa.Integer(), nullable=True),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("chosen_unit_id", sa.Integer(), nullable=True),
        sa.Column("taken_rank", sa.Integer(), nullable=True),
        sa.Column("dispatch_round", sa.Integer(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("default_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_dispatch_suggestion_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["shown_to_id"], ["app_user.id"],
                                name=op.f("fk_dispatch_suggestion_shown_to_id_app_user")),
        sa.ForeignKeyConstraint(["chosen_unit_id"], ["unit.id"],
                                name=op.f("fk_dispatch_suggestion_chosen_unit_id_unit")),
        sa.ForeignKeyConstraint(["default_unit_id"], ["unit.id"],
                                name=op.f("fk_dispatch_suggestion_default_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_suggestion")),
    )
    op.create_index("ix_dispatch_suggestion_ticket_id", "dispatch_suggestion", ["ticket_id"])


def downgrade():
    for table in ("dispatch_suggestion", "unit_duty", "ticket_merge", "surge_alert", "similar_link",
                  "similar_index", "term_stat", "ticket_term"):
        op.drop_table(table)
    for table, column in (("task_projection", "matter_ticket_id"), ("ticket", "main_ticket_id")):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_{table}_{column}_ticket"), table, type_="foreignkey")
        op.drop_column(table, column)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_status_check(_NEW, _OLD)
    else:
        op.drop_constraint(op.f("ck_ticket_status"), "ticket", type_="check")
        op.create_check_constraint(op.f("ck_ticket_status"), "ticket", f"status IN ({_OLD})")
