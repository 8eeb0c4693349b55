"""APScheduler wiring: thin, idempotent jobs, each ticket in its own transaction."""
from __future__ import annotations

import logging
import time

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from engine.db import transaction
from engine.services import jobs
from engine.services.errors import ServiceError

from .extensions import db

log = logging.getLogger("hotline.scheduler")


def run_clock_jobs(app: Flask) -> dict:
    """Deem unreturned tickets accepted and record 未评价; one ticket per transaction, errors logged, not lost."""
    done = {"deemed": 0, "unevaluated": 0}
    with app.app_context():
        now = app.config["CLOCK"]()
        for key, find, act in (("deemed", jobs.overdue_signs, jobs.deem_accepted),
                               ("unevaluated", jobs.overdue_evaluations, jobs.expire_evaluation)):
            for ticket_id in find(db.session, now):
                try:
                    with transaction(db.session):
                        act(db.session, ticket_id, now)
                    done[key] += 1
                except ServiceError as exc:
                    log.warning("clock job %s skipped ticket %s: %s", key, ticket_id, exc.log_en)
        db.session.remove()
    return done


def start_scheduler(app: Flask) -> BackgroundScheduler:
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(run_clock_jobs, "interval", seconds=app.config["SCHEDULER_INTERVAL_SECONDS"], args=[app],
                  id="clock_jobs", max_instances=1, coalesce=True)
    sched.start()
    log.info("scheduler started, every %ss", app.config["SCHEDULER_INTERVAL_SECONDS"])
    return sched


def run_forever(app: Flask) -> None:
    start_scheduler(app)
    while True:
        time.sleep(3600)
