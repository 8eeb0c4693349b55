"""No traceback on the command line: every command answers bad input with one Chinese line and a non-zero exit
(issue 16, item 8), whether the command is ours, Flask's or Flask-Migrate's."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from web.cli.errors import GUARDED

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_one_chinese_line(result, exit_code: int | None = None) -> str:
    """The refusal is exactly one line on stderr, ``错误：…`` in Chinese, and the exit status is not 0."""
    assert result.exit_code != 0, result.output
    if exit_code is not None:
        assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # handled, not a crash
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and CJK.search(lines[0][3:]), lines[0]
    assert "Traceback" not in result.output and "Error:" not in result.output
    return lines[0]


@pytest.mark.parametrize("args, expected", [
    (["bpmn", "activate", "99"], "错误：流程版本 99 不存在"),
    (["bpmn", "diff", "1", "99"], "错误：流程版本 99 不存在"),
    (["bpmn", "migrate", "--to", "99", "--dry-run"], "错误：流程版本 99 不存在"),
    (["bpmn", "activate", "abc"], "错误：参数 VERSION 的值不正确：“abc”不是整数"),
    (["bpmn", "activate"], "错误：缺少参数 VERSION"),
    (["bpmn", "activate", "1", "2"], "错误：多余的参数：2"),
    (["bpmn", "nosuch"], "错误：没有命令 nosuch"),
    (["bpmn", "versions", "--process", "nosuch"], "错误：选项 --process 的值不正确：“nosuch”不是可选值，可选："),
    (["bpmn", "validate", "/nonexistent/hotline.bpmn"], "错误：参数 FILES 的值不正确：“/nonexistent/hotline.bpmn”不存在"),
    (["bpmn", "deploy", "--author", "po"], "错误：请至少给出一个 .bpmn 文件"),
    (["calendar", "show", "abc"], "错误：参数 YEAR 的值不正确：“abc”不是整数"),
    (["calendar", "deadline", "--type", "求助", "--received", "yesterday"], "错误：时间格式不正确"),
    (["documents", "specimen", "love_letter", "/tmp/x.pdf"], "错误：未知的公文种类“love_letter”"),
    (["create-user", "zhang", "--role", "boss", "--name", "张三", "--password", "secret123"], "错误：未知的角色“boss”"),
    (["create-user", "zhang", "--role", "派单员", "--name", "张三", "--unit", "NOPE", "--password", "secret123"],
     "错误：没有代码为 NOPE 的单位"),
    (["run-jobs", "--now"], "错误：没有选项 --now"),
    (["db", "upgrade", "--bogus"], "错误：没有选项 --bogus"),  # Flask-Migrate's commands are guarded too
])
def test_bad_input_gets_one_chinese_line(app, db, args, expected):
    line = assert_one_chinese_line(app.test_cli_runner().invoke(args=args))
    assert line.startswith(expected), line


def test_usage_errors_exit_2_and_refusals_exit_1(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["bpmn", "activate", "abc"]).exit_code == 2
    assert runner.invoke(args=["bpmn", "activate", "99"]).exit_code == 1


def test_a_diagram_that_cannot_be_deployed_says_so_in_chinese(app, db, tmp_path):
    bad = tmp_path / "hotline.bpmn"
    bad.write_text("<definitions/>", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["bpmn", "deploy", str(bad), "--author", "po"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[-1].startswith("共 ") and "未部署" in result.stderr


def test_an_internal_error_is_one_line_and_its_traceback_goes_to_the_log(app, db, monkeypatch, tmp_path):
    from engine.process import deploy as proc

    def broken(*_a, **_k):
        raise RuntimeError("simulated bug in versions()")
    monkeypatch.setattr(proc, "versions", broken)
    log = tmp_path / "cli-errors.log"
    monkeypatch.setitem(app.config, "CLI_ERROR_LOG", str(log))
    line = assert_one_chinese_line(app.test_cli_runner().invoke(args=["bpmn", "versions"]), exit_code=1)
    assert line == f"错误：命令执行失败（内部错误），详细信息已记入 {log}"
    recorded = log.read_text(encoding="utf-8")
    assert "Traceback" in recorded and "simulated bug in versions()" in recorded and "bpmn versions" in recorded


def leaf_commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_in_the_tree_is_guarded(app):
    """A command added later is guarded by the same walk: nothing registered escapes it."""
    def walk(command):
        assert getattr(command, GUARDED, False), command.name
        assert command.callback is None or getattr(command.callback, GUARDED, False), command.name
        for sub in getattr(command, "commands", {}).values():
            walk(sub)
    walk(app.cli)
    assert {"bpmn", "calendar", "documents", "db", "create-user", "scheduler"} <= set(app.cli.commands)


def placeholder_args(command: click.Command, tmp_path: Path) -> list[str]:
    """The least a command accepts on its command line: each required argument and option with a dummy value."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        if isinstance(param.type, click.Path):
            value = tmp_path / "input.txt"
            value.write_text("2027-01-01 off\n", encoding="utf-8")
        elif isinstance(param.type, click.Choice):
            value = param.type.choices[0]
        elif isinstance(param.type, click.types.IntParamType):
            value = 1
        else:
            value = "x"
        args += [str(value)] if isinstance(param, click.Argument) else [max(param.opts, key=len), str(value)]
    return args


