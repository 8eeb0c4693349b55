"""The process owner's verbs: validate, dry-run, deploy, diff, roll back and migrate diagram versions."""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.common import (
    RUNTIME,
    Actor,
    Invalid,
    NotFound,
    ServiceError,
    active_version,
    bundle_for,
    forget_active,
    form_keys,
)
from engine.domain.states import FINAL_STATUSES
from engine.models import ProcessDraft, ProcessVersion, TaskProjection, Ticket, Unit
from engine.tickets import lock_ticket, save_instance
from engine.workflow import DiagramError, Problem, validate_files
from engine.workflow.bundle import MAIN_PROCESS, files_sha256
from engine.workflow.changes import ModelDiff, diff_models
from engine.workflow.elements import read_model
from engine.workflow.problems import errors_only
from engine.workflow.versions import migrate_instance, migration_blockers

from .drafts import as_bytes
from .dryrun import SAMPLES, DryRun, JourneyResult, branches, journey
from .setup import deploy
from .variables import catalogue

# Service-task operations a diagram may call; none are registered yet.
OPERATIONS: dict[str, object] = {}

ACCEPT = ("decide_scope", {"scope": "accept", "ticket_type": "complaint"})
DISPATCH = ("dispatch", {"lead_unit": 1, "co_units": [], "via_county": None})
SIGN = ("sign", {"sign_decision": "sign"})
REVIEW_OK = ("review", {"review_decision": "accept"})
GOOD = ("evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied"})
BAD = ("evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied"})
# The journey that must never break: registration, the scope decision, and the ticket waiting for dispatch. A
# version that fails it would turn every call away, so no override can deploy it.
INTAKE = ("intake", "登记受理至派单", [ACCEPT], "dispatch")
# The standard journeys every deployable diagram must still support: (code, label, steps[, stop when ready]).
JOURNEYS = [
    INTAKE,
    ("happy", "正常办结", [ACCEPT, DISPATCH, SIGN, ("reply", {}), REVIEW_OK, GOOD]),
    ("refused", "不予受理", [("decide_scope", {"scope": "refuse"})]),
    ("answered", "即时答复", [("decide_scope", {"scope": "answer"}), ("evaluate", {"intake_rating": "satisfied",
                                                                              "handling_rating": None})]),
    ("returned", "退回改派", [ACCEPT, DISPATCH, ("sign", {"sign_decision": "return"}), DISPATCH, SIGN, ("reply", {}),
                          REVIEW_OK, GOOD]),
    ("county", "县级二次派单", [ACCEPT, ("dispatch", {"lead_unit": None, "co_units": [], "via_county": 2}),
                            ("county_dispatch", {"lead_unit": 3, "co_units": []}), SIGN, ("reply", {}), REVIEW_OK,
                            GOOD]),
    ("co_handled", "主协办", [ACCEPT, ("dispatch", {"lead_unit": 1, "co_units": [4], "via_county": None}), SIGN,
                           ("co_handle", {}), ("reply", {}), REVIEW_OK, GOOD]),
    ("joint_review", "联合审定", [ACCEPT, DISPATCH, ("sign", {"sign_decision": "return"}), DISPATCH,
                              ("sign", {"sign_decision": "return"}), ("jr_decide", {}), DISPATCH, SIGN,
                              ("reply", {}), REVIEW_OK, GOOD]),
    ("sent_back", "审核退回重新答复", [ACCEPT, DISPATCH, SIGN, ("reply", {}), ("review", {"review_decision": "back"}),
                                ("reply", {}), REVIEW_OK, GOOD]),
    ("redo", "不满意重办", [ACCEPT, DISPATCH, SIGN, ("reply", {}), REVIEW_OK, BAD,
                         ("redo_decision", {"redo_reasonable": True}), ("reply", {}), REVIEW_OK, GOOD]),
    ("extension", "申请延期", [ACCEPT, DISPATCH, SIGN, ("reply", {"handling_action": "extension"}),
                           ("extension_review", {"extension_decision": "approve"}),
                           ("reply", {"handling_action": "reply"}), REVIEW_OK, GOOD]),
]
SUPERVISION_JOURNEYS = [
    ("sup_accepted", "督办答复合格", [("sup_reply", {}), ("sup_check", {"check_decision": "accept"})]),
    ("sup_back", "督办答复退回后合格", [("sup_reply", {}), ("sup_check", {"check_decision": "back"}),
                                  ("sup_reply", {}), ("sup_check", {"check_decision": "accept"})]),
]
# Every deployable process and the journeys a new version of it must still support, with its start data.
PROCESSES = {
    MAIN_PROCESS: ("工单主流程", JOURNEYS, {"ticket_type": "complaint", "channel": "phone"}),
    "supervision": ("督办流程", SUPERVISION_JOURNEYS, {"unit": 1, "ticket_id": 1}),
}
PROTECTED = {INTAKE[0]}


