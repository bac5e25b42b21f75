"""A list's query count does not grow with its rows (issue 18): every list page and API list
is rendered with N and with 3N rich rows (courses, honours, ratings with comments, likes,
bookings) and must run the same number of SQL statements both times."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.tests.factories import make_course, make_lecturer
from evaluation.models import TraineeRating
from evaluation.services import refresh_aggregates
from lecturers.models import HonourTitle, LecturerHonour, Like
from scheduling.models import Booking

pytestmark = pytest.mark.django_db

N = 4  # rows of the small list; the large has 3N, both within one page of every list


def _add_rows(world, count: int, start: int) -> None:
    now = timezone.now()
    for i in range(start, start + count):
        lecturer = make_lecturer(
            world.county, f"讲师{i:03d}", org=world.branch, specialties="乡村振兴、党史"
        )
        course = make_course(lecturer, f"课程{i:03d}", "situation_policy", outline="产业")
        make_course(lecturer, f"第二课{i:03d}", "revolutionary_tradition")
        LecturerHonour.objects.create(lecturer=lecturer, title=HonourTitle.FAMOUS_LECTURER,
                              year=2025)  # fmt: skip
        Like.objects.create(user=world.secretary, lecturer=lecturer)
        start_at = now - timedelta(days=3, hours=i)
        booking = Booking.objects.create(
            county=world.county, org=world.branch, lecturer=lecturer, course=course,
            start_at=start_at, end_at=start_at + timedelta(hours=1), venue="党群服务中心",
            expected_attendees=30, classroom="classroom", requested_by=world.secretary,
            expires_at=now, status="completed",
        )  # fmt: skip
        future = now + timedelta(days=5, hours=i)
        Booking.objects.create(
            county=world.county, org=world.branch, lecturer=lecturer, course=course,
            start_at=future, end_at=future + timedelta(hours=1), venue="党群服务中心",
            expected_attendees=30, classroom="classroom", requested_by=world.secretary,
            expires_at=future, status="requested",
        )  # fmt: skip
        TraineeRating.objects.create(
            booking=booking, name="学员", phone=f"139{i:08d}", rated_at=start_at,
            content=90, method=85, effect=80, comment=f"讲得好{i}",
        )  # fmt: skip
        refresh_aggregates(booking)


PAGES = ["/lecturers/", "/courses/", "/bookings/", "/rankings/"]
API = ["/api/v1/lecturers", "/api/v1/courses", "/api/v1/bookings"]


def _counts(client, api) -> dict[str, tuple[int, int]]:
    counts = {}
    for path in PAGES + API:
        getter = api.get if path.startswith("/api/") else client.get
        getter(path)  # warm the per-process caches (county rules, scope)
        with CaptureQueriesContext(connection) as queries:
            response = getter(path)
        assert response.status_code == 200, path
        counts[path] = len(queries)
    return counts


@pytest.mark.parametrize("role", ["secretary", "county_admin"])
def test_list_queries_do_not_grow_with_their_rows(world, login, api_as, role):
    user = getattr(world, role)
    client, api = login(user), api_as(user)
    _add_rows(world, N, 0)
    small = _counts(client, api)
    _add_rows(world, 2 * N, N)
    large = _counts(client, api)
    # the rows are really there the second time
    assert "讲师011" in client.get("/lecturers/", {"sort": "name"}).content.decode()
    assert len(api.get("/api/v1/bookings").json()["items"]) >= 3 * N
    assert small == large


def _sql_of(client, path) -> list[str]:
    client.get(path)  # warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_pages_read_nothing_twice(world, login):
    _add_rows(world, 3, 0)
    lecturer_rows = 'FROM "lecturers_lecturer"'
    # The résumé reads its lecturer once (with the card's prefetches).
    sql = _sql_of(login(world.secretary), f"/lecturers/{world.zhang.pk}/")
    whole_rows = 'SELECT "lecturers_lecturer"."id", "lecturers_lecturer"."created_at"'
    assert len([s for s in sql if s.startswith(whole_rows)]) == 1
    assert len([s for s in sql if "lecturers_lecturerhonour" in s]) == 1
    # A lecturer's home: the top list and their own card from one list read, the summary's
    # totals from its two groupings.
    sql = _sql_of(login(world.lecturer), "/")
    assert len([s for s in sql if "lecturers_lecturerhonour" in s]) == 1
    assert not [s for s in sql if s.startswith("SELECT COUNT(*)") and lecturer_rows in s]
    # The lecturer's waiting orders: the list's count is the badge's.
    sql = _sql_of(login(world.lecturer), "/bookings/?side=lecturer&status=requested")
    assert len([s for s in sql if "scheduling_booking" in s and "COUNT(" in s]) == 1
    assert len(sql) == len(set(sql)), [s for s in sql if sql.count(s) > 1]
