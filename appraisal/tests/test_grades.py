"""Each lecturer of the fixture county gets the grade worked out by hand from its figures."""

import pytest
from django.utils import translation

from appraisal import services
from appraisal.models import AppraisalResult, AppraisalRun, RunStatus
from appraisal.selectors import result_for_user, steps_text
from core.audit import AuditLog

from .fixture import build_year


def run_year(world, year):
    run, started = services.appraisal_run_start(actor=world.county_admin, year=year)
    assert started and run.status == RunStatus.RUNNING
    assert services.appraisal_compute(run_id=run.pk, attempt=run.attempt) == RunStatus.DRAFT
    run.refresh_from_db()
    return run


def steps_en(r) -> list[str]:
    with translation.override("en"):
        return steps_text(r)


def result(run, lecturer) -> AppraisalResult:
    return AppraisalResult.objects.get(run=run, lecturer=lecturer)


@pytest.fixture
def year(world):
    return build_year(world)


@pytest.fixture
def run(world, year):
    return run_year(world, year.year)


def test_the_run_ends_as_a_draft_with_one_result_per_lecturer_of_the_pool(world, year, run):
    assert (run.status, run.progress, run.year) == (RunStatus.DRAFT, 100, year.year)
    appraised = set(run.results.values_list("lecturer_id", flat=True))
    assert world.candidate.pk not in appraised and world.lecturer_b.pk not in appraised
    assert {world.zhang.pk, world.li.pk, year.excellent.pk, year.mixed.pk} <= appraised
    assert run.lecturers == len(appraised) == 9
    assert AuditLog.objects.filter(action="appraisal.computed", object_id=str(run.pk)).exists()


def test_excellent_by_hand(year, run):
    r = result(run, year.excellent)
    # attitude 2/2 accepted = 100; the rating metrics all 95
    assert (r.attitude, r.ability, r.effect, r.satisfaction, r.quality) == (100, 95, 95, 95, 95)
    assert r.score == 95.75  # 0.15×100 + 0.2×95 + 0.2×95 + 0.3×95 + 0.15×95
    assert (r.computed_grade, r.grade, r.not_graded_reason) == ("excellent", "excellent", "")
    assert (r.invitations, r.grassroots_sessions, r.courses_developed) == (2, 2, 1)
    assert r.inputs["ratings"] == 6 and r.inputs["rated_sessions"] == 2


def test_a_score_exactly_on_the_threshold_reaches_it(year, run):
    r = result(run, year.tie)
    assert r.attitude == 80  # 4 of 5 requests accepted
    assert r.inputs["requests"] == 5 and r.inputs["declined"] == 1
    assert r.score == 80  # 0.15×80 + 0.85×80
    assert r.computed_grade == "good"
    assert steps_en(r) == ["score 80 ≥ 80 → Good"]


def test_no_session_at_the_grassroots_caps_at_fair(year, run):
    r = result(run, year.no_grassroots)
    assert (r.score, r.grassroots_sessions) == (95.75, 0)
    assert r.computed_grade == "fair"
    assert [s["rule"] for s in r.steps] == ["threshold", "cap_grassroots"]
    assert steps_en(r)[1] == "did not teach at the grassroots → capped at Fair"


def test_no_course_developed_in_the_year_caps_at_good(year, run):
    r = result(run, year.no_course)
    assert (r.score, r.courses_developed) == (95.75, 0)
    assert r.computed_grade == "good"
    assert steps_en(r)[1] == "developed or revised 0 courses, fewer than 1 → capped at Good"


def test_too_few_sessions_is_not_graded_with_the_reason(year, run):
    r = result(run, year.one_session)
    assert (r.grade, r.computed_grade, r.score) == ("", "", None)
    assert r.invitations == 1
    assert r.not_graded_reason == "只有1次授课，少于最低要求的2次 → 不评定等次"
    assert steps_en(r) == ["only 1 session, fewer than the minimum 2 → not graded"]


