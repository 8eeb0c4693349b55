"""`flask documents …`: list the kinds of formal documents, render a specimen of one for review."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from documents import KINDS, DocumentError, format_number, get_kind, render_pdf, specimen_context
from engine.docstore import DEFAULT_OFFICE_SHORT

documents_cli = AppGroup("documents", help="公文：列出公文种类，生成样张供审阅模板。")


def resolve_kind(value: str) -> str:
    """Return the code of a kind given by code (supervision_notice) or Chinese title (督办通知单).

    :raises click.ClickException: for anything else, listing the kinds.
    """
    text = (value or "").strip()
    for kind in KINDS:
        if text in (kind.code, kind.title):
            return kind.code
    choices = "、".join(f"{kind.title}（{kind.code}）" for kind in KINDS)
    raise click.ClickException(f"未知的公文种类“{value}”。可选：{choices}")


@documents_cli.command("kinds")
def kinds_cmd():
    """List every kind: code, Chinese title, number abbreviation and the facts it requires."""
    for kind in KINDS:
        example = format_number(DEFAULT_OFFICE_SHORT, kind.abbr, 2026, 1)
        click.echo(f"{kind.code:<24} {kind.title}　文号简称：{kind.abbr}（如 {example}）")
        click.echo(f"{'':<24} 必备事实：{', '.join(('number', 'date') + kind.required)}")


@documents_cli.command("specimen")
@click.argument("kind")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def specimen_cmd(kind: str, out: Path):
    """Render a specimen of KIND (code or Chinese title) with demo facts to OUT (a PDF file)."""
    code = resolve_kind(kind)
    try:
        pdf = render_pdf(code, specimen_context(code))
    except DocumentError as exc:
        raise click.ClickException(f"样张生成失败：{exc}") from None
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {out}：{exc.strerror or exc}") from None
    click.echo(f"已生成{get_kind(code).title}样张：{out}（{len(pdf) // 1024} KB）")


def register_documents_cli(app: Flask) -> None:
    app.cli.add_command(documents_cli)
