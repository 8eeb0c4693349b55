"""Lay out and write documents as A4 PDFs with WeasyPrint; imported with the first PDF a process makes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from . import fonts as compact_fonts
from .kinds import DocumentError
from .render import TEMPLATE_DIR, Progress, render_html

log = logging.getLogger(__name__)


# --- Fetchers, and the fonts and stylesheet built once per process ----------------------------------------------------

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
    fonts: FontConfiguration
    css: CSS


_resources_lock = threading.Lock()
_resources: _Resources | None = None

def _get_resources() -> _Resources:
    """Build the compact fonts, font configuration and parsed stylesheet once per process."""
    global _resources
    if _resources is None:
        with _resources_lock:
            if _resources is None:
                fonts = FontConfiguration()
                face_rules, faces = compact_fonts.compact_faces()
                stylesheet = face_rules + (TEMPLATE_DIR / "base.css").read_text(encoding="utf-8")
                css = CSS(string=stylesheet, font_config=fonts, url_fetcher=_StylesheetFetcher(faces))
                _resources = _Resources(fonts, css)
    return _resources

# --- Rendering ---------------------------------------------------------------------------------------------------

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
