"""Tickets (工单, Art. 7–15): registering a 诉求 and completing its user tasks (one locked load–run–save per
action), the main process's task handlers, and the read models of worklists, ticket pages and panels.

Also keeps the submissions the engine could not complete (``failures``: 登记失败), so no request is lost, and runs
merged handling (``merging``, ``matter``: 并单, DOMAIN.md §12): merged tickets follow their main ticket's workflow.

May import ``engine.common``, ``engine.notices`` (the failure alert, the matter's reply), ``engine.knowledge``,
``engine.clocks``, ``engine.oversight``, ``engine.matching`` (each registered ticket is indexed for the
same-matter search) and the layers below them.
"""
from . import failures, handlers, history, matter, merging, pages, queries
from .handlers import return_window_open
from .lifecycle import Step, complete_task, load_instance, lock_ticket, register, save_instance
from .merging import MAIN_STATES, child_problem, main_problem, matter_view, merge, merge_surge, surge_plan, unmerge

__all__ = ["MAIN_STATES", "Step", "child_problem", "complete_task", "failures", "handlers", "history",
           "load_instance", "lock_ticket", "main_problem", "matter", "matter_view", "merge", "merge_surge", "merging",
           "pages", "queries", "register", "return_window_open", "save_instance", "surge_plan", "unmerge"]
