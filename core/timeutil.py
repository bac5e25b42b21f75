"""Times are stored in UTC and shown in Asia/Shanghai; a time without an offset means Shanghai."""

from datetime import date, datetime, timedelta

from django.utils import timezone


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
