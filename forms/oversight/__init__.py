"""Oversight forms: the side processes' tasks (extension approval, joint review, supervision answer and check, the
redo decision), opening a supervision and handling accountability cases. Shape only; imports ``forms.base`` and
``engine.domain`` labels.
"""
from .cases import CaseForm, ConfirmCaseForm, DismissCaseForm, OutcomeForm, ProposeForm, SupervisionForm
from .decisions import (
    CityDecisionForm,
    ConsultForm,
    ExtensionReviewForm,
    JointDecisionForm,
    JointMeetingForm,
    ProposalForm,
    RedoDecisionForm,
    SupervisionCheckForm,
    SupervisionReplyForm,
    UnitsForm,
)

__all__ = ["CaseForm", "CityDecisionForm", "ConfirmCaseForm", "ConsultForm", "DismissCaseForm",
           "ExtensionReviewForm", "JointDecisionForm", "JointMeetingForm", "OutcomeForm", "ProposalForm", "ProposeForm",
           "RedoDecisionForm", "SupervisionCheckForm", "SupervisionForm", "SupervisionReplyForm", "UnitsForm"]