def _process(process_id: str):
    if process_id not in PROCESSES:
        raise Invalid(f"未知的流程：{process_id}", f"unknown process {process_id!r}")
    return PROCESSES[process_id]


def validate_draft(files: dict[str, bytes], process_id: str = MAIN_PROCESS) -> list[Problem]:
    """Every problem of a draft, errors first, with file, line and element; no errors: it may be deployed."""
    return validate_files(files, form_keys=form_keys(), operations=set(OPERATIONS), process_id=process_id,
                          catalogue=catalogue(), platform={pid: title for pid, (title, _j, _d) in PROCESSES.items()})


# A draft's error count by (process, SHA-256 of its files): a file set is checked once per process, not at every
# look at the list (a check takes about 15 ms); bounded, oldest forgotten first.
_ERRORS: OrderedDict[tuple[str, str], int] = OrderedDict()
_ERRORS_LOCK = threading.Lock()
_ERRORS_KEPT = 256


def draft_errors(drafts: list[ProcessDraft]) -> dict[int, int]:
    """How many errors the check finds in each draft (draft id -> count): 0 means it may be deployed."""
    out = {}
    for d in drafts:
        files = as_bytes(d.files)
        key = (d.process_id, files_sha256(files))
        with _ERRORS_LOCK:
            found = _ERRORS.get(key)
        if found is None:
            found = len(errors_only(validate_draft(files, d.process_id)))
            with _ERRORS_LOCK:
                _ERRORS[key] = found
                while len(_ERRORS) > _ERRORS_KEPT:
                    _ERRORS.popitem(last=False)
        out[d.id] = found
    return out


def active_ids(session: Session | None, process_id: str) -> set[str] | None:
    """Element ids of the active version, so the dry run marks only what the draft really adds."""
    if session is None:
        return None
    try:
        return set(read_model(as_bytes(active_version(session, process_id).files)).elements)
    except ServiceError:
        return None


def sample_unit_names(session: Session | None) -> dict[int, str]:
    """Names of the units the dry run's sample data uses, so its report names them rather than their ids."""
    ids = {i for v in (*SAMPLES["unit"], *SAMPLES["units"]) for i in (v if isinstance(v, list) else [v])
           if i is not None}
    if session is None or not ids:
        return {}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


def dry_run(files: dict[str, bytes], process_id: str = MAIN_PROCESS, session: Session | None = None
            ) -> list[JourneyResult]:
    """Simulate the standard journeys, then every outgoing flow of every gateway they reach.

    :raises DiagramError: when the draft does not even parse.
    """
    _title, journeys, start_data = _process(process_id)
    dr = DryRun(files, process_id, active_ids(session, process_id), sample_unit_names(session))
    results, runs = [], []
    for code, label, steps, *until in journeys:
        res, run = journey(dr, code, label, steps, start_data, until[0] if until else None, code in PROTECTED)
        results.append(res)
        runs.append((res, run, steps, start_data))
    return results + branches(dr, runs)


