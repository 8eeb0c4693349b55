"""Formal documents from plain dictionaries: the Chinese formatting and the HTML each document is laid out from.

The PDF itself is made by :mod:`documents.pdf` with WeasyPrint, imported on the first PDF: importing WeasyPrint
costs about a second of CPU, which every command, scheduler and web worker paid at start-up before.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import jinja2

from .kinds import (
    ACCOUNTABILITY_SITUATIONS,
    EXPLANATION_HEADINGS,
    EXTENSION_DECISIONS,
    JOINT_REVIEW_OUTCOMES,
    REFUSAL_REASONS,
    SUPERVISION_REASONS,
    DocumentError,
    get_kind,
)

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEFAULT_OFFICE_NAME = "河源市12345政府服务热线办公室"
DEFAULT_OFFICE_SHORT = "河热线"
#: Defaults a context may override: the texts that name the city, its hotline and its governing measures.
DEFAULTS = {
    "office_name": DEFAULT_OFFICE_NAME,
    "office_short": DEFAULT_OFFICE_SHORT,
    "city": "河源市",
    "hotline_name": "河源市12345政府服务热线",
    "measures": "《河源市12345政府服务热线管理办法》",
}

#: Chart images may only arrive inline, as base64 PNG or SVG.
ALLOWED_IMAGE_PREFIXES = ("data:image/png;base64,", "data:image/svg+xml;base64,")
#: Pictures of annexes (附件: photos, scans), inline as base64 JPEG or PNG.
ANNEX_IMAGE_PREFIXES = ("data:image/jpeg;base64,", "data:image/png;base64,")

_CN_DIGITS = "〇一二三四五六七八九"
_WEEKDAYS = "一二三四五六日"

Progress = Callable[[int, int], None]


# --- Chinese formatting -------------------------------------------------------------------------------------------

def chinese_number(n: int) -> str:
    """Write 0-99 in Chinese numerals as used for months, days and article items (十一, 二十五)."""
    if not isinstance(n, int) or not 0 <= n <= 99:
        raise DocumentError(f"cannot write {n!r} in Chinese numerals (0-99 only)")
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _as_date(value: object, key: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise DocumentError(f"{key} must be a date, a datetime or an ISO date string, got {value!r}")


def chinese_date(value: dt.date | dt.datetime | str) -> str:
    """Write a date the way a 成文日期 is written: ``二〇二六年十一月二十五日``.

    :raises DocumentError: when ``value`` is not a date.
    """
    day = _as_date(value)
    year = "".join(_CN_DIGITS[int(digit)] for digit in f"{day.year:04d}")
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def _parse_when(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or ":" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def format_when(value: object) -> str:
    """Write a date (2026年11月25日) or a moment (2026年11月25日 09:12); other text prints unchanged."""
    value = _parse_when(value)
    if value is None or isinstance(value, jinja2.Undefined):
        return ""
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def format_when_text(value: object) -> str:
    """Write a moment for running text (2026年11月25日10时26分), where a space would be stretched by justification."""
    value = _parse_when(value)
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日{value.hour}时{value.minute:02d}分"
    return format_when(value)


def format_period_end(value: object) -> str:
    """Write the end of a period in running text without its weekday: 00:00 is 24时 of the day before
    (2026年12月22日24时); other moments as :func:`format_when_text`."""
    value = _parse_when(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        day = value.date() - dt.timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日24时"
    return format_when_text(value)


def format_deadline(value: object) -> str:
    """Write a deadline with its weekday; a datetime at 00:00 is shown as 24时 of the day before."""
    value = _parse_when(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            day = value.date() - dt.timedelta(days=1)
            return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS[day.weekday()]}）24时"
        return f"{value.year}年{value.month}月{value.day}日（星期{_WEEKDAYS[value.weekday()]}）{value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日（星期{_WEEKDAYS[value.weekday()]}）"
    return format_when(value)


def _paragraphs(value: object) -> list[str]:
    """Split text into paragraphs at newlines, dropping blank lines; lists pass through."""
    if value is None or isinstance(value, jinja2.Undefined):
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, Iterable):
        return [str(item) for item in value]
    return [str(value)]


def _after_decision(value: object, decision: str) -> str:
    """The reviewer's own words after the printed decision: a reason that opens with the same decision ("同意延期，
    请抓紧…", or the bare "同意延期" recorded when no reason was given) loses that opening, so the form does not say
    it twice."""
    text = str(value or "").strip()
    if decision and text.startswith(decision):
        text = text[len(decision):].lstrip("，,。.；;：: 　")
    return text


def _ends_with_thanks(value: object) -> bool:
    """Whether the last sentence of a text (or of its last paragraph) thanks the reader (感谢…, 谢谢…)."""
    paragraphs = _paragraphs(value)
    if not paragraphs:
        return False
    sentences = [part for part in paragraphs[-1].rstrip("。！!. ").split("。") if part.strip()]
    return bool(sentences) and ("感谢" in sentences[-1] or "谢谢" in sentences[-1])


def _contact(value: object) -> str:
    """Write a contact given as ``{"name", "phone"}`` or as plain text."""
    if isinstance(value, Mapping):
        parts = []
        if value.get("name"):
            parts.append(f"联系人：{value['name']}")
        if value.get("phone"):
            parts.append(f"联系电话：{value['phone']}")
        return "，".join(parts)
    return "" if value is None or isinstance(value, jinja2.Undefined) else str(value)


def _seal_glyphs(name: object, spread_per_char: float = 17.0, max_spread: float = 230.0) -> list[tuple[str, float]]:
    """Place the characters of a seal's name along its upper arc: (character, rotation in degrees)."""
    chars = [char for char in str(name) if not char.isspace()]
    if not chars:
        return []
    spread = min(max_spread, spread_per_char * len(chars))
    step = spread / len(chars)
    return [(char, round(-spread / 2 + step * (index + 0.5), 2)) for index, char in enumerate(chars)]


