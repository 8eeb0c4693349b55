"""`run-jobs`, `scheduler`: the clock jobs once by hand, or the scheduler process (one per deployment)."""
from __future__ import annotations

import click
from flask import Flask, current_app


def register_jobs_cli(app: Flask) -> None:
    @app.cli.command("run-jobs")
    def run_jobs_cmd():
        """Run the clock jobs once (return windows closing as 视同接受, 未评价) and print what they did."""
        from ..clocks.scheduler import run_clock_jobs

        done = run_clock_jobs(current_app)
        click.echo(f"退回期限届满视同接受 {done['deemed']} 件（仍待签收），逾期未评价 {done['unevaluated']} 件")

    @app.cli.command("scheduler")
    def scheduler_cmd():
        """Run the scheduler in the foreground (one per deployment)."""
        from ..clocks.scheduler import run_forever

        run_forever(current_app)
