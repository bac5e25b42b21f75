"""When a demand's session may take place: inside its window, on its weekdays and within its
daily time range, all read in Shanghai time ("工作日 14:00–17:30", "周末", "19:00 以后").

Weekdays are a bit mask, bit 0 Monday … bit 6 Sunday (Python's `date.weekday()`); a daily
range without a start begins at 0:00, one without an end runs to midnight."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.timeutil import aware, local, weekday_name

ALL_DAYS = 0b1111111
WORKDAYS = 0b0011111
WEEKEND = 0b1100000
DAY_NUMBERS = range(7)


def days_mask(days: Iterable[int]) -> int:
    mask = 0
    for day in days:
        mask |= 1 << day
    return mask


def days_list(mask: int) -> list[int]:
    return [day for day in DAY_NUMBERS if mask >> day & 1]


def day_allowed(mask: int, day: date) -> bool:
    return bool(mask >> day.weekday() & 1)


def is_limited(daily_from: time | None, daily_until: time | None, weekdays: int) -> bool:
    return daily_from is not None or daily_until is not None or weekdays != ALL_DAYS


def allowed_spans(
    window_start: datetime,
    window_end: datetime,
    *,
    daily_from: time | None = None,
    daily_until: time | None = None,
    weekdays: int = ALL_DAYS,
) -> list[tuple[datetime, datetime]]:
    """The window cut to the allowed days and hours: sorted, disjoint [start, end) spans
    (spans that touch are joined, so that all weekdays without hours stay one span)."""
    if not is_limited(daily_from, daily_until, weekdays):
        return [(window_start, window_end)] if window_start < window_end else []
    spans: list[tuple[datetime, datetime]] = []
    day, last = local(window_start).date(), local(window_end).date()
    while day <= last:
        if day_allowed(weekdays, day):
            lo = aware(datetime.combine(day, daily_from or time(0)))
            hi = (
                aware(datetime.combine(day, daily_until))
                if daily_until is not None
                else aware(datetime.combine(day + timedelta(days=1), time(0)))
            )
            lo, hi = max(lo, window_start), min(hi, window_end)
            if lo < hi:
                if spans and spans[-1][1] == lo:
                    spans[-1] = (spans[-1][0], hi)
                else:
                    spans.append((lo, hi))
        day += timedelta(days=1)
    return spans


def demand_spans(demand) -> list[tuple[datetime, datetime]]:
    return allowed_spans(
        demand.window_start,
        demand.window_end,
        daily_from=demand.daily_from,
        daily_until=demand.daily_until,
        weekdays=demand.weekdays,
    )


def clip(
    spans: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of the spans inside [start, end)."""
    out = []
    for lo, hi in spans:
        lo, hi = max(lo, start), min(hi, end)
        if lo < hi:
            out.append((lo, hi))
    return out


def longest_span(spans) -> timedelta:
    return max((hi - lo for lo, hi in spans), default=timedelta(0))


def session_fits(demand, start: datetime, end: datetime) -> bool:
    """Does the session [start, end) lie inside one allowed span of the demand?"""
    return any(lo <= start and end <= hi for lo, hi in demand_spans(demand))


# --- As people read it -------------------------------------------------------------------------


def weekday_choices() -> list[tuple[int, str]]:
    return [(day, weekday_name(day)) for day in DAY_NUMBERS]


def days_label(mask: int) -> str:
    """工作日, 周末, 每天, or 周一、周三、周五."""
    if mask == ALL_DAYS:
        return pgettext("demand days", "every day")
    if mask == WORKDAYS:
        return pgettext("demand days", "weekdays")
    if mask == WEEKEND:
        return pgettext("demand days", "weekends")
    return pgettext("list of days", ", ").join(weekday_name(day) for day in days_list(mask))


def hours_label(daily_from: time | None, daily_until: time | None) -> str:
    """14:00–17:30, 19:00 以后, 12:00 以前; empty without a daily range."""
    if daily_from is not None and daily_until is not None:
        return f"{daily_from:%H:%M}–{daily_until:%H:%M}"
    if daily_from is not None:
        return _("from %(time)s") % {"time": f"{daily_from:%H:%M}"}
    if daily_until is not None:
        return _("until %(time)s") % {"time": f"{daily_until:%H:%M}"}
    return ""


def schedule_label(daily_from: time | None, daily_until: time | None, weekdays: int) -> str:
    """工作日 14:00–17:30; empty when any day and hour of the window will do."""
    if not is_limited(daily_from, daily_until, weekdays):
        return ""
    hours = hours_label(daily_from, daily_until)
    if weekdays == ALL_DAYS:
        return _("every day %(hours)s") % {"hours": hours}
    return f"{days_label(weekdays)} {hours}".strip()


def demand_schedule_label(demand) -> str:
    return schedule_label(demand.daily_from, demand.daily_until, demand.weekdays)
