"""Where an API request's time goes outside the service call, through Flask's test client on SQLite: the lifecycle of
bench/api_lifecycle.py (six requests: register and five task completions), with wall-clock timers around the service
calls (``register``, ``complete_task``, the intake banner), the commits (the ORM's flush and SQLite's commit), the
token check, the app's hooks and Flask's request handling; and, counted exactly, the Python function calls and the
SQL statements of each part. The service layer's own loop (bench/lifecycle.py) runs in the same process for scale.

Usage: .venv/bin/python bench/api_split.py [lifecycles per round, default 40]
"""
from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask.app  # noqa: E402
import flask.ctx  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import Session as OrmSession  # noqa: E402
from sqlalchemy.pool import Pool  # noqa: E402

from bench import api_lifecycle as api  # noqa: E402
from bench import lifecycle as L  # noqa: E402
from bench.scratchdb import heading  # noqa: E402

SPENT: Counter = Counter()  # seconds by part (outermost part only: nested parts are not counted twice)
CALLS: Counter = Counter()  # Python function calls by innermost part
STATEMENTS: Counter = Counter()
_STACK: list[str] = ["test client"]


def part(owner, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that books its time and calls under ``label`` (minus nested parts)."""
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        _STACK.append(label)
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent = time.perf_counter() - started
            _STACK.pop()
            SPENT[label] += spent
            SPENT[_STACK[-1]] -= spent
    setattr(owner, name, wrapper)


def _count_calls(frame, event_name, arg):
    if event_name in ("call", "c_call"):
        CALLS[_STACK[-1]] += 1


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    import web.api as views
    from engine.demo.content import DEMO_PASSWORD
    from engine.models import Unit

    print(" ".join(heading("API path, per request (Flask's test client, SQLite)")), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine, Session = L.prepare(url)
        call = api.test_client_call(url, L.NOW)
        with Session() as s:
            lead = s.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
        toks = api.tokens(call, DEMO_PASSWORD)
        api.api_loop(call, toks, L.CITIZEN, L.REPLY, lead, 5)
        L.product_loop(Session, 5)
        for owner, name, label in (
                (flask.app.Flask, "wsgi_app", "Flask: request and response objects, routing, spectree"),
                (flask.ctx.RequestContext, "push", "Flask: contexts, session open and close, teardown"),
                (flask.ctx.RequestContext, "pop", "Flask: contexts, session open and close, teardown"),
                (flask.app.Flask, "preprocess_request", "before-request hooks (input checks, CSRF exemption)"),
                (flask.app.Flask, "process_response", "after-request hooks (security headers)"),
                (views, "api_actor", "token check and account read (api_actor)"),
                (views, "jsonify", "answer: JSON"), (views, "step_json", "answer: JSON"),
                (views, "register", "service call"), (views, "complete_task", "service call"),
                (views.callers, "intake_banner", "service call"),
                (OrmSession, "commit", "commit (ORM flush, SQLite commit)")):
            part(owner, name, label)

        def _statement(_sql):
            STATEMENTS[_STACK[-1]] += 1

        # Every statement SQLite runs, whichever way it is sent (Core, the ORM, or the driver path of
        # engine/common/driver.py, which no Core event sees), BEGIN and COMMIT included: traced on each connection
        # the pool hands out from now on.
        @event.listens_for(Pool, "checkout")
        def _trace(dbapi_conn, _record, _proxy):
            dbapi_conn.set_trace_callback(_statement)

        def rounds(loop) -> float:
            best = None
            for _ in range(3):
                SPENT.clear()
                gc.collect()
                started = time.perf_counter()
                loop(n)
                total = time.perf_counter() - started
                if best is None or total < best[0]:
                    best = (total, dict(SPENT))
            return best

        total, spent = rounds(lambda k: api.api_loop(call, toks, L.CITIZEN, L.REPLY, lead, k))
        spent["test client"] = total - sum(v for k, v in spent.items() if k != "test client")
        STATEMENTS.clear()
        sys.setprofile(_count_calls)
        api.api_loop(call, toks, L.CITIZEN, L.REPLY, lead, 5)
        sys.setprofile(None)
        event.remove(Pool, "checkout", _trace)
        service = min(_service_loop(Session, n) for _ in range(3))
        raw = min(1 / L.raw_loop(n) for _ in range(3))
        engine.dispose()
    per = 1000 / (n * 6)
    inside = ("service call", "commit (ORM flush, SQLite commit)")
    outside = sum(v for k, v in spent.items() if k not in inside)
    outside_calls = sum(v for k, v in CALLS.items() if k not in inside)
    print(f"{n} lifecycles of six requests, best of three; calls and statements per request from five more lifecycles")
    print("| part of a request | ms | Python calls | SQL statements (BEGIN and COMMIT included) |")
    print("|---|---|---|---|")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {seconds * per:.3f} | {CALLS[label] / 30:.0f} | {STATEMENTS[label] / 30:.2f} |")
    print(f"| **a request** | **{total * per:.3f}** | {sum(CALLS.values()) / 30:.0f} | "
          f"{sum(STATEMENTS.values()) / 30:.2f} |")
    print(f"Outside the service call and its commit: {outside * per:.3f} ms a request ({outside_calls / 30:.0f} "
          f"calls). Service layer's own loop: {service * 1000 / 6:.3f} ms an action; raw SpiffWorkflow loop "
          f"(compiled engine): {raw * 1000:.2f} ms a lifecycle.")


def _service_loop(Session, n: int) -> float:
    gc.collect()
    return 1 / L.product_loop(Session, n)


if __name__ == "__main__":
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
    else:
        main()
