"""The province tier: the province page, a county's figures read by its province admin, and
GET /api/v1/province/stats. Each county's row counts what the county's own dashboard counts;
a province admin sees the counties of their province only and acts on none of them."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from conftest import run_in_threads
from core.tests.factories import make_course, make_lecturer, make_org, make_user
from core.timeutil import local
from evaluation.models import TraineeRating
from lecturers.models import Lecturer
from orgs.models import Membership, Organisation, OrgLevel, Role
from reports.models import ProvinceSnapshot
from reports.province import (
    SNAPSHOT_MAX_AGE,
    county_rows,
    province_figures,
    refresh_snapshots,
    store_snapshot,
)
from reports.selectors import Area, Period, default_period, presets, stats, today
from reports.tasks import queue_province_refresh

from .history import HELD, at, booking, build_history, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world):
    """Province 甲省 over the world's county and a sibling county; the world's county B in
    another province; one admin for each province."""
    p = make_org("甲省", OrgLevel.PROVINCE)
    p.county = None
    p.save(update_fields=["county"])
    other = make_org("乙省", OrgLevel.PROVINCE)
    other.county = None
    other.save(update_fields=["county"])
    world.county.parent = p
    world.county.save(update_fields=["parent"])
    world.county_b.parent = other
    world.county_b.save(update_fields=["parent"])
    sibling = make_org("丙县", OrgLevel.COUNTY, p, lat=35.0, lng=117.0)
    sibling.county = sibling
    sibling.parent = p
    sibling.save(update_fields=["county", "parent"])
    make_lecturer(sibling, "孙七")
    admin = make_user("province_admin")
    Membership.objects.create(user=admin, org=p, role=Role.PROVINCE_ADMIN)
    other_admin = make_user("other_province_admin")
    Membership.objects.create(user=other_admin, org=other, role=Role.PROVINCE_ADMIN)
    world.province, world.other_province, world.sibling = p, other, sibling
    world.province_admin, world.other_province_admin = admin, other_admin
    return world


def test_each_county_row_counts_what_its_dashboard_counts(province):
    past = build_history(province)
    period = Period(past.first, past.last)
    row = county_rows([province.county], period)[0]
    figures = stats(Area(county=province.county), period)
    assert row["sessions"] == figures["sessions"] == 5
    assert row["attendances"] == figures["attendances"]
    assert row["bookings"] == figures["bookings"]
    assert row["active_lecturers"] == figures["active_lecturers"]
    assert row["demands_taken"] == figures["demands"]["taken"]
    assert row["demands_expired"] == figures["demands"]["expired"]
    assert row["demands_posted"] == figures["demands"]["posted"]
    assert row["average_score"] == figures["average_score"]
    assert (row["branches"], row["branches_covered"]) == (
        figures["coverage"]["branches"],
        figures["coverage"]["covered"],
    )


def test_the_page_ranks_the_province_counties_and_leaves_out_the_others(province, login):
    past = build_history(province)
    client = login(province.province_admin)
    query = {"from": past.first.isoformat(), "to": past.last.isoformat()}
    page = client.get("/province/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲县" in html and "丙县" in html
    assert "乙县" not in html and "乙省" not in html and "赵六" not in html
    rows = page.context["figures"].counties
    assert [(r["name"], r["rank"]) for r in rows] == [("甲县", 1), ("丙县", 2)]
    assert page.context["figures"].totals["sessions"] == 5
    assert page.context["figures"].top_lecturers[0]["name"] == "张三丰"
    # Ranked by active lecturers, 丙县's one lecturer ties neither; 甲县 has three.
    ranked = client.get("/province/", {**query, "rank": "active_lecturers"})
    assert [r["name"] for r in ranked.context["figures"].counties] == ["甲县", "丙县"]
    assert "county-table" in client.get("/").content.decode()


def test_the_workbook_holds_the_counties_and_the_totals(province, login, tmp_path):
    past = build_history(province)
    client = login(province.province_admin)
    response = client.get("/province/", {"from": past.first, "to": past.last, "format": "xlsx"})
    assert response.status_code == 200
    path = tmp_path / "p.xlsx"
    path.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    book = load_workbook(path)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "甲县" in cells and "丙县" in cells and "乙县" not in cells
    lecturers = [c for row in book.worksheets[1].iter_rows(values_only=True) for c in row]
    assert "张三丰" in lecturers


def test_a_county_of_the_province_opens_read_only_and_others_are_not_found(province, login):
    client = login(province.province_admin)
    page = client.get(f"/province/counties/{province.county.pk}/")
    assert page.status_code == 200
    assert "甲县" in page.content.decode()
    assert client.get(f"/province/counties/{province.sibling.pk}/").status_code == 200
    assert client.get(f"/province/counties/{province.county_b.pk}/").status_code == 404
    assert client.get(f"/province/counties/{province.town.pk}/").status_code == 404
    assert client.get(f"/province/counties/{province.province.pk}/").status_code == 404
    other = login(province.other_province_admin)
    assert other.get(f"/province/counties/{province.county.pk}/").status_code == 404
    assert other.get(f"/province/counties/{province.county_b.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["county_admin", "town_admin", "secretary", "lecturer"])
def test_county_roles_are_refused_the_province_pages(province, login, who):
    client = login(getattr(province, who))
    assert client.get("/province/").status_code == 403
    assert client.get(f"/province/counties/{province.county.pk}/").status_code == 403


def test_the_api_gives_each_county_and_the_totals(province, api_as):
    past = build_history(province)
    response = api_as(province.province_admin).get(
        "/api/v1/province/stats", {"from": past.first, "to": past.last}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["province"]["name"] == "甲省"
    assert {c["name"] for c in body["counties"]} == {"甲县", "丙县"}
    assert body["totals"]["sessions"] == 5 and body["totals"]["counties"] == 2
    assert body["top_lecturers"][0]["county"] == "甲县"
    assert "乙县" not in response.content.decode()


def test_the_api_refuses_others_and_bad_dates(province, api_as):
    refused = api_as(province.county_admin).get("/api/v1/province/stats")
    assert refused.status_code == 403 and set(refused.json()) >= {"detail", "code"}
    bad = api_as(province.province_admin).get("/api/v1/province/stats", {"from": "2026-13-01"})
    assert bad.status_code == 422 and "from" in bad.json()["fields"]


def test_a_province_admin_acts_on_no_county(province, api_as, login):
    """Read-mostly: booking, grabbing, rating and managing lecturers are refused."""
    api = api_as(province.province_admin)
    zhang = province.zhang
    attempts = [
        ("post", "/api/v1/bookings", {"lecturer_id": zhang.pk, "org_id": province.branch.pk}),
        ("post", "/api/v1/lecturers", {"name": "新讲师"}),
        ("patch", f"/api/v1/lecturers/{zhang.pk}", {"specialties": "x"}),
        ("post", "/api/v1/demands", {"org_id": province.branch.pk}),
    ]
    for method, path, data in attempts:
        response = getattr(api, method)(path, data)
        assert response.status_code == 403, (path, response.status_code, response.content)
        assert set(response.json()) >= {"detail", "code"}
    assert api.get("/api/v1/lecturers").json()["items"] == []
    client = login(province.province_admin)
    assert client.get("/manage/").status_code == 403
    assert client.get(f"/lecturers/{zhang.pk}/").status_code == 404


def test_a_province_admin_keeps_their_own_inbox_and_settings(province, api_as):
    """The one kind of write left to them: their own account."""
    api = api_as(province.province_admin)
    assert api.post("/api/v1/inbox/read", {"ids": []}).status_code == 200
    channels = {"by_sms": False, "by_wechat": False, "by_email": False}
    assert api.put("/api/v1/me/notifications", channels).status_code == 200


def test_the_figures_take_the_same_queries_for_two_counties_or_twelve(province):
    """A province of ~140 counties and millions of ratings: each figure is one grouped query
    over all of them, summing the sessions' running totals, never reading the ratings."""
    build_history(province)

    def queries() -> int:
        admin = type(province.province_admin).objects.get(pk=province.province_admin.pk)
        with CaptureQueriesContext(connection) as captured:
            figures = province_figures(admin, default_period(), max_age=timedelta(0))
        sql = [q["sql"] for q in captured.captured_queries]
        assert not [q for q in sql if TraineeRating._meta.db_table in q]
        # The province's average score is its counties' summed points and ratings: every
        # query summing the sessions' rating totals groups them (by county, by lecturer),
        # none runs over all the province's sessions once more for the totals.
        summing = [q for q in sql if "rating_total" in q]
        assert summing and all("GROUP BY" in q for q in summing), summing
        return len(sql), len(figures.counties)

    few, two = queries()
    for n in range(10):
        county = make_org(f"县{n}", OrgLevel.COUNTY, lat=35.0, lng=117.0)
        county.parent = province.province
        county.save(update_fields=["parent"])
        make_lecturer(county, f"讲师{n}")
    many, twelve = queries()
    assert (two, twelve) == (2, 12)
    assert many == few


