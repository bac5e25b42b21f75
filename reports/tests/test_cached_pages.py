"""The catalogue pages' cards, the rankings and the bookings' list come from core.read_cache
(the API's lists: api/tests/test_cached_lists.py): a repeated page reads no lecturer, a commit
shows at once, htmx gets the same cards alone, a kept form takes this browser's CSRF token.
Real commits."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Course
from evaluation import services as evaluation
from evaluation.tests.test_aggregates import make_session
from lecturers.models import Lecturer
from reports.selectors import Area, default_period, stats

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_catalogue_cards_are_kept_until_a_lecturer_changes(world, login):
    client = login(world.secretary)
    first = client.get("/lecturers/", {"sort": "name"})
    assert first.status_code == 200 and world.zhang.name in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/lecturers/", {"sort": "name"})
    assert again.content.decode().count('data-testid="lecturer-card"') == first.content.decode().count('data-testid="lecturer-card"')  # fmt: skip
    assert not [q for q in queries.captured_queries if '"lecturers_lecturer"."name"' in q["sql"]]

    Lecturer.objects.filter(pk=world.zhang.pk).update(name="张改名")
    page = client.get("/lecturers/", {"sort": "name"})
    assert "张改名" in page.content.decode()
    cards = client.get("/lecturers/", {"sort": "name"}, headers={"HX-Request": "true"})
    assert (
        cards.content.decode().startswith('<div id="results">')
        and "张改名" in cards.content.decode()
    )


def test_the_ranking_shows_a_new_rating_at_once(world, login):
    client = login(world.county_admin)
    assert 'data-testid="ranking-row"' not in client.get("/rankings/").content.decode()
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=30)  # fmt: skip
    evaluation.trainee_rate(
        token=evaluation.token_for(booking), name="学员", phone="13700000001",
        scores={"content": 90, "method": 80, "effect": 70},
    )  # fmt: skip
    page = client.get("/rankings/").content.decode()
    assert f'data-id="{world.zhang.pk}"' in page


def test_the_course_menu_shows_a_renamed_course_at_once(world, login):
    client = login(world.secretary)
    assert world.course.title in client.get("/courses/").content.decode()
    Course.objects.filter(pk=world.course.pk).update(title="改过名的课")
    assert "改过名的课" in client.get("/courses/").content.decode()
    cards = client.get("/courses/", headers={"HX-Request": "true"}).content.decode()
    assert cards.startswith('<div id="results">') and "改过名的课" in cards


def test_each_caller_gets_their_own_cards(world):
    """Two counties' admins ask for the same page, one right after the other (both logged in
    first: a login writes, which would move the generation on between them)."""
    admins = [Client(), Client()]
    admins[0].force_login(world.county_admin)
    admins[1].force_login(world.outsider)
    mine, theirs = (a.get("/lecturers/", {"sort": "name"}).content.decode() for a in admins)
    assert world.zhang.name in mine and world.zhang.name not in theirs
    assert world.lecturer_b.name in theirs and world.lecturer_b.name not in mine


def _csrf_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_lecturers_orders_are_kept_and_each_browser_gets_its_own_csrf_token(world):
    """The orders' list is kept with its accept forms; the CSRF token in them is filled in
    per request, so a browser that logged in after the list was kept can still accept."""
    from scheduling.tests.test_pages import book

    booking = book(world)
    path = "/bookings/?side=lecturer&status=requested"
    # Two browsers of the lecturer, both logged in first (a login writes: it would move the
    # generation on between them); each has its own CSRF secret.
    first, later = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(world.lecturer)
    later.force_login(world.lecturer)
    page = first.get(path).content.decode()
    assert f'id="booking-{booking.pk}"' in page and 'data-testid="accept"' in page

    with CaptureQueriesContext(connection) as queries:
        kept = later.get(path).content.decode()
    assert not [
        q["sql"] for q in queries.captured_queries if 'FROM "scheduling_booking"' in q["sql"]
    ]
    assert _csrf_of(kept) != _csrf_of(page)
    answer = later.post(
        f"/bookings/{booking.pk}/accept/", {"csrfmiddlewaretoken": _csrf_of(kept), "next": path}
    )
    assert answer.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    # The accept was a commit: the list has no waiting order any more.
    assert f'id="booking-{booking.pk}"' not in later.get(path).content.decode()


def test_the_home_keeps_the_pool_and_reads_what_waits_on_each_request(world):
    """The totals and the top lecturers are kept; the orders to answer and to grab (which
    change with the clock as well as the data) are read every time."""
    client = Client()
    client.force_login(world.lecturer)
    first = client.get("/").content.decode()
    assert 'data-testid="orders-to-grab"' in first and world.zhang.name in first
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/").content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if '"lecturers_lecturerhonour"' in s]  # the cards' prefetch
    assert [s for s in sql if 'FROM "matching_demand"' in s]  # the orders to grab
    assert again.count('data-testid="lecturer-card"') == first.count('data-testid="lecturer-card"')

    Lecturer.objects.filter(pk=world.zhang.pk).update(name="张改名")
    assert "张改名" in client.get("/").content.decode()


def test_the_resume_is_kept_and_its_free_times_follow_the_clock(world, monkeypatch):
    """A slot that starts leaves the résumé's free times with no write at all, while the rest
    of the résumé is still answered from the kept render."""
    from datetime import timedelta

    from django.utils import timezone

    from core.timeutil import local
    from scheduling.models import Offering, OfferingSlot

    now = timezone.now()
    starts = now + timedelta(minutes=30)
    offering = Offering.objects.create(
        county=world.county, lecturer=world.zhang, month=local(starts).date().replace(day=1)
    )
    OfferingSlot.objects.create(offering=offering, start_at=starts, end_at=starts + timedelta(hours=2))  # fmt: skip
    client = Client()
    client.force_login(world.secretary)
    path = f"/lecturers/{world.zhang.pk}/"
    first = client.get(path).content.decode()
    assert 'data-testid="book-slot"' in first and world.course.title in first

    later_now = now + timedelta(minutes=31)
    monkeypatch.setattr(timezone, "now", lambda: later_now)
    with CaptureQueriesContext(connection) as queries:
        later = client.get(path).content.decode()
    if local(later_now).date() == local(now).date():  # keys hold the day
        assert not [q for q in queries.captured_queries if "lecturers_lecturerhonour" in q["sql"]]
    assert 'data-testid="book-slot"' not in later and world.course.title in later
    assert client.get(f"/lecturers/{world.lecturer_b.pk}/").status_code == 404


def _sessions_shown(client) -> int:
    page = client.get("/").content.decode()
    return int(re.search(r'data-testid="fig-sessions"><b>(\d+)</b>', page).group(1))


def test_the_dashboard_figures_are_kept_until_a_write_or_the_next_minute(world, login):
    """The county admin's home reads its figures and renders them once; a new rating shows
    at once, and a session whose start passes (no write) within a minute."""
    client = login(world.county_admin)
    area, period = Area(county=world.county), default_period()
    shown = _sessions_shown(client)
    with CaptureQueriesContext(connection) as queries:
        kept = stats(area, period)
        assert _sessions_shown(client) == shown == kept["sessions"]
    assert not [q for q in queries.captured_queries if "scheduling_booking" in q["sql"]]
    assert not [q for q in queries.captured_queries if "evaluation_traineerating" in q["sql"]]

    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=0.5, attendees=30)  # fmt: skip
    evaluation.trainee_rate(
        token=evaluation.token_for(booking), name="学员", phone="13700000002",
        scores={"content": 90, "method": 90, "effect": 90},
    )  # fmt: skip
    after_rating = stats(area, period)
    assert after_rating["sessions"] == kept["sessions"] + 1
    assert after_rating["ratings"] == kept["ratings"] + 1
    assert _sessions_shown(client) == after_rating["sessions"]

    # A confirmed session starting in 30 s: not held yet, and no write will say when it is.
    soon = make_session(world, world.li, world.course, world.branch, hours_ago=-30 / 3600, attendees=30)  # fmt: skip
    assert stats(area, period)["sessions"] == after_rating["sessions"]
    later = timezone.now() + timedelta(minutes=1)
    assert _sessions_shown(client) == after_rating["sessions"]
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert stats(area, period)["sessions"] == after_rating["sessions"] + 1, soon
        assert _sessions_shown(client) == after_rating["sessions"] + 1