@pytest.fixture(scope="module")
def unreachable_app(tmp_path_factory):
    """The app pointed at a PostgreSQL port nobody listens on."""
    from web import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "x", "SCHEDULER_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://root@127.0.0.1:9/nothing_here",
                       "CLI_ERROR_LOG": str(tmp_path_factory.mktemp("log") / "cli-errors.log")})


COMMANDS = [path for path, _ in leaf_commands(__import__("web").create_app(
    {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULER_ENABLED": False}).cli) if path[0] != "db"]


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_refuses_an_unknown_option_in_one_line(unreachable_app, path):
    line = assert_one_chinese_line(unreachable_app.test_cli_runner().invoke(args=[*path, "--no-such-option"]), 2)
    assert line.startswith("错误：没有选项 --no-such-option")


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_without_its_database_answers_in_one_line(unreachable_app, path, tmp_path):
    """Flask-Migrate's `db` group aside (it writes migration files), every command run with the least it accepts
    against a database that cannot be reached either works without one or says so in one Chinese line."""
    command = unreachable_app.cli
    for name in path:
        command = command.commands[name]
    result = unreachable_app.test_cli_runner().invoke(args=[*path, *placeholder_args(command, tmp_path)],
                                                      input="secret123\n")
    if result.exit_code == 0:
        assert result.exception is None and "Traceback" not in result.output
        return
    assert_one_chinese_line(result)


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def test_the_issue_reproductions_in_a_real_process(app, database_url):
    """`flask --app web bpmn activate 99` and `hotline bpmn activate 99` as an operator types them."""
    env = {"HOTLINE_DATABASE_URL": database_url, "FLASK_APP": "somewhere.else"}  # hotline ignores FLASK_APP
    for argv in (["-m", "flask", "--app", "web", "bpmn", "activate", "99"], ["-m", "web.cli.main", "bpmn", "activate",
                                                                             "99"]):
        out = run(*argv, env=env)
        assert out.returncode == 1, out.stderr
        assert out.stderr == "错误：流程版本 99 不存在\n" and out.stdout == ""
    out = run("-m", "web.cli.main", "bpmn", "migrate", "--to", "99", "--dry-run", env=env)
    assert out.returncode == 1 and out.stderr == "错误：流程版本 99 不存在\n"


def test_a_short_signing_key_is_refused_in_one_chinese_line(database_url):
    out = run("-m", "web.cli.main", "bpmn", "versions", env={"HOTLINE_DATABASE_URL": database_url,
                                                            "HOTLINE_SECRET_KEY": "short"})
    assert out.returncode == 1 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.startswith("错误：签名密钥不安全：HOTLINE_SECRET_KEY 是公开的默认值或少于16个字符") \
        and "内部错误" not in out.stderr


def test_the_hotline_command_is_declared_and_works_from_anywhere(app, database_url, tmp_path):
    """pyproject.toml declares `hotline`; where make installed it (.venv/bin/hotline) it answers from any folder,
    whatever FLASK_APP or another `flask` on PATH say."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"hotline": "web.cli.main:main"}
    installed = Path(sys.executable).with_name("hotline")
    if not installed.exists():
        pytest.skip("`hotline` is installed by make (pip install -e .); this environment was not made by make")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "flask").write_text("#!/bin/sh\necho 'some other flask' >&2\nexit 9\n")
    (fake / "flask").chmod(0o755)
    out = subprocess.run([str(installed), "bpmn", "versions"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "HOTLINE_DATABASE_URL": database_url, "FLASK_APP": "nowhere",
                                           "PATH": f"{fake}:{os.environ['PATH']}"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("版本、部署时间（北京时间）")
