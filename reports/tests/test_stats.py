"""The dashboard's figures (reports.selectors.stats), the page and GET /api/v1/stats: equal to
the figures counted straight from the rows, for a county and a town, over a period that cuts
through months; each caller sees only their own area."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.models import TraineeRating
from evaluation.services import refresh_aggregates
from reports.selectors import Area, Period, stats
from scheduling.models import Booking

from .history import build_history, expected_figures, figures_subset

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(world):
    return build_history(world)


def test_the_figures_equal_those_counted_from_the_rows(world, past):
    for town in (None, world.town, world.other_town):
        expected = expected_figures(world.county, town, past.first, past.last)
        figures = stats(Area(county=world.county, town=town), Period(past.first, past.last))
        assert figures_subset(figures) == expected, town
    # The edges: the session at 00:00 of the first day counts, the one at 00:00 after the
    # last day does not; held for review and unrated check-ins are (not) counted as people.
    county = expected_figures(world.county, None, past.first, past.last)
    assert county["sessions"] == 5  # on_first, sibling, other_town, unit, on_last
    assert county["attendances"] == 5 + 2 + 5 + 1 + 5
    assert len(county["by_month"]) == 3
    assert county["coverage"] == {"branches": 4, "covered": 4}
    town = expected_figures(world.county, world.town, past.first, past.last)
    assert town["sessions"] == 3 and town["coverage"] == {"branches": 2, "covered": 2}
    assert town["demands"] == {"taken": 1, "expired": 1}


def test_the_other_figures_of_a_town(world, past):
    figures = stats(Area(county=world.county, town=world.town), Period(past.first, past.last))
    assert {c["key"]: c["n"] for c in figures["by_classroom"]} == {
        "classroom": 2, "cloud": 0, "bench": 1, "onsite": 0,
    }  # fmt: skip
    assert {g["key"]: g["n"] for g in figures["by_group"]} == {
        "government": 0, "new_sectors": 0, "rural": 3, "community": 0, "retired": 0, "mobile": 0,
    }  # fmt: skip
    # Counted ratings of the town's held sessions: 4 at 95-ish, 2 at 62-ish, 3 at 85-ish.
    assert figures["ratings"] == 9
    assert {b["key"]: b["n"] for b in figures["rating_bands"]} == {
        "0-59": 0, "60-69": 2, "70-79": 0, "80-89": 3, "90-100": 4,
    }  # fmt: skip
    assert figures["demands"]["median_hours_to_grab"] == 5.0
    assert figures["honours"][0] == {
        "key": "famous_lecturer", "label": "名师", "lecturers": 1, "courses": 0,
    }  # fmt: skip
    assert [lecturer["name"] for lecturer in figures["lecturers_ranked"]["top"]] == ["张三丰"]
    assert figures["coverage"]["by_town"] == [
        {"org_id": world.town.pk, "name": "东镇", "is_town": True, "branches": 2, "covered": 2,
         "share": 1.0},
    ]  # fmt: skip


def test_the_figures_read_no_rating_and_band_every_edge_as_the_rows_do(world, past):
    """The rating bands are the held sessions' running totals (evaluation.SessionScore), not a
    scan of the ratings; ratings on every band's edges fall where counting them does."""
    edges = [(0, 0, 0), (60, 60, 59), (60, 60, 60), (70, 70, 69), (70, 70, 70), (80, 80, 79),
             (80, 80, 80), (90, 90, 89), (90, 90, 90), (100, 100, 100)]  # fmt: skip
    for session in (past.unit, past.other_town):
        for k, (content, method, effect) in enumerate(edges):
            TraineeRating.objects.create(
                booking=session, name="学员", phone=f"1360000{k:04d}", content=content,
                method=method, effect=effect, rated_at=session.start_at + timedelta(hours=1),
                is_flagged=k == 3 and session == past.unit,  # held: not counted
            )  # fmt: skip
        refresh_aggregates(session)
    period, bands = Period(past.first, past.last), {}
    for town in (None, world.town, world.other_town):
        with CaptureQueriesContext(connection) as captured:
            figures = stats(Area(county=world.county, town=town), period)
        sql = [q["sql"] for q in captured.captured_queries]
        assert not [s for s in sql if TraineeRating._meta.db_table in s], town
        expected = expected_figures(world.county, town, past.first, past.last)
        assert figures_subset(figures)["rating_bands"] == expected["rating_bands"], town
        bands[town] = figures["rating_bands"]
    # The county's: the history's 15 counted ratings, then both sessions' edges, one held.
    assert bands[None] == [
        {"key": "0-59", "label": "0-59", "n": 1 + 4},
        {"key": "60-69", "label": "60-69", "n": 2 + 4 - 1},
        {"key": "70-79", "label": "70-79", "n": 5 + 4},
        {"key": "80-89", "label": "80-89", "n": 3 + 4},
        {"key": "90-100", "label": "90-100", "n": 4 + 4},
    ]


