"""Put tickets received days ago into a database, through the services, so a scheduler finds thresholds to cross.

Run as ``python -m tests.setup.backdate DATABASE_URL COUNT DAYS`` (its own process: the app and its caches of
another database stay out of the test process). Prints the ids of the tickets it made, one line.
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta

from engine.domain.calendar import TZ
from tests.clocks.flow import received, sign
from web import create_app
from web.extensions import db


def main(url: str, count: int, days: int) -> None:
    when = (datetime.now(TZ) - timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False})
    ids = []
    with app.app_context():
        for i in range(count):
            t = received(db, ("consult", "help", "complaint")[i % 3], when.isoformat())
            if i % 2:  # signed at once: the handling clock runs; unsigned ones are deemed accepted by the scheduler
                sign(db, t, (when + timedelta(minutes=30)).isoformat())
            ids.append(t.id)
    print(" ".join(map(str, ids)))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
