"""A booking op stays within its SQL statement budget (issue 18): `POST /api/v1/bookings`
and `POST /api/v1/bookings/{id}/accept`, counted with everything that runs after the commit
(the delivery task's row), authentication included. The budget is what they take today
(bench/booking_throughput.py measures the cost against a bare insert); a change that adds
statements to the write path fails here and must say why by raising it.

From 27 and 23 (issue 18): the lecturer's lock reads the status it checks; the create path
checks the status of the lecturer it has just read; `notify` opens no savepoint inside the
caller's transaction, takes the county's settings the booking read and the recipients'
channels joined to the users (one read for the organisation's side, secretaries and the
requester alike); the delivery task's row is written only when none is waiting (the check
is one read; here the create finds none waiting and writes it, the accept finds it)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.factories import no_quiet_hours
from scheduling.models import Booking

from .conftest import at

pytestmark = pytest.mark.django_db

CREATE_BUDGET = 22
ACCEPT_BUDGET = 19


def _statements(call, capture_on_commit):
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        response = call()
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_booking_op_stays_within_its_statement_budget(
    world, api_as, booking_payload, django_capture_on_commit_callbacks
):
    no_quiet_hours(world.county)  # at night a held SMS first asks whether it is urgent
    secretary, lecturer = api_as(world.secretary), api_as(world.lecturer)
    first = secretary.post("/api/v1/bookings", booking_payload())  # warm the caches
    assert first.status_code == 201

    created, create_sql = _statements(
        lambda: secretary.post(
            "/api/v1/bookings",
            booking_payload(start=at(8, 9).isoformat(), end=at(8, 10).isoformat()),
        ),
        django_capture_on_commit_callbacks,
    )
    assert created.status_code == 201, created.content
    accepted, accept_sql = _statements(
        lambda: lecturer.post(f"/api/v1/bookings/{created.json()['id']}/accept"),
        django_capture_on_commit_callbacks,
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    assert Booking.objects.get(pk=created.json()["id"]).status == "confirmed"

    assert len(create_sql) <= CREATE_BUDGET, "\n".join(create_sql)
    assert len(accept_sql) <= ACCEPT_BUDGET, "\n".join(accept_sql)
    # The message to the other side is written with the change, in the same transaction.
    for sql in (create_sql, accept_sql):
        assert any("notifications_inboxmessage" in s and s.startswith("INSERT") for s in sql)
