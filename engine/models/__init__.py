"""Tables. Check constraints mirror the state rules; nothing here imports Flask or SpiffWorkflow."""
from .analytics import AssessmentWeights, ExportLog, ExportRequest
from .attachments import Attachment, AttachmentAccess, AttachmentSettings
from .base import Base, UTCDateTime
from .config import (
    CalendarDay,
    CalendarYear,
    Category,
    KnowledgeEntry,
    OfficeSetting,
    ProcessVersion,
    RefusalReason,
    RuleSet,
)
from .documents import DocumentCounter, IssuedDocument, PrintBatch
from .drafts import ProcessDraft
from .failures import FailedSubmission
from .interop import CallerFlag, EmergencyHandoff, Open311Request
from .knowledge import KnowledgeEditRequest, KnowledgeFlag, KnowledgeVersion
from .matching import (
    DispatchSuggestion,
    SimilarIndex,
    SimilarLink,
    SurgeAlert,
    TermStat,
    TicketMerge,
    TicketTerm,
    UnitDuty,
)
from .monitor import JobLease, Outbox, SupervisionRequest
from .org import ApiClient, AttemptCounter, Unit, User
from .side import AccountabilityCase, ExtensionRequest, JointReview, Supervision
from .ticket import Assignment, AuditLog, Evaluation, PiiView, Reply, TaskProjection, Ticket

__all__ = ["Base", "UTCDateTime", "CalendarDay", "CalendarYear", "Category", "KnowledgeEntry", "ProcessVersion",
           "RefusalReason", "RuleSet", "ApiClient", "Unit", "User", "Assignment", "AuditLog", "Evaluation",
           "AttemptCounter", "PiiView", "Reply", "TaskProjection", "Ticket", "JobLease", "Outbox", "SupervisionRequest",
           "ProcessDraft", "DocumentCounter", "IssuedDocument", "PrintBatch", "AccountabilityCase",
           "ExtensionRequest", "JointReview", "Supervision", "KnowledgeEditRequest", "KnowledgeFlag",
           "KnowledgeVersion", "AssessmentWeights", "ExportLog", "ExportRequest", "FailedSubmission", "OfficeSetting",
           "Attachment", "AttachmentAccess", "AttachmentSettings", "DispatchSuggestion", "SimilarIndex", "SimilarLink",
           "SurgeAlert", "TermStat", "TicketMerge", "TicketTerm", "UnitDuty", "CallerFlag", "EmergencyHandoff",
           "Open311Request"]
