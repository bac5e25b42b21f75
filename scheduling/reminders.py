"""Scheduled reminders (L7 "the platform reminds"): before each session to both sides, the
monthly "publish your courses" nudge to lecturers, and "rate this session" afterwards.

Run every few minutes by the scheduler. Each reminder has a fixed key, so running the job
again, or on two machines, never sends one twice.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.timeutil import local, month_label, when_label
from lecturers.models import Lecturer, LecturerStatus
from notifications.models import Event
from notifications.services import notify
from orgs.models import CountySettings, Membership, Organisation, OrgLevel, Role

from .models import Booking, BookingStatus, Offering

# A reminder is still useful this long after its moment (the job may have been down).
GRACE = timedelta(hours=1)


def _booking_facts(booking: Booking) -> dict:
    return {
        "org": booking.org.name,
        "lecturer": booking.lecturer.name,
        "course": booking.course.title,
        "when": when_label(booking.start_at),
        "venue": booking.venue,
    }


def _org_side(booking: Booking) -> list:
    members = Membership.objects.filter(org=booking.org, role=Role.SECRETARY).select_related("user")
    return [m.user for m in members] + [booking.requested_by]


def session_reminders(now, rules_by_county) -> int:
    sent = 0
    longest = max(
        (max(r.reminder_hour_list, default=0) for r in rules_by_county.values()), default=24
    )
    upcoming = Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        start_at__gt=now,
        start_at__lte=now + timedelta(hours=longest),
    ).select_related("org", "lecturer__user", "course", "requested_by")
    for booking in upcoming:
        rules = rules_by_county.get(booking.county_id) or CountySettings(
            county_id=booking.county_id
        )
        for hours in rules.reminder_hour_list:
            moment = booking.start_at - timedelta(hours=hours)
            if moment <= now < moment + GRACE:
                notify(
                    recipients=[booking.lecturer.user, *_org_side(booking)],
                    event=Event.SESSION_REMINDER,
                    facts=_booking_facts(booking),
                    url=f"/bookings/{booking.pk}/",
                    key=f"booking:{booking.pk}:remind:{hours}h:{booking.start_at:%Y%m%d%H%M}",
                    county_id=booking.county_id,
                    subject=booking,
                )
                sent += 1
    return sent


def rate_reminders(now, rules_by_county) -> int:
    sent = 0
    ended = Booking.objects.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED],
        end_at__lte=now,
        end_at__gt=now - timedelta(days=2),
    ).select_related("org", "lecturer", "course", "requested_by")
    for booking in ended:
        rules = rules_by_county.get(booking.county_id) or CountySettings(
            county_id=booking.county_id
        )
        if booking.end_at + timedelta(hours=rules.rate_reminder_hours) <= now:
            notify(
                recipients=_org_side(booking),
                event=Event.RATE_REMINDER,
                facts=_booking_facts(booking),
                url=f"/bookings/{booking.pk}/",
                key=f"booking:{booking.pk}:rate",
                county_id=booking.county_id,
                subject=booking,
            )
            sent += 1
    return sent


def publish_reminders(now, rules_by_county) -> int:
    """On the county's chosen day, remind active lecturers who have not published the month."""
    sent = 0
    today = local(now).date()
    month = today.replace(day=1)
    for county in Organisation.objects.filter(level=OrgLevel.COUNTY):
        rules = rules_by_county.get(county.pk) or CountySettings(county_id=county.pk)
        if today.day != rules.publish_reminder_day:
            continue
        published = Offering.objects.filter(county=county, month=month).values("lecturer_id")
        lecturers = Lecturer.objects.filter(
            county=county, status=LecturerStatus.ACTIVE, user__isnull=False
        ).exclude(pk__in=published)
        for lecturer in lecturers.select_related("user"):
            notify(
                recipients=[lecturer.user],
                event=Event.PUBLISH_REMINDER,
                facts={"month": month_label(month)},
                url="/offerings/publish/",
                key=f"offering:{lecturer.pk}:{month:%Y-%m}:remind",
                county_id=county.pk,
            )
            sent += 1
    return sent


def send_due_reminders(*, now=None) -> str:
    now = now or timezone.now()
    rules_by_county = {r.county_id: r for r in CountySettings.objects.all()}
    counts = (
        session_reminders(now, rules_by_county),
        rate_reminders(now, rules_by_county),
        publish_reminders(now, rules_by_county),
    )
    return _("%(s)d session, %(r)d rating and %(p)d publishing reminders") % dict(
        zip("srp", counts, strict=True)
    )
