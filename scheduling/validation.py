"""Checks of times and months shared by offerings, bookings and outside sessions."""

import re
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import FieldErrors, InvalidInput
from core.text import ascii_digits
from core.timeutil import aware

MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Nothing is planned further ahead than this.
FURTHEST_AHEAD = timedelta(days=730)
LONGEST_SESSION = timedelta(hours=24)
SHORTEST_SESSION = timedelta(minutes=10)


def clean_month(value, *, field: str = "month") -> date:
    match = MONTH_RE.fullmatch(ascii_digits(value)) if isinstance(value, str) else None
    if (
        not match
        or not 1 <= int(match.group(2)) <= 12
        or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
    ):
        raise InvalidInput.field(field, _("Enter a month as YYYY-MM, such as 2026-12."))
    return date(int(match.group(1)), int(match.group(2)), 1)


def clean_interval(
    start,
    end,
    *,
    errors: FieldErrors,
    start_field: str = "start",
    end_field: str = "end",
    allow_past: bool = False,
    longest: timedelta = LONGEST_SESSION,
) -> tuple[datetime | None, datetime | None]:
    """[start, end): both given, end after start, not too long, not in the past."""
    if not isinstance(start, datetime):
        errors.add(start_field, _("Enter a date and time such as 2026-12-03T09:00:00+08:00."))
    if not isinstance(end, datetime):
        errors.add(end_field, _("Enter a date and time such as 2026-12-03T09:00:00+08:00."))
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None, None
    start, end = aware(start), aware(end)
    if end <= start:
        errors.add(end_field, _("The end must be after the start."))
    elif end - start > longest:
        errors.add(
            end_field,
            _("A session lasts at most one day.")
            if longest == LONGEST_SESSION
            else _("At most %(days)d days.") % {"days": longest.days},
        )
    elif end - start < SHORTEST_SESSION:
        errors.add(end_field, _("A session lasts at least 10 minutes."))
    now = timezone.now()
    if not allow_past and start <= now:
        errors.add(start_field, _("This time has already passed."))
    elif start > now + FURTHEST_AHEAD:
        errors.add(start_field, _("This is more than two years ahead."))
    return start, end
