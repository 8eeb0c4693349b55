"""The command line (`hotline …` or `flask --app web …`), one module per command group: setup (init-db, seed-demo,
kb-reindex), accounts (create-user, create-api-client), jobs (run-jobs, scheduler), bpmn, calendar, documents and
matching (similar-index); ``errors`` turns every refusal into one Chinese line, ``main`` is the ``hotline`` console
script.

May import the ``engine`` packages and ``web`` helpers; the app factory registers it.
"""
from __future__ import annotations

from flask import Flask

from .accounts import register_accounts_cli
from .bpmn import register_bpmn_cli
from .calendar import register_calendar_cli
from .documents import register_documents_cli
from .errors import guard_commands
from .jobs import register_jobs_cli
from .matching import register_matching_cli
from .setup import init_database, register_setup_cli

__all__ = ["init_database", "register_cli"]


def register_cli(app: Flask) -> None:
    """Add every command group to ``flask --app web``."""
    register_setup_cli(app)
    register_accounts_cli(app)
    register_jobs_cli(app)
    register_bpmn_cli(app)
    register_calendar_cli(app)
    register_documents_cli(app)
    register_matching_cli(app)
    guard_commands(app.cli)  # last: every command, Flask-Migrate's `db` group included
