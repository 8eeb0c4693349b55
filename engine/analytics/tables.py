"""The office's files as people read them: the assessment and the public open data as rows for CSV and Excel, with
Chinese column titles, rates as percentages the way the pages show them and the period as inclusive Beijing dates.

The JSON of the same figures keeps its stable English keys and fractions; only these tables are for reading.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.domain import assessment as A
from engine.domain.calendar import TZ

#: What a cell shows when a figure has nothing to measure (as on the pages).
NONE_TEXT = "—"


@dataclass(frozen=True)
class Shown:
    """A number with the text the pages show for it: CSV writes ``text``; Excel keeps ``value`` as a number and
    shows it through ``excel_format`` (so the office can still sort and sum)."""

    value: float
    text: str
    excel_format: str

    def __str__(self) -> str:
        return self.text


def percent(value: float | None) -> Shown | str:
    """A rate as the pages show it (``75.0%``), or — when there is nothing to measure."""
    return NONE_TEXT if value is None else Shown(value, f"{value * 100:.1f}%", "0.0%")


def points(value: float | None) -> Shown | str:
    """A score to two places (``76.75``), or — when the unit has nothing to score."""
    return NONE_TEXT if value is None else Shown(value, f"{value:.2f}", "0.00")


def inclusive_dates(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last Beijing day of the half-open period ``[start, end)``: November is 11-01 to 11-30."""
    last = end.astimezone(TZ)
    last_day = last.date() - timedelta(days=1) if last.time() == time(0) else last.date()
    return start.astimezone(TZ).date(), max(last_day, start.astimezone(TZ).date())


#: The counts behind the metrics, in the words of the assessment page and docs/assessment.md.
COUNT_LABELS = {
    "dispatched": "主办派单数", "settled": "已签收或退回数", "signed_timely": "及时签收数", "returned": "退回数",
    "replied": "首次答复通过数", "replied_on_time": "按时答复数", "evaluated": "已评价数",
    "satisfied": "基本满意及以上数", "closed": "归档数", "redone": "重办数", "supervisions": "督办数",
    "kb_entries": "知识条目生效数", "kb_entries_late": "逾期上传条目数", "kb_flags": "到期纠错通知数",
    "kb_flags_late": "逾期整改数",
}
ASSESSMENT_HEADER = ("统计起始日期", "统计截止日期", "权重版本", "排名", "承办单位", "得分",
                     *(A.METRIC_LABELS[m] for m in A.METRICS),
                     *(COUNT_LABELS[c] for c in A.UnitCounts.__dataclass_fields__))


def assessment_rows(rows: list[dict], start: datetime, end: datetime) -> Iterator[list]:
    """The assessment (rows of ``metrics.assessment``, best first) as a table, header first: every unit, no cap,
    ranked as on the page (a unit without a score has no rank)."""
    first, last = inclusive_dates(start, end)
    yield list(ASSESSMENT_HEADER)
    for place, r in enumerate(rows, start=1):
        yield [first, last, r.get("weights_version", ""), place if r["score"] is not None else NONE_TEXT, r["unit"],
               points(r["score"]), *(percent(r["metrics"][m]) for m in A.METRICS),
               *(r["counts"][c] for c in A.UnitCounts.__dataclass_fields__)]


def public_rows(data: dict) -> Iterator[list]:
    """The public open data (``open_data.public_data``) as a table, header first: one row per unit."""
    types = data["types"]
    yield ["统计起始日期", "统计截止日期", "承办单位", "工单量", *types.values(), "首次答复通过数", "按时办结率",
           "已评价数", "满意率"]
    p = data["period"]
    for r in data["units"]:
        yield [p["from"], p["to"], r["unit"], r["tickets"], *(r["by_type"][t] for t in types), r["replied"],
               percent(r["on_time_rate"]), r["evaluated"], percent(r["satisfaction_rate"])]

