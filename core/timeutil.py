"""Times are stored in UTC and shown in Asia/Shanghai; a time without an offset means Shanghai."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import pgettext_lazy


def aware(value: datetime) -> datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def local(value: datetime) -> datetime:
    return timezone.localtime(value)


def month_bounds(first_day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in local time."""
    start = aware(datetime(first_day.year, first_day.month, 1))
    next_month = (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, aware(datetime(next_month.year, next_month.month, 1))


def add_months(first_day: date, months: int) -> date:
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- As people read times on a phone: 12月3日 周四 09:00–11:00 ----------------------------------


def weekday_label(day: date) -> str:
    return weekday_name(day.weekday())


# The weekdays' names, Monday first; translated one at a time, as they are shown.
WEEKDAY_NAMES = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)


def weekday_name(index: int) -> str:
    """周一 … 周日 for 0 (Monday) … 6."""
    return str(WEEKDAY_NAMES[index])


def day_label(day: date) -> str:
    """12月3日 周四; with the year when it is not this year."""
    from django.utils.translation import gettext as _

    facts = {"year": day.year, "month": day.month, "day": day.day, "weekday": weekday_label(day)}
    if day.year == timezone.localdate().year:
        return _("%(weekday)s %(month)d/%(day)d") % facts
    return _("%(weekday)s %(year)d/%(month)d/%(day)d") % facts


def month_label(first_day: date) -> str:
    from django.utils.translation import gettext as _

    return _("%(year)d/%(month)d") % {"year": first_day.year, "month": first_day.month}


def when_label(start: datetime, end: datetime | None = None) -> str:
    """A moment or a [start, end) interval in Shanghai time."""
    start = local(start)
    text = f"{day_label(start.date())} {start:%H:%M}"
    if end is None:
        return text
    end = local(end)
    if end.date() == start.date():
        return f"{text}–{end:%H:%M}"
    return f"{text} – {day_label(end.date())} {end:%H:%M}"
