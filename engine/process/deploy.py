"""The process owner's verbs: validate, dry-run, deploy, diff, roll back and migrate diagram versions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.common import RUNTIME, Actor, Invalid, NotFound, bundle_for, forget_active, form_keys
from engine.domain.states import FINAL_STATUSES
from engine.models import ProcessVersion, TaskProjection, Ticket
from engine.tickets import lock_ticket, save_instance
from engine.workflow import DiagramError, Problem, Runtime, parse_bundle, validate_files
from engine.workflow.bundle import MAIN_PROCESS
from engine.workflow.versions import diff_bundles, migrate_instance, migration_blockers

from .setup import deploy

# Service-task operations a diagram may call; none are registered yet.
OPERATIONS: dict[str, object] = {}

ACCEPT = ("decide_scope", {"scope": "accept", "ticket_type": "complaint"})
DISPATCH = ("dispatch", {"lead_unit": 1, "co_units": [], "via_county": None})
SIGN = ("sign", {"sign_decision": "sign"})
REVIEW_OK = ("review", {"review_decision": "accept"})
GOOD = ("evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied"})
BAD = ("evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied"})
# The standard journeys every deployable diagram must still support: (code, label, steps).
JOURNEYS = [
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
    ("redo", "不满意重办", [ACCEPT, DISPATCH, SIGN, ("reply", {}), REVIEW_OK, BAD,
                         ("redo_decision", {"redo_reasonable": True}), ("reply", {}), REVIEW_OK, GOOD]),
    ("extension", "申请延期", [ACCEPT, DISPATCH, SIGN, ("reply", {"handling_action": "extension"}),
                           ("extension_review", {"extension_decision": "approve"}),
                           ("reply", {"handling_action": "reply"}), REVIEW_OK, GOOD]),
]
# Every deployable process and the journeys a new version of it must still support, with its start data.
SUPERVISION_JOURNEYS = [
    ("sup_accepted", "督办答复合格", [("sup_reply", {}), ("sup_check", {"check_decision": "accept"})]),
    ("sup_back", "督办答复退回后合格", [("sup_reply", {}), ("sup_check", {"check_decision": "back"}),
                                  ("sup_reply", {}), ("sup_check", {"check_decision": "accept"})]),
]
PROCESSES = {
    MAIN_PROCESS: ("工单主流程", JOURNEYS, {"ticket_type": "complaint", "channel": "phone"}),
    "supervision": ("督办流程", SUPERVISION_JOURNEYS, {"unit": 1, "ticket_id": 1}),
}


def _process(process_id: str):
    if process_id not in PROCESSES:
        raise Invalid(f"未知的流程：{process_id}", f"unknown process {process_id!r}")
    return PROCESSES[process_id]


@dataclass
class JourneyResult:
    code: str
    label: str
    ok: bool
    path: list[str] = field(default_factory=list)
    ended_at: list[str] = field(default_factory=list)
    message: str = ""


def validate_draft(files: dict[str, bytes], process_id: str = MAIN_PROCESS) -> list[Problem]:
    """Every problem of a draft, with file, line and element; empty when it may be deployed."""
    return validate_files(files, form_keys=form_keys(), operations=set(OPERATIONS), process_id=process_id)


def _default_data(info) -> dict:
    """Data for a step the journey does not know (a task the process owner added)."""
    out = {}
    for fid, ftype, _label in info.form_fields if info else ():
        out[fid] = {"boolean": True, "long": 1}.get(ftype, "试运行")
    return out


def dry_run(files: dict[str, bytes], process_id: str = MAIN_PROCESS) -> list[JourneyResult]:
    """Simulate the standard journeys of the process against a draft and report where each ends.

    :raises DiagramError: when the draft does not even parse.
    """
    _title, journeys, start_data = _process(process_id)
    bundle = parse_bundle(files, "dry-run", process_id)
    rt = Runtime(lambda ref: bundle)
    results = []
    for code, label, steps in journeys:
        res = JourneyResult(code, label, False)
        try:
            inst = rt.start("dry-run", dict(start_data))
            todo = list(steps)
            for _ in range(80):
                ready = inst.ready_tasks()
                if not ready:
                    break
                nxt = todo[0][0] if todo else None
                match = next((t for t in ready if t.bpmn_id == nxt), None)
                if match is not None:
                    inst.complete(match.uuid, dict(todo.pop(0)[1]))
                    res.path.append(match.bpmn_id)
                    continue
                known = {s[0] for s in todo}
                extra = [t for t in ready if t.bpmn_id not in known and t.bpmn_id not in {s[0] for s in steps}]
                if not extra:
                    break
                inst.complete(extra[0].uuid, _default_data(bundle.tasks.get(extra[0].bpmn_id)))
                res.path.append(f"+{extra[0].bpmn_id}")
            res.ended_at = [t.bpmn_id for t in inst.ready_tasks()]
            res.ok = not todo and inst.is_completed()
            if not res.ok:
                res.message = (f"停在 {', '.join(res.ended_at) or '结束事件'}，未完成步骤：{todo[0][0]}" if todo
                               else f"流程未结束，停在 {', '.join(res.ended_at)}")
        except Exception as exc:  # the report must say what broke, whatever it was
            res.message = f"{type(exc).__name__}: {exc}"
        results.append(res)
    return results


def deploy_version(session: Session, files: dict[str, bytes], author: str, note: str | None, now: datetime,
                   override: str | None = None, process_id: str = MAIN_PROCESS
                   ) -> tuple[ProcessVersion, list[JourneyResult]]:
    """Validate, dry-run and deploy a new version.

    :raises DiagramError: when the draft has problems (nothing is deployed).
    :raises Invalid: when a standard journey breaks and no override reason is given.
    """
    _process(process_id)
    problems = validate_draft(files, process_id)
    if problems:
        raise DiagramError(problems)
    results = dry_run(files, process_id)
    broken = [r for r in results if not r.ok]
    if broken and not (override and override.strip()):
        raise Invalid("试运行未通过：" + "；".join(f"{r.label}（{r.message}）" for r in broken)
                      + "。如确需部署，请填写强制部署理由。",
                      f"dry run failed for {[r.code for r in broken]}", code="dry_run_failed")
    if broken:
        note = f"{note or ''}【强制部署：{override.strip()}；未通过：{'、'.join(r.label for r in broken)}】"
    pv = deploy(session, files, author, note, now, process_id)
    return pv, results


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


def diff_versions(session: Session, a: int, b: int, process_id: str = MAIN_PROCESS) -> dict:
    old, new = get_version(session, a, process_id), get_version(session, b, process_id)
    return diff_bundles(bundle_for(session, old.id), bundle_for(session, new.id))


def migrate_tickets(session: Session, actor: Actor, to_number: int, now: datetime, *, dry_run_only: bool,
                    from_number: int | None = None) -> dict:
    """Move open tickets to a version: the eligible move (each audited), the others are listed with the reason."""
    target = get_version(session, to_number)
    new = bundle_for(session, target.id)
    q = select(Ticket.id).where(Ticket.process_version_id != target.id,
                                Ticket.status.not_in([s.value for s in FINAL_STATUSES]))
    if from_number is not None:
        q = q.where(Ticket.process_version_id == get_version(session, from_number).id)
    moved, refused = [], []
    for tid in session.scalars(q.order_by(Ticket.id)).all():
        ticket = lock_ticket(session, tid)
        bundle_for(session, ticket.process_version_id)
        inst = RUNTIME.load(ticket.workflow_state)
        blockers = migration_blockers(inst, new)
        if blockers:
            refused.append({"ticket": ticket.number,
                            "reason": "已办理或正在办理的环节在新版本中有变化：" + "、".join(blockers)})
            continue
        moved.append(ticket.number)
        if dry_run_only:
            continue
        old_version = ticket.process_version_id
        inst = migrate_instance(inst, new)
        existing = set(session.scalars(select(TaskProjection.task_uuid).where(
            TaskProjection.ticket_id == ticket.id, TaskProjection.supervision_id.is_(None))))
        ticket.process_version_id = target.id
        save_instance(session, ticket, inst, actor, now, "migrate", ticket.status_enum, existing,
              from_version=old_version, to_version=target.id)
    return {"to_version": to_number, "dry_run": dry_run_only, "moved": moved, "refused": refused}
