"""The timeline's words: each audit row's details told in Chinese, never as the codes and ids stored in them.

The audit keeps machine values (``reason: "red_card"``, ``decision: "approve"``, ISO instants); a person reads
「事由：红牌；答复期限 2026-12-14 24:00」. Unknown keys are not shown at all rather than shown raw. Long texts are cut
here: the full text of every decision is on the ticket page's own sections.
"""
from __future__ import annotations

from datetime import datetime

from engine.domain.rules import refusal_clause
from engine.domain.states import CHANNEL_LABELS, METHOD_LABELS, RATING_LABELS, Channel, EvaluationMethod, Rating
from engine.domain.timelimits import local_end

NOTE_CHARS = 80
REASON_LABELS = {"leader_instruction": "领导批示", "red_card": "红牌", "repeated": "重复或集中反映",
                 "supervisor": "督办员决定", "calendar_entered": "录入年度节假日安排",
                 "calendar_changed": "节假日安排调整"}
OUTCOMES = {"settled": "审定确定承办单位", "escalate": "不能审定，报市政府决定"}
REDO_KINDS = {"reasonable": "理由合理，重办", "unreasonable": "理由不合理，不予重办", "malicious": "恶意评价，不予重办"}
CHECKS = {"accept": "合格，督办办结", "back": "不合格，退回重新答复"}
STAGES = {"dispatch": "派单", "acceptance": "签收", "handling": "办理", "evaluation": "回访评价"}
KB_KINDS = {"gap": "知识缺失", "error": "信息错误"}


def _cut(value) -> str:
    text = str(value or "").strip()
    return text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS] + "…"


def when(value) -> str:
    """An ISO instant as people read it in Beijing time; a deadline at midnight is 24:00 of the day before."""
    try:
        instant = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return ""
    return local_end(instant)


def _rating(value) -> str:
    try:
        return RATING_LABELS[Rating(value)]
    except ValueError:
        return ""


def _units(d: dict) -> str | None:
    if not d.get("lead_unit"):
        return None
    out = f"主办：{d['lead_unit']}"
    if d.get("co_units"):
        out += f"；协办：{'、'.join(d['co_units'])}"
    return out


def _evaluation(d: dict) -> str:
    parts = [f"受理：{_rating(d.get('intake'))}"]
    if d.get("handling"):
        parts.append(f"办理：{_rating(d['handling'])}")
    try:
        parts.append(f"（{METHOD_LABELS[EvaluationMethod(d.get('method'))]}）")
    except ValueError:
        pass
    return "；".join(parts[:2]) + "".join(parts[2:])


def notes(action: str, d: dict, refusal_labels: dict[int, str] | None = None) -> list[str]:
    """The Chinese lines under one timeline entry."""
    fn = _NOTES.get(action)
    if fn is None:
        return []
    return [n for n in fn(d, refusal_labels or {}) if n]


