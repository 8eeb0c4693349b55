"""Deploy diagram versions and seed the default data every installation needs."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.clocks import chinesecalendar_overrides
from engine.common import forget_active
from engine.domain.timelimits import HEYUAN_DEFAULT
from engine.domain.timelimits import RuleSet as Rules
from engine.models import CalendarDay, CalendarYear, ProcessVersion, RefusalReason, RuleSet
from engine.workflow import parse_bundle
from engine.workflow.bundle import MAIN_PROCESS, files_sha256

from .defaults import EXPLANATION_TEMPLATES, REFUSAL_REASONS

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
DEFAULT_FILES = ("hotline.bpmn", "joint_review.bpmn")
# Each deployable process and the files it is parsed from; a supervision is its own small process instance.
BUNDLED_PROCESSES = {MAIN_PROCESS: DEFAULT_FILES, "supervision": ("supervision.bpmn",)}


def bundled_files(names: tuple[str, ...] = DEFAULT_FILES) -> dict[str, bytes]:
    return {name: (BPMN_DIR / name).read_bytes() for name in names}


def deploy(session: Session, files: dict[str, bytes], author: str, note: str | None, now: datetime,
           process_id: str = MAIN_PROCESS) -> ProcessVersion:
    """Validate and deploy a new version; new tickets start on it, running ones stay where they are.

    :raises DiagramError: when the files do not parse or fail the checks; nothing is written.
    """
    parse_bundle(files, "check", process_id)  # refuses unsafe or broken files before anything is written
    last = session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id))
    session.execute(update(ProcessVersion).where(ProcessVersion.process_id == process_id).values(active=False))
    forget_active()
    pv = ProcessVersion(process_id=process_id, version=(last or 0) + 1, sha256=files_sha256(files),
                        files={k: v.decode("utf-8") for k, v in files.items()}, author=author, note=note,
                        active=True, created_at=now)
    session.add(pv)
    session.flush()
    return pv


def save_rule_set(session: Session, rules: Rules, author: str, note: str | None, now: datetime) -> RuleSet:
    """Store a new active rule-set version; tickets keep the version they started with."""
    last = session.scalar(select(func.max(RuleSet.version)))
    session.execute(update(RuleSet).values(active=False))
    forget_active()
    row = RuleSet(version=(last or 0) + 1, data=rules.to_dict(), author=author, note=note, active=True,
                  created_at=now)
    session.add(row)
    session.flush()
    return row


def seed_calendar(session: Session, now: datetime) -> list[int]:
    """Load every year the chinesecalendar package knows; years already entered are left alone."""
    overrides, years = chinesecalendar_overrides()
    known = set(session.scalars(select(CalendarYear.year)))
    new_years = [y for y in years if y not in known]
    for day, working in overrides.items():
        if day.year in new_years:
            session.merge(CalendarDay(day=day, working=working, note="chinesecalendar"))
    for y in new_years:
        session.add(CalendarYear(year=y, source="chinesecalendar", entered_at=now))
    session.flush()
    return new_years


def seed_refusal_reasons(session: Session) -> None:
    for r in REFUSAL_REASONS:
        code = r["code"]
        if session.get(RefusalReason, code) is None:
            session.add(RefusalReason(code=code, label=r["label"], needs_earlier_ticket=code == 8,
                                      explanation_template=EXPLANATION_TEMPLATES.get(code)))
    session.flush()


# The author the installation records on the versions it ships; pages print it as AUTHOR_LABELS says.
SYSTEM_AUTHOR = "system"
AUTHOR_LABELS = {SYSTEM_AUTHOR: "系统（随安装包提供）"}


def author_label(author: str | None) -> str:
    """Who saved a diagram or rule-set version, as the pages say it."""
    return AUTHOR_LABELS.get(author or "", author or "")


def seed_defaults(session: Session, now: datetime) -> None:
    """Make a fresh database usable: the bundled diagrams, the default rules, calendar and reasons."""
    for process_id, names in BUNDLED_PROCESSES.items():
        files = bundled_files(names)
        current = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                              ProcessVersion.active.is_(True)))
        if current is None or current.sha256 != files_sha256(files):
            deploy(session, files, SYSTEM_AUTHOR, "随安装包提供的默认流程", now, process_id)
    if session.scalar(select(RuleSet.id).limit(1)) is None:
        save_rule_set(session, HEYUAN_DEFAULT, SYSTEM_AUTHOR, "河源市12345热线管理办法（征求意见稿）默认时限", now)
    seed_calendar(session, now)
    seed_refusal_reasons(session)

