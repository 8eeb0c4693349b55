"""The process owner's area: diagram versions, drafts, the modeller, checks, deployment, migration, rule sets.

Only process owners and administrators get in; everyone else gets 403. Views parse the request, call service verbs
(``engine.process.deploy`` and ``engine.process.drafts``) and render; every check of a diagram goes through
``processes.validate_draft``, which refuses unsafe XML before any parser sees it.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from engine.common import Actor, Forbidden, Invalid, NotFound, ServiceError, active_version, transaction
from engine.domain.roles import Role
from engine.domain.timelimits import TICKET_TYPE_LABELS, TICKET_TYPES
from engine.process import author_label
from engine.process import deploy as proc
from engine.process import drafts as drafts_svc
from engine.workflow import DiagramError
from engine.workflow.bundle import MAIN_PROCESS
from engine.workflow.safexml import MAX_BYTES

from ..extensions import db
from ..security import current_user, now
from .check import check_draft
from .downloads import send_xml, send_zip

log = logging.getLogger("hotline.process")
bp = Blueprint("process", __name__, url_prefix="/process")
bp.add_app_template_filter(author_label, "author")

OWNER_ROLES = frozenset({Role.PROCESS_OWNER.value, Role.ADMIN.value})
# One request may carry a few diagrams; each file is held to the engine's 2 MB limit by drafts.check_files.
MAX_REQUEST_BYTES = 3 * MAX_BYTES


@bp.url_value_preprocessor
def _limit_body(_endpoint, _values):
    # URL value preprocessors run before every before_request hook, CSRF's included, which reads the form:
    # setting the limit here is what makes it apply to that first parse (oversized bodies get 413).
    request.max_content_length = MAX_REQUEST_BYTES


@bp.before_request
def _owners_only():
    user = current_user()
    if user is None:
        return redirect(url_for("views.login", next=request.full_path))
    if user.role not in OWNER_ROLES:
        raise Forbidden("只有流程管理员和系统管理员可以使用流程管理", f"role {user.role} refused on {request.path}")
    pid = request.values.get("process") or MAIN_PROCESS
    if pid not in proc.PROCESSES:
        raise NotFound("流程不存在", f"unknown process {pid!r}")
    g.process_id = pid
    return None


@bp.url_defaults
def _keep_process(endpoint: str, values: dict) -> None:
    """Every link and form of this area stays on the process being worked on (the main one needs no parameter)."""
    pid = g.get("process_id")
    if pid and pid != MAIN_PROCESS and "process" not in values:
        values["process"] = pid


@bp.context_processor
def _process_choice() -> dict:
    return {"process_id": g.get("process_id", MAIN_PROCESS),
            "processes": [(pid, title) for pid, (title, _j, _d) in proc.PROCESSES.items()]}


def _author() -> str:
    return current_user().display_name


def _bundle_ready(name: str) -> bool:
    return (Path(current_app.static_folder) / "vendor" / name).is_file()


# -- versions ----------------------------------------------------------------------------------------------------


@bp.get("/")
def index():
    versions = list(reversed(proc.versions(db.session, g.process_id)))
    drafts = drafts_svc.list_drafts(db.session, g.process_id)
    return render_template("process/index.html", versions=versions, counts=drafts_svc.version_ticket_counts(db.session),
                           drafts=drafts, deployed=drafts_svc.deployed_as(db.session, drafts),
                           errors=proc.draft_errors(drafts))


@bp.get("/versions/<int:number>")
def version(number: int):
    pv = proc.get_version(db.session, number, g.process_id)
    others = [v.version for v in proc.versions(db.session, g.process_id) if v.version != number]
    counts = drafts_svc.version_ticket_counts(db.session).get(pv.id, {"total": 0, "open": 0})
    compare_with = max([n for n in others if n < number], default=others[0] if others else None)
    return render_template("process/version.html", pv=pv, counts=counts, compare_with=compare_with,
                           viewer_ready=_bundle_ready("viewer.js"))


@bp.get("/versions/<int:number>/files/<name>")
def version_file(number: int, name: str):
    return send_xml(proc.get_version(db.session, number, g.process_id).files, name)


@bp.get("/versions/<int:number>/download")
def version_zip(number: int):
    pv = proc.get_version(db.session, number, g.process_id)
    return send_zip(pv.files, f"{pv.process_id}-v{pv.version}.zip")


@bp.get("/versions/<int:number>/source.json")
def version_source(number: int):
    pv = proc.get_version(db.session, number, g.process_id)
    return jsonify(kind="version", version=pv.version, title=f"第 {pv.version} 版", files=pv.files)


@bp.post("/versions/<int:number>/activate")
def activate(number: int):
    with transaction(db.session):
        proc.activate(db.session, number, g.process_id)
    log.info("process version %s activated by %s", number, current_user().username)
    flash(f"第 {number} 版已设为当前版本：此后新建的工单按该版本流转，在办工单仍按各自开始时的版本办理", "ok")
    return redirect(url_for(".index"))


@bp.get("/diff")
def diff():
    numbers = [v.version for v in proc.versions(db.session, g.process_id)]
    active = active_version(db.session, g.process_id).version
    b = request.args.get("b", type=int) or active
    a = request.args.get("a", type=int) or max([n for n in numbers if n < b], default=b)
    result = proc.diff_versions(db.session, a, b, g.process_id)
    return render_template("process/diff.html", a=a, b=b, numbers=numbers, diff=result,
                           viewer_ready=_bundle_ready("viewer.js"))


@bp.route("/migrate", methods=["GET", "POST"])
def migrate():
    if g.process_id != MAIN_PROCESS:
        raise Invalid("督办等附属流程的在办实例按其开始时的版本办结，不做批量迁移",
                      f"migration of {g.process_id} instances is not supported")
    numbers = [v.version for v in proc.versions(db.session, g.process_id)]
    to = request.values.get("to", type=int) or active_version(db.session, g.process_id).version
    source = request.values.get("from", type=int)
    removed = proc.removed_tasks(db.session, to, source)
    mapping = {old: request.values.get(f"map:{old}", "") for old in removed}
    report, error = None, None
    if request.method == "POST":
        actor = Actor.of_user(current_user())
        with transaction(db.session):
            report = proc.migrate_tickets(db.session, actor, to, now(), dry_run_only=True, from_number=source,
                                          mapping=mapping)
            if request.form.get("mode") == "run":
                # Move only what the owner saw in the dry run; if that changed meanwhile, show the new dry run.
                if sorted(report["moved"]) != sorted(request.form.getlist("expect")):
                    error = "自试迁移以来可迁移的工单已有变化，请核对下面新的试迁移结果后再执行"
                else:
                    report = proc.migrate_tickets(db.session, actor, to, now(), dry_run_only=False,
                                                  from_number=source, mapping=mapping)
        if report is not None and not report["dry_run"]:
            log.info("%s tickets migrated to version %s by %s", len(report["moved"]), to, current_user().username)
    return render_template("process/migrate.html", numbers=numbers, to=to, source=source, report=report,
                           error=error, removed=removed, mapping=mapping,
                           choices=proc.replacement_choices(db.session, to)), 409 if error else 200


# -- modeller and drafts -----------------------------------------------------------------------------------------


@bp.get("/modeler")
def modeler():
    draft_id = request.args.get("draft", type=int)
    if draft_id is not None:
        draft = drafts_svc.load_draft(db.session, draft_id)
        ctx = {"draft": draft, "source": url_for(".draft_source", draft_id=draft.id), "name": draft.name,
               "title": f"草稿：{draft.name}"}
    else:
        number = request.args.get("version", type=int)
        pv = proc.get_version(db.session, number, g.process_id) if number else active_version(db.session, g.process_id)
        ctx = {"draft": None, "source": url_for(".version_source", number=pv.version),
               "name": f"基于第 {pv.version} 版的修改",
               "title": f"第 {pv.version} 版" + ("（当前版本）" if pv.active else "")}
    return render_template("process/modeler.html", ready=_bundle_ready("modeler.js"),
                           check_url=url_for(".check_draft"), **ctx)


bp.add_url_rule("/check", view_func=check_draft, methods=["POST"])


def _json_error(exc: ServiceError):
    return jsonify(error={"code": exc.code, "message": exc.message_zh, "fields": exc.fields}), exc.status


@bp.post("/drafts")
def save_draft():
    """Save the modeller's files as a new draft, or over the draft it was opened from (JSON in, JSON out)."""
    body = request.get_json(silent=True)
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return _json_error(Invalid("请求格式不正确", "save draft: bad JSON body"))
    draft_id = body.get("draft_id")
    try:
        with transaction(db.session):
            draft = drafts_svc.save_draft(db.session, name=str(body.get("name") or ""), files=files,
                                          author=_author(), note=str(body.get("note") or ""), now=now(),
                                          draft_id=int(draft_id) if str(draft_id or "").isdigit() else None,
                                          process_id=g.process_id)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify(id=draft.id, name=draft.name, url=url_for(".draft", draft_id=draft.id),
                   validate_url=url_for(".validate", draft_id=draft.id),
                   dry_run_url=url_for(".dry_run", draft_id=draft.id))


