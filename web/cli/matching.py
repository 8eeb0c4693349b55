"""`similar-index`: index the tickets the same-matter search does not know yet (after an upgrade or a restore) and
count their words; the scheduler does the same a batch per tick."""
from __future__ import annotations

import click
from flask import Flask, current_app

from engine.common import transaction
from engine.matching import backfill, refresh_stats

from ..extensions import db

BATCH = 2000


def register_matching_cli(app: Flask) -> None:
    @app.cli.command("similar-index")
    @click.option("--days", default=180, show_default=True, type=click.IntRange(1, 3660),
                  help="Index the tickets registered in this many days.")
    def similar_index_cmd(days: int):
        """Index the tickets of the last DAYS days for the similar-ticket search, then count their words."""
        now = current_app.config["CLOCK"]()
        indexed = counted = 0
        while True:
            with transaction(db.session):
                n = backfill(db.session, now, days=days, limit=BATCH)
            indexed += n
            if n < BATCH:
                break
        while True:
            with transaction(db.session):
                n = refresh_stats(db.session, now)
            counted += n
            if not n:
                break
        click.echo(f"相似工单索引：新建索引 {indexed} 件，统计词频 {counted} 件")
