"""Reading one cell of an import sheet: each reader returns the clean value or raises
CellError with a Chinese message; the checker adds sheet, row and column."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.errors import InvalidInput
from core.text import ascii_digits, clean_mobile, clean_text


class CellError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def _first_message(exc: InvalidInput) -> str:
    return str(next(iter(exc.fields.values()), exc.message))


def as_text(value) -> str:
    """What a person typed, as text. A formula is its own text (never evaluated); a whole
    number typed as a number (a phone, a year) reads without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def text(max_length: int, *, multiline: bool = False) -> Callable:
    def read(value) -> str:
        try:
            return clean_text(
                as_text(value),
                field="x",
                max_length=max_length,
                required=False,
                multiline=multiline,
            )
        except InvalidInput as exc:
            raise CellError(_first_message(exc)) from None

    return read


def phone(value) -> str:
    try:
        return clean_mobile(as_text(value), required=False)
    except InvalidInput as exc:
        raise CellError(_first_message(exc)) from None


def choice(choices, aliases: dict[str, str] | None = None) -> Callable:
    """A value of a TextChoices (or of a list of its (value, label) pairs) by its Chinese
    label, its English label, its API value or an alias."""
    pairs = list(getattr(choices, "choices", choices))
    table: dict[str, str] = {}
    for value, label in pairs:
        table[value.lower()] = value
        table[str(label).lower()] = value
        with translation.override("zh-hans"):
            table[str(label).lower()] = value
    for alias, value in (aliases or {}).items():
        table[alias.lower()] = value

    def read(value) -> str:
        typed = "".join(as_text(value).split()).lower()
        if not typed:
            return ""
        if typed in table:
            return table[typed]
        with translation.override("zh-hans"):
            allowed = "、".join(str(label) for _value, label in pairs)
        raise CellError(
            _("Unknown value “%(value)s”; allowed: %(allowed)s.")
            % {"value": as_text(value)[:30], "allowed": allowed}
        )

    return read


_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def choice_list(choices) -> Callable:
    one = choice(choices)

    def read(value) -> list[str]:
        parts = [p for p in _SEPARATORS.split(as_text(value)) if p]
        return list(dict.fromkeys(one(p) for p in parts))

    return read


def whole_number(low: int, high: int) -> Callable:
    def read(value) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise CellError(_("Enter a number, not text."))
        if isinstance(value, int | float):
            number = value
        else:
            typed = ascii_digits(str(value).strip())
            try:
                number = float(typed)
            except ValueError:
                raise CellError(
                    _("Enter a number, not text (“%(value)s”).") % {"value": str(value)[:30]}
                ) from None
        if number != number or not float(number).is_integer():
            raise CellError(_("Enter a whole number."))
        number = int(number)
        if not low <= number <= high:
            raise CellError(
                _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        return number

    return read


def decimal(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a number, not text."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(ascii_digits(str(value).strip()))
        except ValueError:
            raise CellError(
                _("Enter a number, not text (“%(value)s”).") % {"value": str(value)[:30]}
            ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError(_("Enter a number."))
    return number


_YEAR_MONTH = re.compile(
    r"^(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?$"
)


def birth_year(value) -> int | None:
    """A year of birth from a date cell, a year (1975) or a typed date (1975-03, 1975年3月)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.date | datetime.datetime):
        year = value.year
    elif (
        isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
    ):
        year = int(value)
    else:
        match = _YEAR_MONTH.match(ascii_digits(as_text(value).strip()))
        if not match:
            raise CellError(
                _("Not a date: “%(value)s”; enter e.g. 1975-03 or 1975.")
                % {"value": as_text(value)[:30]}
            )
        year = int(match.group(1))
        month = int(match.group(2) or 1)
        day = int(match.group(3) or 1)
        try:
            datetime.date(year, month, day)
        except ValueError:
            raise CellError(
                _("Not a date: “%(value)s”; enter e.g. 1975-03 or 1975.")
                % {"value": as_text(value)[:30]}
            ) from None
    if not 1920 <= year <= 2010:
        raise CellError(_("Enter a year between 1920 and 2010."))
    return year


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese, as the template writes it
    read: Callable
    required: bool = False
    example: tuple = ()
    help: str = ""
    width: int = 14


@dataclass
class RowErrors:
    """Errors of one sheet: (sheet, row, column letter, header, message)."""

    sheet: str
    items: list[dict] = field(default_factory=list)

    def add(self, row: int | None, column: int | None, header: str, message) -> None:
        self.items.append(
            {
                "sheet": self.sheet,
                "row": row,
                "column": get_column_letter(column) if column else "",
                "header": header,
                "message": str(message),
            }
        )
