"""`create-user`, `create-api-client`: people and channel clients, from the command line."""
from __future__ import annotations

import re
import sys

import click
from flask import Flask
from sqlalchemy import select

from engine.common import Actor, accounts, transaction
from engine.domain.roles import ROLE_LABELS, Role
from engine.domain.states import Channel
from engine.models import Unit, User

from ..extensions import db
from ..security import hash_password, hash_token, new_channel_token, now

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,60}$")  # the rule of the 新建用户 page (forms/accounts.py)
PASSWORD_LENGTH = (8, 128)


def parse_role(value: str) -> str:
    """Return the role code for a code (dispatcher) or its Chinese name (派单员).

    :raises click.ClickException: for anything else, listing the roles.
    """
    text = (value or "").strip()
    for role in Role:
        if text in (role.value, ROLE_LABELS[role]):
            return role.value
    choices = "、".join(f"{ROLE_LABELS[r]}（{r.value}）" for r in Role)
    raise click.ClickException(f"未知的角色“{value}”，可选：{choices}")


def read_password(password: str | None, from_stdin: bool) -> str:
    """The password from --password, from standard input (first line), or typed twice at a terminal.

    :raises click.ClickException: when there is no way to get one, or it is too short or too long.
    """
    if password is not None and from_stdin:
        raise click.ClickException("--password 和 --password-stdin 只能用一个")
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        if not sys.stdin.isatty():
            raise click.ClickException("没有终端可输入密码：脚本中请用 --password-stdin 从标准输入传入密码")
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    low, high = PASSWORD_LENGTH
    if not low <= len(password) <= high:
        raise click.ClickException(f"密码长度须为{low}至{high}位")
    return password


def register_accounts_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, help="角色：代码或中文名，如 dispatcher 或 派单员")
    @click.option("--name", "display_name", required=True, help="姓名")
    @click.option("--unit", "unit_code", default=None, help="所属单位代码，如 HY-OFFICE（市领导等可不填）")
    @click.option("--password", default=None,
                  help="密码（8至128位）；会留在命令历史和进程列表中，脚本请用 --password-stdin")
    @click.option("--password-stdin", "password_stdin", is_flag=True, help="从标准输入的第一行读取密码")
    def create_user_cmd(username, role, display_name, unit_code, password, password_stdin):
        """Create a user with a role and a unit; without --password(-stdin) the password is typed twice."""
        if not USERNAME.match(username):
            raise click.ClickException("用户名须为3至60位字母、数字、点、下划线或连字符")
        role = parse_role(role)
        unit = None
        if unit_code:
            unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
            if unit is None:
                raise click.ClickException(f"没有代码为 {unit_code} 的单位")
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise click.ClickException(f"用户名 {username} 已被使用")
        secret = read_password(password, password_stdin)
        with transaction(db.session):
            db.session.add(User(username=username, password_hash=hash_password(secret), display_name=display_name,
                                role=role, unit_id=unit.id if unit else None, created_at=now()))
        click.echo(f"用户 {username}（{ROLE_LABELS[Role(role)]}）已创建")

    @app.cli.command("create-api-client")
    @click.argument("name")
    @click.option("--channel", type=click.Choice([c.value for c in Channel]), required=True)
    def create_api_client_cmd(name, channel):
        """Create a channel client and print its token once (listed and revoked on the page /admin/api-clients)."""
        token = new_channel_token()
        with transaction(db.session):
            accounts.create_client(db.session, Actor.system("命令行"), name, channel, hash_token(token), now())
        click.echo(token)
