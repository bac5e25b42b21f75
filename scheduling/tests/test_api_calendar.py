"""The private iCalendar feed: its URL from the API, the feed itself without login, what it
holds for whom, and revoking it."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from scheduling import services
from scheduling.models import Booking, BookingStatus, CalendarFeed

from .conftest import at

pytestmark = pytest.mark.django_db

FEED = "/api/v1/calendar-feed"
ROTATE = "/api/v1/calendar-feed/rotate"


def book(actor, org, lecturer, course, days, hour=9, venue=""):
    return services.booking_create(
        actor=actor,
        org_id=org.pk,
        lecturer_id=lecturer.pk,
        course_id=course.pk,
        start=at(days, hour),
        end=at(days, hour + 2),
        venue=venue or f"{org.name}会议室",
        expected_attendees=30,
        classroom="classroom",
    )


@pytest.fixture
def bk(world):
    """张三丰's sessions in every status, and two sessions he is not part of."""
    requested = book(world.secretary, world.branch, world.zhang, world.course, 7, venue="东村礼堂")
    confirmed = book(world.secretary, world.branch, world.zhang, world.course, 8)
    services.booking_accept(actor=world.lecturer, booking=confirmed)
    completed = book(world.secretary, world.branch, world.zhang, world.course, 9)
    services.booking_accept(actor=world.lecturer, booking=completed)
    Booking.objects.filter(pk=completed.pk).update(
        start_at=at(-2, 9), end_at=at(-2, 11)
    )  # held two days ago
    services.booking_complete(actor=world.secretary, booking=completed)
    cancelled = book(world.secretary, world.branch, world.zhang, world.course, 10)
    services.booking_cancel(actor=world.secretary, booking=cancelled, reason="改期")
    declined = book(world.secretary, world.branch, world.zhang, world.course, 11)
    services.booking_decline(actor=world.lecturer, booking=declined, reason="没空")
    expired = book(world.secretary, world.branch, world.zhang, world.course, 12)
    Booking.objects.filter(pk=expired.pk).update(status=BookingStatus.EXPIRED)
    sibling = book(world.town_admin, world.sibling_branch, world.zhang, world.course, 13)
    other = book(world.other_secretary, world.other_branch, world.li, world.course_li, 7)
    b = book(world.outsider, world.branch_b, world.lecturer_b, world.course_b, 7)
    return SimpleNamespace(
        requested=requested, confirmed=confirmed, completed=completed, cancelled=cancelled,
        declined=declined, expired=expired, sibling=sibling, other=other, b=b,
    )  # fmt: skip


def feed_url(api) -> str:
    response = api.get(FEED)
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith(f"{settings.SITE_URL}/calendar/") and url.endswith(".ics")
    return url


def path_of(url: str) -> str:
    assert url.startswith(settings.SITE_URL)
    return url[len(settings.SITE_URL) :]


def fetch(client, url):
    client.logout()
    return client.get(path_of(url))


