"""Private iCalendar feeds (RFC 5545) that phone calendars subscribe to."""

import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneStandard

from core.text import parse_id

from .models import BookingStatus, CalendarFeed
from .selectors import bookings_visible_to

_SALT = "jiangtai.calendar-feed"
ICAL_STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.COMPLETED: "CONFIRMED",
    BookingStatus.CANCELLED: "CANCELLED",
}
PAST_DAYS, FUTURE_DAYS = 90, 400


def _signature(feed: CalendarFeed) -> str:
    return salted_hmac(_SALT, f"{feed.pk}:{feed.version}", algorithm="sha256").hexdigest()[:40]


def feed_url_for(user) -> str:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return f"{settings.SITE_URL}/calendar/{feed.pk}-{_signature(feed)}.ics"


def feed_rotate(user) -> str:
    """Revoke the old URL (e.g. a lost phone) and return a new one."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    CalendarFeed.objects.filter(pk=feed.pk).update(version=F("version") + 1)
    return feed_url_for(user)


def feed_owner(token: str):
    feed_id, _sep, signature = token.partition("-")
    feed_pk = parse_id(feed_id)
    if feed_pk is None:
        return None
    feed = (
        CalendarFeed.objects.select_related("user").filter(pk=feed_pk, user__is_active=True).first()
    )
    if feed is None or not hmac.compare_digest(signature, _signature(feed)):
        return None
    return feed.user


def _shanghai() -> Timezone:
    tz = Timezone()
    tz.add("tzid", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    standard.add("tzname", "CST")
    tz.add_component(standard)
    return tz


def feed_ics(user) -> bytes:
    """The user's sessions: a lecturer's own, an organisation's for its secretary and admins."""
    now = timezone.now()
    bookings = (
        bookings_visible_to(user)
        .filter(
            status__in=ICAL_STATUS,
            start_at__gte=now - timedelta(days=PAST_DAYS),
            start_at__lte=now + timedelta(days=FUTURE_DAYS),
        )
        .select_related("org", "lecturer", "course")
        .order_by("start_at")[:2000]
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Jiangtai//Lecturer platform//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Jiangtai · teaching calendar"))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add_component(_shanghai())
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@jiangtai")
        event.add("dtstamp", booking.updated_at)
        event.add("dtstart", timezone.localtime(booking.start_at))
        event.add("dtend", timezone.localtime(booking.end_at))
        event.add(
            "summary", f"《{booking.course.title}》{booking.lecturer.name} · {booking.org.name}"
        )
        event.add("location", booking.venue)
        event.add("status", ICAL_STATUS[booking.status])
        url = f"{settings.SITE_URL}/bookings/{booking.pk}/"
        event.add("url", url)
        attendees = _("%(n)d attendees expected") % {"n": booking.expected_attendees}
        event.add("description", f"{booking.get_classroom_display()} · {attendees}\n{url}")
        calendar.add_component(event)
    return calendar.to_ical()
