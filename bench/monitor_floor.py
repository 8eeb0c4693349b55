"""The floor of a monitor pass: only the writes the rules ask for, sent as the pass sends them.

``bench/monitor.py`` calls :func:`floor_rows` with 10,000 tickets due. One real pass is run once and rolled back
with its writes captured (the batches' level changes and the rows of each COPY); the timed runs then send only
those writes, their text built beforehand, in transactions that are rolled back. What a pass costs above these
rows is the monitor's own work; what these rows cost is what any monitor keeping the same records must pay.
"""
from __future__ import annotations

import statistics
from contextlib import contextmanager

import engine.clocks.monitor as monitor
from engine.clocks.bulk import copy_statement, copy_text, levels_stored


def capture(maker, now, settings) -> tuple[list[list[dict]], list[tuple]]:
    """The level changes of each batch and the (COPY statement, text) of each insert of one pass, rolled back."""
    levels: list[list[dict]] = []
    copies: list[tuple] = []
    real_levels, real_prepare = monitor.levels_stored, monitor.prepare_insert

    @contextmanager
    def record_levels(session, changes):
        levels.append(list(changes))
        with real_levels(session, changes):
            yield

    def record_insert(session, model, rows):
        if rows:
            cols = list(rows[0])
            copies.append((copy_statement(model.__table__, cols), copy_text(model.__table__, cols, rows)))
        return real_prepare(session, model, rows)

    monitor.levels_stored, monitor.prepare_insert = record_levels, record_insert
    try:
        with maker() as s:
            monitor.monitor_pass(s, now, settings)
            s.rollback()
    finally:
        monitor.levels_stored, monitor.prepare_insert = real_levels, real_prepare
    return levels, copies


def floor_rows(maker, now, settings, count: int, timed, say) -> None:
    levels, copies = capture(maker, now, settings)
    rows = sum(text.count("\n") for _, text in copies)

    def send(with_levels: bool, with_rows: bool):
        def run(session):
            if with_levels:
                for changes in levels:
                    with levels_stored(session, changes):
                        pass
            if with_rows:
                cur = session.connection().connection.driver_connection.cursor()
                try:
                    for statement, text in copies:
                        with cur.copy(statement) as out:
                            out.write(text)
                finally:
                    cur.close()
        return run

    cases = [("the level UPDATEs only (the ticket row, 16 indexes)", True, False),
             (f"the COPYs only ({rows:,} rows: audit rows and notices)", False, True),
             ("both: every write of the pass, nothing worked out", True, True)]
    say(f"Floor of a pass with {count:,} due: only its writes, captured from a real pass and sent again with their "
        "text built beforehand (transactions rolled back), interleaved case by case:")
    say("| writes sent | wall per due ticket | PostgreSQL backend CPU per due ticket |")
    say("|---|---|---|")
    results = {name: ([], []) for name, _, _ in cases}
    for _ in range(5):
        for name, with_levels, with_rows in cases:
            cpu: list[tuple[float, float]] = []
            walls, cpus = results[name]
            walls += timed(maker, send(with_levels, with_rows), 1, cpu)
            cpus += [server for _, server in cpu]
    for name, _, _ in cases:
        walls, cpus = results[name]
        say(f"| {name} | {statistics.median(walls) / count * 1000:,.0f} µs | "
            f"{statistics.median(cpus) / count * 1000:,.0f} µs |")
