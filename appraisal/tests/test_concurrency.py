"""One run per county and year under real concurrency, on SQLite and PostgreSQL: two starts at
once make one run, two workers on one attempt make one set of results; and the real task
worker computes a year with its progress moving."""

import time

import pytest

from appraisal import services
from appraisal.models import AppraisalResult, AppraisalRun, RunStatus
from backoffice.tests.test_import_api import run_worker
from conftest import run_in_threads
from core.errors import Conflict

from .fixture import build_year


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_make_one_run_and_one_refusal(world):
    year = build_year(world)

    def start(i):
        _run, started = services.appraisal_run_start(actor=world.county_admin, year=year.year)
        return started

    results = run_in_threads(start, 2)
    assert results.count(True) == 1, results
    refused = [r for r in results if r is not True]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    assert refused[0].code == "appraisal_running"
    assert AppraisalRun.objects.count() == 1
    assert AppraisalRun.objects.get().attempt == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_attempt_compute_it_once(world):
    year = build_year(world)
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=year.year)

    def compute(i):
        return services.appraisal_compute(run_id=run.pk, attempt=run.attempt)

    results = run_in_threads(compute, 2)
    assert sorted(results) == ["draft", "skipped"], results
    assert AppraisalResult.objects.filter(run=run).count() == 9
    run.refresh_from_db()
    assert (run.status, run.progress) == (RunStatus.DRAFT, 100)


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_attempt_writes_nothing_after_a_restart(world):
    """A worker that lost its claim (the run was restarted as interrupted) stops at its next
    chunk; the new attempt's results are the only ones."""
    year = build_year(world)
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=year.year)
    old = run.attempt
    # the first worker claimed it, then went silent past the limit
    AppraisalRun.objects.filter(pk=run.pk).update(
        claimed_at=run.started_at, heartbeat_at=run.started_at - services.STALE_AFTER * 2,
        started_at=run.started_at - services.STALE_AFTER * 2,
    )  # fmt: skip
    again, started = services.appraisal_run_start(actor=world.county_admin, year=year.year)
    assert started and again.attempt == old + 1
    assert services.appraisal_compute(run_id=run.pk, attempt=old) == "skipped"
    assert services.appraisal_compute(run_id=run.pk, attempt=again.attempt) == "draft"
    assert set(AppraisalResult.objects.values_list("attempt", flat=True)) == {again.attempt}


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_computes_the_year_with_progress(world, api_as, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)  # 9 lecturers: five chunks, the bar moves
    year = build_year(world)
    api = api_as(world.county_admin)
    assert api.post(f"/api/v1/appraisals/{year.year}/run").status_code == 202
    worker = run_worker()
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/appraisals/{year.year}").json()
        seen.append(body["progress"])
        if body["status"] != "running":
            break
        time.sleep(0.01)
    worker.join(timeout=60)
    assert body["status"] == "draft", body
    assert len(body["results"]) == 9 and seen == sorted(seen)
    grades = {r["lecturer_id"]: r["grade"] for r in body["results"]}
    assert grades[year.excellent.pk] == "excellent" and grades[year.poor.pk] == "poor"


@pytest.mark.django_db(transaction=True)
def test_outcomes_applied_twice_at_once_happen_once(world):
    from appraisal.models import HelpPlan, ReminderTalk
    from appraisal.outcomes import services as outcomes

    from .test_outcomes import published

    year = build_year(world)
    published(world, year.year)

    def apply(i):
        return outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)

    results = run_in_threads(apply, 2)
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].code == "outcomes_applied", results
    assert ReminderTalk.objects.count() == 1 and HelpPlan.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_renewals_at_once_take_different_certificate_numbers(world):
    from appraisal.renewal import services as renewal
    from core.tests.factories import make_lecturer
    from lecturers.models import AppointmentCertificate, Lecturer

    people = [make_lecturer(world.county, f"续聘{i}", org=world.branch) for i in range(4)]
    Lecturer.objects.filter(pk__in=[p.pk for p in people]).update(appointed_until=None)

    def renew(i):
        return renewal.lecturers_renew(
            actor=world.county_admin, lecturer_ids=[people[i].pk], years=3
        )

    results = run_in_threads(renew, 4)
    assert all(isinstance(r, list) for r in results), results
    seqs = list(AppointmentCertificate.objects.values_list("seq", flat=True))
    assert sorted(seqs) == [1, 2, 3, 4]
