"""Tables. Check constraints mirror the state rules; nothing here imports Flask or SpiffWorkflow."""
from .base import Base, UTCDateTime
from .config import CalendarDay, CalendarYear, Category, KnowledgeEntry, ProcessVersion, RefusalReason, RuleSet
from .org import ApiClient, Unit, User
from .ticket import Assignment, AuditLog, Evaluation, PiiView, Reply, TaskProjection, Ticket

__all__ = ["Base", "UTCDateTime", "CalendarDay", "CalendarYear", "Category", "KnowledgeEntry", "ProcessVersion",
           "RefusalReason", "RuleSet", "ApiClient", "Unit", "User", "Assignment", "AuditLog", "Evaluation",
           "PiiView", "Reply", "TaskProjection", "Ticket"]