def test_the_province_average_is_the_mean_of_all_its_ratings(province):
    """Not the mean of the counties' averages: every counted rating of the province's sessions
    held in the period weighs the same, whichever county held it."""
    past = build_history(province)
    period = Period(past.first, past.last)
    sun = Lecturer.objects.get(county=province.sibling)
    make_course(sun, "丙县的课")
    town = make_org("南镇", OrgLevel.TOWN, province.sibling)
    branch = make_org("南村党支部", OrgLevel.VILLAGE, town)
    held = booking(province, branch, at(past.first + timedelta(days=3)), lecturer=sun)
    type(held).objects.filter(pk=held.pk).update(county=province.sibling)
    held.refresh_from_db()
    rate(held, 7, flagged=1, unrated=1, score=40)
    elsewhere = booking(province, province.branch_b, at(past.first + timedelta(days=4)))
    type(elsewhere).objects.filter(pk=elsewhere.pk).update(county=province.county_b)
    rate(elsewhere, 5, score=99)  # another province's county: not counted

    counties = {province.county.pk, province.sibling.pk}
    now = timezone.now()
    points = [
        r.content + r.method + r.effect
        for r in TraineeRating.objects.select_related("booking")
        if r.booking.county_id in counties
        and r.booking.status in HELD
        and past.first <= local(r.booking.start_at).date() <= past.last
        and r.booking.start_at < now
        and not r.is_flagged
        and r.content is not None
    ]
    expected = round(sum(points) / (3 * len(points)), 1)
    figures = province_figures(province.province_admin, period)
    assert figures.totals["average_score"] == expected
    averages = [row["average_score"] for row in figures.counties]
    assert None not in averages and expected != round(sum(averages) / len(averages), 1)
    # The rows that go out (page, workbook, API) carry no sums of their own.
    assert not {"points", "rated"} & {key for row in figures.counties for key in row}


