"""Time the documents package: the one-page supervision notice specimen (p50/p95 of 30 renders after warm-up), a
batch of 200 notices in one PDF, and the cost of CJK text against the same notice with every non-ASCII character
replaced by 'x' (same stylesheet, fonts, fetcher and layout engine), measured in the same run.

Usage: .venv/bin/python bench/documents.py [--quick]
"""
from __future__ import annotations

import io
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf  # noqa: E402
from weasyprint import HTML  # noqa: E402

from documents import pdf as pdf_module  # noqa: E402
from documents import render_batch, render_html, render_pdf, specimen_context  # noqa: E402

QUICK = "--quick" in sys.argv
RUNS = 10 if QUICK else 30
BATCH = 40 if QUICK else 200
KIND = "supervision_notice"


def one_page_notice(seq: int = 12) -> dict:
    """The specimen notice (one page) under its own number and ticket."""
    context = specimen_context(KIND)
    context["number"] = f"河热线督〔2026〕{seq}号"
    context["ticket_no"] = f"HL20261125{seq:06d}"
    return context


def pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def html_to_pdf(html: str) -> bytes:
    """Lay out and write ``html`` exactly as render_pdf does, minus the Jinja step."""
    resources = pdf_module._get_resources()
    document = HTML(string=html, url_fetcher=pdf_module.DataOnlyFetcher()).render(
        font_config=resources.fonts, stylesheets=[resources.css])
    return document.write_pdf()


def timed(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> None:
    notice = one_page_notice()
    start = time.perf_counter()
    pdf = render_pdf(KIND, notice)
    print(f"first render (fonts, stylesheet, templates loaded): {(time.perf_counter() - start) * 1000:.0f} ms")
    assert pages(pdf) == 1, "the benchmark notice must fit on one page"

    samples = timed(lambda: render_pdf(KIND, notice), RUNS)
    print(f"one-page {KIND}, {RUNS} renders: p50 {p(samples, .5):.0f} ms, p95 {p(samples, .95):.0f} ms, "
          f"{len(pdf) / 1024:.0f} KB")

    report = specimen_context("ticket_record")
    report_pdf = render_pdf("ticket_record", report)
    samples = timed(lambda: render_pdf("ticket_record", report), max(5, RUNS // 3))
    print(f"ticket_record specimen ({pages(report_pdf)} pages, timeline table): p50 {p(samples, .5):.0f} ms")

    items = [(KIND, one_page_notice(seq)) for seq in range(1, BATCH + 1)]
    start = time.perf_counter()
    batch = render_batch(items)
    elapsed = time.perf_counter() - start
    print(f"batch of {BATCH} notices: {elapsed:.2f} s ({elapsed / BATCH * 1000:.0f} ms per notice), "
          f"{pages(batch)} pages, {len(batch) / 1024 / 1024:.1f} MB")

    cjk_html = render_html(KIND, notice)
    ascii_html = re.sub(r"[^\x00-\x7f]", "x", cjk_html)
    cjk, ascii_only = [], []
    for _ in range(3):
        html_to_pdf(cjk_html)
        html_to_pdf(ascii_html)
    for _ in range(RUNS):  # interleaved, so that machine noise hits both alike
        cjk += timed(lambda: html_to_pdf(cjk_html), 1, warmup=0)
        ascii_only += timed(lambda: html_to_pdf(ascii_html), 1, warmup=0)
    cjk_p50, ascii_p50 = statistics.median(cjk), statistics.median(ascii_only)
    print(f"CJK notice p50 {cjk_p50 * 1000:.0f} ms vs the same notice with non-ASCII as 'x' "
          f"p50 {ascii_p50 * 1000:.0f} ms: ratio {cjk_p50 / ascii_p50:.2f}")


if __name__ == "__main__":
    main()
