"""WTForms classes; shape checks only; to_command() returns a plain dict.

Forms never touch the database: the page fills in dynamic choices (units, categories, reasons), the form checks
shape (required, length, choice, number), and ``to_command()`` hands the service exactly the dict it takes.
The services check meaning. Imports: wtforms, flask_wtf and ``engine.domain`` labels only.
"""
from __future__ import annotations

from .accounts import ApiClientForm, LoginForm, PasswordForm, PrivacyForm, ResetPasswordForm, RevealForm, UserForm
from .attachments import AttachmentLimitsForm
from .base import CommandForm, ConfirmForm
from .dynamic import build_form
from .matching import DismissAlertForm, DutyForm, MergeForm, MergeIntoForm, SurgeMergeForm, UnmergeForm
from .oversight import (
    CityDecisionForm,
    ConsultForm,
    ExtensionReviewForm,
    JointDecisionForm,
    JointMeetingForm,
    ProposalForm,
    RedoDecisionForm,
    SupervisionCheckForm,
    SupervisionReplyForm,
)
from .tickets.citizen import CitizenEvaluateForm, CitizenSubmitForm, TrackForm
from .tickets.dispatch import CountyDispatchForm, DispatchForm
from .tickets.intake import IntakeForm, ScopeForm
from .tickets.office import EvaluateForm, ReviewForm
from .tickets.unit import CoHandleForm, ReplyForm, SignForm

# One form per form key the diagrams use (camunda:formKey).
FORMS: dict[str, type[CommandForm]] = {
    "scope": ScopeForm,
    "dispatch": DispatchForm,
    "county_dispatch": CountyDispatchForm,
    "sign": SignForm,
    "co_handle": CoHandleForm,
    "reply": ReplyForm,
    "review": ReviewForm,
    "evaluate": EvaluateForm,
    "redo_decision": RedoDecisionForm,
    "extension_review": ExtensionReviewForm,
    "jr_meeting": JointMeetingForm,
    "jr_consult": ConsultForm,
    "joint_decision": JointDecisionForm,
    "jr_proposal": ProposalForm,
    "jr_city_decision": CityDecisionForm,
    "supervision_reply": SupervisionReplyForm,
    "supervision_check": SupervisionCheckForm,
}


def form_for_task(task_info, enum_options: dict | None = None) -> type[CommandForm]:
    """Return the form class for a user task: its form key's class, else one built from its declared fields.

    ``task_info`` is an ``engine.workflow.bundle.TaskInfo``; ``enum_options`` maps an enum field id to its
    ``[(value, label)]`` as declared in the diagram. A task with neither gets a plain confirmation form.
    """
    cls = FORMS.get(task_info.form_key or "")
    if cls is not None:
        return cls
    if task_info.form_fields:
        return build_form(task_info.bpmn_id, task_info.form_fields, enum_options or {})
    return ConfirmForm


__all__ = ["AttachmentLimitsForm",
           "FORMS", "form_for_task", "build_form", "CommandForm", "ConfirmForm", "IntakeForm", "ScopeForm",
           "DispatchForm", "CountyDispatchForm", "JointDecisionForm", "SignForm", "CoHandleForm", "ReplyForm",
           "ReviewForm", "EvaluateForm", "RedoDecisionForm", "CitizenSubmitForm", "TrackForm", "CitizenEvaluateForm",
           "LoginForm", "PasswordForm", "PrivacyForm", "RevealForm", "UserForm", "ExtensionReviewForm",
           "ResetPasswordForm", "ApiClientForm",
           "JointMeetingForm", "ConsultForm", "ProposalForm", "CityDecisionForm", "SupervisionReplyForm",
           "SupervisionCheckForm", "DismissAlertForm", "DutyForm", "MergeForm", "MergeIntoForm",
           "SurgeMergeForm", "UnmergeForm"]
