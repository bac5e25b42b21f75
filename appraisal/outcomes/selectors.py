"""Reads of the outcomes, scoped to the caller: the county's administrators see their county's
talks and plans; a lecturer sees their own; anyone else nothing (404)."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

import access
from core.errors import NotFound
from core.text import parse_id
from lecturers.models import Lecturer, LecturerStatus

from ..models import (
    AppraisalResult,
    AppraisalRun,
    Commendation,
    Grade,
    HelpPlan,
    PlanStatus,
    ReminderTalk,
    RunStatus,
    TalkStatus,
)


def _own_or_county(user, qs: QuerySet) -> QuerySet:
    scope = access.scope_for(user)
    if scope.county_id is None:
        return qs.none()
    qs = qs.filter(county_id=scope.county_id)
    if scope.is_county_admin:
        return qs
    if scope.lecturer_id is not None:
        return qs.filter(lecturer_id=scope.lecturer_id)
    return qs.none()


def overdue_q(now=None) -> Q:
    """A scheduled talk whose time has passed without a record."""
    return Q(status=TalkStatus.SCHEDULED, scheduled_at__lt=now or timezone.now())


def talks_for_user(user, *, status: str = "", overdue: bool = False) -> QuerySet[ReminderTalk]:
    qs = _own_or_county(user, ReminderTalk.objects.select_related("lecturer", "result__run"))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("status", "scheduled_at", "id")


def talk_for_user(user, talk_id) -> ReminderTalk:
    talk = talks_for_user(user).filter(pk=parse_id(talk_id)).first()
    if talk is None:
        raise NotFound()
    return talk


def talk_counts(user) -> dict:
    qs = talks_for_user(user)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return {
        **{s.value: counts.get(s.value, 0) for s in TalkStatus},
        "overdue": qs.filter(overdue_q()).count(),
    }


def plans_for_user(user, *, status: str = "") -> QuerySet[HelpPlan]:
    qs = _own_or_county(user, HelpPlan.objects.select_related("lecturer")).annotate(
        step_count=Count("steps", distinct=True),
        steps_done=Count("steps", filter=Q(steps__done_at__isnull=False), distinct=True),
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-created_at", "-id")


def plan_for_user(user, plan_id) -> HelpPlan:
    plan = plans_for_user(user).filter(pk=parse_id(plan_id)).first()
    if plan is None:
        raise NotFound()
    return plan


def cold_stored_without_plan(county_id: int) -> QuerySet[Lecturer]:
    """Lecturers in cold store with no plan under way: put there by hand, or whose plan ended
    without a decision of the lifecycle."""
    return (
        Lecturer.objects.filter(county_id=county_id, status=LecturerStatus.COLD_STORE)
        .exclude(help_plans__status=PlanStatus.OPEN)
        .order_by("name_pinyin", "id")
    )


def outcome_preview(run: AppraisalRun) -> dict:
    """What applying the year's outcomes would do (the grades' counts that lead somewhere)."""
    counts = dict(run.results.values_list("grade").annotate(n=Count("id")).order_by())
    return {
        "commendations": counts.get(Grade.EXCELLENT, 0),
        "talks": counts.get(Grade.FAIR, 0),
        "cold_store": counts.get(Grade.POOR, 0),
        "may_apply": run.status == RunStatus.PUBLISHED and run.outcomes_applied_at is None,
    }


def commendations_of(run: AppraisalRun) -> QuerySet[Commendation]:
    """The year's commendation list with each lecturer's score, best first."""
    score = AppraisalResult.objects.filter(
        run_id=OuterRef("run_id"), lecturer_id=OuterRef("lecturer_id")
    ).values("score")[:1]
    return (
        run.commendations.select_related("lecturer__org", "course")
        .annotate(score=Subquery(score))
        .order_by("-score", "lecturer__name_pinyin", "id")
    )
