"""Opening an uploaded workbook safely, before openpyxl sees it.

An .xlsx file is a zip of XML parts. Refused here, each with a Chinese message: a file that
is not a zip at all (a CSV or an old .xls renamed .xlsx), a macro-enabled workbook, a zip
whose parts would unpack to more than MAX_UNPACKED_BYTES (a zip bomb), XML with a document
type declaration (entity expansion), and a sheet with more than MAX_ROWS rows. The cells are
read with data_only=False, so a formula arrives as its own text ("=SUM(A1:A3)") and is never
evaluated: the import treats it as text like any other.
"""

import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.errors import InvalidInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_PARTS = 500
MAX_ROWS = 10_000
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam")


def refuse(message) -> InvalidInput:
    return InvalidInput.field("file", message)


def check_upload(upload) -> None:
    """Cheap checks of the uploaded file itself; raise InvalidInput naming `file`."""
    if upload is None:
        raise refuse(_("Choose an Excel file (.xlsx) to upload."))
    name = (upload.name or "").lower()
    if name.endswith(MACRO_SUFFIXES):
        raise refuse(
            _("Workbooks with macros (.xlsm) are refused. Save the file as .xlsx and upload again.")
        )
    if name.endswith(".xls") or name.endswith(".csv"):
        raise refuse(
            _(
                "Only Excel workbooks (.xlsx) can be imported. Save the file as .xlsx and upload again."
            )
        )
    if not name.endswith(".xlsx"):
        raise refuse(_("Only Excel workbooks (.xlsx) can be imported."))
    if upload.size == 0:
        raise refuse(_("The file is empty."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise refuse(
            _("The file may be at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    check_zip(upload)
    upload.seek(0)


def check_zip(fileobj) -> None:
    not_a_workbook = _(
        "This is not an Excel workbook (.xlsx): perhaps a CSV or another file renamed .xlsx. "
        "Open it in Excel or WPS and save it as .xlsx."
    )
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse(not_a_workbook) from None
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise refuse(not_a_workbook)
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise refuse(
                _(
                    "The workbook unpacks to more than %(mb)d MB, far more than its rows need; it is refused."
                )
                % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
            )
        types = archive.read("[Content_Types].xml")
        if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
            raise refuse(
                _(
                    "Workbooks with macros (.xlsm) are refused. Save the file as .xlsx and upload again."
                )
            )
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                try:
                    head = archive.read(part.filename)
                except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
                    raise refuse(not_a_workbook) from None
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise refuse(not_a_workbook)


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[tuple[int, tuple]]  # (row number in Excel, values), empty rows left out


def read_sheet(fileobj, *, preferred_title: str, width: int) -> Sheet:
    """The sheet named `preferred_title` (else the first), its header row and its rows.

    Raises InvalidInput for a workbook openpyxl cannot read, an empty sheet or too many rows."""
    fileobj.seek(0)
    check_zip(fileobj)
    fileobj.seek(0)
    try:
        book = load_workbook(fileobj, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook: all mean the same
        raise refuse(
            _("The workbook could not be read. Open it in Excel or WPS and save it again.")
        ) from None
    try:
        sheet = book[preferred_title] if preferred_title in book.sheetnames else book.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, tuple]] = []
        # Columns past the known ones are read too (up to a few), so an extra column is named.
        for number, values in enumerate(
            sheet.iter_rows(max_col=width + 5, values_only=True), start=1
        ):
            if headers is None:
                if number == 1:
                    headers = ["" if v is None else str(v).strip() for v in values]
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append((number, tuple(values)))
            if len(rows) > MAX_ROWS:
                raise refuse(
                    _(
                        "The sheet “%(sheet)s” has more than %(limit)s rows; split it into files of at most %(limit)s rows."
                    )
                    % {"sheet": sheet.title, "limit": f"{MAX_ROWS:,}"}
                )
        title = sheet.title
    except InvalidInput:
        raise
    except Exception:
        raise refuse(
            _("The workbook could not be read. Open it in Excel or WPS and save it again.")
        ) from None
    finally:
        book.close()
    if not headers or not any(headers):
        raise refuse(
            _("The sheet “%(sheet)s” is empty: the first row must hold the column headers.")
            % {"sheet": title}
        )
    while headers and not headers[-1]:
        headers.pop()
    return Sheet(title=title, headers=headers, rows=rows)
