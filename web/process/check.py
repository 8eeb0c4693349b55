"""The modeller's live check: the files being edited are validated as a draft would be, and the answer carries the
problems by element (shown as lint markers on the canvas) and the variables each gateway's flows may read (the
condition builder's pick-list). Nothing is stored."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.common import Invalid, ServiceError
from engine.process import condition_scopes
from engine.process import deploy as proc
from engine.process import drafts as drafts_svc
from engine.workflow.problems import errors_only


def check_draft():
    """POST {files: {name: xml}} → {problems: [...], scopes: {flow id: [variable]}} (JSON in, JSON out)."""
    body = request.get_json(silent=True)
    files = body.get("files") if isinstance(body, dict) else None
    try:
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise Invalid("请求格式不正确", "check draft: bad JSON body")
        data = drafts_svc.as_bytes(drafts_svc.check_files(files))
    except ServiceError as exc:
        return jsonify(error={"code": exc.code, "message": exc.message_zh}), exc.status
    problems = proc.validate_draft(data, g.process_id)
    scopes = condition_scopes(data) if not any(p.kind in ("unsafe", "xml", "schema") for p in problems) else {}
    return jsonify(problems=[{"element": p.element, "message": p.message, "severity": p.severity,
                              "kind": p.kind_label, "file": p.file, "line": p.line} for p in problems],
                   errors=len(errors_only(problems)), scopes=scopes)
