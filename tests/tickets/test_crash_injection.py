"""Crash injection: lifecycles driven through a real server whose processes are killed with SIGKILL at random
moments (fixed seed), then restarted; afterwards every ticket is consistent and no document number is skipped.

Three clients drive tickets through the JSON API (register → dispatch → sign or return → reply → review →
evaluate, some refused at intake) and issue 工单办理单 through the archive page (some at intake, every one at the end); a client whose request
died with the server reads the ticket again and goes on from where it really is. Most kills take the workers
(the master forks new ones, as after a crash of a worker); the one in the middle takes the whole server, which is
then started again.
"""
from __future__ import annotations

import random
import re
import threading
import time

import requests
from sqlalchemy import select

from engine.models import IssuedDocument, Unit
from tests.support.consistency import problems, ticket_count
from tests.support.helpers import CITIZEN, REPLY
from tests.support.server import Server, token

SEED = 16
KILLS = 22
CLIENTS = 3
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OK_EVAL = {"intake_rating": "satisfied", "handling_rating": "satisfied", "method": "callback"}


class Driver(threading.Thread):
    """One client: lifecycles one after another until told to stop; survives the server dying under it."""

    def __init__(self, server: Server, tokens: dict, units: dict, rng: random.Random, stop: threading.Event):
        super().__init__(daemon=True)
        self.server, self.tokens, self.units, self.rng, self.stop = server, tokens, units, rng, stop
        self.stats = {"tickets": 0, "finished": 0, "steps": 0, "retries": 0, "documents": 0}
        self.errors: list[str] = []
        self.pages = requests.Session()

    def call(self, method: str, path: str, who: str, **kw) -> requests.Response | None:
        """One request; None when the server died under it (the caller reads the state again)."""
        try:
            r = requests.request(method, f"{self.server.url}{path}", headers=self.tokens[who], timeout=20, **kw)
        except requests.RequestException:
            r = None
        if r is None or r.status_code >= 500:
            self.stats["retries"] += 1
            time.sleep(0.05)
            return None
        return r

    def sign_in_pages(self) -> None:
        """The reviewer signs in to the pages once, before any kill (the session outlives restarts)."""
        page = self.pages.get(f"{self.server.url}/login", timeout=20)
        r = self.pages.post(f"{self.server.url}/login", timeout=20, data={
            "csrf_token": CSRF.search(page.text).group(1), "username": "reviewer", "password": "demo12345"})
        assert r.status_code == 200 and "/login" not in r.url

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.lifecycle()
            except Exception as exc:  # noqa: BLE001 - reported by the test, which fails on it
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def lifecycle(self) -> None:
        refuse = self.rng.random() < 0.15
        body = {**CITIZEN, "scope": "refuse", "refusal_code": 9, "refusal_explanation": "无实质诉求"} if refuse \
            else {**CITIZEN, "scope": "accept"}
        r = self.call("POST", "/api/v1/tickets", "agent", json=body)
        if r is None or r.status_code != 201:
            return  # a ticket the kill cut short is checked like any other
        tid, returns = r.json()["ticket"]["id"], 0
        self.stats["tickets"] += 1
        if self.rng.random() < 0.3:
            self.issue(r.json()["ticket"]["number"])
        for _ in range(60):
            if self.stop.is_set():
                return
            view = self.call("GET", f"/api/v1/tickets/{tid}", "reviewer")
            if view is None:
                continue
            tasks = [t["task"] for t in view.json()["tasks"]]
            if not tasks:
                self.stats["finished"] += 1
                if view.json()["status"] == "archived":
                    self.issue(view.json()["number"])
                return
            task = tasks[0]
            if task == "sign" and returns == 0 and self.rng.random() < 0.2:
                who, data = "receiver", {"decision": "return", "return_reason": "非本单位职责", "return_basis": "三定方案"}
                returns = 1
            else:
                who, data = self.step(task, returns)
            if self.call("POST", f"/api/v1/tickets/{tid}/tasks/{task}", who, json=data) is not None:
                self.stats["steps"] += 1

    def step(self, task: str, returns: int) -> tuple[str, dict]:
        second = returns > 0  # after a return the ticket goes to 市人社局, whose staff are receiver2/handler2
        return {"dispatch": ("dispatcher", {"lead_unit": self.units["HY-RSJ" if second else "HY-ZJJ"]}),
                "sign": ("receiver2" if second else "receiver", {"decision": "sign"}),
                "reply": ("handler2" if second else "handler", REPLY),
                "review": ("reviewer", {"decision": "accept"}),
                "evaluate": ("agent", OK_EVAL)}[task]

    def issue(self, number: str) -> None:
        """The reviewer prints the 工单办理单 through the archive page (a numbered document, rendered as PDF)."""
        try:
            page = self.pages.get(f"{self.server.url}/documents", timeout=20)
            r = self.pages.post(f"{self.server.url}/documents/issue", timeout=30, data={
                "csrf_token": CSRF.search(page.text).group(1), "kind": "ticket_record", "ticket_no": number})
            if r.status_code == 200 and "已出具" in r.text:
                self.stats["documents"] += 1
            else:
                self.errors.append(f"issue of {number}: {r.status_code} {r.url}")
        except requests.RequestException:
            self.stats["retries"] += 1  # the server died while printing; the number must not be lost or skipped


def test_tickets_stay_consistent_through_kill_9_of_the_server(db, database_url):
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    rng = random.Random(SEED)
    server = Server(database_url, workers=1, threads=4, name="crash").start()
    stop = threading.Event()
    try:
        tokens = {who: token(server.url, who) for who in ("agent", "dispatcher", "receiver", "handler", "reviewer",
                                                           "receiver2", "handler2")}
        drivers = [Driver(server, tokens, units, random.Random(SEED + i), stop) for i in range(CLIENTS)]
        for d in drivers:
            d.sign_in_pages()
            d.start()
        kills = full = 0
        for i in range(KILLS):
            time.sleep(rng.uniform(0.2, 1.2))
            if i == KILLS // 2:
                server.kill_all()
                server.start()
                full += 1
            else:
                assert server.kill_workers(), "no worker to kill"
                server.wait_ready()
            kills += 1
        # On a loaded machine the clients get less done between kills: let them finish enough lifecycles (bounded)
        # so the checks below cover tickets in every state.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (sum(d.stats["tickets"] for d in drivers) < 10
                                               or sum(d.stats["finished"] for d in drivers) < 5):
            time.sleep(0.5)
        time.sleep(0.5)
        stop.set()
        for d in drivers:
            d.join(60)
    finally:
        stop.set()
        server.stop()
    db.session.rollback()
    found = problems(db.session)
    stats = {k: sum(d.stats[k] for d in drivers) for k in drivers[0].stats}
    documents = len(db.session.scalars(select(IssuedDocument.id)).all())
    print(f"\ncrash injection ({db.engine.dialect.name}): {kills} kills ({full} of the whole server), "
          f"{ticket_count(db.session)} tickets, {stats}, {documents} documents, {len(found)} inconsistent")
    assert [e for d in drivers for e in d.errors] == []
    assert kills >= 20 and stats["tickets"] >= 10 and stats["finished"] >= 5 and stats["retries"] >= 1
    assert found == []
