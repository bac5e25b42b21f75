"""The appraisal pages: the county runs, reviews, changes a grade with a reason and publishes;
the lecturer reads the explanation; bad input re-renders with the field marked; every role
and an outsider county on every page."""

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import services
from appraisal.models import AppraisalResult, AppraisalRules, AppraisalRun, RunStatus
from core import read_cache
from core.models import AuditLog

from .fixture import build_year


@pytest.fixture
def year(world):
    return build_year(world)


@pytest.fixture
def draft(world, year):
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=year.year)
    services.appraisal_compute(run_id=run.pk, attempt=run.attempt)
    run.refresh_from_db()
    return run


def test_the_county_starts_a_year_and_watches_it_compute(
    world, year, login, django_capture_on_commit_callbacks
):
    client = login(world.county_admin)
    page = client.get("/appraisals/")
    assert page.status_code == 200
    assert f'value="{year.year}"' in page.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/appraisals/", {"year": year.year})
    assert response.status_code == 302 and response["Location"] == f"/appraisals/{year.year}/"
    # The background task (beside core.read_cache's: the data generation moves on).
    assert len([f for f in queued if f.__module__ != read_cache.__name__]) == 1
    run = AppraisalRun.objects.get()
    page = client.get(f"/appraisals/{year.year}/").content.decode()
    assert 'data-status="running"' in page and "hx-get" in page
    status = client.get(f"/appraisals/{year.year}/status/", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in status
    services.appraisal_compute(run_id=run.pk, attempt=run.attempt)
    status = client.get(f"/appraisals/{year.year}/status/", headers={"HX-Request": "true"})
    assert status["HX-Refresh"] == "true"
    page = client.get(f"/appraisals/{year.year}/").content.decode()
    assert 'data-status="draft"' in page and page.count('data-testid="result-row"') == 9


def test_a_future_year_is_refused_on_the_form(world, year, login):
    client = login(world.county_admin)
    response = client.post("/appraisals/", {"year": timezone.localdate().year + 1})
    assert response.status_code == 422
    assert (
        'id="field-year"' in response.content.decode() and "has-error" in response.content.decode()
    )
    assert not AppraisalRun.objects.exists()


def test_filters_counts_export_and_print(world, year, draft, login):
    client = login(world.county_admin)
    page = client.get(f"/appraisals/{year.year}/?grade=good").content.decode()
    assert page.count('data-testid="result-row"') == 3  # the tie, no course, mixed
    page = client.get(f"/appraisals/{year.year}/?grade=none").content.decode()
    assert page.count('data-testid="result-row"') == 3
    page = client.get(f"/appraisals/{year.year}/?town={world.other_town.pk}").content.decode()
    assert page.count('data-testid="result-row"') == 1  # 李四光, of 西村 in 西镇
    export = client.get(f"/appraisals/{year.year}/?grade=good&format=xlsx")
    assert export.status_code == 200
    from io import BytesIO

    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.max_row == 4 and sheet["A1"].value == "讲师"
    printed = client.get(f"/appraisals/{year.year}/print/").content.decode()
    assert 'data-testid="by-town"' in printed and 'data-testid="by-category"' in printed
    assert printed.count('data-testid="dist-row"') >= 3


def test_the_committee_changes_a_grade_only_with_a_reason(world, year, draft, login):
    client = login(world.county_admin)
    url = f"/appraisals/{year.year}/{year.poor.pk}/grade/"
    response = client.post(url, {"grade": "fair", "reason": "  "})
    assert response.status_code == 422
    assert 'id="field-reason"' in response.content.decode()
    assert AppraisalResult.objects.get(run=draft, lecturer=year.poor).grade == "poor"
    response = client.post(url, {"grade": "fair", "reason": "下半年进步明显"})
    assert response.status_code == 302
    page = client.get(f"/appraisals/{year.year}/{year.poor.pk}/").content.decode()
    assert "下半年进步明显" in page and 'data-testid="override"' in page
    assert AuditLog.objects.filter(action="appraisal.override").count() == 1


def test_publish_once_then_the_lecturer_reads_the_explanation(world, year, draft, login):
    client = login(world.county_admin)
    assert client.post(f"/appraisals/{year.year}/publish/").status_code == 302
    again = client.post(f"/appraisals/{year.year}/publish/")
    assert again.status_code == 409 and 'data-testid="run-error"' in again.content.decode()
    assert client.post(f"/appraisals/{year.year}/run/").status_code == 409

    client = login(year.no_grassroots.user)
    mine = client.get("/appraisals/mine/").content.decode()
    assert f'data-testid="my-year-{year.year}"' in mine
    page = client.get(f"/appraisals/{year.year}/{year.no_grassroots.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('data-testid="session-row"') == 2
    assert 'data-testid="override-form"' not in body  # the lecturer reads, does not change
    assert "/evaluation/rollup/" not in body
    # another lecturer's result is not found
    assert client.get(f"/appraisals/{year.year}/{year.poor.pk}/").status_code == 404


def test_the_rules_page_checks_the_weights_and_thresholds(world, login):
    client = login(world.county_admin)
    page = client.get("/appraisals/rules/")
    assert page.status_code == 200
    good = {
        "weight_attitude": "0.2", "weight_ability": "0.2", "weight_effect": "0.2",
        "weight_satisfaction": "0.2", "weight_quality": "0.2", "threshold_excellent": "85",
        "threshold_good": "75", "threshold_fair": "60", "min_sessions": "3",
        "attitude_penalty": "5", "cap_without_grassroots": "fair", "min_courses_developed": "1",
        "cap_without_courses": "",
    }  # fmt: skip
    response = client.post("/appraisals/rules/", {**good, "weight_quality": "0.3"})
    assert response.status_code == 422 and "form-errors" in response.content.decode()
    response = client.post("/appraisals/rules/", {**good, "threshold_good": "90"})
    assert response.status_code == 422
    assert 'id="field-threshold_good"' in response.content.decode()
    assert not AppraisalRules.objects.exists()
    assert client.post("/appraisals/rules/", good).status_code == 302
    rules = AppraisalRules.objects.get(county=world.county)
    assert (rules.min_sessions, rules.cap_without_courses, rules.threshold_excellent) == (3, "", 85)
    assert AuditLog.objects.filter(action="appraisal_rules.update").exists()


PAGES = ["/appraisals/", "/appraisals/rules/", "/appraisals/{y}/", "/appraisals/{y}/status/",
         "/appraisals/{y}/print/", "/appraisals/{y}/?format=xlsx"]  # fmt: skip
POSTS = ["/appraisals/{y}/run/", "/appraisals/{y}/publish/"]


@pytest.mark.parametrize("role", ["town_admin", "secretary", "lecturer"])
def test_other_roles_are_refused_every_county_page(world, year, draft, login, role):
    client = login(getattr(world, role))
    for url in PAGES:
        assert client.get(url.format(y=year.year)).status_code == 403, url
    for url in POSTS:
        assert client.post(url.format(y=year.year)).status_code == 403, url
    grade = f"/appraisals/{year.year}/{year.poor.pk}/grade/"
    assert client.post(grade, {"grade": "good", "reason": "x"}).status_code == 403
    assert client.get(f"/appraisals/{year.year}/{year.poor.pk}/").status_code == 404
    assert AppraisalRun.objects.get().status == RunStatus.DRAFT


def test_an_outsider_county_finds_none_of_our_years(world, year, draft, login):
    client = login(world.outsider)
    assert client.get("/appraisals/").status_code == 200  # its own county's years
    for url in PAGES[2:]:
        assert client.get(url.format(y=year.year)).status_code == 404, url
    for url in POSTS:
        assert client.post(url.format(y=year.year)).status_code == 404, url
    grade = f"/appraisals/{year.year}/{year.poor.pk}/grade/"
    assert client.post(grade, {"grade": "good", "reason": "x"}).status_code == 404
    assert client.get(f"/appraisals/{year.year}/{year.poor.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(world, year, client):
    for url in [*PAGES, "/appraisals/mine/", f"/appraisals/{year.year}/1/"]:
        response = client.get(url.format(y=year.year))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_my_appraisals_is_for_lecturers(world, login):
    assert login(world.county_admin).get("/appraisals/mine/").status_code == 404
    page = login(world.lecturer).get("/appraisals/mine/")
    assert page.status_code == 200 and 'class="empty"' in page.content.decode()