def deploy_version(session: Session, files: dict[str, bytes], author: str, note: str | None, now: datetime,
                   override: str | None = None, process_id: str = MAIN_PROCESS, skip: list[str] | None = None
                   ) -> tuple[ProcessVersion, list[JourneyResult]]:
    """Validate, dry-run and deploy a new version.

    A journey that fails may be skipped on purpose (``skip`` names it, ``override`` gives the reason; both are
    recorded on the version), except the intake journey, and never when every standard journey fails.

    :raises DiagramError: when the draft has errors (nothing is deployed).
    :raises Invalid: when a journey breaks and is not skipped with a reason, or can never be skipped.
    """
    _process(process_id)
    problems = errors_only(validate_draft(files, process_id))
    if problems:
        raise DiagramError(problems)
    results = dry_run(files, process_id, session)
    refuse_broken(results, override, skip)
    broken = [r for r in results if not r.ok]
    pv = deploy(session, files, author, note, now, process_id)
    if broken:
        pv.override_reason = override.strip()
        pv.skipped_journeys = [{"code": r.code, "label": r.label, "message": r.message} for r in broken]
    return pv, results


def refuse_broken(results: list[JourneyResult], override: str | None, skip: list[str] | None) -> None:
    """Refuse a deployment the dry run does not allow.

    :raises Invalid: ``intake_broken`` or ``all_broken`` (no override helps), or ``dry_run_failed`` (skip the named
        journeys with a reason to deploy anyway).
    """
    broken = [r for r in results if not r.ok]
    if not broken:
        return
    listed = "；".join(f"{r.label}：{r.message.rstrip('。')}" for r in broken)
    protected = [r for r in broken if r.protected]
    if protected:
        raise Invalid(f"{protected[0].label}的路径未通过：{protected[0].message}这个版本会使每一通来电都无法登记派单，"
                      "不能部署，强制部署也不行。请先改正流程图。", f"intake journey broken: {protected[0].message!r}",
                      code="intake_broken")
    standard = [r for r in results if not r.is_branch]
    if standard and all(not r.ok for r in standard):
        raise Invalid("所有标准路径都未通过，这个版本无法办理任何工单，不能部署，强制部署也不行。" + listed,
                      "every journey broken", code="all_broken")
    missing = [r for r in broken if r.code not in set(skip or [])]
    if missing or not (override and override.strip()):
        raise Invalid("试运行未通过：" + listed + "。如确是有意修改了这些路径，请逐条勾选要跳过的路径"
                      "并填写强制部署理由。",
                      f"dry run failed for {[r.code for r in broken]}", code="dry_run_failed")


def versions(session: Session, process_id: str = MAIN_PROCESS) -> list[ProcessVersion]:
    return list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                                .order_by(ProcessVersion.version)))


def get_version(session: Session, number: int, process_id: str = MAIN_PROCESS) -> ProcessVersion:
    pv = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                     ProcessVersion.version == number))
    if pv is None:
        raise NotFound(f"流程版本 {number} 不存在", f"process version {number} not found")
    return pv


def activate(session: Session, number: int, process_id: str = MAIN_PROCESS) -> ProcessVersion:
    """Roll back (or forward): new tickets start on this version from now on."""
    pv = get_version(session, number, process_id)
    session.execute(update(ProcessVersion).where(ProcessVersion.process_id == process_id).values(active=False))
    pv.active = True
    forget_active()
    return pv


def version_model(pv: ProcessVersion):
    return read_model(as_bytes(pv.files))


def diff_versions(session: Session, a: int, b: int, process_id: str = MAIN_PROCESS) -> ModelDiff:
    """What changed from version ``a`` to ``b``: elements added and removed, and each changed property."""
    old, new = get_version(session, a, process_id), get_version(session, b, process_id)
    return diff_models(version_model(old), version_model(new))