# --- The Jinja2 environment, built once per process --------------------------------------------------------------

_environment_lock = threading.Lock()
_environment: jinja2.Environment | None = None


def _build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        # Every context value is citizen- or staff-supplied text: escape all of it, always.
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        cn_date=chinese_date,
        cn_num=chinese_number,
        when=format_when,
        when_text=format_when_text,
        deadline=format_deadline,
        period_end=format_period_end,
        paragraphs=_paragraphs,
        contact=_contact,
        ends_with_thanks=_ends_with_thanks,
        after_decision=_after_decision,
        seal_glyphs=_seal_glyphs,
    )
    env.globals.update(
        REFUSAL_REASONS=REFUSAL_REASONS,
        SUPERVISION_REASONS=SUPERVISION_REASONS,
        ACCOUNTABILITY_SITUATIONS=ACCOUNTABILITY_SITUATIONS,
        EXTENSION_DECISIONS=EXTENSION_DECISIONS,
        EXPLANATION_HEADINGS=EXPLANATION_HEADINGS,
        JOINT_REVIEW_OUTCOMES=JOINT_REVIEW_OUTCOMES,
    )
    return env


def get_environment() -> jinja2.Environment:
    """The documents' Jinja2 environment, built once per process."""
    global _environment
    if _environment is None:
        with _environment_lock:
            if _environment is None:
                _environment = _build_environment()
    return _environment


# --- Rendering ----------------------------------------------------------------------------------------------------

def _check_images(kind_code: str, context: Mapping) -> None:
    found = [(f"charts[{i}].src", c.get("src") if isinstance(c, Mapping) else None, ALLOWED_IMAGE_PREFIXES)
             for i, c in enumerate(context.get("charts") or ())]
    found += [(f"annexes[{i}].image", a.get("image") if isinstance(a, Mapping) else "", ANNEX_IMAGE_PREFIXES)
              for i, a in enumerate(context.get("annexes") or ())]
    for where, src, prefixes in found:
        if src is None and where.startswith("annexes"):
            continue  # an annex without a picture is only listed
        if not isinstance(src, str) or not src.startswith(prefixes):
            raise DocumentError(
                f"{kind_code}: {where} must be a base64 data URI starting with one of {', '.join(prefixes)}")
        try:
            base64.b64decode(src.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raise DocumentError(f"{kind_code}: {where} is not valid base64") from None


def _prepare(kind_code: str, context: Mapping) -> tuple[str, dict]:
    kind = get_kind(kind_code)
    if not isinstance(context, Mapping):
        raise DocumentError(f"{kind.code}: context must be a mapping, got {type(context).__name__}")
    missing = kind.missing(context)
    if missing:
        raise DocumentError(f"{kind.code}: missing required context keys: {', '.join(missing)}")
    _check_images(kind.code, context)
    values = {**DEFAULTS, **{key: value for key, value in context.items() if value is not None}}
    values["date"] = _as_date(values["date"])
    values["kind"] = kind
    return kind.template, values


def render_html(kind: str, context: Mapping) -> str:
    """Render the HTML source of one document (what WeasyPrint lays out).

    :raises DocumentError: when the kind is unknown or a required fact is missing or invalid.
    """
    template, values = _prepare(kind, context)
    return get_environment().get_template(template).render(values)


def render_pdf(kind: str, context: Mapping) -> bytes:
    """Render one document as A4 PDF bytes.

    :raises DocumentError: when the kind is unknown, a fact is missing, or the document tries to load a resource.
    """
    from . import pdf  # WeasyPrint is imported with the first PDF, not with the package

    return pdf.render_pdf(kind, context)


def render_batch(items: list[tuple[str, Mapping]], progress: Progress | None = None) -> bytes:
    """Render several documents into one PDF, each keeping its own page numbers (:func:`documents.pdf.render_batch`).

    :raises DocumentError: when ``items`` is empty or any document cannot be rendered.
    """
    from . import pdf

    return pdf.render_batch(items, progress)
