"""The annual appraisal over the API: run a year, read it, change a grade with a reason,
publish (county admins); a lecturer's own published result; the reminder talks."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from appraisal import selectors, services
from appraisal.models import METRICS
from appraisal.outcomes import selectors as outcome_selectors
from appraisal.outcomes import services as outcomes
from core.timeutil import aware, local

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["appraisal"])


class RunStarted(Schema):
    id: int
    status: str = Field(description="running, failed, draft or published")


class Duties(Schema):
    taught_at_grassroots: bool
    grassroots_sessions: int
    courses_developed: int
    developed_enough: bool


class Metrics(Schema):
    attitude: float | None = Field(description="teaching attitude 0-100")
    ability: float | None = Field(description="mean trainee method score")
    effect: float | None = Field(description="mean trainee effect score")
    satisfaction: float | None = Field(description="mean overall trainee score")
    quality: float | None = Field(description="mean trainee content score")
    invitations: int = Field(description="sessions held in the year")
    duties: Duties


class ResultOut(Schema):
    lecturer_id: int
    name: str
    town_id: int | None
    grade: str | None = Field(description="excellent, good, fair, poor; null: not graded")
    score: float | None = Field(description="the weighted composite, 0-100")
    metrics: Metrics
    inputs: dict[str, Any] = Field(description="the counts and means each metric came from")
    computed_grade: str | None
    override_reason: str | None = Field(description="why the county changed the grade")
    not_graded_reason: str | None
    explanation: list[str] = Field(description="the rules that decided the computed grade")


class RunOut(Schema):
    id: int
    year: int
    status: str = Field(description="running, failed, draft or published")
    progress: int
    lecturers: int
    started_at: datetime
    finished_at: datetime | None
    published_at: datetime | None
    error: str
    rules: dict[str, Any] = Field(description="the rules the year was computed with")
    results: list[ResultOut]


class OverrideIn(Schema):
    grade: str = Field("", description="excellent, good, fair or poor")
    reason: str = Field("", description="required: why the grade is changed")


class PublishedOut(Schema):
    id: int
    year: int
    status: str
    published_at: datetime


def _result(r) -> dict:
    rules = r.run.rules
    return {
        "lecturer_id": r.lecturer_id,
        "name": r.lecturer.name,
        "town_id": r.town_id,
        "grade": r.grade or None,
        "score": r.score,
        "metrics": {
            **{m: getattr(r, m) for m in METRICS},
            "invitations": r.invitations,
            "duties": {
                "taught_at_grassroots": r.grassroots_sessions > 0,
                "grassroots_sessions": r.grassroots_sessions,
                "courses_developed": r.courses_developed,
                "developed_enough": r.courses_developed >= rules.get("min_courses_developed", 0),
            },
        },
        "inputs": r.inputs,
        "computed_grade": r.computed_grade or None,
        "override_reason": r.override_reason or None,
        "not_graded_reason": r.not_graded_reason or None,
        "explanation": selectors.steps_text(r),
    }


@router.post(
    "/appraisals/{int:year}/run",
    response={200: RunStarted, 202: RunStarted, **WRITE_ERRORS},
    summary="Compute the year's grades in the background (county admin)",
    description=(
        "202 when the computation starts; poll GET /appraisals/{year}. 200 with the run as it "
        "is when the year is computed already (draft or published): `?recompute=true` computes "
        "a draft again (the committee's changes stay). 409 `appraisal_running` while the year "
        "is being computed, 409 `published` to recompute a published year; 422 `year` for a "
        "year not begun or before the county's first data."
    ),
)
@decorate_view(idempotent)
def appraisal_run(request, year: int, recompute: bool = False):
    run, started = services.appraisal_run_start(actor=request.auth, year=year, recompute=recompute)
    return Status(202 if started else 200, {"id": run.pk, "status": run.status})


@router.get(
    "/appraisals/{int:year}",
    response={200: RunOut, **READ_ERRORS},
    summary="The year's status, progress and every lecturer's result (county admin)",
)
def appraisal_detail(request, year: int):
    run = selectors.run_for_user(request.auth, year)
    results = selectors.results_of(run)
    return {
        "id": run.pk,
        "year": run.year,
        "status": run.status,
        "progress": run.progress,
        "lecturers": run.lecturers,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "published_at": run.published_at,
        "error": run.error,
        "rules": run.rules,
        "results": [_result(r) for r in results] if run.is_finished else [],
    }


@router.post(
    "/appraisals/{int:year}/results/{int:lecturer_id}",
    response={200: ResultOut, **WRITE_ERRORS},
    summary="Change a lecturer's grade in the draft, with a reason (county admin)",
    description=(
        "422 naming `grade` or `reason` (a reason is required); 409 `published` once the year "
        "is published, 409 `bad_state` before it is computed. Sending the computed grade "
        "removes an earlier change."
    ),
)
@decorate_view(idempotent)
def appraisal_override(request, year: int, lecturer_id: int, payload: OverrideIn):
    result = services.appraisal_result_override(
        actor=request.auth, year=year, lecturer_id=lecturer_id, **payload.dict()
    )
    return _result(result)


@router.post(
    "/appraisals/{int:year}/publish",
    response={200: PublishedOut, **WRITE_ERRORS},
    summary="Publish the year's draft and tell each graded lecturer (county admin)",
    description="Once: 409 `published` the second time, 409 `bad_state` without a draft.",
)
@decorate_view(idempotent)
def appraisal_publish(request, year: int):
    run = services.appraisal_publish(actor=request.auth, year=year)
    return {"id": run.pk, "year": run.year, "status": run.status, "published_at": run.published_at}


@router.get(
    "/appraisals/{int:year}/mine",
    response={200: ResultOut, **READ_ERRORS},
    summary="The caller's own result of the year, once published (lecturer)",
    description="404 before the year is published, and for anyone without a result.",
)
def appraisal_mine(request, year: int):
    lecturer_id = selectors.own_lecturer_id(request.auth)
    return _result(selectors.result_for_user(request.auth, year, lecturer_id))


# --- reminder talks (约谈) ----------------------------------------------------------------------


class TalkIn(Schema):
    lecturer_id: Id
    when: datetime = Field(description="ISO 8601; without an offset read as Asia/Shanghai")
    place: str = ""
    reason: str = ""
    held_by: str = Field("", description="who holds the talk, with their post")


class TalkOut(Schema):
    id: int
    lecturer_id: int
    lecturer_name: str
    status: str = Field(description="to_schedule, scheduled or done")
    is_overdue: bool = Field(description="scheduled, its time passed, not recorded")
    when: datetime | None
    place: str
    held_by: str
    reason: str
    year: int | None = Field(description="the appraisal year that asked for it, if any")
    notes: str
    commitments: str
    follow_up_on: date | None


class TalkList(Schema):
    items: list[TalkOut]
    count: int


class TalkFilters(PageParams):
    status: str = Field("", description="to_schedule, scheduled or done")
    overdue: bool = False


def _talk(talk) -> dict:
    return {
        "id": talk.pk,
        "lecturer_id": talk.lecturer_id,
        "lecturer_name": talk.lecturer.name,
        "status": talk.status,
        "is_overdue": talk.status == "scheduled" and talk.scheduled_at < timezone.now(),
        "when": talk.scheduled_at and local(talk.scheduled_at),
        "place": talk.place,
        "held_by": talk.held_by,
        "reason": talk.reason,
        "year": talk.result.run.year if talk.result_id else None,
        "notes": talk.notes,
        "commitments": talk.commitments,
        "follow_up_on": talk.follow_up_on,
    }


@router.post(
    "/talks",
    response={201: TalkOut, **WRITE_ERRORS},
    summary="Schedule a reminder talk (约谈) with a lecturer (county admin)",
    description="The lecturer is told. 422 naming `lecturer_id` (not in the county's pool), "
    "`when` (in the past), `place` or `reason` (required).",
)
@decorate_view(idempotent)
def talk_create(request, payload: TalkIn):
    data = payload.dict()
    data["when"] = aware(data["when"])
    talk = outcomes.talk_schedule(actor=request.auth, **data)
    return Status(201, _talk(outcome_selectors.talk_for_user(request.auth, talk.pk)))


@router.get(
    "/talks",
    response={200: TalkList, **READ_ERRORS},
    summary="Reminder talks: the county's (county admin) or the caller's own (lecturer)",
)
def talk_list(request, filters: Query[TalkFilters]):
    qs = outcome_selectors.talks_for_user(
        request.auth, status=filters.status, overdue=filters.overdue
    )
    items, count = paginate(qs, filters)
    return {"items": [_talk(t) for t in items], "count": count}


@router.get(
    "/talks/{int:talk_id}",
    response={200: TalkOut, **READ_ERRORS},
    summary="One reminder talk (county admin, or the lecturer's own)",
)
def talk_detail(request, talk_id: int):
    return _talk(outcome_selectors.talk_for_user(request.auth, talk_id))
