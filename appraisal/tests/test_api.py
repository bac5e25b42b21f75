"""The appraisal endpoints: the contract's shapes, the review and publication, bad input, and
every role and an outsider county on every endpoint."""

import pytest
from django.utils import timezone

from appraisal import services
from appraisal.models import AppraisalRun, RunStatus
from core.models import AuditLog
from notifications.models import Event, InboxMessage

from .fixture import build_year


@pytest.fixture
def year(world):
    return build_year(world)


def computed(world, y: int) -> AppraisalRun:
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=y)
    services.appraisal_compute(run_id=run.pk, attempt=run.attempt)
    run.refresh_from_db()
    return run


def test_run_answers_202_then_200_once_computed(world, year, api_as):
    api = api_as(world.county_admin)
    response = api.post(f"/api/v1/appraisals/{year.year}/run")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "running"
    # while it computes, another start is refused
    again = api.post(f"/api/v1/appraisals/{year.year}/run")
    assert (again.status_code, again.json()["code"]) == (409, "appraisal_running")
    assert api.get(f"/api/v1/appraisals/{year.year}").json()["results"] == []
    services.appraisal_compute(run_id=body["id"], attempt=1)
    done = api.post(f"/api/v1/appraisals/{year.year}/run")
    assert (done.status_code, done.json()) == (200, {"id": body["id"], "status": "draft"})


def test_the_year_lists_every_result_with_metrics_and_reasons(world, year, api_as):
    computed(world, year.year)
    body = api_as(world.county_admin).get(f"/api/v1/appraisals/{year.year}").json()
    assert (body["status"], body["progress"]) == ("draft", 100)
    by_id = {r["lecturer_id"]: r for r in body["results"]}
    assert len(by_id) == 9
    r = by_id[year.no_grassroots.pk]
    assert (r["grade"], r["computed_grade"], r["score"]) == ("fair", "fair", 95.75)
    assert set(r["metrics"]) == {"attitude", "ability", "effect", "satisfaction", "quality", "invitations", "duties"}  # fmt: skip
    assert r["metrics"]["duties"]["taught_at_grassroots"] is False
    assert r["metrics"]["invitations"] == 2 and r["override_reason"] is None
    assert len(r["explanation"]) == 2
    ungraded = by_id[year.one_session.pk]
    assert ungraded["grade"] is None and ungraded["not_graded_reason"]