def test_the_figures_are_kept_with_their_time_and_computed_again_when_too_old(province, api_as):
    """A province's aggregates take seconds: the page and the API show them as computed at
    most SNAPSHOT_MAX_AGE ago, with that time; a new session shows once they are older."""
    past = build_history(province)
    query = {"from": past.first, "to": past.last}
    api = api_as(province.province_admin)
    first = api.get("/api/v1/province/stats", query).json()
    as_of = datetime.fromisoformat(first["as_of"])
    assert timezone.now() - as_of < timedelta(minutes=1)
    held = booking(province, province.branch, at(past.first + timedelta(days=2)))
    rate(held, 3)
    again = api.get("/api/v1/province/stats", query).json()
    assert again["totals"]["sessions"] == first["totals"]["sessions"]
    assert again["as_of"] == first["as_of"]
    browser = login_page(province)
    assert _sessions_on(browser.get("/province/", query)) == first["totals"]["sessions"]

    ProvinceSnapshot.objects.update(computed_at=timezone.now() - SNAPSHOT_MAX_AGE)
    later = api.get("/api/v1/province/stats", query).json()
    assert later["totals"]["sessions"] == first["totals"]["sessions"] + 1
    assert datetime.fromisoformat(later["as_of"]) > as_of
    page = browser.get("/province/", query)
    assert _sessions_on(page) == later["totals"]["sessions"]
    html = page.content.decode()
    assert 'data-testid="as-of"' in html and f"{local(timezone.now()):%H}:" in html


def _sessions_on(page) -> int:
    found = re.search(r'data-testid="fig-sessions"><b>(\d+)</b>', page.content.decode())
    return int(found.group(1))


def login_page(province):
    client = Client()
    client.force_login(province.province_admin)
    return client


def test_the_scheduler_keeps_every_preset_fresh_on_a_worker(province):
    build_history(province)
    stale = ProvinceSnapshot.objects.create(
        province=province.province, first=date(2020, 1, 1), last=today() - timedelta(days=2),
        computed_at=timezone.now() - timedelta(days=2), figures={},
    )  # fmt: skip
    queue_province_refresh()
    queue_province_refresh()  # one run waiting is enough
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_province_snapshots").count() == 1  # fmt: skip
    refresh_snapshots()  # what the task runs
    kept = {(s.province_id, s.first, s.last): s.figures for s in ProvinceSnapshot.objects.all()}
    assert (stale.province_id, stale.first, stale.last) not in kept
    for provincial in (province.province, province.other_province):
        for _key, _label, period in presets():
            figures = kept[(provincial.pk, period.first, period.last)]
            assert figures["totals"]["counties"] == (2 if provincial == province.province else 1)
    # What is kept is what a computation gives now, to the number.
    live = province_figures(province.province_admin, default_period(), max_age=timedelta(0))
    shown = province_figures(province.province_admin, default_period())
    assert (shown.counties, shown.totals, shown.top_lecturers) == (
        live.counties, live.totals, live.top_lecturers,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_requests_computing_the_same_figures_at_once_keep_one_row(province):
    build_history(province)
    period = default_period()

    def compute(_i):
        return store_snapshot(Organisation.objects.get(pk=province.province.pk), period)

    results = run_in_threads(compute, 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    kept = ProvinceSnapshot.objects.get(province=province.province, first=period.first, last=period.last)  # fmt: skip
    assert kept.figures["totals"]["counties"] == 2
