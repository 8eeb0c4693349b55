"""Render formal documents to A4 PDF with WeasyPrint from plain dictionaries."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from . import fonts as compact_fonts
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

log = logging.getLogger(__name__)

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


# --- Shared, lazily built resources -------------------------------------------------------------------------------

class RefusedURLError(ValueError):
    """A document tried to load something other than a ``data:`` URI."""


class DataOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URIs only; refuse local files, the network and everything else.

    WeasyPrint swallows some fetch errors (inside SVG images, for instance), so refusals are also remembered and
    :meth:`check` turns any of them into a failed render: a document is never issued with a silently missing part.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, fail_on_errors=True)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not str(url).lstrip().lower().startswith("data:"):
            self.refused.append(str(url))
            log.warning("refused to fetch %r while rendering a document", str(url)[:200])
            raise RefusedURLError(f"only data: URIs may be loaded, refused {str(url)[:80]!r}")
        return super().fetch(url, headers)

    def check(self, label: str) -> None:
        """Raise if anything was refused while rendering ``label``.

        :raises DocumentError: naming the refused URLs.
        """
        if self.refused:
            urls = ", ".join(repr(url[:80]) for url in self.refused)
            raise DocumentError(f"{label}: refused to load external resources: {urls}")


class _StylesheetFetcher(DataOnlyFetcher):
    """Serve the compact font faces to our own stylesheet; refuse everything else as documents do."""

    def __init__(self, faces: Mapping[str, bytes]) -> None:
        super().__init__()
        self._faces = faces

    def fetch(self, url, headers=None):
        if url in self._faces:
            return URLFetcherResponse(url, self._faces[url], {"Content-Type": "font/otf"})
        return super().fetch(url, headers)


@dataclass(frozen=True)
class _Resources:
    env: jinja2.Environment
    fonts: FontConfiguration
    css: CSS


_resources_lock = threading.Lock()
_resources: _Resources | None = None


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


def _get_resources() -> _Resources:
    """Build the Jinja2 environment, compact fonts, font configuration and parsed stylesheet once per process."""
    global _resources
    if _resources is None:
        with _resources_lock:
            if _resources is None:
                fonts = FontConfiguration()
                face_rules, faces = compact_fonts.compact_faces()
                stylesheet = face_rules + (TEMPLATE_DIR / "base.css").read_text(encoding="utf-8")
                css = CSS(string=stylesheet, font_config=fonts, url_fetcher=_StylesheetFetcher(faces))
                _resources = _Resources(_build_environment(), fonts, css)
    return _resources


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
    return _get_resources().env.get_template(template).render(values)


def _layout(kind: str, context: Mapping) -> tuple[Document, DataOnlyFetcher]:
    html = render_html(kind, context)
    resources = _get_resources()
    fetcher = DataOnlyFetcher()
    try:
        document = HTML(string=html, url_fetcher=fetcher).render(
            font_config=resources.fonts, stylesheets=[resources.css])
    except FatalURLFetchingError as exc:
        raise DocumentError(f"{kind}: refused to load an external resource ({exc.__cause__ or exc})") from exc
    fetcher.check(kind)
    return document, fetcher


def _write(document: Document, fetchers: list[DataOnlyFetcher], label: str) -> bytes:
    # Images (SVG charts) are drawn, and may fetch, only while the PDF is written.
    try:
        pdf = document.write_pdf()
    except FatalURLFetchingError as exc:
        raise DocumentError(f"{label}: refused to load an external resource ({exc.__cause__ or exc})") from exc
    for fetcher in fetchers:
        fetcher.check(label)
    return pdf


def render_pdf(kind: str, context: Mapping) -> bytes:
    """Render one document as A4 PDF bytes.

    :raises DocumentError: when the kind is unknown, a fact is missing, or the document tries to load a resource.
    """
    document, fetcher = _layout(kind, context)
    return _write(document, [fetcher], kind)


def render_batch(items: list[tuple[str, Mapping]], progress: Progress | None = None) -> bytes:
    """Render several documents into one PDF, each keeping its own page numbers.

    ``progress(done, total)`` is called after each document is laid out; the combined PDF is written after the last
    call.

    :raises DocumentError: when ``items`` is empty or any document cannot be rendered.
    """
    items = list(items)
    if not items:
        raise DocumentError("render_batch needs at least one document")
    total = len(items)
    documents, fetchers = [], []
    for done, (kind, context) in enumerate(items, start=1):
        document, fetcher = _layout(kind, context)
        documents.append(document)
        fetchers.append(fetcher)
        if progress is not None:
            progress(done, total)
    pages = [page for document in documents for page in document.pages]
    return _write(documents[0].copy(pages), fetchers, f"batch of {total}")
