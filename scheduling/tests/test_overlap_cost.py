"""The overlap check of a booking (`lecturer_is_busy`, run by every request, accept, grab and
recommendation) costs the same however long the lecturer's history (issue 18): it seeks the
bookings that end after the new start (the index `booking_lecturer_busy`), not every past
session that started before the new end. The work is counted by the database itself: SQLite's
virtual-machine steps, PostgreSQL's rows visited (EXPLAIN ANALYZE)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling.models import Booking, BookingStatus
from scheduling.services import lecturer_is_busy

pytestmark = pytest.mark.django_db


def _past_sessions(world, count: int, *, before_days: int) -> None:
    now = timezone.now()
    Booking.objects.bulk_create(
        Booking(
            county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
            start_at=now - timedelta(days=before_days + i), venue="党群服务中心",
            end_at=now - timedelta(days=before_days + i) + timedelta(hours=2),
            expected_attendees=30, classroom="classroom", requested_by=world.secretary,
            expires_at=now, status=BookingStatus.CONFIRMED,
        )
        for i in range(count)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Booking._meta.db_table}")


def _rows_visited(plan: dict) -> int:
    own = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
    return own * plan.get("Actual Loops", 1) + sum(map(_rows_visited, plan.get("Plans", [])))


def _work(lecturer_id, start, end) -> tuple[bool, int]:
    """(busy?, the work the database did for the check)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        steps = [0]

        def count():
            steps[0] += 1

        connection.connection.set_progress_handler(count, 1)
        try:
            busy = lecturer_is_busy(lecturer_id, start, end)
        finally:
            connection.connection.set_progress_handler(None, 1)
        return busy, steps[0]
    with CaptureQueriesContext(connection) as queries:
        busy = lecturer_is_busy(lecturer_id, start, end)
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
        (row,) = cursor.fetchall()
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return busy, _rows_visited(plan[0]["Plan"])


def test_the_overlap_check_costs_the_same_after_years_of_sessions(world):
    start = timezone.now() + timedelta(days=3)
    end = start + timedelta(hours=2)
    _past_sessions(world, 10, before_days=1)
    busy, short_history = _work(world.zhang.pk, start, end)
    assert busy is False

    _past_sessions(world, 600, before_days=11)  # about two years of sessions
    busy, long_history = _work(world.zhang.pk, start, end)
    assert busy is False
    assert long_history <= short_history + 5, (short_history, long_history)

    # And it still sees a session that overlaps, past or future.
    assert _work(world.zhang.pk, start - timedelta(days=5), end - timedelta(days=5))[0] is True
    Booking.objects.filter(pk=Booking.objects.filter(lecturer=world.zhang).latest("pk").pk).update(
        start_at=start, end_at=end
    )
    assert _work(world.zhang.pk, start + timedelta(hours=1), end + timedelta(hours=1))[0] is True
