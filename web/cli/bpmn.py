"""`flask --app web bpmn …`: validate, deploy, list, diff, activate and migrate diagram versions."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from engine.common import Actor, transaction
from engine.domain.calendar import TZ
from engine.process import author_label
from engine.process import deploy as proc
from engine.workflow import DiagramError
from engine.workflow.bundle import MAIN_PROCESS

from ..extensions import db
from ..security import now


def _read(paths: tuple[str, ...]) -> dict[str, bytes]:
    if not paths:
        raise click.UsageError("请至少给出一个 .bpmn 文件")
    return {Path(p).name: Path(p).read_bytes() for p in paths}


def _line(p) -> str:
    return f"{p.file or '-'}:{p.line or '-'}: [{p.element or '-'}] {p.severity_label}：{p.message}"


def register_bpmn_cli(app: Flask) -> None:
    @app.cli.group("bpmn")
    def bpmn():
        """Process diagrams: validate, deploy, versions, diff, activate, migrate."""

    process_opt = click.option("--process", "process_id", default=MAIN_PROCESS, show_default=True,
                               type=click.Choice(sorted(proc.PROCESSES)), help="which deployed process")

    @bpmn.command("validate")
    @click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run/--no-dry-run", default=True, help="also simulate the standard journeys")
    @process_opt
    def validate_cmd(files, dry_run, process_id):
        """Print every problem with file, line and element; exit 1 when the files may not be deployed."""
        data = _read(files)
        problems = proc.validate_draft(data, process_id)
        for p in problems:
            click.echo(_line(p))
        errors = [p for p in problems if p.is_error]
        if errors:
            click.echo(f"{len(errors)} 个错误，不能部署", err=True)
            sys.exit(1)
        if dry_run:
            failed = 0
            for r in proc.dry_run(data, process_id, db.session):
                state = "未试走" if r.untried else "通过" if r.ok else "未通过"
                click.echo(f"路径 {r.label}（{r.code}）：{state}  {r.path_text}"
                           + ("" if r.ok and not r.untried else f"  {r.message}"))
                failed += not r.ok
            if failed:
                click.echo(f"{failed} 条路径未通过；确需部署请用 --skip 路径代码 和 --override 理由", err=True)
                sys.exit(1)
        click.echo("校验通过")

    @bpmn.command("deploy")
    @click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
    @click.option("--author", required=True)
    @click.option("--note", default=None)
    @click.option("--override", default=None, help="reason to deploy although a standard journey breaks")
    @click.option("--skip", multiple=True, help="code of a broken journey changed on purpose (repeatable)")
    @process_opt
    def deploy_cmd(files, author, note, override, skip, process_id):
        """Validate, dry-run and deploy a new version; new tickets start on it."""
        try:
            with transaction(db.session):
                pv, _results = proc.deploy_version(db.session, _read(files), author, note, now(), override,
                                                   process_id, skip=list(skip))
        except DiagramError as exc:
            for p in exc.problems:
                click.echo(_line(p), err=True)
            click.echo(f"共 {len(exc.problems)} 处问题，未部署", err=True)
            sys.exit(1)
        click.echo(f"已部署版本 {pv.version}（{pv.sha256[:12]}），新工单按此版本办理")

    @bpmn.command("versions")
    @process_opt
    def versions_cmd(process_id):
        """List deployed versions (* marks the active one); times are Beijing time."""
        click.echo("版本、部署时间（北京时间）、部署人、SHA-256 前 12 位、说明；* 为新工单所用的版本")
        for pv in proc.versions(db.session, process_id):
            mark = "*" if pv.active else " "
            click.echo(f"{mark} v{pv.version:<4} {pv.created_at.astimezone(TZ):%Y-%m-%d %H:%M} +08:00  "
                       f"{author_label(pv.author):<14} {pv.sha256[:12]} {pv.note or ''}")

    @bpmn.command("diff")
    @click.argument("a", type=int)
    @click.argument("b", type=int)
    @process_opt
    def diff_cmd(a, b, process_id):
        """Tasks added, removed and changed between two versions (JSON)."""
        click.echo(json.dumps(proc.diff_versions(db.session, a, b, process_id).as_dict(), ensure_ascii=False,
                              indent=2))

    @bpmn.command("activate")
    @click.argument("version", type=int)
    @process_opt
    def activate_cmd(version, process_id):
        """Make a version the one new tickets start on (roll back or forward)."""
        with transaction(db.session):
            proc.activate(db.session, version, process_id)
        click.echo(f"版本 {version} 已启用，新工单按此版本办理")

    @bpmn.command("migrate")
    @click.option("--to", "to_version", type=int, required=True)
    @click.option("--from", "from_version", type=int, default=None)
    @click.option("--dry-run", is_flag=True)
    @click.option("--map", "mappings", multiple=True, metavar="OLD=NEW",
                  help="the task of the new version that replaces a removed one (repeatable)")
    def migrate_cmd(to_version, from_version, dry_run, mappings):
        """Move open tickets to a version by element id; lists the ones that cannot move and why."""
        mapping = dict(m.split("=", 1) for m in mappings if "=" in m)
        with transaction(db.session):
            report = proc.migrate_tickets(db.session, Actor.system("流程管理员（命令行）"), to_version, now(),
                                          dry_run_only=dry_run, from_number=from_version, mapping=mapping)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
