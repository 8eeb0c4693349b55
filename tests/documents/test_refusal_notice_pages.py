"""The 不予受理告知 with a long explanation: its closing 「特此告知。」 never stands alone at the top of a page with the
signature; the end of the body goes over with it, so the reader of the next page sees what is being concluded."""
from __future__ import annotations

import io

import pypdf

from documents import render_pdf, specimen_context

from .test_documents import squash

CLOSING = "感谢您对政府热线工作的理解和支持。特此告知。"
LINE = "您反映的事项依法应通过法定途径解决。"  # one short paragraph: one printed line of 16 pt
TAIL = "以上情况请您知悉。"  # the explanation's last paragraph: the body's last line
LINES_PER_PAGE = 22  # GB/T 9704: 22 lines of 三号 a page (documents/templates/base.css)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace dropped (pypdf breaks CJK lines wherever the layout wrapped them)."""
    return [squash(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def notice(extra_lines: int) -> list[str]:
    """A refusal notice whose explanation runs ``extra_lines`` lines before its last one, page by page."""
    context = {**specimen_context("refusal_notice"), "suggestion": None,
               "explanation": "\n".join([LINE] * extra_lines + [TAIL])}
    return page_texts(render_pdf("refusal_notice", context))


def test_the_closing_stays_with_the_end_of_the_body_wherever_the_page_breaks():
    # One more line of explanation each time, for a whole page: the page break passes the body's last line, the
    # closing and the signature, which is where 「特此告知。」 used to be left alone at the top of page 2.
    moved = 0
    for extra in range(LINES_PER_PAGE + 1):
        pages = notice(extra)
        [on] = [i for i, text in enumerate(pages) if "特此告知。" in text]
        text = pages[on]
        assert CLOSING in text, f"{extra} lines: the closing is split: {text[:60]}"
        before = text[:text.index(CLOSING)]
        assert before.endswith(TAIL), f"{extra} lines: page {on + 1} has no body before the closing: {text[:60]}"
        moved += on > 0 and text.startswith(TAIL)  # the break would have fallen after the body: it moved up
    assert moved, "the page break never reached the closing: the test no longer covers it"