def test_override_then_publish_then_the_lecturer_reads_it(world, year, api_as):
    computed(world, year.year)
    admin = api_as(world.county_admin)
    url = f"/api/v1/appraisals/{year.year}/results/{year.poor.pk}"
    response = admin.post(url, {"grade": "fair"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"reason"}
    response = admin.post(url, {"grade": "superb", "reason": "x"})
    assert (response.status_code, set(response.json()["fields"])) == (422, {"grade"})
    response = admin.post(url, {"grade": "fair", "reason": "因病缺课,酌情调整"})
    assert response.status_code == 200, response.content
    assert response.json()["grade"] == "fair" and response.json()["computed_grade"] == "poor"
    assert response.json()["override_reason"] == "因病缺课,酌情调整"

    lecturer_api = api_as(year.poor.user)
    assert lecturer_api.get(f"/api/v1/appraisals/{year.year}/mine").status_code == 404
    published = admin.post(f"/api/v1/appraisals/{year.year}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    twice = admin.post(f"/api/v1/appraisals/{year.year}/publish")
    assert (twice.status_code, twice.json()["code"]) == (409, "published")
    late = admin.post(url, {"grade": "good", "reason": "再改"})
    assert (late.status_code, late.json()["code"]) == (409, "published")
    rerun = admin.post(f"/api/v1/appraisals/{year.year}/run?recompute=true")
    assert (rerun.status_code, rerun.json()["code"]) == (409, "published")
    assert admin.post(f"/api/v1/appraisals/{year.year}/run").status_code == 200

    mine = lecturer_api.get(f"/api/v1/appraisals/{year.year}/mine")
    assert mine.status_code == 200
    assert (mine.json()["grade"], mine.json()["computed_grade"]) == ("fair", "poor")
    # each graded lecturer is told once; the ungraded are not
    told = InboxMessage.objects.filter(event=Event.APPRAISAL_PUBLISHED)
    assert (
        told.count() == 6
    )  # 9 appraised; one with a single session and two with none have no grade
    assert not told.filter(recipient=year.one_session.user).exists()
    assert told.get(recipient=year.poor.user).body.count("一般") == 1
    assert AuditLog.objects.filter(action="appraisal.publish").count() == 1


def test_bad_years_are_refused_with_the_reason(world, year, api_as):
    api = api_as(world.county_admin)
    future = timezone.localdate().year + 1
    response = api.post(f"/api/v1/appraisals/{future}/run")
    assert response.status_code == 422 and "year" in response.json()["fields"]
    response = api.post(f"/api/v1/appraisals/{year.year - 5}/run")
    assert response.status_code == 422 and str(year.year - 1) in response.json()["fields"]["year"]
    assert api.post("/api/v1/appraisals/99999/run").status_code == 422
    assert api.post("/api/v1/appraisals/0/run").json()["fields"]["year"].startswith("请输入年份")
    assert AppraisalRun.objects.count() == 0
    assert api.get(f"/api/v1/appraisals/{year.year}").status_code == 404
    assert api.post(f"/api/v1/appraisals/{year.year}/publish").status_code == 404


def test_nothing_to_review_before_the_draft(world, year, api_as):
    api = api_as(world.county_admin)
    api.post(f"/api/v1/appraisals/{year.year}/run")
    response = api.post(f"/api/v1/appraisals/{year.year}/publish")
    assert (response.status_code, response.json()["code"]) == (409, "bad_state")
    response = api.post(f"/api/v1/appraisals/{year.year}/results/{year.poor.pk}", {"grade": "fair", "reason": "x"})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (409, "bad_state")
    assert AppraisalRun.objects.get().status == RunStatus.RUNNING


ROLES = ["town_admin", "secretary", "lecturer", "other_secretary"]


@pytest.mark.parametrize("role", ROLES)
def test_other_roles_may_not_run_read_change_or_publish(world, year, api_as, role):
    computed(world, year.year)
    api = api_as(getattr(world, role))
    y = year.year
    assert api.post(f"/api/v1/appraisals/{y}/run").status_code == 403
    assert api.get(f"/api/v1/appraisals/{y}").status_code == 403
    assert api.post(f"/api/v1/appraisals/{y}/results/{year.poor.pk}", {"grade": "good", "reason": "x"}).status_code == 403  # fmt: skip
    assert api.post(f"/api/v1/appraisals/{y}/publish").status_code == 403
    assert api.get(f"/api/v1/appraisals/{y}/mine").status_code == 404
    assert AppraisalRun.objects.get().status == RunStatus.DRAFT


def test_an_outsider_county_sees_nothing_of_the_year(world, year, api_as):
    run = computed(world, year.year)
    api = api_as(world.outsider)
    y = year.year
    assert api.get(f"/api/v1/appraisals/{y}").status_code == 404
    assert api.post(f"/api/v1/appraisals/{y}/results/{year.poor.pk}", {"grade": "good", "reason": "x"}).status_code == 404  # fmt: skip
    assert api.post(f"/api/v1/appraisals/{y}/publish").status_code == 404
    assert api.get(f"/api/v1/appraisals/{y}/mine").status_code == 404
    # its own county has no data that year
    assert api.post(f"/api/v1/appraisals/{y}/run").status_code == 422
    # a lecturer of that county does not read ours either, published or not
    services.appraisal_publish(actor=world.county_admin, year=y)
    assert api_as(world.lecturer_b.user).get(f"/api/v1/appraisals/{y}/mine").status_code == 404
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED


def test_anonymous_callers_are_asked_to_log_in(world, year, anon_api):
    y = year.year
    assert anon_api.post(f"/api/v1/appraisals/{y}/run").status_code == 401
    assert anon_api.get(f"/api/v1/appraisals/{y}").status_code == 401
    assert anon_api.post(f"/api/v1/appraisals/{y}/results/1", {"grade": "good", "reason": "x"}).status_code == 401  # fmt: skip
    assert anon_api.post(f"/api/v1/appraisals/{y}/publish").status_code == 401
    assert anon_api.get(f"/api/v1/appraisals/{y}/mine").status_code == 401


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/appraisals/{year}/run", "/api/v1/appraisals/{year}",
                 "/api/v1/appraisals/{year}/results/{lecturer_id}",
                 "/api/v1/appraisals/{year}/publish", "/api/v1/appraisals/{year}/mine"):  # fmt: skip
        assert path in paths, path
    assert "409" in paths["/api/v1/appraisals/{year}/publish"]["post"]["responses"]
