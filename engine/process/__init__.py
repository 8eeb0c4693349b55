"""Process administration (流程管理): the default data every installation needs, diagram drafts, validation and
dry runs, deployment, diff, rollback and migration of running tickets, and time-limit rule-set versions.

May import ``engine.common``, ``engine.clocks`` (the calendar seed), ``engine.tickets`` (a migration saves a
ticket like an action) and the layers below them.
"""
from . import defaults, deploy, drafts, dryrun, setup, variables
from .defaults import EXPLANATION_TEMPLATES, REFUSAL_REASONS
from .setup import author_label, seed_defaults
from .variables import condition_scopes

__all__ = ["EXPLANATION_TEMPLATES", "REFUSAL_REASONS", "author_label", "condition_scopes", "defaults", "deploy",
           "drafts", "dryrun", "seed_defaults", "setup", "variables"]