def events_of(client, url) -> dict:
    response = fetch(client, url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid.startswith("booking-") and uid.endswith("@jiangtai")
        events[int(uid.removeprefix("booking-").removesuffix("@jiangtai"))] = event
    return events


def test_the_feed_url_is_stable_and_under_the_site(world, api_as):
    api = api_as(world.lecturer)
    assert feed_url(api) == feed_url(api)
    assert CalendarFeed.objects.filter(user=world.lecturer).count() == 1


def test_every_user_has_an_own_url(world, api_as):
    urls = {feed_url(api_as(u)) for u in (world.lecturer, world.secretary, world.county_admin)}
    assert len(urls) == 3


def test_the_feed_is_a_valid_calendar_in_shanghai_time(world, bk, api_as, client):
    url = feed_url(api_as(world.lecturer))
    response = fetch(client, url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    assert str(calendar["VERSION"]) == "2.0"
    event = events_of(client, url)[bk.requested.pk]
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].params["TZID"] == "Asia/Shanghai"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == bk.requested.start_at and end == bk.requested.end_at
    assert start.utcoffset() == timezone.timedelta(hours=8) and start.hour == 9
    assert str(event["LOCATION"]) == "东村礼堂"
    assert str(event["URL"]) == f"{settings.SITE_URL}/bookings/{bk.requested.pk}/"
    assert world.course.title in str(event["SUMMARY"])


def test_the_lecturers_feed_holds_their_sessions_with_their_status(world, bk, api_as, client):
    events = events_of(client, feed_url(api_as(world.lecturer)))
    statuses = {pk: str(event["STATUS"]) for pk, event in events.items()}
    assert statuses == {
        bk.requested.pk: "TENTATIVE",
        bk.confirmed.pk: "CONFIRMED",
        bk.completed.pk: "CONFIRMED",
        bk.cancelled.pk: "CANCELLED",
        bk.sibling.pk: "TENTATIVE",
    }
    for pk, event in events.items():
        booking = Booking.objects.get(pk=pk)
        assert str(event["LOCATION"]) == booking.venue
        assert str(event["URL"]) == f"{settings.SITE_URL}/bookings/{pk}/"
        assert event.decoded("DTSTART") == booking.start_at


def test_the_secretarys_feed_holds_only_the_branch(world, bk, api_as, client):
    events = events_of(client, feed_url(api_as(world.secretary)))
    assert set(events) == {bk.requested.pk, bk.confirmed.pk, bk.completed.pk, bk.cancelled.pk}


def test_the_town_admins_feed_holds_the_town(world, bk, api_as, client):
    events = events_of(client, feed_url(api_as(world.town_admin)))
    assert bk.sibling.pk in events and bk.requested.pk in events
    assert bk.other.pk not in events and bk.b.pk not in events


def test_another_lecturers_feed(world, bk, api_as, client):
    assert set(events_of(client, feed_url(api_as(world.li.user)))) == {bk.other.pk}


def test_the_outsiders_feed_holds_nothing_of_county_a(world, bk, api_as, client):
    assert set(events_of(client, feed_url(api_as(world.outsider)))) == {bk.b.pk}


def test_sessions_long_past_are_left_out(world, bk, api_as, client):
    Booking.objects.filter(pk=bk.confirmed.pk).update(start_at=at(-200, 9), end_at=at(-200, 11))
    assert bk.confirmed.pk not in events_of(client, feed_url(api_as(world.lecturer)))


def test_an_empty_feed_is_still_a_calendar(world, api_as, client):
    response = fetch(client, feed_url(api_as(world.other_secretary)))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1


def _tamper(url: str) -> list[str]:
    path = path_of(url)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed_id, _sep, signature = token.partition("-")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    return [
        f"/calendar/{feed_id}-{flipped}.ics",
        f"/calendar/{feed_id}-{signature[:-1]}.ics",
        f"/calendar/{feed_id}-.ics",
        f"/calendar/{feed_id}.ics",
        f"/calendar/{int(feed_id) + 1}-{signature}.ics",
        f"/calendar/x{feed_id}-{signature}.ics",
        f"/calendar/{'9' * 30}-{signature}.ics",
        f"/calendar/{feed_id}-{signature.upper()}.ics",
    ]


def test_a_tampered_token_is_not_found(world, bk, api_as, client):
    url = feed_url(api_as(world.lecturer))
    feed_url(api_as(world.secretary))  # another feed exists next to it
    for path in _tamper(url):
        client.logout()
        assert client.get(path).status_code == 404, path


def test_a_deactivated_user_loses_the_feed(world, bk, api_as, client):
    url = feed_url(api_as(world.lecturer))
    User.objects.filter(pk=world.lecturer.pk).update(is_active=False)
    assert fetch(client, url).status_code == 404


def test_rotating_revokes_the_old_url(world, bk, api_as, client):
    api = api_as(world.lecturer)
    old = feed_url(api)
    response = api.post(ROTATE)
    assert response.status_code == 200, response.content
    new = response.json()["url"]
    assert new != old and new.startswith(f"{settings.SITE_URL}/calendar/")
    assert fetch(client, old).status_code == 404
    assert bk.requested.pk in events_of(client, new)
    assert feed_url(api_as(world.lecturer)) == new


def test_rotating_one_feed_leaves_the_others(world, bk, api_as, client):
    secretary_url = feed_url(api_as(world.secretary))
    api_as(world.lecturer).post(ROTATE)
    assert fetch(client, secretary_url).status_code == 200


def test_rotating_before_ever_asking_gives_a_working_url(world, bk, api_as, client):
    response = api_as(world.secretary).post(ROTATE)
    assert response.status_code == 200
    assert bk.requested.pk in events_of(client, response.json()["url"])


def test_a_repeated_rotate_with_the_same_key_rotates_once(world, bk, api_as, client):
    api = api_as(world.lecturer)
    headers = {"Idempotency-Key": "rotate-1"}
    first = api.post(ROTATE, headers=headers)
    second = api.post(ROTATE, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["url"] == second.json()["url"]
    assert fetch(client, first.json()["url"]).status_code == 200
