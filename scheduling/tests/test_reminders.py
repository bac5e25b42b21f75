from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core.timeutil import aware
from notifications.models import Event, InboxMessage
from orgs.models import CountySettings
from scheduling.models import Booking, BookingStatus, Offering
from scheduling.reminders import send_due_reminders

pytestmark = pytest.mark.django_db


def confirmed_booking(world, *, starts_in: timedelta) -> Booking:
    now = timezone.now()
    return Booking.objects.create(
        county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
        start_at=now + starts_in, end_at=now + starts_in + timedelta(hours=2), venue="党群服务中心",
        expected_attendees=30, classroom="classroom", requested_by=world.secretary,
        expires_at=now + timedelta(days=1), status=BookingStatus.CONFIRMED,
    )  # fmt: skip


def reminders(event, user=None):
    qs = InboxMessage.objects.filter(event=event)
    return qs.filter(recipient=user) if user else qs


def test_both_sides_are_reminded_24_and_2_hours_before(world):
    booking = confirmed_booking(world, starts_in=timedelta(hours=23, minutes=50))
    send_due_reminders()
    assert reminders(Event.SESSION_REMINDER, world.lecturer).count() == 1
    assert reminders(Event.SESSION_REMINDER, world.secretary).count() == 1
    send_due_reminders()  # running again sends nothing new
    assert reminders(Event.SESSION_REMINDER).count() == 2
    # Two hours before, the second reminder.
    Booking.objects.filter(pk=booking.pk).update(
        start_at=timezone.now() + timedelta(hours=1, minutes=55)
    )
    send_due_reminders()
    assert reminders(Event.SESSION_REMINDER, world.lecturer).count() == 2


def test_no_reminder_for_a_cancelled_or_distant_session(world):
    confirmed_booking(world, starts_in=timedelta(hours=30))
    cancelled = confirmed_booking(world, starts_in=timedelta(hours=23, minutes=30))
    Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CANCELLED)
    send_due_reminders()
    assert not reminders(Event.SESSION_REMINDER).exists()


def test_the_county_chooses_its_reminder_hours(world):
    CountySettings.objects.create(county=world.county, reminder_hours="48")
    confirmed_booking(world, starts_in=timedelta(hours=47, minutes=45))
    confirmed_booking(world, starts_in=timedelta(hours=23, minutes=45))
    send_due_reminders()
    assert reminders(Event.SESSION_REMINDER, world.lecturer).count() == 1


def test_the_organisation_is_asked_to_rate_after_the_session(world):
    booking = confirmed_booking(world, starts_in=timedelta(hours=-3))
    send_due_reminders()
    [message] = reminders(Event.RATE_REMINDER)
    assert message.recipient == world.secretary and message.url == f"/bookings/{booking.pk}/"
    send_due_reminders()
    assert reminders(Event.RATE_REMINDER).count() == 1


def test_lecturers_without_an_offering_are_reminded_on_the_countys_day(world):
    CountySettings.objects.create(county=world.county, publish_reminder_day=5)
    Offering.objects.create(county=world.county, lecturer=world.li, month=date(2026, 12, 1))
    send_due_reminders(now=aware(datetime(2026, 12, 5, 10, 0)))
    [message] = reminders(Event.PUBLISH_REMINDER)
    assert message.recipient == world.lecturer and "2026" in message.body
    send_due_reminders(now=aware(datetime(2026, 12, 5, 10, 5)))
    assert reminders(Event.PUBLISH_REMINDER).count() == 1


def test_not_on_other_days(world):
    CountySettings.objects.create(county=world.county, publish_reminder_day=5)
    send_due_reminders(now=aware(datetime(2026, 12, 6, 10, 0)))
    assert not reminders(Event.PUBLISH_REMINDER).exists()
