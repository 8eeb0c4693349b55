"""`flask calendar …`: enter a year's holiday notice, show a year, compute a deadline as JSON."""
from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from engine.clocks import NoticeError, parse_year_notice
from engine.clocks import calendar_admin as admin
from engine.common import Actor, ServiceError, active_rule_set, calendar, rules_for, transaction
from engine.domain import timelimits as tl
from engine.domain.calendar import TZ

from ..extensions import db
from ..security import now

log = logging.getLogger(__name__)
CLI_ACTOR = Actor.system("系统管理员（命令行）")


def parse_type(value: str) -> str:
    """Return the type code for a Chinese label (求助) or a code (help).

    :raises click.ClickException: for anything else.
    """
    text = (value or "").strip()
    for code, label in tl.TICKET_TYPE_LABELS.items():
        if text in (code, label):
            return code
    choices = "、".join(f"{label}（{code}）" for code, label in tl.TICKET_TYPE_LABELS.items())
    raise click.ClickException(f"未知的诉求类型“{value}”，可选：{choices}")


def parse_instant(value: str) -> datetime:
    """Read an ISO-8601 instant; without an offset it is Beijing time (Asia/Shanghai).

    :raises click.ClickException: for a malformed time.
    """
    try:
        instant = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise click.ClickException(
            f"时间格式不正确：“{value}”，应为 ISO-8601，例如 2026-11-25T10:00:00+08:00") from None
    return instant.replace(tzinfo=TZ) if instant.tzinfo is None else instant


def local_iso(instant: datetime | None) -> str | None:
    """ISO-8601 in Beijing time; a period ending at 24:00 reads as 00:00 of the next day."""
    return instant.astimezone(TZ).isoformat() if instant is not None else None


def read_notice(path: str) -> str:
    data = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # offices often save text files from Chinese Windows
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.ClickException("无法识别文件编码，请另存为 UTF-8 文本后重试")


def notice_days(text: str, year: int | None) -> tuple[int, dict]:
    """Parse a notice; without ``year`` it is the year most dates fall in.

    :raises click.ClickException: naming the bad line.
    """
    try:
        days = parse_year_notice(text, year)
        if year is None:
            year = Counter(d.year for d in days).most_common(1)[0][0]
            days = parse_year_notice(text, year)
    except NoticeError as exc:
        log.info("calendar import refused: %s", exc.log_en)
        raise click.ClickException(f"节假日文件有误：{exc.message_zh}") from None
    return year, days


def register_calendar_cli(app: Flask) -> None:
    group = AppGroup("calendar", help="工作日历：录入年度节假日安排、查看某年、计算时限。")

    @group.command("import-year")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--year", type=int, default=None, help="the notice's year (default: the year of its dates)")
    def import_year_cmd(file: str, year: int | None):
        """Enter a year's State Council holiday notice (lines "DATE off|on") and recompute open deadlines."""
        year, days = notice_days(read_notice(file), year)
        try:
            with transaction(db.session):
                result = admin.import_year(db.session, year, days, f"国务院通知（{Path(file).name}）", CLI_ACTOR,
                                           now())
        except ServiceError as exc:
            raise click.ClickException(exc.message_zh) from None
        admin.refresh_shared_calendar(db.session)
        verb = "已更新" if result.replaced else "已录入"
        click.echo(f"{verb}{year}年节假日安排：放假 {result.off_days} 天，调休上班 {result.on_days} 天。")
        click.echo(f"检查在办工单 {result.checked} 件，时限变动并已重算 {len(result.moved)} 件；"
                   f"知识库纠错时限重算 {len(result.flags_moved)} 项。")

    @group.command("show")
    @click.argument("year", type=int)
    def show_cmd(year: int):
        """Print a year's holidays (休) and make-up working days (班), and whether it has been entered."""
        view = admin.year_view(db.session, year)
        if view["entered"]:
            entered = view["entered_at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M") + " +08:00"
            click.echo(f"{year}年：已录入（来源：{view['source_text']}，录入于 {entered}）")
        else:
            click.echo(f"{year}年：未录入——涉及该年的时限暂按周末计算，并标记为暂定")
        click.echo(f"全年工作日 {view['working_days']} 天")
        for title, key, mark in (("放假", "off", "休"), ("调休上班", "on", "班")):
            click.echo(f"{title}（{len(view[key])} 天）：")
            for d in view[key]:
                name = f" {d['name']}" if d["name"] else ""
                click.echo(f"  {d['day'].isoformat()} 周{d['weekday']} {mark}{name}")

    @group.command("deadline")
    @click.option("--type", "ticket_type", required=True,
                  help="诉求类型：咨询/求助/投诉/建议/举报/经济违法 or its code")
    @click.option("--received", required=True, help="when the unit received it, ISO-8601 (default zone +08:00)")
    @click.option("--stage", type=click.Choice(["handling", "acceptance"]), default="handling", show_default=True)
    @click.option("--extension-days", type=int, default=0, show_default=True, help="approved extension (handling)")
    def deadline_cmd(ticket_type: str, received: str, stage: str, extension_days: int):
        """Print one JSON object: the deadline and the 预警/黄牌/红牌 instants of one clock."""
        code = parse_type(ticket_type)
        start = parse_instant(received)
        try:
            rules = rules_for(db.session, active_rule_set(db.session).id)
            cal = calendar(db.session)
        except ServiceError as exc:
            raise click.ClickException(exc.message_zh) from None
        if stage == "acceptance":
            if extension_days:
                raise click.ClickException("签收阶段不能延期，--extension-days 只用于办理阶段")
            clock = tl.acceptance_clock(cal, rules, start)
        else:
            cap = rules.for_type(code).max_extension
            if not 0 <= extension_days <= cap:
                raise click.ClickException(f"{tl.TICKET_TYPE_LABELS[code]}类延期天数须在0至{cap}个工作日之间")
            clock = tl.handling_clock(cal, rules, code, start, extension_days=extension_days)
        click.echo(json.dumps({
            "type": tl.TICKET_TYPE_LABELS[code], "stage": stage, "received": local_iso(start),
            "due": local_iso(clock.due), "warning": local_iso(clock.warning), "yellow": local_iso(clock.yellow),
            "red": local_iso(clock.red), "provisional": clock.provisional,
        }, ensure_ascii=False))

    app.cli.add_command(group)