_NOTES = {
    "register": lambda d, _r: [f"渠道：{CHANNEL_LABELS[Channel(d['channel'])]}" if d.get("channel") in
                               {c.value for c in Channel} else None],
    "refuse": lambda d, r: [f"理由：{refusal_clause(d['refusal_code'])} {r.get(d['refusal_code'], '')}".rstrip()
                            if d.get("refusal_code") else None],
    "answer": lambda d, _r: [f"知识库：{d['kb_title']}" if d.get("kb_title") else None],
    "dispatch": lambda d, _r: [_units(d), f"转：{d['via_county']}" if d.get("via_county") else None],
    "county_dispatch": lambda d, _r: [_units(d)],
    "joint_review_open": lambda d, _r: [_cut(d.get("reason"))],
    "return": lambda d, _r: [_cut(d.get("reason")), f"依据：{_cut(d['basis'])}" if d.get("basis") else None],
    "deemed_accept": lambda d, _r: [f"退回期限 {when(d['accept_due'])} 已过" if d.get("accept_due") else None],
    "co_part": lambda d, _r: [d.get("unit") if isinstance(d.get("unit"), str) else None],
    "reply": lambda d, _r: [f"{d.get('department') or ''} {d.get('handler') or ''}".strip() or None],
    "review_back": lambda d, _r: [_cut(d.get("reason"))],
    "extension_request": lambda d, _r: [f"申请延期{d.get('days')}个工作日：{_cut(d.get('reason'))}"],
    "extension_decision": lambda d, _r: [
        f"批准延期{d.get('days')}个工作日，新的办理时限 {when(d.get('due'))}" if d.get("decision") == "approve"
        else f"不予延期：{_cut(d.get('reason'))}"],
    "extension_approve": lambda d, _r: [f"办理时限由 {when(d.get('before_due'))} 顺延至 {when(d.get('due'))}"],
    "evaluate": lambda d, _r: [_evaluation(d), f"（并单：主单 {d['main']}）" if d.get("main") else None],
    "evaluation_timeout": lambda d, _r: ["3个工作日内未评价，记为未评价"],
    "redo_decision": lambda d, _r: [f"{REDO_KINDS.get(d.get('kind'), '')}：{_cut(d.get('reason'))}",
                                    d.get("refused")],
    "redo": lambda d, _r: [f"重办办理时限 {when(d['due'])}" if d.get("due") else None],
    "jr_meeting": lambda d, _r: [f"参会：{_cut(d.get('participants'))}" if d.get("participants") else None,
                                 f"征求意见：{'、'.join(d['consult_units'])}" if d.get("consult_units") else None],
    "jr_consult": lambda d, _r: [d.get("unit")],
    "joint_decision": lambda d, _r: [OUTCOMES.get(d.get("outcome"), ""), _units(d)],
    "jr_city_decision": lambda d, _r: [_units(d)],
    "supervision_open": lambda d, _r: [f"事由：{REASON_LABELS.get(d.get('reason'), '督办')}"
                                       + (f"（{d['instructed_by']}）" if d.get("instructed_by") else ""),
                                       f"答复期限 {when(d['due'])}" if d.get("due") else None],
    "supervision_reply": lambda d, _r: [f"书面说明 {d['document']}" if d.get("document") else None,
                                        "逾期答复" if d.get("late") else None],
    "supervision_check": lambda d, _r: [CHECKS.get(d.get("decision"), ""), _cut(d.get("opinion"))],
    "supervision_overdue": lambda d, _r: [f"答复期限 {when(d['due'])} 已过" if d.get("due") else None],
    "supervision_request": lambda d, _r: [f"{STAGES.get(d.get('stage'), '')}环节红牌"],
    "monitor_warning": lambda d, _r: [_threshold(d)],
    "monitor_yellow": lambda d, _r: [_threshold(d)],
    "monitor_red": lambda d, _r: [_threshold(d)],
    "pii_view": lambda d, _r: [_cut(d.get("reason"))],
    "document_issue": lambda d, _r: [f"{d.get('title') or ''} {d.get('number') or ''}".strip()],
    "document_void": lambda d, _r: [f"{d.get('number') or ''}：{_cut(d.get('reason'))}"],
    "deadline_recomputed": lambda d, _r: [REASON_LABELS.get(d.get("reason"), "节假日安排调整")],
    "attachment_publish": lambda d, _r: [d.get("name")],
    "attachment_unpublish": lambda d, _r: [d.get("name")],
    "kb_flag": lambda d, _r: [KB_KINDS.get(d.get("kind"), ""), f"修正期限 {when(d['due_at'])}" if d.get("due_at")
                              else None],
    "merge": lambda d, _r: [f"并入主单 {d.get('main')}", _cut(d.get("reason")),
                            "集中反映一键并单" if d.get("source") == "surge" else None],
    "merge_in": lambda d, _r: [f"并入 {'、'.join(d.get('children') or [])}", _cut(d.get("reason"))],
    "unmerge": lambda d, _r: [f"自主单 {d.get('main')} 撤出，恢复单独办理", _cut(d.get("reason"))],
    "unmerge_out": lambda d, _r: [f"{d.get('child')} 撤销并单", _cut(d.get("reason"))],
    "matter_reply": lambda d, _r: [f"主单 {d.get('main')} 的{'重办' if d.get('redo') else ''}答复已送达诉求人"
                                   + (f"（{d['unit']}）" if d.get("unit") else "")],
    "matter_evaluated": lambda d, _r: [f"本事项各诉求人已评价：办理{_rating(d.get('handling')) or '未评价'}"
                                       + ("（有诉求人不满意，转重办审定）" if d.get("handling") in
                                          ("dissatisfied", "very_dissatisfied") else "")],
    "surge": lambda d, _r: [f"{d.get('area') or ''} {d.get('label') or ''}：{d.get('count')}件相似诉求".strip()],
}


def _threshold(d: dict) -> str:
    stage = d.get("stage_label") or STAGES.get(d.get("stage"), "")
    at = when(d.get("threshold_at"))
    told = len(d.get("notified") or [])
    return f"{stage}环节{d.get('level_label') or ''}（{at}）" + (f"，已通知{told}人" if told else "，无人可通知")
