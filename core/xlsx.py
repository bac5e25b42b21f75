"""The one way the platform writes Excel workbooks: every piece of text stays text.

A spreadsheet program evaluates a cell that starts with `=`, `+`, `-` or `@` (and, after a
tab or carriage return, whatever follows) as a formula; openpyxl itself turns a string that
starts with `=` into a live formula and one such as `#N/A` into an error value. Text that
reaches a workbook comes from people (course titles, organisation names, comments), so every
string is written as a string cell, and one that starts with a trigger also gets Excel's
"quote prefix" (the hidden leading apostrophe), so that editing the cell in Excel does not
turn it into a formula either. Numbers, dates and empty cells are written as they are.

Build the sheet with `append_row` / `set_cell`; `xlsx_response` (or `workbook_bytes`) checks
every cell once more before saving, so a cell written some other way is made safe too.
"""

import io
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _clean(value):
    """Text without the control characters XML cannot hold (openpyxl refuses them)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def make_text_safe(cell) -> None:
    """Make one cell's string value inert: a string cell, quote-prefixed if it could be read
    as a formula."""
    value = cell.value
    if not isinstance(value, str):
        return
    cell.data_type = "s"
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def set_cell(sheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    cell.value = _clean(value)
    make_text_safe(cell)
    return cell


def append_row(sheet, values) -> int:
    """Append one row of values after the last one; returns its row number."""
    sheet.append([_clean(value) for value in values])
    row = sheet.max_row
    for cell in sheet[row]:
        make_text_safe(cell)
    return row


def workbook_bytes(workbook) -> bytes:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                make_text_safe(cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(workbook, *, filename: str, fallback: str) -> HttpResponse:
    """The workbook as a download: `filename` (may be Chinese) travels as RFC 5987
    filename*=UTF-8''…, `fallback` (ASCII) for clients that do not read it."""
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
