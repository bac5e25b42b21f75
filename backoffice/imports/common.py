"""What every kind of import shares: matching the header row, reading each row's cells,
and the plan the check hands to the writer."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .cells import CellError, Column, RowErrors
from .files import Sheet


def normalise_header(header: str) -> str:
    return (
        "".join(header.replace("*", "").replace("＊", "").split())
        .replace("（", "(")
        .replace("）", ")")
    )


@dataclass
class Row:
    number: int
    values: dict
    present: set  # keys of the cells that were filled in


@dataclass
class Plan:
    """What the writer does, decided by the check: rows to create, rows to change (with the
    object's id and the changed fields), and how many rows are already as the file says."""

    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.creates) + len(self.updates) + self.unchanged


def read_rows(
    sheet: Sheet, columns: list[Column], errors: RowErrors, progress: Callable[[int], None]
) -> list[Row]:
    """The rows whose every cell reads; each problem lands in `errors`. A header row that is
    not the template's stops here with one error per missing or unknown column."""
    by_header = {normalise_header(c.header): c for c in columns}
    positions: dict[str, int] = {}
    for index, header in enumerate(sheet.headers):
        name = normalise_header(header)
        if not name:
            continue
        column = by_header.get(name)
        if column is None:
            errors.add(
                1,
                index + 1,
                header,
                _("Unknown column “%(header)s”: use the template's headers.")
                % {"header": header[:30]},
            )
        elif column.key in positions:
            errors.add(
                1,
                index + 1,
                header,
                _("The column “%(header)s” appears twice.") % {"header": column.header},
            )
        else:
            positions[column.key] = index
    for column in columns:
        if column.required and column.key not in positions:
            errors.add(
                1,
                None,
                column.header,
                _("The required column “%(header)s” is missing: use the template's headers.")
                % {"header": column.header},
            )
    if errors.items:
        return []
    if not sheet.rows:
        errors.add(None, None, "", _("The sheet has headers but no rows to import."))
        return []

    rows = []
    total = len(sheet.rows)
    for done, (number, values) in enumerate(sheet.rows, start=1):
        clean, present, ok = {}, set(), True
        for column in columns:
            index = positions.get(column.key)
            raw = values[index] if index is not None and index < len(values) else None
            try:
                value = column.read(raw)
            except CellError as exc:
                errors.add(number, index + 1, column.header, exc.message)
                ok = False
                continue
            if value in (None, "", []):
                if column.required:
                    errors.add(
                        number,
                        (index + 1) if index is not None else None,
                        column.header,
                        _("“%(header)s” is required.") % {"header": column.header},
                    )
                    ok = False
                clean[column.key] = value
                continue
            clean[column.key] = value
            present.add(column.key)
        if ok:
            rows.append(Row(number=number, values=clean, present=present))
        if done % 500 == 0:
            progress(done * 50 // total)
    return rows


def column_of(columns: list[Column], sheet: Sheet, key: str) -> tuple[int | None, str]:
    """(1-based position in the sheet, header) of a column, for errors found after reading."""
    column = next(c for c in columns if c.key == key)
    wanted = normalise_header(column.header)
    for index, header in enumerate(sheet.headers):
        if normalise_header(header) == wanted:
            return index + 1, column.header
    return None, column.header


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
