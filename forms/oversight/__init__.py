"""Oversight forms: opening a supervision and handling accountability cases. Shape only; imports
``forms.base`` and ``engine.domain`` labels.
"""
from .cases import CaseForm, ConfirmCaseForm, DismissCaseForm, OutcomeForm, ProposeForm, SupervisionForm

__all__ = ["CaseForm", "ConfirmCaseForm", "DismissCaseForm", "OutcomeForm", "ProposeForm", "SupervisionForm"]
