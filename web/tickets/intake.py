"""The call agent's intake: register a 诉求 and decide its scope in one step, with the KB and history panels.

The knowledge-base panel suggests entries from the citizen's own words (the 诉求内容 typed so far) or from the
agent's keywords: ranked and highlighted by ``kb_search.suggest``. It works without scripts through the "查找知识库"
button; ``web/static/kb-suggest.js`` refreshes it live from :func:`kb_suggest` while the agent types. When the
knowledge base has no answer, the agent ticks "提交知识缺失报告" and the registration files a gap report for the
responsible unit in the same transaction (Art. 25).
"""
from __future__ import annotations

import logging

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from engine.attachments import SLOT_FIELDS
from engine.common import Forbidden, Invalid, transaction
from engine.domain.calendar import TZ
from engine.knowledge import flags as knowledge_flags
from engine.models import Ticket, Unit
from engine.oversight import callers
from engine.tickets import failures, handoff, pages, queries, register
from forms import IntakeForm, ScopeForm
from forms.base import strip

from ..attachments.files import uploads_from_request
from ..common import REGISTER_ROLES, actor, roles_required
from ..extensions import db
from ..matching.panels import draft_similar, ticket_similar
from ..security import now
from .failed import keep_failure
from .ticket import refusal_offer

bp = Blueprint("intake", __name__, url_prefix="/intake")
log = logging.getLogger("hotline.web")

GAP_TEXT_MAX = 1000


def prepare_scope(form: ScopeForm) -> None:
    form.set_choices(pages.categories(db.session), pages.refusal_reasons(db.session))


def _kb_words(words: str | None) -> tuple[str, str, str]:
    """(what to search, the agent's keywords, where it came from): the keywords when given, else the citizen's words."""
    kb_q = strip(request.values.get("kb_q") or "")[:100]
    if kb_q:
        return kb_q, kb_q, "keywords"
    words = strip(words or "")[:pages.SUGGEST_CHARS]
    return words, "", "words" if words else ""


def scope_panels(form: ScopeForm, phone: str | None, address: str | None, exclude_id: int | None = None, *,
                 words: str | None = None) -> dict:
    """The knowledge-base suggestions and the caller's and the place's earlier tickets, for the scope decision.

    ``words`` are the citizen's words to suggest entries from; on a scope task page (``exclude_id`` is the ticket
    being scoped) they default to that ticket's 诉求内容.
    """
    if words is None and exclude_id is not None:
        ticket = db.session.get(Ticket, exclude_id)
        words = ticket.content if ticket is not None else None
    query, kb_q, source = _kb_words(words)
    selected = pages.kb_entry(db.session, form.kb_entry_id.data, now())
    results = pages.kb_search(db.session, query, now())
    if selected and all(e["id"] != selected["id"] for e in results):
        results.insert(0, selected)
    if exclude_id is not None:
        similar = ticket_similar(actor(), db.session.get(Ticket, exclude_id))
    else:
        similar = draft_similar(actor(), words, address, form.category.data, phone)
    with transaction(db.session):  # showing a caller's flag is audited
        flags = callers.intake_banner(db.session, actor(), phone, now())
    return {"kb_q": kb_q, "kb_source": source, "kb_results": results, "similar": similar, "caller_flags": flags,
            "earlier": pages.earlier_tickets(db.session, phone, address, exclude_id=exclude_id),
            "reasons": pages.refusal_reasons(db.session)}


def submitting() -> bool:
    """A POST from the form's main button; the panel buttons only refresh the page."""
    return request.method == "POST" and request.form.get("op", "submit") == "submit"


def _gap_request() -> dict | None:
    """The "no answer found" part of the intake form: None when not ticked, else the unit and the note."""
    if request.form.get("kb_gap") != "1":
        return None
    raw = strip(request.form.get("kb_gap_unit_id") or "")
    unit_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        unit_id = None
    note = strip(request.form.get("kb_gap_text") or "")[:GAP_TEXT_MAX] or None
    return {"unit_id": unit_id, "text": note}


def _gap_text(ticket: Ticket, note: str | None) -> str:
    said = f"工单{ticket.number}咨询事项在知识库中未找到答案：{ticket.content[:200]}"
    return f"{said}\n话务员说明：{note}" if note else said


