"""The migrations build exactly the schema the models describe, so an existing database upgrades in place."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from engine.models import Base
from engine.models.knowledge import is_search_index


def _outside_search_index(obj, name, type_, reflected, compare_to):
    # The full-text index is dialect-specific and deliberately not modelled (engine.models.knowledge).
    return not is_search_index(type_, name or "", getattr(getattr(obj, "table", None), "name", None))


# SQLite cannot reflect expression indexes, so autogenerate skips them (and says so); the next-but-one test checks
# them by name instead.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_models(app, db, database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                     "include_object": _outside_search_index})
        diffs = [d for d in compare_metadata(ctx, Base.metadata)
                 if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]
    engine.dispose()
    assert diffs == [], f"models and migrations differ: {diffs[:5]}"


def test_upgrade_is_idempotent(app, db):
    from web.cli import init_database

    init_database()  # a second run on an up-to-date database changes nothing and does not fail


def test_every_modelled_index_exists_in_the_migrated_database(app, db, database_url):
    """compare_metadata cannot see expression indexes (SQLite's reflection skips them), so check them by name:
    a migration that copies a table in batch mode would drop ix_ticket_inbox_order without a word."""
    from sqlalchemy import text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        else:
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))
        present = {r[0] for r in rows}
    engine.dispose()
    modelled = {ix.name for table in Base.metadata.tables.values() for ix in table.indexes}
    assert "ix_ticket_inbox_order" in modelled
    assert modelled - present == set()


def test_migration_0008_fills_the_content_digest_of_older_tickets(tmp_path):
    """A database at 0007 with tickets registered before the digest existed: the upgrade fills it with the
    product's own rule (repeated matters by content find them), and leaves short texts without one."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from engine.domain.matching import content_digest
    from web import create_app
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db", "SCHEDULER_ENABLED": False})
    noise = "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。"
    with app.app_context():
        upgrade(revision="0007")
        row = {"query_code_hash": "x", "channel": "phone", "citizen_name": "张三", "citizen_phone": "13800001234",
               "ticket_type": "complaint", "status": "scoping", "redo_count": 0, "return_count": 0,
               "workflow_state": "{}", "created_at": "2026-11-20 01:00:00", "updated_at": "2026-11-20 01:00:00",
               "deadline_provisional": 0, "process_version_id": 1, "rule_set_id": 1}
        insert = text(f"INSERT INTO ticket (number, content, {', '.join(row)}) "
                      f"VALUES (:number, :content, {', '.join(':' + k for k in row)})")
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        db.session.execute(insert, [row | {"number": "OLD1", "content": noise},
                                    row | {"number": "OLD2", "content": "路灯坏了"}])
        db.session.commit()
        upgrade()
        keys = dict(db.session.execute(text("SELECT number, content_key FROM ticket")).all())
        db.session.remove()
        db.engine.dispose()
    assert keys == {"OLD1": content_digest(noise), "OLD2": None}


def test_migration_i15_1_merges_the_pii_view_rows_of_one_user_ticket_and_reason(tmp_path):
    """Before issue 15 every page load added a pii_view row; the upgrade keeps one per user, ticket and reason with
    the first time, the last time and the count, and a second identical view can no longer add a row."""
    import sqlalchemy
    from flask_migrate import upgrade
    from sqlalchemy import text

    from web import create_app
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db", "SCHEDULER_ENABLED": False})
    with app.app_context():
        upgrade(revision="0008")
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        db.session.execute(text("INSERT INTO pii_view (ticket_id, user_id, actor_label, reason, at) VALUES "
                                "(7, 1, '张伟强', '办理工单', '2026-11-20 01:00:00'),"
                                "(7, 1, '张伟强', '办理工单', '2026-11-20 03:00:00'),"
                                "(7, 1, '张伟强', '办理工单', '2026-11-20 02:00:00'),"
                                "(7, 1, '张伟强', '督办需要', '2026-11-21 01:00:00'),"
                                "(8, 1, '张伟强', '办理工单', '2026-11-22 01:00:00')"))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT ticket_id, reason, at, last_at, views FROM pii_view "
                                       "ORDER BY ticket_id, reason")).all()
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            db.session.execute(text("INSERT INTO pii_view (ticket_id, user_id, actor_label, reason, at, views) "
                                    "VALUES (7, 1, '张伟强', '办理工单', '2026-11-23 01:00:00', 1)"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    assert [(t, reason, str(at)[:19], str(last)[:19], n) for t, reason, at, last, n in rows] == [
        (7, "办理工单", "2026-11-20 01:00:00", "2026-11-20 03:00:00", 3),
        (7, "督办需要", "2026-11-21 01:00:00", "2026-11-21 01:00:00", 1),
        (8, "办理工单", "2026-11-22 01:00:00", "2026-11-22 01:00:00", 1)]
