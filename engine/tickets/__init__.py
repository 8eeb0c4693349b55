"""Tickets (工单, Art. 7–15): registering a 诉求 and completing its user tasks (one locked load–run–save per
action), the main process's task handlers, and the read models of worklists, ticket pages and panels.

Stores each step's files with the step and decides who sees a citizen's own attachments (``attached``), with
``engine.attachments`` checking and keeping them. Also keeps the submissions the engine could not complete
(``failures``: 登记失败), so no request is lost, hands matters to and takes them from the emergency lines
(``handoff``: 12345 ↔ 110, Art. 6(2)), takes requests from cities' apps (``open311``: GeoReport v2), and runs
merged handling (``merging``, ``matter``: 并单, DOMAIN.md §12): merged tickets follow their main ticket's workflow.
``taskfacts`` reads what a unit's task page decides on (why a ticket is redone, a refused extension, the city
government's decision that named the units, a consultation's deadline).

May import ``engine.common``, ``engine.notices`` (the failure alert, the matter's reply), ``engine.knowledge``,
``engine.clocks``, ``engine.oversight``, ``engine.attachments``, ``engine.matching`` (each registered ticket is
indexed for the same-matter search) and the layers below them.
"""
from . import (
    attached,
    failures,
    handlers,
    handoff,
    history,
    matter,
    merging,
    open311,
    pages,
    privacy,
    queries,
    taskfacts,
)
from .handlers import return_window_open, sign_decisions
from .lifecycle import Step, close_return_window, complete_task, load_instance, lock_ticket, register, save_instance
from .merging import MAIN_STATES, child_problem, main_problem, matter_view, merge, merge_surge, surge_plan, unmerge

__all__ = ["MAIN_STATES", "Step", "attached", "child_problem", "close_return_window", "complete_task", "failures",
           "handlers", "handoff", "history", "load_instance", "lock_ticket", "main_problem", "matter", "matter_view",
           "merge", "merge_surge", "merging", "open311", "pages", "privacy", "queries", "register",
           "return_window_open", "save_instance", "sign_decisions", "surge_plan", "taskfacts", "unmerge"]
