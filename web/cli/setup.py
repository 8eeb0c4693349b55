"""`init-db`, `seed-demo`, `kb-reindex`: create or upgrade the database, load the demo, rebuild the search index."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from engine.common import transaction
from engine.knowledge import search as kb_search
from engine.process import seed_defaults

from ..extensions import db
from ..security import hash_password, now

log = logging.getLogger(__name__)


def init_database() -> None:
    """Create or upgrade the schema in place, then seed what every installation needs."""
    upgrade()
    with transaction(db.session):
        seed_defaults(db.session, now())
    with transaction(db.session):
        # An upgraded PostgreSQL database may hold entries indexed the older way: index them again, once.
        rebuilt = kb_search.reindex_if_stale(db.session)
    if rebuilt is not None:
        log.info("knowledge-base search index rebuilt after an upgrade: %d published entries", rebuilt)


def register_setup_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db_cmd():
        """Create or upgrade the database and load the default diagrams, rules, calendar and reasons."""
        init_database()
        click.echo(f"数据库已就绪：{current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")

    @app.cli.command("seed-demo")
    @click.option("--tickets", default=1500, show_default=True, help="tickets registered over the demo period")
    @click.option("--months", default=12, show_default=True, help="how many months of history up to now")
    @click.option("--seed", default=12345, show_default=True)
    def seed_demo_cmd(tickets: int, months: int, seed: int):
        """Load the Heyuan demo: units, one user per role, knowledge entries and a year of tickets lived through
        the services (docs/demo.md)."""
        from engine.demo import content, seed_demo

        init_database()
        click.echo(f"正在生成演示数据（{months}个月、约{tickets}件工单）……")
        logins = seed_demo(db.session, now(), tickets=tickets, months=months, seed=seed,
                           progress=lambda step: click.echo(f"  {step}"),
                           password_hash=hash_password(content.DEMO_PASSWORD))
        click.echo("演示数据已生成。演示账号（密码均为 demo12345）：")
        by_unit: dict[str, list[str]] = {}
        for username, role_label, unit in logins:
            if "-" in username:  # a unit's staff, named after its code: print one line per unit
                by_unit.setdefault(unit, []).append(f"{username}（{role_label}）")
            else:
                click.echo(f"  {username:<18} {role_label:<8} {unit}")
        click.echo("各承办单位和县（区）热线办的账号"
                   "（用户名为单位代码小写加 -receiver / -handler / -leader / -dispatcher）：")
        for unit, names in by_unit.items():
            click.echo(f"  {unit}：{' '.join(names)}")

    @app.cli.command("kb-reindex")
    def kb_reindex_cmd():
        """Rebuild the knowledge-base search index from the entries (after a restore or a dictionary change)."""
        with transaction(db.session):
            count = kb_search.reindex_all(db.session)
        click.echo(f"知识库检索索引已重建：{count} 条已发布条目")
