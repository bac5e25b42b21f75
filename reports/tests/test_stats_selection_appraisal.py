"""The appraisal and selection figures of the dashboard (reports.selectors: appraisal_section,
selection_section): equal to those counted straight from the rows, for a county and a town,
over a period that cuts through months; the same on the page, in GET /api/v1/stats and in the
yearly report's PDF."""

import re
import subprocess
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from appraisal.models import AppraisalResult, AppraisalRun, Grade
from core.tests.factories import make_lecturer
from core.timeutil import aware, local
from development.models import Call, Channel, Nomination, Stage
from reports.selectors import Area, Period, report_period, stats

from .history import at, build_history

pytestmark = pytest.mark.django_db


def _call(world, county, org):
    return Call.objects.create(
        county=county, org=org, level="county", title="讲师推选", criteria="政治过硬", quota=10,
        deadline=timezone.now() + timedelta(days=10),
    )  # fmt: skip


def make_selection(world, first: date, last: date) -> None:
    """Nominations around the period: on its edges, inside, outside, in another county."""
    call = _call(world, world.county, world.county)
    call_b = _call(world, world.county_b, world.county_b)
    rows = [
        (world.branch, Channel.SELF, Stage.APPROVED, at(first, 0, 0)),  # first minute: in
        (world.branch, Channel.PUBLIC, Stage.REJECTED, at(first - timedelta(days=1), 23, 59)),
        (world.sibling_branch, Channel.UNIT, Stage.APPROVED, at(first + timedelta(days=20))),
        (world.sibling_branch, Channel.UNIT, Stage.SUBMITTED, at(first + timedelta(days=21))),
        (world.other_branch, Channel.PUBLIC, Stage.APPROVED, at(first + timedelta(days=30))),
        (world.unit, Channel.SELF, Stage.PANEL_PASSED, at(last, 23, 59)),  # last minute: in
        (world.branch, Channel.UNIT, Stage.APPROVED, at(last + timedelta(days=1), 0, 0)),  # out
    ]
    for i, (org, channel, stage, created) in enumerate(rows):
        nomination = Nomination.objects.create(
            call=call, county=world.county, channel=channel, name=f"候选{i}",
            phone=f"1370000{i:04d}", org=org, reason="理由", stage=stage,
        )  # fmt: skip
        Nomination.objects.filter(pk=nomination.pk).update(created_at=created)
    outsider = Nomination.objects.create(
        call=call_b, county=world.county_b, channel=Channel.SELF, name="乙县候选",
        phone="13799999999", org=world.branch_b, reason="理由", stage=Stage.APPROVED,
    )  # fmt: skip
    Nomination.objects.filter(pk=outsider.pk).update(created_at=at(first + timedelta(days=2)))


def make_appraisals(world, year: int) -> None:
    """Published appraisals of `year` and the year before, one of the year after (later than
    the period: not shown), and one of the other county; results of lecturers in two towns and
    a county unit."""
    lecturers = [
        (world.zhang, world.town), (world.li, world.other_town),
        (make_lecturer(world.county, "钱七", org=world.sibling_branch), world.town),
        (make_lecturer(world.county, "孙八", org=world.unit), None),
        (make_lecturer(world.county, "周九", org=world.branch), world.town),
    ]  # fmt: skip
    now = timezone.now()
    grades = {
        year - 1: ["excellent", "excellent", "poor", "good", "fair"],
        year: ["excellent", "good", "good", "fair", ""],
        year + 1: ["poor", "poor", "poor", "poor", "poor"],
    }
    for run_year, run_grades in grades.items():
        run = AppraisalRun.objects.create(
            county=world.county, year=run_year, status="published", started_at=now,
            finished_at=now, published_at=now - timedelta(days=run_year - year + 5),
        )  # fmt: skip
        AppraisalResult.objects.bulk_create(
            AppraisalResult(
                run=run,
                lecturer=lecturer,
                town=town,
                computed_grade=grade,
                grade=grade,
                not_graded_reason="" if grade else "场次不足",
            )
            for (lecturer, town), grade in zip(lecturers, run_grades, strict=True)
        )
    run_b = AppraisalRun.objects.create(
        county=world.county_b, year=year, status="published", started_at=now, published_at=now
    )
    AppraisalResult.objects.create(
        run=run_b, lecturer=world.lecturer_b, computed_grade="poor", grade="poor"
    )


# --- the expected figures, straight from the rows ----------------------------------------------


def expected_selection(world, town, first: date, last: date) -> dict:
    start, end = (
        aware(datetime(first.year, first.month, first.day)),
        aware(datetime(last.year, last.month, last.day)) + timedelta(days=1),
    )
    rows = [
        n
        for n in Nomination.objects.select_related("org")
        if n.county_id == world.county.pk
        and start <= n.created_at < end
        and (town is None or n.org_id == town.pk or n.org.parent_id == town.pk)
    ]
    return {
        "nominations": len(rows),
        "approved": sum(1 for n in rows if n.stage == Stage.APPROVED),
        "by_channel": {
            channel: (
                sum(1 for n in rows if n.channel == channel),
                sum(1 for n in rows if n.channel == channel and n.stage == Stage.APPROVED),
            )
            for channel in Channel.values
        },
    }


