"""One Chinese line and a non-zero exit for every refusal on the command line, never a traceback.

Commands come from three places (ours, Flask's and Flask-Migrate's); :func:`guard_commands` walks the whole tree once
after registration and wraps each command's argument parsing and callback, so a command added later is covered
without anyone remembering to catch its errors.
"""
from __future__ import annotations

import functools
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

import click
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from engine.common import ServiceError
from engine.workflow import DiagramError

from ..config import ConfigurationError
from ..secret import InsecureSecretKey

GUARDED = "__hotline_guarded__"
LOG_NAME = "cli-errors.log"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"'([^']*)'")


class CliError(click.ClickException):
    """A refusal printed as one line, ``错误：…``, on stderr; exit status 1 (2 for a usage error)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the message held
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def _param_name(param: click.Parameter | None, ctx: click.Context | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return f"选项 {max(param.opts, key=len)}"
    return f"参数 {param.human_readable_name}"


def _bad_value(exc: click.BadParameter) -> str:
    message = exc.message or ""
    if has_chinese(message):
        return message
    quoted = _QUOTED.search(message)
    value = f"“{quoted.group(1)}”" if quoted else ""
    kind = exc.param.type if exc.param is not None else None
    if isinstance(kind, click.Choice):
        return f"{value}不是可选值，可选：{'、'.join(str(c) for c in kind.choices)}"
    if isinstance(kind, click.Path) or "does not exist" in message:
        for english, chinese in (("does not exist", "不存在"), ("is a directory", "是目录，应为文件"),
                                 ("is a file", "是文件，应为目录"), ("not readable", "不可读"),
                                 ("not writable", "不可写")):
            if english in message:
                return f"{value}{chinese}"
        return f"路径{value}不可用"
    if isinstance(kind, click.types.IntParamType):
        return f"{value}不是整数"
    if isinstance(kind, click.types.FloatParamType):
        return f"{value}不是数字"
    if isinstance(kind, click.DateTime):
        return f"{value}不是日期时间，例如 2026-11-25T10:00:00"
    return f"{value}无效"


def usage_message(exc: click.UsageError) -> str:
    """Say in Chinese what was wrong with the command line and where the help is."""
    ctx = exc.ctx
    hint = f"（运行 {ctx.command_path} --help 查看用法）" if ctx is not None else ""
    if isinstance(exc, click.MissingParameter):
        return f"缺少{_param_name(exc.param, ctx)}{hint}"
    if isinstance(exc, click.BadParameter):
        return f"{_param_name(exc.param, ctx)} 的值不正确：{_bad_value(exc)}{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}{hint}"
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return f"没有命令 {exc.command_name}{hint}"
    if isinstance(exc, click.BadOptionUsage):
        return f"选项 {exc.option_name} 的用法不正确{hint}"
    message = exc.message or ""
    if has_chinese(message):
        return f"{message}{hint}"
    if "unexpected extra argument" in message:
        extra = _QUOTED.search(message) or re.search(r"\((.*)\)", message)
        return f"多余的参数：{extra.group(1) if extra else message}{hint}"
    return f"命令行不正确{hint}"


def _error_log_path() -> Path:
    try:
        from flask import current_app

        if current_app.config.get("CLI_ERROR_LOG"):
            return Path(current_app.config["CLI_ERROR_LOG"])
        folder = Path(current_app.instance_path)
    except RuntimeError:  # outside an app context (the app failed to load)
        folder = Path(__file__).resolve().parents[2] / "instance"
    return folder / LOG_NAME


def record_internal_error(exc: BaseException) -> Path | None:
    """Append the traceback (English, for whoever maintains the installation) to the instance folder's log."""
    path = _error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        command = click.get_current_context(silent=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {datetime.now(UTC).isoformat()} {command.command_path if command else ''}\n")
            out.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None


def database_message(exc: DBAPIError) -> str:
    text = str(exc.orig or exc).lower()
    if "no such table" in text or "undefinedtable" in type(exc.orig).__name__.lower() \
            or ("relation" in text and "does not exist" in text):
        return "数据库尚未初始化：请先运行 hotline init-db"
    if "database" in text and "does not exist" in text:
        return "数据库不存在：请先创建数据库，再运行 hotline init-db"
    if any(s in text for s in ("connection refused", "could not connect", "connection failed", "timeout expired",
                               "unable to open database", "server closed")):
        return "无法连接数据库，请检查 HOTLINE_DATABASE_URL 和数据库服务是否在运行"
    if "locked" in text:
        return "数据库正忙（被其他进程锁定），请稍后重试"
    return "数据库操作失败，请检查数据库后重试"


def file_message(exc: OSError) -> str:
    name = f"“{exc.filename}”" if exc.filename else ""
    reason = {2: "不存在", 13: "没有访问权限", 21: "是目录，应为文件", 20: "路径中有不是目录的部分", 28: "磁盘空间不足",
              30: "所在位置只读"}.get(exc.errno or 0, "无法读写")
    return f"文件{name}{reason}"


def translate(exc: Exception) -> CliError:
    """The one Chinese line for an exception a command let through."""
    if isinstance(exc, click.UsageError):
        return CliError(usage_message(exc), exit_code=2)
    if isinstance(exc, click.ClickException):
        return CliError(exc.format_message(), exit_code=exc.exit_code or 1)
    if isinstance(exc, ServiceError):
        return CliError(exc.message_zh)
    if isinstance(exc, DiagramError):
        first = exc.problems[0] if exc.problems else None
        where = f"{first.file or '-'}:{first.line or '-'} [{first.element or '-'}] {first.message}" if first else ""
        return CliError(f"流程图有 {len(exc.problems)} 处问题，不能使用：{where}")
    if isinstance(exc, DBAPIError):
        return CliError(database_message(exc))
    if isinstance(exc, OSError):
        return CliError(file_message(exc))
    if isinstance(exc, KeyboardInterrupt):
        return CliError("已中断", exit_code=130)
    if isinstance(exc, UnicodeDecodeError):
        return CliError("文件编码无法识别，请另存为 UTF-8 文本后重试")
    if isinstance(exc, ConfigurationError):
        return CliError(exc.message_zh)
    if isinstance(exc, InsecureSecretKey):
        return CliError("签名密钥不安全：HOTLINE_SECRET_KEY 是公开的默认值或少于16个字符。请设置随机密钥（例如 "
                        "python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 的输出），"
                        "或不设置、由系统自动生成")
    path = record_internal_error(exc)
    where = f"，详细信息已记入 {path}" if path else ""
    if isinstance(exc, SQLAlchemyError):
        return CliError(f"数据库操作失败{where}")
    return CliError(f"命令执行失败（内部错误）{where}")


def _guard_callback(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except CliError:
            raise
        except (click.exceptions.Exit, SystemExit):
            raise
        except click.Abort:
            raise CliError("已取消") from None
        except (Exception, KeyboardInterrupt) as exc:  # noqa: B902 - the point is that nothing escapes
            raise translate(exc) from None
    setattr(guarded, GUARDED, True)
    return guarded


def _guard_parsing(command: click.Command) -> None:
    # Instance attributes shadow the class's methods: Flask's and Flask-Migrate's commands are their classes, not ours.
    parse_args = command.parse_args

    def guarded_parse_args(ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise CliError(usage_message(exc), exit_code=2) from None
    command.parse_args = guarded_parse_args

    if isinstance(command, click.Group):
        resolve = command.resolve_command

        def guarded_resolve(ctx: click.Context, args: list[str]):
            try:
                return resolve(ctx, args)
            except click.UsageError as exc:
                exc.ctx = exc.ctx or ctx
                raise CliError(usage_message(exc), exit_code=2) from None
            except (InsecureSecretKey, ConfigurationError) as exc:  # the app is loaded to find a command: one line
                raise translate(exc) from None
        command.resolve_command = guarded_resolve


def guard_commands(command: click.Command) -> None:
    """Wrap ``command`` and every command under it (once) so that bad input gets one Chinese line."""
    if getattr(command, GUARDED, False):
        return
    setattr(command, GUARDED, True)
    _guard_parsing(command)
    if command.callback is not None:
        command.callback = _guard_callback(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard_commands(sub)
