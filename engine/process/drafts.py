"""The process owner's workbench: diagram drafts, what runs on each version, time-limit rule-set versions.

Drafts are stored exactly as saved or uploaded and are never parsed here: every check goes through
``processes.validate_draft``, which refuses unsafe XML before any parser sees it. Functions flush, never commit.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from engine.common import Invalid, NotFound, forget_active
from engine.domain.states import FINAL_STATUSES
from engine.domain.timelimits import TICKET_TYPE_LABELS, TICKET_TYPES
from engine.domain.timelimits import RuleSet as Rules
from engine.models import ProcessDraft, ProcessVersion, RuleSet, Ticket
from engine.workflow.bundle import MAIN_PROCESS, files_sha256
from engine.workflow.safexml import MAX_BYTES

from .setup import save_rule_set

MAX_FILES = 20
_NAME_CHARS = re.compile(r"[^\w.\- ]")

# -- diagram drafts ----------------------------------------------------------------------------------------------


def clean_file_name(raw: str | None) -> str:
    """Reduce an uploaded file name to a safe base name ending in ``.bpmn``.

    :raises Invalid: when nothing usable is left or the name does not end in .bpmn.
    """
    base = re.split(r"[\\/]", (raw or "").strip())[-1].strip()
    if not base.lower().endswith(".bpmn") or len(base) <= len(".bpmn"):
        raise Invalid(f"只能上传 .bpmn 文件：{base or '（无文件名）'}", f"not a .bpmn file name: {raw!r}",
                      code="bad_file_name")
    stem = _NAME_CHARS.sub("_", base[: -len(".bpmn")]).strip(" .")[:90]
    if not stem:
        raise Invalid(f"文件名不可用：{base}", f"unusable file name {raw!r}", code="bad_file_name")
    return stem + ".bpmn"


def check_files(files: Mapping[str, bytes | str]) -> dict[str, str]:
    """Check the shape of a draft's files (names, size, UTF-8) and return them as text, without parsing them.

    :raises Invalid: for no files, too many, a bad name, a file over 2 MB or one that is not UTF-8 text.
    """
    if not files:
        raise Invalid("草稿至少要包含一个流程图文件", "draft without files", code="no_files")
    if len(files) > MAX_FILES:
        raise Invalid(f"一个草稿最多 {MAX_FILES} 个文件", f"{len(files)} files in one draft", code="too_many_files")
    out: dict[str, str] = {}
    for raw_name, data in files.items():
        name = clean_file_name(raw_name)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if len(raw) > MAX_BYTES:
            raise Invalid(f"文件 {name} 超过 {MAX_BYTES // (1024 * 1024)} MB 上限", f"{name}: {len(raw)} bytes",
                          code="file_too_large")
        try:
            out[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"文件 {name} 不是 UTF-8 编码的文本", f"{name} is not UTF-8", code="not_utf8") from None
    return out


def save_draft(session: Session, *, name: str, files: Mapping[str, bytes | str], author: str, note: str | None,
               now: datetime, draft_id: int | None = None, process_id: str = MAIN_PROCESS) -> ProcessDraft:
    """Create a draft, or replace name, note and files of an existing one.

    :raises Invalid: for an empty name or files :func:`check_files` refuses.
    :raises NotFound: for an unknown ``draft_id``.
    """
    name = (name or "").strip()
    if not name:
        raise Invalid("请填写草稿名称", "draft without a name", fields={"name": "请填写草稿名称"})
    if len(name) > 120:
        raise Invalid("草稿名称不能超过120个字", "draft name too long", fields={"name": "草稿名称不能超过120个字"})
    checked = check_files(files)
    if draft_id is None:
        draft = ProcessDraft(process_id=process_id, name=name, files=checked, author=author,
                             note=(note or "").strip() or None, created_at=now, updated_at=now)
        session.add(draft)
    else:
        draft = load_draft(session, draft_id)
        draft.name, draft.files, draft.note, draft.updated_at = name, checked, (note or "").strip() or None, now
    session.flush()
    return draft


def draft_from_upload(session: Session, uploads: Mapping[str, bytes], *, name: str, author: str, now: datetime,
                      base: ProcessVersion | None, draft_id: int | None = None, note: str | None = None
                      ) -> ProcessDraft:
    """Put uploaded files into a draft: into an existing one, or a new one that starts from ``base``'s files.

    A file with the name of one already there replaces it, so a diagram edited in Camunda Modeler comes back in place.

    :raises Invalid: for files :func:`check_files` refuses.
    """
    incoming = check_files(uploads)
    if draft_id is not None:
        draft = load_draft(session, draft_id)
        return save_draft(session, name=draft.name, files={**draft.files, **incoming}, author=draft.author,
                          note=draft.note, now=now, draft_id=draft.id)
    start = dict(base.files) if base is not None else {}
    return save_draft(session, name=name, files={**start, **incoming}, author=author, note=note, now=now,
                      process_id=base.process_id if base is not None else MAIN_PROCESS)


def remove_file(session: Session, draft_id: int, file_name: str, now: datetime) -> ProcessDraft:
    """Drop one file from a draft.

    :raises NotFound: for an unknown draft or file.
    :raises Invalid: when it is the draft's last file.
    """
    draft = load_draft(session, draft_id)
    if file_name not in draft.files:
        raise NotFound(f"草稿中没有文件 {file_name}", f"draft {draft_id} has no file {file_name!r}")
    if len(draft.files) == 1:
        raise Invalid("不能删除草稿的最后一个文件", "last file of a draft", code="no_files")
    draft.files = {k: v for k, v in draft.files.items() if k != file_name}
    draft.updated_at = now
    session.flush()
    return draft


def load_draft(session: Session, draft_id: int) -> ProcessDraft:
    """Return one draft.

    :raises NotFound: when there is none with this id.
    """
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound("草稿不存在或已删除", f"process draft {draft_id} not found")
    return draft


def list_drafts(session: Session, process_id: str = MAIN_PROCESS) -> list[ProcessDraft]:
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.process_id == process_id)
                                .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def delete_draft(session: Session, draft_id: int) -> None:
    session.delete(load_draft(session, draft_id))
    session.flush()


def as_bytes(files: Mapping[str, str]) -> dict[str, bytes]:
    """A draft's or version's stored text files, as the bytes the engine checks and deploys."""
    return {name: text.encode("utf-8") for name, text in files.items()}


def deployed_as(session: Session, drafts: list[ProcessDraft]) -> dict[int, int]:
    """Which drafts are identical to a deployed version: draft id -> version number."""
    by_hash = {(pid, sha): number for pid, sha, number in
               session.execute(select(ProcessVersion.process_id, ProcessVersion.sha256, ProcessVersion.version))}
    out = {}
    for d in drafts:
        number = by_hash.get((d.process_id, files_sha256(as_bytes(d.files))))
        if number is not None:
            out[d.id] = number
    return out


def version_ticket_counts(session: Session) -> dict[int, dict[str, int]]:
    """Tickets per deployed version id: how many in total and how many still open."""
    finals = [s.value for s in FINAL_STATUSES]
    rows = session.execute(select(Ticket.process_version_id, func.count(),
                                  func.sum(case((Ticket.status.in_(finals), 0), else_=1)))
                           .group_by(Ticket.process_version_id)).all()
    return {vid: {"total": total, "open": int(open_ or 0)} for vid, total, open_ in rows}


# -- time-limit rule sets ----------------------------------------------------------------------------------------

TYPE_FIELDS = {"limit": "办理时限", "warning_after": "预警", "yellow_after": "黄牌", "red_after": "红牌",
               "max_extension": "最长延期"}
THRESHOLD_FIELDS = {"warning_after": "预警", "yellow_after": "黄牌", "red_after": "红牌"}
SCALAR_FIELDS = {"return_window": "签收退回期限", "dispatch": "派单时限", "dispatch_several_units": "多单位派单时限",
                 "supervision_reply": "督办答复时限", "evaluation_window": "回访评价期限",
                 "extension_warning_before": "延期后提前预警", "extension_red_after": "延期后红牌"}


def field_label(path: str) -> str:
    """The Chinese name of a rule-set field path, e.g. types.complaint.limit -> 投诉·办理时限."""
    parts = path.split(".")
    if parts[0] == "types" and len(parts) >= 2:
        label = TICKET_TYPE_LABELS.get(parts[1], parts[1])
        return label + ("·" + TYPE_FIELDS.get(parts[2], parts[2]) if len(parts) > 2 else "")
    if parts[0] == "acceptance":
        return "签收监控" + ("·" + THRESHOLD_FIELDS.get(parts[1], parts[1]) if len(parts) > 1 else "")
    return {"types": "各类型时限", "rule set": "规则", "schema": "格式版本"}.get(path, SCALAR_FIELDS.get(path, path))


def _where(path: str) -> str:
    return f"「{field_label(path)}」（{path}）" if path != "rule set" else "规则"


_ERRORS = [
    (r"(?P<path>[\w.]+) must be a whole number of working days, got (?P<got>.+)",
     "{where}须为整数个工作日，当前为 {got}"),
    (r"(?P<path>[\w.]+) must be between (?P<lo>\d+) and (?P<hi>\d+) working days, got (?P<got>.+)",
     "{where}须在 {lo} 至 {hi} 个工作日之间，当前为 {got}"),
    (r"(?P<path>[\w. ]+?) must be a mapping, got (?P<got>\w+)", "{where}须为 JSON 对象，当前为 {got}"),
    (r"(?P<path>[\w. ]+?) is missing (?P<keys>.+)", "{where}缺少字段：{keys}"),
    (r"(?P<path>[\w. ]+?) has unknown (?:ticket types|keys) (?P<keys>.+)", "{where}含有未知字段：{keys}"),
    (r"(?P<path>[\w.]+): thresholds must rise warning < yellow < red, got (?P<w>\d+), (?P<y>\d+), (?P<r>\d+)",
     "{where}的预警、黄牌、红牌天数须依次递增（预警 < 黄牌 < 红牌），当前为 {w}、{y}、{r}"),
    (r"(?P<path>[\w.]+): the warning must come before the limit .*got (?P<w>\d+), (?P<l>\d+), (?P<y>\d+)",
     "{where}的预警须早于办理时限、黄牌不得早于办理时限（预警 < 办理时限 ≤ 黄牌），当前预警 {w}、时限 {l}、黄牌 {y}"),
    (r"(?P<path>[\w.]+) may not exceed the type's own limit (?P<limit>\d+), got (?P<got>\d+)",
     "{where}不得超过该类型的办理时限 {limit} 个工作日，当前为 {got}"),
    (r"unsupported rule set schema (?P<got>.+); expected (?P<exp>\d+)", "{where}须为 {exp}，当前为 {got}"),
    (r"(?P<path>dispatch_several_units) \((?P<a>\d+)\) may not be shorter than dispatch \((?P<b>\d+)\)",
     "{where}（{a}）不得短于「派单时限」（dispatch，{b}）"),
]


def rules_error_zh(message: str) -> tuple[str, str | None]:
    """Translate a rule-set ValueError into Chinese naming the field; return (message, field path or None)."""
    for pattern, template in _ERRORS:
        m = re.fullmatch(pattern, message)
        if m:
            values = m.groupdict()
            path = values.pop("path", "schema")
            return template.format(where=_where(path), **values), path
    return f"时限规则不合法：{message}", None


# json.JSONDecodeError's messages (CPython's scanner, C and Python alike) in Chinese, by their English start.
_JSON_ERRORS = [
    ("Expecting property name enclosed in double quotes", "属性名须用双引号括起来"),
    ("Expecting ',' delimiter", "缺少逗号"),
    ("Expecting ':' delimiter", "缺少冒号"),
    ("Expecting value", "缺少值"),
    ("Extra data", "多余的内容"),
    ("Unterminated string", "字符串未结束"),
    ("Invalid control character", "含有无效的控制字符"),
    ("Invalid \\escape", "含有无效的转义字符"),
    ("Invalid \\u", "含有无效的转义字符"),
    ("Illegal trailing comma", "末尾多了逗号"),
]


def json_error_zh(msg: str) -> str:
    """The Chinese for a json.JSONDecodeError's ``msg``; a message not listed reads as 语法错误."""
    return next((zh for en, zh in _JSON_ERRORS if msg.startswith(en)), "语法错误")


