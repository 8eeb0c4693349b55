"""Small SVG charts for printed reports (工作简报, 考核通报, 专报), as ``data:`` URIs WeasyPrint embeds without fetching
anything. Pure functions of labels and values; the font is the embedded CJK serif the documents use."""
from __future__ import annotations

import base64
from xml.sax.saxutils import escape

COLOR = "#b22222"
FONT = "Noto Serif CJK SC GB2312, Noto Serif CJK SC, serif"


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_chart(labels: list[str], values: list[float], unit: str = "", decimals: int | None = None) -> str:
    """A horizontal bar chart as an SVG ``data:`` URI. Each value is written with ``decimals`` places, the same as
    the table beside the chart (by default a whole number as it is and any other with one place)."""
    row, width = 24, 560
    left = min(220, 12 * max((len(label) for label in labels), default=2) + 14)
    span = width - left - 80
    height = row * max(1, len(labels)) + 16
    top = max(values, default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + i * row
        bar = span * value / top
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(label[:18])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="15" fill="{COLOR}"/>')
        places = decimals if decimals is not None else 0 if float(value).is_integer() else 1
        parts.append(f'<text x="{left + bar + 6:.1f}" y="{y + 14}">{value:,.{places}f}{escape(unit)}</text>')
    parts.append("</svg>")
    return _uri("".join(parts))


def line_chart(labels: list[str], values: list[int]) -> str:
    """A line chart of a daily series as an SVG ``data:`` URI (first, middle and last day labelled)."""
    width, height, left, bottom, top_pad = 560, 200, 48, 28, 12
    plot_w, plot_h = width - left - 16, height - bottom - top_pad
    peak = max(values, default=0) or 1
    n = len(values)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    ys = [top_pad + plot_h * (1 - v / peak) for v in values]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
             'stroke="#333"/>',
             f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="#333"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{peak:,}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    if n:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{COLOR}" stroke-width="2"/>')
        for i in sorted({0, n // 2, n - 1}):
            parts.append(f'<text x="{xs[i]:.1f}" y="{height - 8}" text-anchor="middle">{escape(labels[i])}</text>')
    parts.append("</svg>")
    return _uri("".join(parts))
