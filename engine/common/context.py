"""Process-wide caches the services share: parsed diagram versions, the calendar, rule sets."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.domain.calendar import WorkingCalendar
from engine.domain.timelimits import RuleSet as Rules
from engine.models import CalendarDay, CalendarYear, ProcessVersion, RuleSet
from engine.workflow import Bundle, Runtime, parse_bundle

from .errors import ServiceError

_lock = threading.Lock()
_bundles: dict[str, Bundle] = {}
_rules: dict[int, Rules] = {}
_calendar: tuple[tuple, WorkingCalendar] | None = None
_calendar_checked = 0.0
CALENDAR_RECHECK_SECONDS = 30.0


def _lookup(ref: str) -> Bundle:
    try:
        return _bundles[ref]
    except KeyError:
        raise ServiceError("流程版本未加载", f"process version {ref} is not loaded") from None


RUNTIME = Runtime(_lookup)


def bundle_for(session: Session, version_id: int) -> Bundle:
    """Return the parsed bundle of a deployed version, parsing it once per process."""
    ref = str(version_id)
    bundle = _bundles.get(ref)
    if bundle is None:
        pv = session.get(ProcessVersion, version_id)
        if pv is None:
            raise ServiceError("流程版本不存在", f"process version {version_id} not found")
        files = {name: xml.encode() for name, xml in pv.files.items()}
        bundle = parse_bundle(files, ref, pv.process_id)
        with _lock:
            _bundles[ref] = bundle
    return bundle


# Which version and rule set new tickets start on, re-read at most every few seconds: a deploy in another worker
# reaches this one within ACTIVE_RECHECK_SECONDS (tickets started meanwhile run on the previous, valid version);
# a deploy or activation in this process is seen at once (forget_active).
ACTIVE_RECHECK_SECONDS = 5.0
_active: dict[str, tuple[float, int]] = {}


def forget_active() -> None:
    """Drop the cached active version and rule set ids (after a deploy, an activation, a new rule set)."""
    _active.clear()


def active_ids(session: Session, process_id: str = "hotline_ticket") -> tuple[int, int]:
    """The ids of the active process version and rule set, from a short-lived cache."""
    now = time.monotonic()
    hit_pv, hit_rs = _active.get("pv:" + process_id), _active.get("rules")
    if hit_pv is None or now - hit_pv[0] > ACTIVE_RECHECK_SECONDS:
        hit_pv = _active["pv:" + process_id] = (now, active_version(session, process_id).id)
    if hit_rs is None or now - hit_rs[0] > ACTIVE_RECHECK_SECONDS:
        hit_rs = _active["rules"] = (now, active_rule_set(session).id)
    return hit_pv[1], hit_rs[1]


def active_version(session: Session, process_id: str = "hotline_ticket") -> ProcessVersion:
    pv = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                     ProcessVersion.active.is_(True)))
    if pv is None:
        raise ServiceError("尚未部署流程，请先执行 flask --app web init-db",
                           f"no active version of process {process_id}")
    return pv


def rules_for(session: Session, rule_set_id: int) -> Rules:
    rules = _rules.get(rule_set_id)
    if rules is None:
        row = session.get(RuleSet, rule_set_id)
        if row is None:
            raise ServiceError("时限规则不存在", f"rule set {rule_set_id} not found")
        rules = _rules[rule_set_id] = Rules.from_dict(row.data)
    return rules


def active_rule_set(session: Session) -> RuleSet:
    row = session.scalar(select(RuleSet).where(RuleSet.active.is_(True)).order_by(RuleSet.version.desc()))
    if row is None:
        raise ServiceError("尚未配置时限规则", "no active rule set")
    return row


def calendar(session: Session, *, force: bool = False) -> WorkingCalendar:
    """Return the working-day calendar, reloaded when another worker has changed it."""
    global _calendar, _calendar_checked
    now = time.monotonic()
    if _calendar is not None and not force and now - _calendar_checked < CALENDAR_RECHECK_SECONDS:
        return _calendar[1]
    stamp = (session.scalar(select(func.count()).select_from(CalendarYear)),
             session.scalar(select(func.max(CalendarYear.entered_at))),
             session.scalar(select(func.count()).select_from(CalendarDay)))
    if _calendar is None or _calendar[0] != stamp or force:
        overrides = dict(session.execute(select(CalendarDay.day, CalendarDay.working)).all())
        years = session.scalars(select(CalendarYear.year)).all()
        _calendar = (stamp, WorkingCalendar(overrides, years))
    _calendar_checked = now
    return _calendar[1]


def reset_caches() -> None:
    """Forget every cached bundle, rule set and calendar (tests, after a redeploy)."""
    global _calendar
    with _lock:
        _bundles.clear()
        _rules.clear()
        _active.clear()
        _calendar = None
