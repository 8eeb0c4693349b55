"""Flask CLI: init-db, seed-demo, kb-reindex, create-user, create-api-client, run-jobs, scheduler."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select

from engine.db import transaction
from engine.domain.roles import Role
from engine.models import ApiClient, Unit, User
from engine.services import kb_search
from engine.services.setup import seed_defaults

from .cli_bpmn import register_bpmn_cli
from .cli_calendar import register_calendar_cli
from .cli_documents import register_documents_cli
from .extensions import db
from .security import hash_password, hash_token, new_channel_token, now

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


def register_cli(app: Flask) -> None:
    register_bpmn_cli(app)
    register_calendar_cli(app)
    register_documents_cli(app)
    @app.cli.command("init-db")
    def init_db_cmd():
        """Create or upgrade the database and load the default diagrams, rules, calendar and reasons."""
        init_database()
        click.echo(f"数据库已就绪：{current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")

    @app.cli.command("seed-demo")
    @click.option("--tickets", default=300, show_default=True, help="how many demo tickets to create")
    @click.option("--seed", default=12345, show_default=True)
    def seed_demo_cmd(tickets: int, seed: int):
        """Load the Heyuan demo: units, one user per role, knowledge entries and tickets in every state."""
        from engine.demo import seed_demo

        init_database()
        logins = seed_demo(db.session, now(), tickets=tickets, seed=seed)
        click.echo("演示数据已生成。演示账号（密码均为 demo12345）：")
        for username, role_label, unit in logins:
            click.echo(f"  {username:<18} {role_label:<8} {unit}")

    @app.cli.command("kb-reindex")
    def kb_reindex_cmd():
        """Rebuild the knowledge-base search index from the entries (after a restore or a dictionary change)."""
        with transaction(db.session):
            count = kb_search.reindex_all(db.session)
        click.echo(f"知识库检索索引已重建：{count} 条已发布条目")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--unit", "unit_code", default=None, help="unit code, e.g. HY-OFFICE")
    @click.password_option()
    def create_user_cmd(username, role, display_name, unit_code, password):
        """Create a user with a role and a unit."""
        unit = None
        if unit_code:
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
            if unit is None:
                raise click.ClickException(f"unknown unit code {unit_code}")
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"user {username} already exists")
        with transaction(db.session):
            db.session.add(User(username=username, password_hash=hash_password(password), display_name=display_name,
                                role=role, unit_id=unit.id if unit else None, created_at=now()))
        click.echo(f"用户 {username} 已创建")

    @app.cli.command("create-api-client")
    @click.argument("name")
    @click.option("--channel", type=click.Choice(["phone", "web", "wechat", "app"]), required=True)
    def create_api_client_cmd(name, channel):
        """Create a channel client and print its token once."""
        token = new_channel_token()
        with transaction(db.session):
            db.session.add(ApiClient(name=name, channel=channel, token_hash=hash_token(token), created_at=now()))
        click.echo(token)

    @app.cli.command("run-jobs")
    def run_jobs_cmd():
        """Run the clock jobs once (deemed acceptance, 未评价) and print what they did."""
        from .scheduler import run_clock_jobs

        done = run_clock_jobs(current_app)
        click.echo(f"视同接受 {done['deemed']} 件，逾期未评价 {done['unevaluated']} 件")

    @app.cli.command("scheduler")
    def scheduler_cmd():
        """Run the scheduler in the foreground (one per deployment)."""
        from .scheduler import run_forever

        run_forever(current_app)
