"""Placeholder blueprint (reports); filled by the office reports pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
