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

Every list page exports the same way (`?format=xlsx`, `wants_xlsx`): `xlsx_list_response`
writes what the page lists, with the same filters, under the columns (`Column`) the page's
app names, Chinese headers first. It streams: rows are read from the database in chunks
and written by openpyxl's write-only workbook straight into a temporary file, which is sent
from disk, so a list of any length never sits in memory whole.
"""

import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .http import as_download

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
    """The workbook as a download."""
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    return as_download(response, filename=filename, fallback=fallback)


# --- list exports ---------------------------------------------------------------------------

CHUNK_ROWS = 2000


def wants_xlsx(request) -> bool:
    """A list page asked for its workbook (`?format=xlsx`)."""
    return request.GET.get("format") == "xlsx"


@dataclass(frozen=True)
class Column:
    """One column of a list export: its (translatable) header and how a row gives its value."""

    header: Any
    value: Callable[[Any], Any]
    width: int = 16


def _plain(value):
    """A value as a cell holds it: Shanghai time without a zone (Excel has none), lists
    joined, lazy translations as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return _clean(value)


def _write_only_value(sheet, value):
    """A value for a write-only row: a safe cell where the text could be read as a formula
    or an error value, the value itself otherwise (cheap for the usual case)."""
    value = _plain(value)
    if isinstance(value, str) and (value.startswith(FORMULA_TRIGGERS) or value in ERROR_CODES):
        cell = WriteOnlyCell(sheet, value=value)
        make_text_safe(cell)
        return cell
    return value


def xlsx_list_response(
    rows: Iterable | QuerySet, columns: list[Column], *, title, name: str
) -> FileResponse:
    """A list as a one-sheet workbook download: a bold header row of `columns`, then one row
    per item of `rows` (a queryset is read in chunks of CHUNK_ROWS). The file is called
    after `title` (the list's translated name) and today, or `name` (ASCII) where the
    client cannot take that."""
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=CHUNK_ROWS)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_clean(str(title))[:31] or "Sheet")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_plain(column.header))
        cell.font = bold
        make_text_safe(cell)
        header.append(cell)
    sheet.append(header)
    for item in rows:
        sheet.append([_write_only_value(sheet, column.value(item)) for column in columns])
    # Deleted by the system when closed, which FileResponse does once it has sent it.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    day = timezone.localdate()
    return as_download(
        response, filename=f"{title} {day:%Y-%m-%d}.xlsx", fallback=f"{name}-{day:%Y%m%d}.xlsx"
    )