def _retry_id() -> int | None:
    """The 登记失败 record this registration takes up again (``?retry=`` on the way in, a hidden field after)."""
    raw = strip(request.values.get("retry") or "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.route("", methods=["GET", "POST"])
@roles_required(*REGISTER_ROLES)
def new():
    retry = _retry_id()
    if request.method == "GET" and retry is not None:  # 补登: the form as it was typed when the engine failed
        failed = failures.get_failure(db.session, retry)
        typed = dict(failed.data or {})
        if failed.kind == "public":
            typed.setdefault("channel", "web")
        form = IntakeForm(formdata=MultiDict(typed))
    else:
        form = IntakeForm()
    prepare_scope(form)
    message, status, gap_error, upload_errors = None, 200, None, {}
    gap = _gap_request() if request.method == "POST" else None
    if submitting():
        if gap is not None and (form.scope.data == "answer" or not form.category.data):
            gap_error = ("已用知识库即时答复的诉求不能同时报告知识缺失" if form.scope.data == "answer"
                         else "报告知识缺失须先选择诉求分类（即缺失的知识类别）")
            form.validate()
        elif form.validate():
            try:
                with transaction(db.session):
                    # What the caller sent in (photos, papers) is the citizen's material: the office publishes it.
                    ticket, code, _step = register(db.session, actor(), form.to_command(), now(),
                                                   uploads=uploads_from_request(("file",), public_choice=False,
                                                                                location=True))
                    reported = None
                    if gap is not None:
                        reported = knowledge_flags.gap_from_ticket(
                            db.session, actor(), ticket.id, now(), unit_id=gap["unit_id"],
                            text=_gap_text(ticket, gap["text"]))
                        reported = (db.session.get(Unit, reported.unit_id).name,
                                    reported.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"))
                    if retry is not None:
                        failures.resolve(db.session, actor(), retry, now(), ticket_id=ticket.id)
            except Invalid as exc:
                if "unit_id" in exc.fields:
                    gap_error = "请选择负责补充知识的单位（诉求分类没有对应的责任单位）"
                    message = "知识缺失报告缺少责任单位，登记未保存"
                else:
                    upload_errors = {k: v for k, v in exc.fields.items() if k in SLOT_FIELDS.values()}
                    rest = form.add_errors({k: v for k, v in exc.fields.items() if k not in upload_errors})
                    message = "；".join([exc.message_zh, *rest])
            except Forbidden:
                raise
            except Exception as exc:  # noqa: BLE001 - the engine refused: the call must not be lost
                log.exception("registration failed in the engine")
                message = keep_failure("intake", actor(), exc)
                status = 503
            else:
                session["registered"] = {"id": ticket.id, "code": code}
                if reported:
                    flash(f"已向{reported[0]}提交知识缺失报告，须于{reported[1]}前补充知识库", "ok")
                return redirect(url_for("intake.done", ticket_id=ticket.id))
        status = status if status != 200 else 400
        message = message or gap_error or "提交的信息有误，请按提示修改"
    panels = scope_panels(form, form.citizen_phone.data, form.address.data, words=form.content.data)
    panels |= {"gap": gap or {}, "gap_error": gap_error,
               "gap_units": pages.handling_units(db.session)}
    return render_template("tickets/intake.html", form=form, message=message, panels=panels, retry=retry,
                           upload_errors=upload_errors), status


@bp.get("/kb-suggest")
@roles_required(*REGISTER_ROLES)
def kb_suggest():
    """The intake panel's live suggestions: ``?q=`` the citizen's words or the agent's keywords (JSON)."""
    q = strip(request.args.get("q") or "")[:pages.SUGGEST_CHARS]
    entries = [{key: e[key] for key in ("id", "title", "category", "unit", "basis", "title_html", "snippet_html")}
               for e in pages.kb_search(db.session, q, now())]
    resp = jsonify({"entries": entries})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/done/<int:ticket_id>")
@roles_required(*REGISTER_ROLES)
def done(ticket_id: int):
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    shown = session.pop("registered", None)
    code = shown["code"] if shown and shown.get("id") == ticket.id else None
    with transaction(db.session):  # the flag stays in view after registering; showing it is audited
        banner = callers.intake_banner(db.session, actor(), ticket.citizen_phone, now())
    handoffs = [h for h in handoff.handoff_view(db.session, ticket.id) if h["direction"] == "out"]
    return render_template("tickets/intake_done.html", ticket=ticket, code=code, banner=banner,
                           status_label=ticket.status_enum.label, handoffs=handoffs,
                           refusal_offer=refusal_offer(ticket))
