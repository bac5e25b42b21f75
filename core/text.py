"""Checks and formatting for the text people type in, shared by every service."""

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import InvalidInput

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
# Python's `\d`, str.isdigit() and int() also take the digits of other scripts (full-width
# １２３, Arabic-Indic ١٢٣, …), and isdigit() even superscripts (²) that int() then refuses.
# One rule for every number people type: a decimal digit of any script is read as the ASCII
# digit it means (so a phone typed on a full-width keyboard is the same phone, never a second
# record); everything else, superscripts and circled numbers included, is not a digit.
_ANY_SCRIPT_DIGIT = re.compile(r"\d")
ASCII_DIGITS_RE = re.compile(r"[0-9]+")


def clean_text(
    value, *, field: str, max_length: int, required: bool = True, multiline: bool = False
) -> str:
    """Strip and check one text field; raise InvalidInput naming the field."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput.field(field, _("Must be text."))
    if "\x00" in value:
        raise InvalidInput.field(field, _("Contains an invalid character."))
    value = value.strip()
    if not multiline:
        value = " ".join(value.split())
    if required and not value:
        raise InvalidInput.field(field, _("This field is required."))
    if len(value) > max_length:
        raise InvalidInput.field(
            field,
            _("At most %(n)d characters (%(got)d given).") % {"n": max_length, "got": len(value)},
        )
    return value


def ascii_digits(value: str) -> str:
    """The text with every decimal digit of another script replaced by its ASCII digit."""
    if value.isascii():
        return value
    return _ANY_SCRIPT_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), value)


def clean_mobile(value, *, field: str = "phone", required: bool = True) -> str:
    value = clean_text(value, field=field, max_length=32, required=required)
    value = ascii_digits(value).replace(" ", "").replace("＋", "+")
    value = value.removeprefix("+86")
    if value and not MOBILE_RE.match(value):
        raise InvalidInput.field(field, _("Enter an 11-digit mainland mobile number."))
    return value


def clean_coordinates(lat, lng, *, required: bool = False) -> tuple[float | None, float | None]:
    """Coordinates are optional but must come as a pair inside China's bounding box."""
    if lat is None and lng is None:
        if required:
            raise InvalidInput(
                fields={"lat": _("This field is required."), "lng": _("This field is required.")}
            )
        return None, None
    errors = {}
    values = {}
    for name, value, low, high in (("lat", lat, 3.5, 53.6), ("lng", lng, 73.4, 135.1)):
        if value is None:
            errors[name] = _("Enter both the latitude and the longitude, or neither.")
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = _("Enter a number.")
            continue
        if not (low <= number <= high):  # also false for NaN
            errors[name] = _("Must be inside China (%(low)s to %(high)s).") % {
                "low": low,
                "high": high,
            }
        values[name] = number
    if errors:
        raise InvalidInput(fields=errors)
    return round(values["lat"], 6), round(values["lng"], 6)


def mask_phone(phone: str) -> str:
    """138****5678: shown to everyone but the owner and those who manage them."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(email: str) -> str:
    """a***@example.com: the first letter and the domain, the way phones keep their ends."""
    if not email:
        return ""
    local_part, at, domain = email.rpartition("@")
    if not at:
        return mask_phone(email)
    return f"{local_part[:1]}***@{domain}"


def clean_choice_list(values, *, field: str, allowed) -> list[str]:
    """A list of choice values (audiences, classrooms): known values only, duplicates dropped."""
    if values is None:
        return []
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput.field(field, _("Must be a list of choices."))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput.field(field, _("Unknown choice: %(value)s") % {"value": unknown[0][:30]})
    return list(dict.fromkeys(values))


MAX_ID = 2**63 - 1  # primary keys are 64-bit


def parse_digits(value, *, max_length: int = 19) -> int | None:
    """A whole number typed as digits (any script, see ascii_digits), or None.

    No sign, no `1_000`, no superscripts: what int() would read beyond plain digits is refused."""
    if not isinstance(value, str):
        return None
    text = ascii_digits(value.strip())
    if len(text) > max_length or not ASCII_DIGITS_RE.fullmatch(text):
        return None
    return int(text)


def parse_id(value) -> int | None:
    """A client-supplied id as an int, or None when it cannot name a row."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, int) else parse_digits(value)
    if number is None:
        return None
    return number if 1 <= number <= MAX_ID else None