def test_poor_by_hand(year, run):
    r = result(run, year.poor)
    assert r.score == 57.5  # 0.15×100 + 0.85×50
    assert r.computed_grade == "poor"
    assert steps_en(r) == ["score 57.5 < 60 → Poor"]


def test_only_what_counts_counts(year, run):
    """Held ratings, unrated check-ins, another year's session, refused and cancelled
    requests, and a dropped grab counted once."""
    r = result(run, year.mixed)
    # 4 accepted (3 held + the one cancelled later), 1 declined: 80%, less 10 for the
    # cancellation and 10 for the dropped grab (its own cancellation is not counted again)
    assert r.inputs["accepted"] == 4 and r.inputs["declined"] == 1
    assert r.inputs["cancelled_by_lecturer"] == 1 and r.inputs["dropped_grabs"] == 1
    assert r.attitude == 60
    # counted ratings (90, 90, 70) and (100, 90, 80)
    assert (r.quality, r.ability, r.effect, r.satisfaction) == (95, 90, 75, 86.67)
    assert r.inputs["ratings"] == 2 and r.invitations == 3
    assert r.inputs["org_ratings"] == 1 and r.inputs["org_rating_mean"] == 80
    # 0.15×60 + 0.2×90 + 0.2×75 + 0.3×86.67 + 0.15×95 = 82.251
    assert r.score == 82.25 and r.computed_grade == "good"


def test_lecturers_without_sessions_are_not_graded(world, run):
    r = result(run, world.zhang)
    assert (r.grade, r.invitations) == ("", 0)
    assert r.steps == [{"rule": "min_sessions", "sessions": 0, "minimum": 2}]


def test_an_override_needs_a_reason_and_stays_beside_the_computed_grade(world, year, run):
    changed = services.appraisal_result_override(
        actor=world.county_admin, year=run.year, lecturer_id=year.tie.pk,
        grade="excellent", reason="年度表现突出,获省级表彰",
    )  # fmt: skip
    assert (changed.grade, changed.computed_grade) == ("excellent", "good")
    assert changed.overridden_by == world.county_admin and changed.overridden_at
    entry = AuditLog.objects.get(action="appraisal.override")
    assert entry.before["grade"] == "good" and entry.after["grade"] == "excellent"
    # computing the draft again keeps the committee's change
    again, started = services.appraisal_run_start(actor=world.county_admin, year=run.year, recompute=True)  # fmt: skip
    assert started and again.attempt == run.attempt + 1
    services.appraisal_compute(run_id=again.pk, attempt=again.attempt)
    kept = result(again, year.tie)
    assert (kept.grade, kept.computed_grade, kept.override_reason) == ("excellent", "good", "年度表现突出,获省级表彰")  # fmt: skip
    # setting the computed grade again removes the change
    back = services.appraisal_result_override(
        actor=world.county_admin, year=run.year, lecturer_id=year.tie.pk, grade="good", reason="复核后恢复"
    )  # fmt: skip
    assert (back.grade, back.override_grade, back.override_reason) == ("good", "", "")


def test_a_restarted_run_replaces_its_results_and_drops_lecturers_gone_from_the_pool(
    world, year, run
):
    year.poor.status = "removed"
    year.poor.save(update_fields=["status"])
    again, _started = services.appraisal_run_start(actor=world.county_admin, year=run.year, recompute=True)  # fmt: skip
    services.appraisal_compute(run_id=again.pk, attempt=again.attempt)
    assert not AppraisalResult.objects.filter(run=run, lecturer=year.poor).exists()
    assert AppraisalResult.objects.filter(run=run).count() == 8
    assert AppraisalRun.objects.count() == 1


def test_the_lecturer_reads_the_own_result_only_once_published(world, year, run):
    from core.errors import NotFound

    with pytest.raises(NotFound):
        result_for_user(year.excellent.user, run.year, year.excellent.pk)
    services.appraisal_publish(actor=world.county_admin, year=run.year)
    assert result_for_user(year.excellent.user, run.year, year.excellent.pk).grade == "excellent"
    with pytest.raises(NotFound):
        result_for_user(year.excellent.user, run.year, year.poor.pk)
