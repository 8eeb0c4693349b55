"""Read exported files back the way a person sees them: CSV cells as text, Excel cells as the spreadsheet shows them
(a number through its number format), so tests assert what the office reads, not how it is stored."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl


def csv_table(data: bytes) -> list[list[str]]:
    """The rows of a UTF-8 CSV file (with or without BOM)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def shown(value, number_format: str) -> str:
    """A cell's value as a spreadsheet program displays it, for the number formats our exports use."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        if number_format.lower() == "yyyy-mm-dd hh:mm":
            return value.strftime("%Y-%m-%d %H:%M")
        if number_format.lower() == 'yyyy-mm-dd "24:00"':  # a deadline at the end of its last day
            return value.strftime("%Y-%m-%d 24:00")
        if number_format.lower().startswith("yyyy-mm-dd"):
            return value.strftime("%Y-%m-%d")
        raise AssertionError(f"unexpected date format {number_format!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if number_format == "0.0%":
            return f"{value * 100:.1f}%"
        if number_format == "0.00":
            return f"{value:.2f}"
        if number_format == "General":
            return str(int(value)) if float(value).is_integer() else str(value)
        raise AssertionError(f"unexpected number format {number_format!r}")
    return str(value)


def xlsx_sheets(data: bytes) -> list[list[list[str]]]:
    """Every sheet of an .xlsx file as rows of displayed text."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [[[shown(c.value, c.number_format) for c in row] for row in ws.iter_rows()] for ws in book.worksheets]


def by_header(rows: list[list[str]]) -> list[dict[str, str]]:
    """Data rows as dicts keyed by the header row's titles."""
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]
