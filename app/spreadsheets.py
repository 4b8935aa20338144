"""Text written into spreadsheets and CSV files stays text (OWASP "CSV injection").

A description or a unit typed as ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` must not become a live
formula when an office opens the ledger. Every CSV and XLSX the service writes passes its values
through these two functions; numbers are never touched, so a negative chainage stays a number.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# What Excel, WPS and LibreOffice read as the start of a formula (or of a DDE call) in a CSV field.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: object) -> object:
    """A CSV field: text that an office would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_row(ws: Worksheet | WriteOnlyWorksheet, values: list[Any]) -> list[Any]:
    """A row for ``ws.append``: every string as a string cell (never a formula nor an error code such
    as ``#N/A``), other values as they are. Works for normal and write-only worksheets."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"  # openpyxl makes "=…" a formula; the value is kept unchanged
            row.append(cell)
        else:
            row.append(value)
    return row
