"""Tables written for people: CSV with a BOM, and Excel workbooks streamed by openpyxl with columns wide enough for
their Chinese titles and values, instants as date-time cells and rates and scores as numbers shown as on the pages.
Used by the ticket export, the assessment and the public open data."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain, islice
from typing import IO, Any

from engine.common import Invalid
from engine.domain.calendar import TZ
from engine.domain.timelimits import local_end

from .tables import Shown

#: Rows of one Excel sheet (the format's limit, header included).
XLSX_MAX_ROWS = 1_048_576
#: Rows read ahead to size the columns (a streamed sheet's widths are fixed before its first row).
SIZING_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
INSTANT_FORMAT = "yyyy-mm-dd hh:mm"
#: A deadline at 24:00 of its last day: the cell holds that day's last second and shows the pages' 24:00.
END_OF_DAY_FORMAT = 'yyyy-mm-dd "24:00"'


@dataclass(frozen=True)
class PeriodEnd:
    """A deadline (an aware instant; 00:00 is 24:00 of the day before) written as every page writes it: CSV has the
    pages' text (``2026-11-13 24:00``); Excel a date-time cell that reads the same and sorts and filters as one."""

    at: datetime

    def __str__(self) -> str:
        return local_end(self.at)


def cell(value: Any) -> Any:
    """A value as a spreadsheet should hold it: local time and dates as text, a rate or score as the pages show it,
    and text that a spreadsheet would run as a formula (= + - @ at the start) defused with a leading apostrophe."""
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Shown):
        return value.text
    if isinstance(value, PeriodEnd):
        return str(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(rows: Iterable[list], out: IO[str]) -> int:
    """Write rows (header first) as CSV with a BOM for spreadsheet programs; return the data rows written."""
    out.write("\ufeff")
    w = csv.writer(out)
    written = 0
    for row in rows:
        w.writerow(["" if v is None else cell(v) for v in row])
        written += 1
    return max(written - 1, 0)


def display_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet: a Chinese character (East Asian wide) counts two."""
    text = str(cell(value)) if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def column_widths(header: list, rows: list[list]) -> list[float]:
    """Widths for the columns from the header and the rows read ahead, within MIN_WIDTH..MAX_WIDTH."""
    widths = [display_width(v) for v in header]
    for row in rows:
        for i, v in enumerate(row[:len(widths)]):
            widths[i] = max(widths[i], display_width(v))
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]


def write_xlsx(rows: Iterable[list], out: IO[bytes], title: str, rows_per_sheet: int = XLSX_MAX_ROWS) -> int:
    """Write rows (header first) to an .xlsx workbook in openpyxl's streaming mode, with no cap: when a sheet is
    full the rows continue on a further sheet that repeats the header. Return the data rows written."""
    if rows_per_sheet < 2:
        raise ValueError("a sheet needs room for the header and one row")
    from openpyxl import Workbook  # imported with the first workbook: a fifth of a second at every start-up else
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    it = iter(rows)
    header = [cell(v) for v in next(it)]
    ahead = list(islice(it, SIZING_ROWS))
    widths = column_widths(header, ahead)

    def new_sheet(name: str):
        sheet = book.create_sheet(name)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.append(header)
        return sheet

    sheets, used, total = 0, rows_per_sheet, 0
    sheet = None
    for row in chain(ahead, it):
        if used >= rows_per_sheet:
            sheets += 1
            sheet = new_sheet(title if sheets == 1 else f"{title}（{sheets}）")
            used = 1
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        used += 1
        total += 1
    if sheet is None:
        new_sheet(title)
    book.save(out)
    return total


def _xlsx_cell(sheet, value: Any) -> Any:
    """A rate or score stays a number shown as on the pages (75.0%, 76.75); a date is a date cell and an instant a
    date-time cell in Beijing time (sortable and filterable as dates). A deadline at 24:00 (``PeriodEnd`` at 00:00)
    holds 23:59:59 of its last day under a format that prints 24:00, so it reads as on the pages, stays on its own day
    when filtered by date, and compares with an instant (办结时间) as the deadline does; another deadline is an
    instant."""
    formatted = None
    if isinstance(value, Shown):
        formatted = (value.value, value.excel_format)
    elif isinstance(value, PeriodEnd):
        local = value.at.astimezone(TZ).replace(tzinfo=None)
        formatted = ((local - timedelta(seconds=1), END_OF_DAY_FORMAT) if local.time() == time(0)
                     else (local, INSTANT_FORMAT))
    elif isinstance(value, datetime):
        formatted = (value.astimezone(TZ).replace(tzinfo=None), INSTANT_FORMAT)  # Excel has no time zones
    elif isinstance(value, date):
        formatted = (value, "yyyy-mm-dd")
    if formatted is None:
        return cell(value)
    from openpyxl.cell import WriteOnlyCell  # imported with the workbook by write_xlsx

    c = WriteOnlyCell(sheet, value=formatted[0])
    c.number_format = formatted[1]
    return c


def write_table(rows: Iterable[list], fmt: str, out: IO[bytes], title: str,
                rows_per_sheet: int = XLSX_MAX_ROWS) -> int:
    """Write rows as ``csv`` or ``xlsx`` to a binary file; return the data rows written."""
    if fmt == "xlsx":
        return write_xlsx(rows, out, title, rows_per_sheet)
    if fmt != "csv":
        raise Invalid("不支持的导出格式", f"unknown export format {fmt!r}")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        return write_csv(rows, text)
    finally:
        text.detach()