def expected_appraisal(world, town, last: date) -> dict:
    runs = [
        r
        for r in AppraisalRun.objects.all()
        if r.county_id == world.county.pk and r.status == "published" and r.year <= last.year
    ]
    run = max(runs, key=lambda r: r.year, default=None)
    results = [
        r for r in AppraisalResult.objects.all()
        if run and r.run_id == run.pk and (town is None or r.town_id == town.pk)
    ]  # fmt: skip
    return {
        "year": run.year if run else None,
        "by_grade": {g: sum(1 for r in results if r.grade == g) for g in [*Grade.values, ""]},
    }


def shown_selection(figures: dict) -> dict:
    selection = figures["selection"]
    return {
        "nominations": selection["nominations"],
        "approved": selection["approved"],
        "by_channel": {c["key"]: (c["n"], c["approved"]) for c in selection["by_channel"]},
    }


def shown_appraisal(figures: dict) -> dict:
    appraisal = figures["appraisal"]
    return {
        "year": appraisal["year"],
        "by_grade": {g["key"]: g["n"] for g in appraisal["by_grade"]},
    }


@pytest.fixture
def past(world):
    past = build_history(world)  # first: the 15th of a month, last: the 10th two months on
    make_selection(world, past.first, past.last)
    make_appraisals(world, past.last.year)
    return past


def test_the_figures_equal_those_counted_from_the_rows(world, past):
    for town in (None, world.town, world.other_town):
        figures = stats(Area(county=world.county, town=town), Period(past.first, past.last))
        assert shown_selection(figures) == expected_selection(world, town, past.first, past.last)
        assert shown_appraisal(figures) == expected_appraisal(world, town, past.last)
    # What the rows were built to give: the edges, the later year left out, the town's share.
    county = stats(Area(county=world.county), Period(past.first, past.last))
    assert shown_selection(county)["nominations"] == 5
    assert shown_selection(county)["approved"] == 3
    assert county["appraisal"]["year"] == past.last.year
    assert shown_appraisal(county)["by_grade"] == {
        "excellent": 1, "good": 2, "fair": 1, "poor": 0, "": 1,
    }  # fmt: skip
    assert county["appraisal"]["lecturers"] == 5 and county["appraisal"]["graded"] == 4
    town = stats(Area(county=world.county, town=world.town), Period(past.first, past.last))
    assert shown_selection(town)["by_channel"] == {"self": (1, 1), "public": (0, 0),
                                                   "unit": (2, 1)}  # fmt: skip
    assert shown_appraisal(town)["by_grade"]["good"] == 1 and town["appraisal"]["lecturers"] == 3
    # A period that ends before any published year: no appraisal to show.
    early = Period(date(past.last.year - 2, 1, 1), date(past.last.year - 2, 12, 31))
    none = stats(Area(county=world.county), early)["appraisal"]
    assert (none["year"], none["lecturers"], none["graded"]) == (None, 0, 0)
    assert [(g["key"], g["n"]) for g in none["by_grade"]] == [(k, 0) for k in [*Grade.values, ""]]
    assert [g["label"] for g in none["by_grade"]] == ["好", "较好", "一般", "差", "不评定等次"]


def test_the_api_adds_the_figures_for_a_county_and_a_town(world, past, api_as):
    params = {"from": past.first.isoformat(), "to": past.last.isoformat()}
    county = api_as(world.county_admin).get("/api/v1/stats", params).json()
    assert shown_selection(county) == expected_selection(world, None, past.first, past.last)
    assert shown_appraisal(county) == expected_appraisal(world, None, past.last)
    town = api_as(world.town_admin).get("/api/v1/stats", params).json()
    assert shown_selection(town) == expected_selection(world, world.town, past.first, past.last)
    assert shown_appraisal(town) == expected_appraisal(world, world.town, past.last)
    # The earlier keys are all still there.
    assert {"sessions", "coverage", "by_month", "idle_list", "rating_bands"} <= set(county)
    outsider = api_as(world.outsider).get("/api/v1/stats", params).json()
    assert outsider["selection"]["nominations"] == 1 and outsider["appraisal"]["lecturers"] == 1


@pytest.mark.parametrize("who", ["county_admin", "town_admin"])
def test_the_dashboard_shows_the_charts_with_their_tables(world, past, login, who):
    html = (
        login(getattr(world, who))
        .get("/dashboard/", {"from": past.first.isoformat(), "to": past.last.isoformat()})
        .content.decode()
    )
    town = None if who == "county_admin" else world.town
    expected = expected_selection(world, town, past.first, past.last)
    selection = html[html.index('data-testid="table-selection"') :]
    selection = selection[: selection.index("</table>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", selection)
    assert [int(c) for c in cells] == [n for pair in expected["by_channel"].values() for n in pair]
    assert f"{past.last.year}年度考核等次" in html
    assert 'data-testid="table-appraisal"' in html


@pytest.mark.pdf
def test_the_pdf_holds_the_selection_figures(world, login, tmp_path):
    past = build_history(world)
    year = past.last.year
    make_selection(world, past.first, past.last)
    make_appraisals(world, year)
    period = report_period(year)
    expected = expected_selection(world, None, period.first, period.last)
    response = login(world.county_admin).get(f"/dashboard/report/{year}/", {"format": "pdf"})
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert re.search(rf"收到的提名\s+{expected['nominations']}\s", text), text
    assert re.search(rf"批准聘任的提名\s+{expected['approved']}\s", text), text
    assert f"{year}年度考核" in text
    assert local(timezone.now()).year >= year
