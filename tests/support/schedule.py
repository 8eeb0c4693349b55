"""Longest files first under ``pytest -n N --dist loadfile`` (what ``make test`` runs).

pytest-xdist hands out whole files, by default the ones with the most tests first; the slowest files have few
tests (the demo year, the kill -9 and race servers, the fuzzing), so they came last and one core sat idle while
the other finished them. Here the next file a worker gets is the one expected to take longest: the files known to
be slow by their measured seconds, every other file by its number of tests. Which tests run, and how each file's
tests run together in one process, does not change.

Files that read the same costly session fixture go to the same process as one unit (``TOGETHER``): the seeded demo
year is built once a run, not once in each process.
"""
from __future__ import annotations

import pytest

# Seconds of a file on one core of the 2-core machine, about (make test, December 2026); PostgreSQL-only files are
# skipped in a moment on SQLite, which only moves them in the queue.
SLOW = {
    "tests/demo/test_demo_year.py": 70,
    "tests/setup/test_deployment.py": 45,
    "tests/process/test_versions.py": 30,
    "tests/tickets/test_crash_injection.py": 30,
    "tests/process/test_deploy_web.py": 25,
    "tests/api/test_fuzz.py": 20,
    "tests/oversight/test_side_processes_browser.py": 20,
    "tests/tickets/test_journeys_browser.py": 20,
    "tests/demo/test_demo_logins.py": 18,
    "tests/cli/test_errors.py": 15,
    "tests/tickets/test_race_server.py": 15,
    "tests/clocks/test_scheduler_kill.py": 15,
    "tests/tickets/test_robustness.py": 11,
    "tests/accounts/test_citizen_pages_accessibility.py": 9,
    "tests/attachments/test_atomic.py": 9,
    "tests/process/test_modeler_browser.py": 9,
    "tests/docstore/test_issue.py": 9,
    "tests/docstore/test_archive.py": 8,
    "tests/accounts/test_hardening.py": 8,
    "tests/cli/test_jobs.py": 8,
    "tests/api/test_journeys.py": 8,
    "tests/analytics/test_reports.py": 7,
    "tests/matching/test_quality.py": 7,
    "tests/docstore/test_batch.py": 6,
    "tests/accounts/test_page_access.py": 6,
    "tests/attachments/test_browser.py": 5,
    "tests/documents/test_documents.py": 5,
    "tests/tickets/test_pages.py": 5,
}
PER_TEST = 0.2  # seconds a test of any other file takes, about
# file -> the file it runs with (one unit of work, one process)
TOGETHER = {"tests/demo/test_demo_logins.py": "tests/demo/test_demo_year.py"}


def _cost(scope: str, tests: int) -> float:
    return sum(SLOW.get(f, 0) for f in _files(scope)) or PER_TEST * tests


def _files(scope: str) -> list[str]:
    return [scope, *(f for f, other in TOGETHER.items() if other == scope)]


try:
    from xdist.scheduler import LoadFileScheduling
except ImportError:  # pytest-xdist is a dev requirement; without it there is nothing to schedule
    LoadFileScheduling = None
else:
    class LongestFileFirst(LoadFileScheduling):
        """``--dist loadfile`` handing out the longest remaining file first (longest-processing-time order)."""

        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return TOGETHER.get(file, file)

        def _assign_work_unit(self, node) -> None:
            # ``workqueue`` maps each file not yet handed out to its tests; the parent pops the first one.
            scope = max(self.workqueue, key=lambda s: _cost(s, len(self.workqueue[s])))
            self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if LoadFileScheduling is not None and config.getvalue("dist") == "loadfile":
        return LongestFileFirst(config, log)
    return None
