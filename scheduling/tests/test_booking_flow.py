from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditLog
from notifications.models import InboxMessage
from scheduling.models import Booking, BookingEvent

from .conftest import at

pytestmark = pytest.mark.django_db


def create(api_as, world, booking_payload, user=None, **change):
    response = api_as(user or world.secretary).post("/api/v1/bookings", booking_payload(**change))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_secretary_books_and_the_lecturer_accepts_then_completes(world, api_as, booking_payload):
    body = create(api_as, world, booking_payload)
    assert body["status"] == "requested"
    assert body["start"].endswith("+08:00")
    booking_id = body["id"]
    assert (
        InboxMessage.objects.filter(recipient=world.lecturer, event="booking_requested").count()
        == 1
    )

    lecturer = api_as(world.lecturer)
    accepted = lecturer.post(f"/api/v1/bookings/{booking_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    assert (
        InboxMessage.objects.filter(recipient=world.secretary, event="booking_accepted").count()
        == 1
    )

    # Not before the session has started.
    early = lecturer.post(f"/api/v1/bookings/{booking_id}/complete")
    assert early.status_code == 409 and early.json()["code"] == "not_started"
    Booking.objects.filter(pk=booking_id).update(
        start_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    done = api_as(world.secretary).post(f"/api/v1/bookings/{booking_id}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert list(
        BookingEvent.objects.filter(booking_id=booking_id).values_list("to_status", flat=True)
    ) == [
        "requested",
        "confirmed",
        "completed",
    ]
    assert AuditLog.objects.filter(object_id=str(booking_id), action="booking.confirmed").exists()


def test_an_accept_that_would_overlap_is_lecturer_busy(world, api_as, booking_payload):
    first = create(api_as, world, booking_payload)
    second = create(api_as, world, booking_payload, user=world.town_admin, org_id=world.sibling_branch.pk,
                    start=at(7, 10).isoformat(), end=at(7, 12).isoformat())  # fmt: skip
    lecturer = api_as(world.lecturer)
    assert lecturer.post(f"/api/v1/bookings/{first['id']}/accept").status_code == 200
    clash = lecturer.post(f"/api/v1/bookings/{second['id']}/accept")
    assert clash.status_code == 409 and clash.json()["code"] == "lecturer_busy"
    assert Booking.objects.get(pk=second["id"]).status == "requested"


def test_back_to_back_sessions_do_not_overlap(world, api_as, booking_payload):
    first = create(api_as, world, booking_payload)
    second = create(
        api_as, world, booking_payload, start=at(7, 11).isoformat(), end=at(7, 12).isoformat()
    )
    lecturer = api_as(world.lecturer)
    assert lecturer.post(f"/api/v1/bookings/{first['id']}/accept").status_code == 200
    assert lecturer.post(f"/api/v1/bookings/{second['id']}/accept").status_code == 200


def test_decline_needs_a_reason_and_tells_the_branch(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    lecturer = api_as(world.lecturer)
    missing = lecturer.post(f"/api/v1/bookings/{booking_id}/decline", {"reason": " "})
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    declined = lecturer.post(f"/api/v1/bookings/{booking_id}/decline", {"reason": "当天另有安排"})
    assert declined.json()["status"] == "declined" and declined.json()["reason"] == "当天另有安排"
    assert InboxMessage.objects.filter(recipient=world.secretary, event="booking_declined").exists()
    again = lecturer.post(f"/api/v1/bookings/{booking_id}/accept")
    assert again.status_code == 409 and again.json()["code"] == "bad_state"


def test_cancel_follows_the_notice_rule(world, api_as, booking_payload):
    # Within the county's notice period, whatever the time of day.
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    soon = create(api_as, world, booking_payload, user=world.county_admin,
                  start=start.isoformat(), end=(start + timedelta(minutes=50)).isoformat())  # fmt: skip
    api_as(world.lecturer).post(f"/api/v1/bookings/{soon['id']}/accept")
    too_late = api_as(world.secretary).post(
        f"/api/v1/bookings/{soon['id']}/cancel", {"reason": "下雨"}
    )
    assert too_late.status_code == 409 and too_late.json()["code"] == "too_late"
    by_admin = api_as(world.town_admin).post(
        f"/api/v1/bookings/{soon['id']}/cancel", {"reason": "下雨"}
    )
    assert by_admin.status_code == 200
    assert by_admin.json()["is_late_cancel"] is True
    assert InboxMessage.objects.filter(recipient=world.lecturer, event="booking_cancelled").exists()


def test_the_lecturer_may_cancel_in_time_and_the_branch_is_told(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    lecturer = api_as(world.lecturer)
    lecturer.post(f"/api/v1/bookings/{booking_id}/accept")
    cancelled = lecturer.post(f"/api/v1/bookings/{booking_id}/cancel", {"reason": "临时出差"})
    assert cancelled.status_code == 200 and cancelled.json()["is_late_cancel"] is False
    assert InboxMessage.objects.filter(
        recipient=world.secretary, event="booking_cancelled"
    ).exists()


def test_reschedule_keeps_history_and_asks_again(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept")
    moved = api_as(world.secretary).post(
        f"/api/v1/bookings/{booking_id}/reschedule",
        {"start": at(8, 14).isoformat(), "end": at(8, 16).isoformat(), "reason": "村里有事"},
    )
    assert moved.status_code == 200 and moved.json()["status"] == "requested"
    last = BookingEvent.objects.filter(booking_id=booking_id).last()
    assert (
        last.data["old_start"] == at(7, 9).isoformat().replace("+08:00", "+00:00")
        or last.data["old_start"]
    )
    assert InboxMessage.objects.filter(
        recipient=world.lecturer, event="booking_rescheduled"
    ).exists()


def test_requests_expire_when_nobody_answers(world, api_as, booking_payload):
    from scheduling.services import bookings_expire_due

    booking_id = create(api_as, world, booking_payload)["id"]
    Booking.objects.filter(pk=booking_id).update(expires_at=timezone.now())
    assert bookings_expire_due() == 1
    assert Booking.objects.get(pk=booking_id).status == "expired"
    assert InboxMessage.objects.filter(recipient=world.secretary, event="booking_expired").exists()
    late = api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept")
    assert late.status_code == 409


def test_an_unanswered_request_past_its_deadline_cannot_be_accepted(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    Booking.objects.filter(pk=booking_id).update(expires_at=timezone.now())
    response = api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept")
    assert response.status_code == 409
    assert Booking.objects.get(pk=booking_id).status == "expired"


def test_a_branch_cannot_move_a_confirmed_session_at_short_notice(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept")
    Booking.objects.filter(pk=booking_id).update(start_at=timezone.now() + timezone.timedelta(hours=3),
                                                  end_at=timezone.now() + timezone.timedelta(hours=4))  # fmt: skip
    move = {"start": at(9, 9).isoformat(), "end": at(9, 11).isoformat()}
    late = api_as(world.secretary).post(f"/api/v1/bookings/{booking_id}/reschedule", move)
    assert late.status_code == 409 and late.json()["code"] == "too_late"
    assert (
        api_as(world.town_admin).post(f"/api/v1/bookings/{booking_id}/reschedule", move).status_code
        == 200
    )


def test_a_new_time_must_respect_the_booking_notice(world, api_as, booking_payload):
    booking_id = create(api_as, world, booking_payload)["id"]
    soon = {"start": at(0, 23, 30).isoformat(), "end": at(0, 23, 55).isoformat()}
    response = api_as(world.secretary).post(f"/api/v1/bookings/{booking_id}/reschedule", soon)
    assert response.status_code == 422 and "start" in response.json()["fields"]
    assert Booking.objects.get(pk=booking_id).start_at == at(7, 9)


def test_republishing_keeps_past_slots(world):
    from datetime import timedelta

    from scheduling.models import Offering, OfferingSlot
    from scheduling.services import offering_publish

    today = timezone.localdate()
    offering = Offering.objects.create(
        county=world.county, lecturer=world.zhang, month=today.replace(day=1)
    )
    past = OfferingSlot.objects.create(
        offering=offering,
        start_at=timezone.now() - timedelta(days=1),
        end_at=timezone.now() - timedelta(hours=22),
    )
    offering_publish(
        actor=world.lecturer, month=f"{today:%Y-%m}", course_ids=[world.course.pk], slots=[]
    )
    assert OfferingSlot.objects.filter(pk=past.pk).exists()


def test_a_reported_session_must_be_recent(world):
    from datetime import date

    from core.errors import InvalidInput
    from scheduling.services import reported_session_create

    for held_on in (date(1, 1, 1), date(2001, 5, 1)):
        with pytest.raises(InvalidInput):
            reported_session_create(actor=world.secretary, org_id=world.branch.pk, lecturer_name="张三丰",
                                    topic="党课", held_on=held_on)  # fmt: skip


def test_a_booking_that_overlaps_a_confirmed_one_is_lecturer_busy_at_creation(
    world, api_as, booking_payload
):
    first = create(api_as, world, booking_payload)  # 09:00-11:00, day 7
    assert api_as(world.lecturer).post(f"/api/v1/bookings/{first['id']}/accept").status_code == 200
    before = Booking.objects.count()

    overlapping = api_as(world.town_admin).post(
        "/api/v1/bookings",
        booking_payload(org_id=world.sibling_branch.pk, start=at(7, 10).isoformat(),
                        end=at(7, 12).isoformat()),
    )  # fmt: skip

    assert overlapping.status_code == 409
    assert overlapping.json()["code"] == "lecturer_busy" and overlapping.json()["detail"]
    assert Booking.objects.count() == before
    assert (
        InboxMessage.objects.filter(recipient=world.lecturer, event="booking_requested").count()
        == 1
    )


def test_a_booking_beside_a_confirmed_one_is_still_requested(world, api_as, booking_payload):
    """Half-open intervals, like accepting: ending when the other starts is no overlap, and a
    merely requested booking at the same time blocks nothing."""
    first = create(api_as, world, booking_payload)  # 09:00-11:00
    api_as(world.lecturer).post(f"/api/v1/bookings/{first['id']}/accept")
    create(api_as, world, booking_payload, start=at(7, 11).isoformat(), end=at(7, 12).isoformat())
    create(api_as, world, booking_payload, start=at(7, 7).isoformat(), end=at(7, 9).isoformat())
    # Two requests for the same time: the lecturer chooses by accepting one.
    create(api_as, world, booking_payload, start=at(8, 9).isoformat(), end=at(8, 11).isoformat())
    create(api_as, world, booking_payload, start=at(8, 9).isoformat(), end=at(8, 11).isoformat())
