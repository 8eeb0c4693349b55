"""The 说明 column of a 工单办理单's 办理过程: one line of Chinese for each audit row, from the facts it recorded (the
unit, the reason, the rating, the extension and its new deadline, what a joint review decided), as the ticket's page
shows them."""
from __future__ import annotations

from datetime import datetime

from documents.render import format_period_end
from engine.domain.calendar import TZ
from engine.domain.rules import refusal_clause
from engine.domain.states import RATING_LABELS, Rating
from engine.models import AuditLog

#: Timeline labels of audit actions the archive writes, until the audit module lists them.
EXTRA_ACTION_LABELS = {"document_issue": "出具公文", "document_void": "作废公文"}

#: How a joint review's decision came out (Art. 8(4)).
JOINT_OUTCOMES = {"settled": "审定确定承办单位", "escalate": "不能审定，报市政府决定"}

#: Punctuation a part may end with that the separator between parts replaces.
_TRAILING = "。；;，,、 \n"


def rating(value: str | None) -> str | None:
    return RATING_LABELS[Rating(value)] if value in {r.value for r in Rating} else None


def join_names(names) -> str:
    return "、".join(n for n in names if n)


def local_iso(value) -> datetime | str:
    """An instant an audit row kept as ISO text, in Beijing time (text that is not one prints as it is)."""
    try:
        return datetime.fromisoformat(str(value)).astimezone(TZ)
    except (TypeError, ValueError):
        return str(value or "")


#: Marks a printed sentence may end with, and the closing quotes or brackets that may follow them (「…。」).
_ENDS, _CLOSING = "。！？!?…", "」』”’）)》"


def sentence(text: str | None) -> str | None:
    """Typed text as a printed sentence: ending with 「。」 unless it ends with 。！？ (before any closing quote) — a
    trailing 「；」「，」 is replaced, an ending is never doubled. Empty text stays as it is."""
    if not text or not text.strip():
        return text
    text = text.strip()
    if text.rstrip(_CLOSING)[-1:] in _ENDS:
        return text
    return text.rstrip(_TRAILING + "：:") + "。"


def joined(*parts: str | None, end: bool = False) -> str:
    """The non-empty parts joined by 「；」, each without the full stop or separator it may end with (a reason
    typed as a sentence ends with 「。」): 「理由：……应由属地办理；依据：……」, never 「。；」; the last part keeps its
    own ending, or with ``end`` ends as a printed sentence (:func:`sentence`)."""
    texts = [p.strip() for p in parts if p and p.strip()]
    texts = [t.rstrip(_TRAILING) for t in texts[:-1]] + texts[-1:]
    text = "；".join(t for t in texts if t)
    return sentence(text) if end else text


def _units(d: dict) -> str:
    return joined(f"主办：{d['lead_unit']}" if d.get("lead_unit") else None,
                  f"协办：{join_names(d['co_units'])}" if d.get("co_units") else None)


def step_note(row: AuditLog, text: str | None = None) -> str:
    """One line explaining an audit row in the ticket record; ``text`` is what the row's step decided when the row
    itself does not keep it (a 拟办意见 is kept on the joint review only)."""
    d = row.detail or {}
    action = row.action
    if action == "refuse":
        return f"依据{refusal_clause(d['refusal_code'])}" if d.get("refusal_code") else ""
    if action == "answer":
        return f"依据知识库：{d['kb_title']}" if d.get("kb_title") else ""
    if action in ("dispatch", "county_dispatch"):
        if d.get("via_county"):
            return f"转{d['via_county']}派单"
        note = f"主办：{d['lead_unit']}" if d.get("lead_unit") else ""
        if d.get("co_units"):
            note += f"；协办：{join_names(d['co_units'])}"
        return note
    if action == "return":
        return joined(f"理由：{d['reason']}" if d.get("reason") else None,
                      f"依据：{d['basis']}" if d.get("basis") else None, end=True)
    if action == "reply":
        return "；".join(x for x in (d.get("department"), f"经办人 {d['handler']}" if d.get("handler") else "") if x)
    if action in ("review_back", "review_accept"):
        return d.get("reason") or ""
    if action in ("evaluate", "evaluation_timeout"):
        parts = [f"受理：{rating(d.get('intake')) or '—'}"]
        if d.get("handling"):
            parts.append(f"办理：{rating(d.get('handling'))}")
        return "；".join(parts)
    if action == "redo_decision":
        verdict = "理由合理" if d.get("reasonable") else "理由不合理，不予重办"
        return "；".join(x for x in (verdict, d.get("reason"), d.get("refused")) if x)
    if action == "jr_meeting":
        return joined(f"参会：{' '.join(d['participants'].split())}" if d.get("participants") else None,
                      f"征求意见：{join_names(d['consult_units'])}" if d.get("consult_units") else None)
    if action == "jr_consult":
        return d.get("unit") or ""
    if action == "joint_decision":
        return joined(JOINT_OUTCOMES.get(d.get("outcome")), _units(d),
                      f"审定意见：{d['decision']}" if d.get("decision") else None)
    if action == "jr_proposal":
        return text or ""
    if action == "jr_city_decision":
        decision = d.get("decision") or text
        return joined(_units(d), f"决定：{decision}" if decision else None)
    if action == "co_part":
        return d.get("unit") or ""
    if action == "extension_request":
        return f"申请延期{d.get('days')}个工作日：{d.get('reason') or ''}"
    if action == "extension_decision":
        if d.get("decision") == "approve":
            return f"批准延期{d.get('days')}个工作日，新的办理时限{format_period_end(local_iso(d.get('due')))}"
        return f"不予延期：{d.get('reason') or ''}"
    if action == "extension_approve":  # written by the clocks (engine.clocks.deadlines.EXTENSION_ACTION)
        before, after = (format_period_end(local_iso(d.get(k))) for k in ("before_due", "due"))
        return f"办理时限由{before}顺延至{after}"
    if action in EXTRA_ACTION_LABELS:
        return d.get("number") or ""
    return ""
