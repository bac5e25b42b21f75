"""The no-double-booking invariant under real concurrency, on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from scheduling.models import Booking, BookingStatus

from .conftest import at


def _requests(world, n):
    """n requests for the same lecturer, all overlapping one morning."""
    from django.utils import timezone

    now = timezone.now()
    return [
        Booking.objects.create(
            county=world.county,
            org=world.branch if i % 2 else world.sibling_branch,
            lecturer=world.zhang,
            course=world.course,
            start_at=at(7, 9, i % 30),
            end_at=at(7, 11, i % 30),
            venue="会议室",
            expected_attendees=30,
            classroom="classroom",
            requested_by=world.secretary,
            expires_at=now + timezone.timedelta(days=3),
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_twenty_overlapping_accepts_confirm_exactly_one(world):
    bookings = _requests(world, 20)
    token = api_token_issue(user=world.lecturer)

    def accept(i):
        response = Client().post(
            f"/api/v1/bookings/{bookings[i].pk}/accept",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.json().get("code")

    results = run_in_threads(accept, 20)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(results, key=str).count((200, None)) == 1, results
    assert all(r == (409, "lecturer_busy") for r in results if r[0] != 200), results
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_posts_with_one_key_make_one_booking(world, booking_payload):
    token = api_token_issue(user=world.secretary)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "book-once"}
    payload = booking_payload()

    def post(_i):
        response = Client().post(
            "/api/v1/bookings", payload, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()["id"]

    results = run_in_threads(post, 20)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({booking_id for _, booking_id in results}) == 1
    assert Booking.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_itself_refuses_overlapping_confirmed_bookings(world):
    """The exclusion constraint holds even for a write that skips the service."""
    first, second = _requests(world, 2)
    Booking.objects.filter(pk=first.pk).update(status=BookingStatus.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=BookingStatus.CONFIRMED)
    # Touching intervals [9:00, 11:00) and [11:00, 12:00) do not overlap.
    Booking.objects.filter(pk=second.pk).update(
        start_at=first.end_at, end_at=at(7, 12), status=BookingStatus.CONFIRMED
    )
    assert connection.vendor == "postgresql"
