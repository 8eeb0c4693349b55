"""Verbs of the hotline: explicit (session, actor, …, now); they flush, never commit, never read Flask globals."""
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from .tickets import Step, complete_task, register

__all__ = ["Actor", "Conflict", "Forbidden", "Invalid", "NotFound", "ServiceError", "Step", "complete_task",
           "register"]
