"""`create-user` from a script: the password on standard input or as an option, never a prompt without a terminal;
the new user signs in through the login page."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from engine.models import User
from tests.support.pages import Client, post

from .test_errors import assert_one_chinese_line


@pytest.fixture
def cleanup(db):
    names: list[str] = []
    yield names
    db.session.rollback()
    db.session.execute(delete(User).where(User.username.in_(names)))
    db.session.commit()


def signs_in(app, username: str, password: str) -> bool:
    client = Client(app, app.response_class)  # a fresh browser: no session yet
    r = post(client, "/login", {"username": username, "password": password})
    return r.status_code == 302 and "/login" not in r.headers["Location"]


def test_password_from_standard_input_and_the_user_signs_in(app, db, cleanup):
    cleanup.append("zhang.san")
    result = app.test_cli_runner().invoke(args=["create-user", "zhang.san", "--role", "派单员", "--name", "张三",
                                                "--unit", "HY-OFFICE", "--password-stdin"],
                                          input="correct horse 12345\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "用户 zhang.san（派单员）已创建\n"
    user = db.session.scalar(select(User).where(User.username == "zhang.san"))
    assert user.role == "dispatcher" and user.display_name == "张三"
    assert signs_in(app, "zhang.san", "correct horse 12345")
    assert not signs_in(app, "zhang.san", "correct horse 12345\n")


def test_password_as_an_option(app, db, cleanup):
    cleanup.append("li.si")
    result = app.test_cli_runner().invoke(args=["create-user", "li.si", "--role", "reviewer", "--name", "李四",
                                                "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    assert signs_in(app, "li.si", "s3cret-pass")


def test_without_a_terminal_and_without_a_password_it_refuses_instead_of_aborting(app, db, cleanup):
    cleanup.append("wang.wu")
    result = app.test_cli_runner().invoke(args=["create-user", "wang.wu", "--role", "agent", "--name", "王五"],
                                          input="")
    line = assert_one_chinese_line(result, exit_code=1)
    assert "--password-stdin" in line
    assert db.session.scalar(select(User.id).where(User.username == "wang.wu")) is None


@pytest.mark.parametrize("args, stdin, expected", [
    (["--password-stdin"], "short\n", "错误：密码长度须为8至128位"),
    (["--password-stdin", "--password", "long enough"], "", "错误：--password 和 --password-stdin 只能用一个"),
    (["--password", "x" * 129], "", "错误：密码长度须为8至128位"),
])
def test_bad_passwords_are_refused_and_nobody_is_created(app, db, cleanup, args, stdin, expected):
    cleanup.append("zhao.liu")
    result = app.test_cli_runner().invoke(args=["create-user", "zhao.liu", "--role", "agent", "--name", "赵六", *args],
                                          input=stdin)
    assert assert_one_chinese_line(result) == expected
    assert db.session.scalar(select(User.id).where(User.username == "zhao.liu")) is None


def test_a_taken_username_is_refused(app, db):
    result = app.test_cli_runner().invoke(args=["create-user", "agent", "--role", "agent", "--name", "重复",
                                                "--password", "whatever123"])
    assert assert_one_chinese_line(result) == "错误：用户名 agent 已被使用"