def rules_from_json(text: str) -> dict:
    """Read a rule set edited as JSON text.

    :raises Invalid: with the line and column of a syntax error.
    """
    try:
        return json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise Invalid(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列，{json_error_zh(exc.msg)}",
                      f"rule set JSON: {exc}", code="bad_json") from None


def rules_fields(data: Mapping) -> dict[str, object]:
    """Flatten rule-set data into {field path: value}, the names of the table form's inputs."""
    out: dict[str, object] = {}
    for code in TICKET_TYPES:
        for key in TYPE_FIELDS:
            out[f"types.{code}.{key}"] = data.get("types", {}).get(code, {}).get(key)
    for key in THRESHOLD_FIELDS:
        out[f"acceptance.{key}"] = data.get("acceptance", {}).get(key)
    for key in SCALAR_FIELDS:
        out[key] = data.get(key)
    return out


def rules_from_fields(fields: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """Build rule-set data from the table form; return (data, {field path: Chinese error}) for non-integers."""
    data: dict = {"schema": 1, "types": {code: {} for code in TICKET_TYPES}, "acceptance": {}}
    errors: dict[str, str] = {}
    for path in rules_fields({}):
        raw = (fields.get(path) or "").strip()
        try:
            value = int(raw)
        except ValueError:
            errors[path] = f"{_where(path)}须填写整数个工作日"
            value = raw
        parts = path.split(".")
        if parts[0] == "types":
            data["types"][parts[1]][parts[2]] = value
        elif parts[0] == "acceptance":
            data["acceptance"][parts[1]] = value
        else:
            data[path] = value
    return data, errors


def save_rules(session: Session, data: Mapping, author: str, note: str | None, now: datetime) -> RuleSet:
    """Validate edited rule-set data and store it as the new active version; new tickets use it.

    :raises Invalid: with a Chinese message naming the field (``fields`` maps the path to it), or when the data
        equals the active version.
    """
    try:
        rules = Rules.from_dict(data)
    except (ValueError, TypeError) as exc:
        message, path = rules_error_zh(str(exc))
        raise Invalid(message, f"rule set refused: {exc}", fields={path: message} if path else None,
                      code="invalid_rules") from None
    current = session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))
    if current is not None and current.data == rules.to_dict():
        raise Invalid(f"与当前生效的第 {current.version} 版规则相同，无需保存新版本", "rule set unchanged",
                      code="unchanged")
    return save_rule_set(session, rules, author, (note or "").strip() or None, now)


def rule_sets(session: Session) -> list[RuleSet]:
    return list(session.scalars(select(RuleSet).order_by(RuleSet.version.desc())))


def get_rule_set(session: Session, version: int) -> RuleSet:
    """Return one rule-set version.

    :raises NotFound: for an unknown version.
    """
    row = session.scalar(select(RuleSet).where(RuleSet.version == version))
    if row is None:
        raise NotFound(f"时限规则第 {version} 版不存在", f"rule set version {version} not found")
    return row


def activate_rule_set(session: Session, version: int) -> RuleSet:
    """Make a rule-set version the one new tickets start with (roll back or forward)."""
    row = get_rule_set(session, version)
    session.execute(update(RuleSet).values(active=False))
    row.active = True
    forget_active()
    session.flush()
    return row


def rule_set_ticket_counts(session: Session) -> dict[int, int]:
    """Tickets per rule-set id."""
    return dict(session.execute(select(Ticket.rule_set_id, func.count()).group_by(Ticket.rule_set_id)).all())