@bp.post("/drafts/upload")
def upload():
    """Put .bpmn files (e.g. edited in Camunda Modeler) into a new draft or an existing one, then validate it."""
    uploads = {}
    for f in request.files.getlist("files"):
        if f and f.filename:
            uploads[f.filename] = f.read(MAX_BYTES + 1)  # one byte more than allowed, so the check can see excess
    draft_id = request.form.get("draft_id", type=int)
    name = (request.form.get("name") or "").strip() or "上传：" + "、".join(sorted(uploads))[:100]
    with transaction(db.session):
        draft = drafts_svc.draft_from_upload(db.session, uploads, name=name, author=_author(), now=now(),
                                             base=None if draft_id else active_version(db.session, g.process_id),
                                             draft_id=draft_id, note=request.form.get("note"))
    flash(f"已上传 {len(uploads)} 个文件到草稿「{draft.name}」，校验结果如下", "ok")
    return redirect(url_for(".validate", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    d = drafts_svc.load_draft(db.session, draft_id)
    return render_template("process/draft.html", draft=d, deployed=drafts_svc.deployed_as(db.session, [d]).get(d.id))


@bp.get("/drafts/<int:draft_id>/source.json")
def draft_source(draft_id: int):
    d = drafts_svc.load_draft(db.session, draft_id)
    return jsonify(kind="draft", id=d.id, name=d.name, note=d.note, title=f"草稿：{d.name}", files=d.files)


@bp.get("/drafts/<int:draft_id>/files/<name>")
def draft_file(draft_id: int, name: str):
    return send_xml(drafts_svc.load_draft(db.session, draft_id).files, name)


@bp.get("/drafts/<int:draft_id>/download")
def draft_zip(draft_id: int):
    return send_zip(drafts_svc.load_draft(db.session, draft_id).files, f"draft-{draft_id}.zip")


@bp.post("/drafts/<int:draft_id>/files/<name>/delete")
def delete_file(draft_id: int, name: str):
    with transaction(db.session):
        drafts_svc.remove_file(db.session, draft_id, name, now())
    flash(f"已从草稿中删除文件 {name}", "ok")
    return redirect(url_for(".draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/delete")
def delete_draft(draft_id: int):
    with transaction(db.session):
        drafts_svc.delete_draft(db.session, draft_id)
    flash("草稿已删除", "ok")
    return redirect(url_for(".index"))


def _report(d, *, mode: str, status: int = 200, **extra):
    problems = extra.get("problems") or []
    extra["errors"] = [p for p in problems if p.is_error]
    return render_template("process/report.html", draft=d, mode=mode, **extra), status


@bp.get("/drafts/<int:draft_id>/validate")
def validate(draft_id: int):
    d = drafts_svc.load_draft(db.session, draft_id)
    return _report(d, mode="validate", problems=proc.validate_draft(drafts_svc.as_bytes(d.files), d.process_id))


@bp.get("/drafts/<int:draft_id>/dry-run")
def dry_run(draft_id: int):
    d = drafts_svc.load_draft(db.session, draft_id)
    files = drafts_svc.as_bytes(d.files)
    problems, journeys = proc.validate_draft(files, d.process_id), None
    if not any(p.is_error for p in problems):
        try:
            journeys = proc.dry_run(files, d.process_id, db.session)
        except DiagramError as exc:
            problems = exc.problems
    return _report(d, mode="dry_run", problems=problems, journeys=journeys)


@bp.post("/drafts/<int:draft_id>/deploy")
def deploy(draft_id: int):
    d = drafts_svc.load_draft(db.session, draft_id)
    files = drafts_svc.as_bytes(d.files)
    note, override = (request.form.get("note") or "").strip(), (request.form.get("override") or "").strip()
    skip = request.form.getlist("skip")
    try:
        with transaction(db.session):
            pv, journeys = proc.deploy_version(db.session, files, _author(), note or None, now(), override or None,
                                               d.process_id, skip=skip)
    except DiagramError as exc:
        return _report(d, mode="dry_run", status=400, problems=exc.problems, journeys=None,
                       error="流程图有错误，未部署", note=note, override=override)
    except Invalid as exc:
        if exc.code not in ("dry_run_failed", "intake_broken", "all_broken"):
            raise
        log.info("deploy of draft %s refused: %s", d.id, exc.log_en)
        return _report(d, mode="dry_run", status=400, problems=proc.validate_draft(files, d.process_id),
                       journeys=proc.dry_run(files, d.process_id, db.session), error=exc.message_zh, note=note,
                       override=override, skip=skip, override_required=exc.code == "dry_run_failed")
    log.info("process version %s deployed by %s from draft %s%s", pv.version, current_user().username, d.id,
             f" with override skipping {[j['code'] for j in pv.skipped_journeys]}" if pv.skipped_journeys else "")
    flash(f"已部署为第 {pv.version} 版并设为当前版本：此后新建的工单按新版本流转", "ok")
    return redirect(url_for(".version", number=pv.version))


# -- time-limit rule sets ----------------------------------------------------------------------------------------


def _rule_labels() -> dict:
    return {"types": [(code, TICKET_TYPE_LABELS[code]) for code in TICKET_TYPES],
            "type_fields": drafts_svc.TYPE_FIELDS, "threshold_fields": drafts_svc.THRESHOLD_FIELDS,
            "scalar_fields": drafts_svc.SCALAR_FIELDS}


@bp.get("/rules")
def rules():
    return render_template("process/rules.html", rows=drafts_svc.rule_sets(db.session),
                           counts=drafts_svc.rule_set_ticket_counts(db.session))


@bp.get("/rules/<int:version>")
def rule_set(version: int):
    row = drafts_svc.get_rule_set(db.session, version)
    return render_template("process/rule_set.html", row=row, values=drafts_svc.rules_fields(row.data),
                           data_json=json.dumps(row.data, ensure_ascii=False, indent=2), **_rule_labels())


@bp.route("/rules/new", methods=["GET", "POST"])
def rules_new():
    mode = "json" if request.values.get("mode") == "json" else "table"
    base_version = request.values.get("from", type=int)
    base = drafts_svc.get_rule_set(db.session, base_version) if base_version else None
    if base is None:
        base = next((r for r in drafts_svc.rule_sets(db.session) if r.active), None)
    values = drafts_svc.rules_fields(base.data if base else {})
    json_text = json.dumps(base.data if base else {}, ensure_ascii=False, indent=2)
    error, field_errors, note = None, {}, ""
    if request.method == "POST":
        note = (request.form.get("note") or "").strip()
        try:
            if mode == "json":
                json_text = request.form.get("data") or ""
                data = drafts_svc.rules_from_json(json_text)
            else:
                values = {path: request.form.get(path, "") for path in values}
                data, field_errors = drafts_svc.rules_from_fields(request.form)
                if field_errors:
                    raise Invalid("有数值填写不正确，请按提示修改", "rule set form: not integers")
            with transaction(db.session):
                row = drafts_svc.save_rules(db.session, data, _author(), note, now())
        except Invalid as exc:
            error, field_errors = exc.message_zh, {**field_errors, **exc.fields}
        else:
            flash(f"已保存时限规则第 {row.version} 版并设为当前规则：此后新建的工单按新规则计时", "ok")
            return redirect(url_for(".rule_set", version=row.version))
    return render_template("process/rules_edit.html", mode=mode, base=base, values=values, json_text=json_text,
                           error=error, field_errors=field_errors, note=note,
                           **_rule_labels()), 400 if error else 200


@bp.post("/rules/<int:version>/activate")
def activate_rules(version: int):
    with transaction(db.session):
        drafts_svc.activate_rule_set(db.session, version)
    log.info("rule set %s activated by %s", version, current_user().username)
    flash(f"时限规则第 {version} 版已设为当前规则：此后新建的工单按该版规则计时", "ok")
    return redirect(url_for(".rules"))
