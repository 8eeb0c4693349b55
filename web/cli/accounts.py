"""`create-user`, `create-api-client`: people and channel clients, from the command line."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from engine.common import transaction
from engine.domain.roles import Role
from engine.models import ApiClient, Unit, User

from ..extensions import db
from ..security import hash_password, hash_token, new_channel_token, now


def register_accounts_cli(app: Flask) -> None:
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