def removed_tasks(session: Session, to_number: int, from_number: int | None = None) -> dict[str, dict]:
    """User tasks that open tickets' versions have and the target lacks: id -> {label, versions}."""
    target = get_version(session, to_number)
    new_model = version_model(target)
    q = select(Ticket.process_version_id).where(Ticket.process_version_id != target.id,
                                                Ticket.status.not_in([s.value for s in FINAL_STATUSES])).distinct()
    if from_number is not None:
        q = q.where(Ticket.process_version_id == get_version(session, from_number).id)
    out: dict[str, dict] = {}
    for vid in session.scalars(q):
        pv = session.get(ProcessVersion, vid)
        old_model = version_model(pv)
        for el in old_model.elements.values():
            if el.kind in ("userTask", "callActivity") and el.id not in new_model.elements:
                entry = out.setdefault(el.id, {"label": old_model.label(el.id), "versions": []})
                entry["versions"].append(pv.version)
    return out


def replacement_choices(session: Session, to_number: int) -> list[tuple[str, str]]:
    """The target version's user tasks a removed task may be mapped to: (id, label)."""
    model = version_model(get_version(session, to_number))
    return [(el.id, model.label(el.id)) for el in model.elements.values() if el.kind == "userTask"]


def migrate_tickets(session: Session, actor: Actor, to_number: int, now: datetime, *, dry_run_only: bool,
                    from_number: int | None = None, mapping: dict[str, str] | None = None) -> dict:
    """Move open tickets to a version by element id: the eligible move (each audited), the others are listed with
    the reasons in Chinese. ``mapping`` names the replacement of each removed task."""
    target = get_version(session, to_number)
    new = bundle_for(session, target.id)
    new_model = version_model(target)
    mapping = {k: v for k, v in (mapping or {}).items() if v and new_model.get(v) is not None}
    q = select(Ticket.id).where(Ticket.process_version_id != target.id,
                                Ticket.status.not_in([s.value for s in FINAL_STATUSES]))
    if from_number is not None:
        q = q.where(Ticket.process_version_id == get_version(session, from_number).id)
    moved, refused = [], []
    models: dict[int, tuple] = {}
    for tid in session.scalars(q.order_by(Ticket.id)).all():
        ticket = lock_ticket(session, tid)
        bundle_for(session, ticket.process_version_id)
        if ticket.process_version_id not in models:
            old_model = version_model(session.get(ProcessVersion, ticket.process_version_id))
            models[ticket.process_version_id] = (old_model, diff_models(old_model, new_model))
        old_model, diff = models[ticket.process_version_id]
        inst = RUNTIME.load(ticket.workflow_state)
        blockers = migration_blockers(inst, diff, old_model, new_model, mapping)
        if blockers:
            refused.append({"ticket": ticket.number, "reason": "；".join(b.rstrip("。") for b in blockers) + "。",
                            "reasons": blockers})
            continue
        moved.append(ticket.number)
        if dry_run_only:
            continue
        old_version = ticket.process_version_id
        inst = migrate_instance(inst, new, mapping)
        existing = set(session.scalars(select(TaskProjection.task_uuid).where(
            TaskProjection.ticket_id == ticket.id, TaskProjection.supervision_id.is_(None))))
        ticket.process_version_id = target.id
        save_instance(session, ticket, inst, actor, now, "migrate", ticket.status_enum, existing,
                      from_version=old_version, to_version=target.id, mapping=mapping or None)
        for t in inst.ready_tasks():  # a renamed or mapped task keeps its row and clocks
            session.execute(update(TaskProjection).where(TaskProjection.task_uuid == t.uuid)
                            .values(bpmn_id=t.bpmn_id, title=t.title, role=t.role, form_key=t.form_key))
    return {"to_version": to_number, "dry_run": dry_run_only, "moved": moved, "refused": refused,
            "mapping": mapping}
