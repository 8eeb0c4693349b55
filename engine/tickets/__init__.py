"""Tickets (工单, Art. 7–15): registering a 诉求 and completing its user tasks (one locked load–run–save per
action), the main process's task handlers, and the read models of worklists, ticket pages and panels.

Also keeps the submissions the engine could not complete (``failures``: 登记失败), so no request is lost.

May import ``engine.common``, ``engine.notices`` (the failure alert), ``engine.knowledge``, ``engine.clocks``,
``engine.oversight`` and the layers below them.
"""
from . import failures, handlers, history, pages, privacy, queries
from .handlers import return_window_open, sign_decisions
from .lifecycle import Step, close_return_window, complete_task, load_instance, lock_ticket, register, save_instance

__all__ = ["Step", "close_return_window", "complete_task", "failures", "handlers", "history", "load_instance",
           "lock_ticket", "pages", "privacy", "queries", "register", "return_window_open", "save_instance",
           "sign_decisions"]
