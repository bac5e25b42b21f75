"""What the published grades lead to (L17): the commendation list and its honours, reminder
talks, cold store with a help plan and the decision that ends it; every move audited and told,
bad input refused with nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal import services
from appraisal.models import (
    Commendation,
    CommendationStatus,
    HelpPlan,
    PlanStatus,
    ReminderTalk,
    TalkStatus,
)
from appraisal.outcomes import services as outcomes
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import AuditLog
from courses.models import CourseHonour
from lecturers.lifecycle import lecturer_status_change
from lecturers.models import HonourTitle, LecturerHonour, LecturerStatus
from notifications.models import Event, InboxMessage

from .fixture import build_year


def published(world, y: int):
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=y)
    services.appraisal_compute(run_id=run.pk, attempt=run.attempt)
    services.appraisal_publish(actor=world.county_admin, year=y)
    run.refresh_from_db()
    return run


@pytest.fixture
def year(world):
    return build_year(world)


@pytest.fixture
def applied(world, year):
    run = published(world, year.year)
    counts = outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)
    run.refresh_from_db()
    return run, counts


def test_applying_the_outcomes_commends_talks_and_cold_stores(world, year, applied):
    run, counts = applied
    assert counts == {"commendations": 1, "talks": 1, "cold_stored": 1, "help_plans": 1}
    assert run.outcomes_applied_at is not None and run.outcomes_applied_by == world.county_admin
    # 好: proposed, with the best course of the year; no honour before the county confirms
    proposal = Commendation.objects.get()
    assert (proposal.lecturer, proposal.status) == (year.excellent, CommendationStatus.PROPOSED)
    assert proposal.course.lecturer == year.excellent
    assert not LecturerHonour.objects.filter(lecturer=year.excellent, year=year.year).exists()
    # 一般 (the grassroots duty missed): a talk to schedule, the lecturer told
    talk = ReminderTalk.objects.get()
    assert (talk.lecturer, talk.status, talk.result.run) == (
        year.no_grassroots,
        TalkStatus.TO_SCHEDULE,
        run,
    )
    assert InboxMessage.objects.filter(
        recipient=year.no_grassroots.user, event=Event.REMINDER_TALK
    ).exists()
    # 差: in cold store through the lifecycle, with an open plan, told both
    year.poor.refresh_from_db()
    assert year.poor.status == LecturerStatus.COLD_STORE
    change = year.poor.status_changes.get()
    assert change.to_status == LecturerStatus.COLD_STORE and str(year.year) in change.reason
    plan = HelpPlan.objects.get()
    assert (plan.lecturer, plan.status) == (year.poor, PlanStatus.OPEN)
    events = set(
        InboxMessage.objects.filter(recipient=year.poor.user).values_list("event", flat=True)
    )
    assert {Event.LECTURER_STATUS_CHANGED, Event.HELP_PLAN} <= events
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"appraisal.outcomes", "talk.create", "lecturer.status", "help_plan.open"} <= actions
    # 较好 and the ungraded lead nowhere
    for lecturer in (year.tie, year.no_course, year.one_session):
        lecturer.refresh_from_db()
        assert lecturer.status == LecturerStatus.ACTIVE
        assert not lecturer.reminder_talks.exists()


def test_outcomes_wait_for_publication_and_happen_once(world, year):
    run, _started = services.appraisal_run_start(actor=world.county_admin, year=year.year)
    services.appraisal_compute(run_id=run.pk, attempt=run.attempt)
    with pytest.raises(Conflict) as draft:
        outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)
    assert draft.value.code == "bad_state"
    services.appraisal_publish(actor=world.county_admin, year=year.year)
    outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)
    with pytest.raises(Conflict) as twice:
        outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)
    assert twice.value.code == "outcomes_applied"
    assert ReminderTalk.objects.count() == 1 and HelpPlan.objects.count() == 1
    assert AuditLog.objects.filter(action="appraisal.outcomes").count() == 1
    for who in (world.town_admin, world.secretary, world.lecturer):
        with pytest.raises(Forbidden):
            outcomes.appraisal_outcomes_apply(actor=who, year=year.year)
    with pytest.raises(NotFound):
        outcomes.appraisal_outcomes_apply(actor=world.outsider, year=year.year)


def test_confirming_the_list_grants_the_honours_shown_on_the_resume(world, year, applied, login):
    run, _counts = applied
    with pytest.raises(InvalidInput) as empty:
        outcomes.commendations_confirm(actor=world.county_admin, year=run.year, lecturer_ids=[])
    assert set(empty.value.fields) == {"lecturers"}
    with pytest.raises(InvalidInput):
        outcomes.commendations_confirm(
            actor=world.county_admin, year=run.year, lecturer_ids=[year.poor.pk]
        )
    assert not LecturerHonour.objects.filter(year=run.year).exists()
    client = login(world.county_admin)
    response = client.post(
        f"/appraisals/{run.year}/commendations/", {"lecturers": [year.excellent.pk]}
    )
    assert response.status_code == 302
    proposal = Commendation.objects.get()
    assert proposal.status == CommendationStatus.CONFIRMED
    titles = set(
        LecturerHonour.objects.filter(lecturer=year.excellent, year=run.year).values_list(
            "title", flat=True
        )
    )
    assert titles == {HonourTitle.FAMOUS_LECTURER, HonourTitle.GOOD_COURSE}
    assert CourseHonour.objects.get(year=run.year).course == proposal.course
    assert InboxMessage.objects.filter(
        recipient=year.excellent.user, event=Event.COMMENDED
    ).exists()
    resume = login(world.secretary).get(f"/lecturers/{year.excellent.pk}/").content.decode()
    assert "名师" in resume or "Famous lecturer" in resume
    again = login(world.county_admin).post(
        f"/appraisals/{run.year}/commendations/", {"lecturers": [year.excellent.pk]}
    )
    assert again.status_code == 409 and 'data-testid="commend-error"' in again.content.decode()


def test_the_commendation_list_is_a_page_and_a_workbook(world, year, applied, login):
    run, _counts = applied
    client = login(world.county_admin)
    page = client.get(f"/appraisals/{run.year}/commendations/").content.decode()
    assert page.count('data-testid="commendation-row"') == 1 and year.excellent.name in page
    book = client.get(f"/appraisals/{run.year}/commendations/?format=xlsx")
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    year_page = client.get(f"/appraisals/{run.year}/").content.decode()
    assert 'data-testid="outcomes-applied"' in year_page and "apply-outcomes" not in year_page
    for who in (world.town_admin, world.secretary, world.lecturer, world.outsider):
        assert login(who).get(f"/appraisals/{run.year}/commendations/").status_code in (403, 404)
    client.logout()
    assert client.get(f"/appraisals/{run.year}/commendations/").status_code == 302


def test_the_year_page_offers_the_outcomes_once_published(world, year, login):
    run = published(world, year.year)
    client = login(world.county_admin)
    page = client.get(f"/appraisals/{run.year}/").content.decode()
    assert 'data-testid="apply-outcomes"' in page
    assert client.post(f"/appraisals/{run.year}/outcomes/").status_code == 302
    assert ReminderTalk.objects.count() == 1
    again = client.post(f"/appraisals/{run.year}/outcomes/", follow=True)
    assert again.status_code == 200 and ReminderTalk.objects.count() == 1
    assert AuditLog.objects.filter(action="appraisal.outcomes").count() == 1
    assert login(world.outsider).post(f"/appraisals/{run.year}/outcomes/").status_code == 404


# --- reminder talks ----------------------------------------------------------------------------


def tomorrow_at_nine() -> str:
    return (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT09:00:00+08:00")


def test_the_api_schedules_a_talk_and_lists_it(world, api_as):
    admin = api_as(world.county_admin)
    body = {
        "lecturer_id": world.zhang.pk,
        "when": tomorrow_at_nine(),
        "place": "组织部会议室",
        "reason": "群众反映备课不足",
    }
    response = admin.post("/api/v1/talks", body)
    assert response.status_code == 201, response.content
    talk = response.json()
    assert (talk["status"], talk["place"], talk["lecturer_id"]) == (
        "scheduled",
        "组织部会议室",
        world.zhang.pk,
    )
    assert InboxMessage.objects.filter(recipient=world.lecturer, event=Event.REMINDER_TALK).exists()
    assert AuditLog.objects.filter(action="talk.schedule").count() == 1
    listed = admin.get("/api/v1/talks").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == talk["id"]
    assert api_as(world.lecturer).get("/api/v1/talks").json()["count"] == 1
    assert api_as(world.li.user).get("/api/v1/talks").json()["count"] == 0
    assert api_as(world.outsider).get("/api/v1/talks").json()["count"] == 0
    assert api_as(world.outsider).get(f"/api/v1/talks/{talk['id']}").status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"reason": ""}, "reason"),
        ({"place": "  "}, "place"),
        ({"when": "2020-01-01T09:00:00+08:00"}, "when"),
        ({"lecturer_id": "other county"}, "lecturer_id"),
    ],
)
def test_the_api_refuses_a_bad_talk(world, api_as, change, field):
    body = {
        "lecturer_id": world.zhang.pk,
        "when": tomorrow_at_nine(),
        "place": "组织部",
        "reason": "提醒",
    }
    if change.get("lecturer_id") == "other county":
        change = {"lecturer_id": world.lecturer_b.pk}
    response = api_as(world.county_admin).post("/api/v1/talks", {**body, **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert not ReminderTalk.objects.exists()


def test_only_the_county_admin_schedules_talks(world, api_as, anon_api):
    body = {
        "lecturer_id": world.zhang.pk,
        "when": tomorrow_at_nine(),
        "place": "组织部",
        "reason": "提醒",
    }
    for who in (world.town_admin, world.secretary, world.lecturer):
        assert api_as(who).post("/api/v1/talks", body).status_code == 403
    outsider = api_as(world.outsider).post("/api/v1/talks", body)
    assert outsider.status_code == 422 and "lecturer_id" in outsider.json()["fields"]
    assert anon_api.post("/api/v1/talks", body).status_code == 401
    assert anon_api.get("/api/v1/talks").status_code == 401
    assert not ReminderTalk.objects.exists()


def test_a_talk_is_scheduled_recorded_and_overdue_on_its_pages(world, year, applied, login):
    talk = ReminderTalk.objects.get()
    client = login(world.county_admin)
    url = f"/appraisals/talks/{talk.pk}/"
    assert 'data-testid="talk-time-form"' in client.get(url).content.decode()
    bad = client.post(url + "time/", {"when": "2020-01-01T09:00", "place": ""})
    assert bad.status_code == 422 and 'id="field-place"' in bad.content.decode()
    ok = client.post(
        url + "time/",
        {
            "when": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "组织部会议室",
            "held_by": "副部长 王明",
        },
    )
    assert ok.status_code == 302
    talk.refresh_from_db()
    assert talk.status == TalkStatus.SCHEDULED and talk.held_by == "副部长 王明"
    early = client.post(url + "record/", {"notes": "谈话内容", "commitments": "按期改课"})
    assert early.status_code == 409  # not held yet
    # the time passes without a record: overdue
    ReminderTalk.objects.filter(pk=talk.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    overdue = client.get("/appraisals/talks/?overdue=on").content.decode()
    assert overdue.count('data-testid="talk-row"') == 1
    no_notes = client.post(url + "record/", {"notes": "", "commitments": ""})
    assert no_notes.status_code == 422 and 'id="field-notes"' in no_notes.content.decode()
    follow = (timezone.localdate() + timedelta(days=30)).isoformat()
    done = client.post(
        url + "record/", {"notes": "谈话内容", "commitments": "按期改课", "follow_up_on": follow}
    )
    assert done.status_code == 302
    talk.refresh_from_db()
    assert (talk.status, talk.follow_up_on.isoformat(), talk.recorded_by) == (
        TalkStatus.DONE,
        follow,
        world.county_admin,
    )
    assert "talk-record-form" not in client.get(url).content.decode()
    assert (
        client.get("/appraisals/talks/?overdue=on").content.decode().count('data-testid="talk-row"')
        == 0
    )
    # the lecturer reads it; nobody else does
    mine = login(year.no_grassroots.user).get(url)
    assert mine.status_code == 200 and "谈话内容" in mine.content.decode()
    assert "talk-time-form" not in mine.content.decode()
    assert (
        login(year.no_grassroots.user)
        .post(url + "time/", {"when": "2030-01-01T09:00", "place": "x"})
        .status_code
        == 403
    )
    for who in (world.lecturer, world.secretary, world.town_admin, world.outsider):
        assert login(who).get(url).status_code == 404


def test_the_talk_pages_for_each_role(world, login, client):
    assert login(world.county_admin).get("/appraisals/talks/new/").status_code == 200
    for who in (world.town_admin, world.secretary, world.lecturer, world.outsider):
        assert login(who).get("/appraisals/talks/").status_code == 200  # each sees their own: none
        assert 'data-testid="talk-row"' not in login(who).get("/appraisals/talks/").content.decode()
    for who in (world.town_admin, world.secretary, world.lecturer):
        assert login(who).get("/appraisals/talks/new/").status_code == 403
    client.logout()
    assert client.get("/appraisals/talks/").status_code == 302
    admin = login(world.county_admin)
    bad = admin.post(
        "/appraisals/talks/new/",
        {"lecturer_id": world.zhang.pk, "when": "", "place": "组织部", "reason": ""},
    )
    assert bad.status_code == 422 and not ReminderTalk.objects.exists()
    when = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    ok = admin.post(
        "/appraisals/talks/new/",
        {"lecturer_id": world.zhang.pk, "when": when, "place": "组织部", "reason": "提醒"},
    )
    assert ok.status_code == 302 and ReminderTalk.objects.get().lecturer == world.zhang


# --- cold store and the help plan ---------------------------------------------------------------


def test_a_help_plan_runs_to_release(world, year, applied, login):
    plan = HelpPlan.objects.get()
    url = f"/appraisals/plans/{plan.pk}/"
    admin = login(world.county_admin)
    assert admin.post(url + "plan/", {"mentor": "", "goal": "x"}).status_code == 422
    assert (
        admin.post(url + "plan/", {"mentor": "党校 刘老师", "goal": "三个月内重新备课"}).status_code
        == 302
    )
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    late = admin.post(url + "step/", {"title": "跟班听课", "due_on": past})
    assert late.status_code == 422 and 'id="field-due_on"' in late.content.decode()
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert admin.post(url + "step/", {"title": "跟班听课", "due_on": due}).status_code == 302
    step = plan.steps.get()
    assert admin.post(f"{url}steps/{step.pk}/done/").status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None
    # the lecturer reports progress and sees the plan, but does not decide
    lecturer = login(year.poor.user)
    page = lecturer.get(url).content.decode()
    assert "党校 刘老师" in page and "decision-form" not in page
    assert lecturer.post(url + "note/", {"text": "已完成跟班听课三次"}).status_code == 302
    assert (
        lecturer.post(url + "decision/", {"decision": "release", "reason": "x"}).status_code == 403
    )
    assert plan.notes.get().author == year.poor.user
    for who in (world.lecturer, world.secretary, world.town_admin, world.outsider):
        assert login(who).get(url).status_code == 404
        assert login(who).post(url + "note/", {"text": "x"}).status_code == 404
    # no reason: refused, nothing moved
    admin = login(world.county_admin)
    assert admin.post(url + "decision/", {"decision": "release", "reason": ""}).status_code == 422
    year.poor.refresh_from_db()
    assert year.poor.status == LecturerStatus.COLD_STORE
    assert (
        admin.post(url + "decision/", {"decision": "release", "reason": "帮教合格"}).status_code
        == 302
    )
    year.poor.refresh_from_db()
    plan.refresh_from_db()
    assert (year.poor.status, plan.status, plan.decision_reason) == (
        LecturerStatus.ACTIVE,
        PlanStatus.RELEASED,
        "帮教合格",
    )
    assert AuditLog.objects.filter(action="help_plan.decide").count() == 1


def test_releasing_a_lecturer_not_in_cold_store_is_refused(world, year, applied, login):
    plan = HelpPlan.objects.get()
    # someone released the lecturer by hand through the lifecycle meanwhile
    year.poor.refresh_from_db()
    lecturer_status_change(
        actor=world.county_admin, lecturer=year.poor, status=LecturerStatus.ACTIVE, reason="复核"
    )
    response = login(world.county_admin).post(
        f"/appraisals/plans/{plan.pk}/decision/", {"decision": "release", "reason": "帮教合格"}
    )
    assert response.status_code == 409
    assert (
        "not in cold store" in response.content.decode() or "不在冷库" in response.content.decode()
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.OPEN
    with pytest.raises(Conflict) as refused:
        outcomes.help_plan_decide(
            actor=world.county_admin, plan_id=plan.pk, release=True, reason="x"
        )
    assert refused.value.code == "not_in_cold_store"


def test_a_serious_case_is_removed_with_the_reason(world, year, applied):
    plan = HelpPlan.objects.get()
    outcomes.help_plan_decide(
        actor=world.county_admin, plan_id=plan.pk, release=False, reason="帮教后仍不合格"
    )
    year.poor.refresh_from_db()
    assert year.poor.status == LecturerStatus.REMOVED
    assert year.poor.status_changes.first().reason == "帮教后仍不合格"
    with pytest.raises(Conflict):
        outcomes.help_note_add(actor=year.poor.user, plan_id=plan.pk, text="还想继续")


def test_a_lecturer_cold_stored_by_hand_gets_a_plan(world, login):
    lecturer_status_change(
        actor=world.county_admin,
        lecturer=world.li,
        status=LecturerStatus.COLD_STORE,
        reason="多次爽约",
    )
    admin = login(world.county_admin)
    page = admin.get("/appraisals/plans/").content.decode()
    assert 'data-testid="without-plan"' in page and world.li.name in page
    response = admin.post("/appraisals/plans/open/", {"lecturer": world.li.pk})
    assert response.status_code == 302
    plan = HelpPlan.objects.get()
    assert (plan.lecturer, plan.reason) == (world.li, "多次爽约")
    assert admin.post("/appraisals/plans/open/", {"lecturer": world.li.pk}).status_code == 409
    assert admin.post("/appraisals/plans/open/", {"lecturer": world.zhang.pk}).status_code == 409
    assert (
        login(world.outsider).post("/appraisals/plans/open/", {"lecturer": world.li.pk}).status_code
        == 404
    )
    assert (
        login(world.secretary)
        .post("/appraisals/plans/open/", {"lecturer": world.li.pk})
        .status_code
        == 403
    )
    assert HelpPlan.objects.count() == 1