def test_the_rankings_sum_a_lecturers_courses_as_the_rows_do(world, past):
    """The lecturers' and the courses' rankings come from one pass over the held sessions
    per lecturer and course: a lecturer's ratings over all their courses, a course's its own,
    each as counted from the rows (rated, not held for review, of a held session)."""
    from core.tests.factories import make_course

    second = make_course(world.zhang, "乡村振兴的第二讲")
    Booking.objects.filter(pk=past.sibling.pk).update(course=second)
    period = Period(past.first, past.last)
    figures = stats(Area(county=world.county), period)
    held = set(
        Booking.objects.filter(
            county=world.county, status__in=("confirmed", "completed"),
            start_at__gte=period.bounds[0], start_at__lt=min(period.bounds[1], timezone.now()),
        ).values_list("pk", flat=True)
    )  # fmt: skip
    counted = TraineeRating.objects.filter(
        booking__in=held, rated_at__isnull=False, is_flagged=False
    ).select_related("booking__lecturer", "booking__course")

    def expected(name_of) -> dict:
        scores: dict = {}
        for rating in counted:
            scores.setdefault(name_of(rating.booking), []).append(
                (rating.content + rating.method + rating.effect) / 3
            )
        return {name: (len(s), round(sum(s) / len(s), 1)) for name, s in scores.items()}

    def shown(ranked) -> dict:
        return {i["name"]: (i["ratings"], i["average"]) for i in ranked["top"] + ranked["bottom"]}

    lecturers = expected(lambda booking: booking.lecturer.name)
    courses = expected(lambda booking: booking.course.title)
    assert len(courses) == 3 and lecturers["张三丰"][0] > courses["乡村振兴的第二讲"][0] > 0
    assert shown(figures["lecturers_ranked"]) == lecturers
    assert shown(figures["courses_ranked"]) == courses
    assert figures["ratings"] == sum(n for n, _average in lecturers.values())


def test_a_confirmed_session_that_has_not_started_is_not_held(world, past):
    from .history import booking

    today = timezone.localdate()
    later = booking(world, world.branch, timezone.now() + timedelta(hours=3), status="confirmed")
    area = Area(county=world.county, town=world.town)
    figures = stats(area, Period(today, today))
    assert figures["sessions"] == 0
    assert figures["bookings_by_status"]["confirmed"] == (
        1 if timezone.localtime(later.created_at).date() == today else 0
    )


def test_lecturers_without_a_session_this_year(world, past):
    year = timezone.localdate().year
    figures = stats(Area(county=world.county), Period(past.first, past.last))
    taught = {
        b.lecturer.name
        for b in Booking.objects.filter(status__in=("confirmed", "completed"))
        if b.start_at < timezone.now() and timezone.localtime(b.start_at).year == year
    }
    names = {"张三丰", "李四光"} - taught  # the active lecturers of county A
    assert {item["name"] for item in figures["idle_list"]} == names
    assert figures["idle_lecturers"] == len(names)
    assert figures["idle_year"] == past.last.year


# --- the API ------------------------------------------------------------------------------------


def test_the_api_answers_the_same_figures_for_a_county_and_a_town(world, past, api_as):
    params = {"from": past.first.isoformat(), "to": past.last.isoformat()}
    county = api_as(world.county_admin).get("/api/v1/stats", params)
    assert county.status_code == 200
    body = county.json()
    for key in ("sessions", "attendances", "bookings_by_status", "demands", "active_lecturers",
                "new_courses", "coverage", "by_month"):  # fmt: skip
        assert key in body
    assert set(body["demands"]) >= {"taken", "expired"}
    assert figures_subset(body) == expected_figures(world.county, None, past.first, past.last)
    assert body["period"] == params

    drilled = api_as(world.county_admin).get("/api/v1/stats", {**params, "org_id": world.town.pk})
    town = api_as(world.town_admin).get("/api/v1/stats", params)
    expected = expected_figures(world.county, world.town, past.first, past.last)
    assert figures_subset(drilled.json()) == figures_subset(town.json()) == expected


def test_the_api_keeps_each_caller_to_their_area(world, past, api_as, anon_api):
    assert (
        api_as(world.town_admin).get("/api/v1/stats", {"org_id": world.other_town.pk}).status_code
        == 404
    )
    assert (
        api_as(world.town_admin).get("/api/v1/stats", {"org_id": world.county.pk}).status_code
        == 404
    )
    assert (
        api_as(world.county_admin).get("/api/v1/stats", {"org_id": world.town_b.pk}).status_code
        == 404
    )
    assert (
        api_as(world.county_admin).get("/api/v1/stats", {"org_id": world.branch.pk}).status_code
        == 404
    )
    assert api_as(world.outsider).get("/api/v1/stats", {"org_id": world.town.pk}).status_code == 404
    for who in (world.secretary, world.lecturer):
        response = api_as(who).get("/api/v1/stats")
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert anon_api.get("/api/v1/stats").status_code == 401
    # The outsider's own county has nothing of county A in it.
    outsider = api_as(world.outsider).get("/api/v1/stats").json()
    assert outsider["sessions"] == 0 and outsider["active_lecturers"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "1999-12-31", "to": "2000-01-31"}, "from"),
        ({"from": "2026-01-01-01"}, "from"),
    ],
)
def test_bad_dates_get_422_naming_the_field(world, api_as, params, field):
    response = api_as(world.county_admin).get("/api/v1/stats", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    assert re.search(r"[\u4e00-\u9fff]", body["fields"][field])


def test_the_openapi_document_describes_stats(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/stats"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "org_id"}
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])


# --- the page ------------------------------------------------------------------------------------


def _figure(html: str, name: str) -> str:
    return re.search(rf'data-testid="fig-{name}"><b>([^<]*)</b>', html).group(1)


@pytest.mark.parametrize("who", ["county_admin", "town_admin"])
def test_the_dashboard_shows_the_same_figures(world, past, login, who):
    client = login(getattr(world, who))
    params = {"from": past.first.isoformat(), "to": past.last.isoformat()}
    response = client.get("/dashboard/", params)
    assert response.status_code == 200
    html = response.content.decode()
    town = world.town if who == "town_admin" else None
    expected = expected_figures(world.county, town, past.first, past.last)
    assert _figure(html, "sessions") == str(expected["sessions"])
    assert _figure(html, "attendances") == str(expected["attendances"])
    assert _figure(html, "bookings") == str(sum(expected["bookings_by_status"].values()))
    # Every chart has its table in the page, and its data for the script in a JSON block.
    for chart in ("trend", "bookings", "demands", "coverage", "classrooms", "groups", "ratings",
                  "sources", "levels", "categories", "honours", "appraisal", "selection"):  # fmt: skip
        assert f'data-testid="table-{chart}"' in html, chart
    assert html.count('<script type="application/json">') == 13
    assert "vendor/echarts.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html and " style=" not in html


def test_echarts_is_loaded_only_on_the_dashboard(world, login):
    client = login(world.secretary)
    for url in ("/", "/lecturers/", "/bookings/"):
        assert "echarts" not in client.get(url).content.decode(), url


def test_the_home_page_of_admins_is_their_dashboard(world, past, login):
    for who in ("county_admin", "town_admin"):
        html = login(getattr(world, who)).get("/").content.decode()
        assert 'data-testid="headline"' in html and 'data-testid="period-form"' in html, who
    html = login(world.county_admin).get("/").content.decode()
    assert 'data-testid="pending-outside"' in html and 'data-testid="open-manage"' in html
    assert 'data-testid="drill"' in html and f"org_id={world.town.pk}" in html
    for who in ("secretary", "lecturer"):
        html = login(getattr(world, who)).get("/").content.decode()
        assert 'data-testid="headline"' not in html, who


def test_a_county_admin_drills_into_a_town(world, past, login):
    client = login(world.county_admin)
    params = {"from": past.first.isoformat(), "to": past.last.isoformat(), "org_id": world.town.pk}
    html = client.get("/dashboard/", params).content.decode()
    expected = expected_figures(world.county, world.town, past.first, past.last)
    assert _figure(html, "sessions") == str(expected["sessions"])
    assert f'<option value="{world.town.pk}" selected>东镇</option>' in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("secretary", 403), ("lecturer", 403), ("outsider", 200)],
)
def test_who_may_open_the_dashboard(world, login, who, status):
    assert login(getattr(world, who)).get("/dashboard/").status_code == status


def test_an_outsider_sees_only_their_own_county(world, past, login):
    client = login(world.outsider)
    html = client.get("/dashboard/").content.decode()
    assert "乙县" in html and "东镇" not in html
    response = client.get("/dashboard/", {"org_id": world.town.pk})
    assert response.status_code == 422  # not one of the choices: county A's town is unknown
    assert client.get("/dashboard/report/2026/", {"org_id": world.town.pk}).status_code == 404


def test_a_town_admin_sees_only_their_town(world, past, login):
    client = login(world.town_admin)
    params = {"from": past.first.isoformat(), "to": past.last.isoformat()}
    html = client.get("/dashboard/", params).content.decode()
    assert 'name="org_id"' not in html  # one town: nothing to choose
    # Another town's id is no choice of theirs: the page stays with their own town.
    other = client.get("/dashboard/", {**params, "org_id": world.other_town.pk})
    expected = expected_figures(world.county, world.town, past.first, past.last)
    for page in (html, other.content.decode()):
        assert _figure(page, "sessions") == str(expected["sessions"])
        assert "西镇" not in page
    assert client.get("/dashboard/report/2026/", {"org_id": world.other_town.pk}).status_code == 404


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_bad_dates_on_the_page_are_marked_on_their_field(world, login):
    response = login(world.county_admin).get(
        "/dashboard/", {"from": "2026-05-01", "to": "2026-04-01"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'class="field has-error" id="field-to"', html)
    assert "结束日期不能早于开始日期" in html
    assert 'data-testid="headline"' not in html


def test_the_presets_link_to_their_periods(world, login):
    html = login(world.county_admin).get("/dashboard/").content.decode()
    today = timezone.localdate()
    assert f"from={today.year}-01-01&amp;to={today.isoformat()}" in html  # this year (active)
    assert f"from={today.replace(day=1).isoformat()}&amp;to={today.isoformat()}" in html
    assert re.search(r'<a href="\?[^"]+" class="active" aria-current="true">今年</a>', html)
