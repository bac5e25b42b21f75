"""Reads of the surveys and of the coordination, already scoped to the caller."""

from collections import Counter
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

import access
from core.errors import NotFound
from core.text import parse_id
from core.timeutil import local

from . import gaps
from .models import IssueStatus, Meeting, MeetingIssue, Survey, SurveyAnswer, SurveyTopic


def surveys_visible_to(user) -> QuerySet[Survey]:
    """The county's surveys, to its admins and to the branches and towns that answer them."""
    scope = access.scope_for(user)
    if scope.county_id is None or not (scope.is_county_admin or scope.town_ids or scope.branch_ids):
        return Survey.objects.none()
    return Survey.objects.filter(county_id=scope.county_id)


def survey_for_user(user, survey_id) -> Survey:
    return access.get_visible(surveys_visible_to(user), survey_id)


def survey_managed_by(user, survey_id) -> Survey:
    """A survey of the caller's county, for its administrators only (404 for everyone else)."""
    survey = survey_for_user(user, survey_id)
    if not access.scope_for(user).is_county_admin:
        raise NotFound()
    return survey


def public_survey(survey_id) -> Survey:
    """A survey as its public page shows it (no login): any survey by its id."""
    survey = Survey.objects.filter(pk=parse_id(survey_id)).select_related("county").first()
    if survey is None:
        raise NotFound()
    return survey


def survey_figures(survey: Survey) -> dict:
    """Answers by topic, category, member group and town; each list sums to what it counts."""
    answers = SurveyAnswer.objects.filter(survey=survey)
    by_topic = list(
        SurveyTopic.objects.filter(survey=survey)
        .annotate(n=Count("answers"))
        .order_by("-n", "position", "id")
        .values_list("title", "n")
    )
    categories = Counter(c for row in answers.values_list("categories", flat=True) for c in row)
    by_group = list(answers.values_list("group").annotate(n=Count("id")).order_by("-n", "group"))
    by_town = list(
        answers.values_list("town__name").annotate(n=Count("id")).order_by("-n", "town__name")
    )
    return {
        "answers": answers.count(),
        "flagged": answers.filter(is_flagged=True).count(),
        "by_topic": by_topic,
        "by_category": sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_group": by_group,
        "by_town": by_town,
    }


def flagged_answers(survey: Survey) -> QuerySet[SurveyAnswer]:
    return SurveyAnswer.objects.filter(survey=survey, is_flagged=True).select_related("org")


def own_wishes(user, survey: Survey) -> list[tuple[str, int, list[gaps.TopicMatch]]]:
    """For a branch or town: the topics its own members asked for, how many, and the courses
    that answer them (the engine's matches at or above the answered mark)."""
    scope = access.scope_for(user)
    own = Q(org_id__in=scope.branch_ids) | Q(town_id__in=scope.town_ids)
    rows = (
        SurveyTopic.objects.filter(survey=survey, answers__in=SurveyAnswer.objects.filter(own))
        .annotate(n=Count("answers"))
        .order_by("-n", "position")
        .values_list("title", "n")
    )
    result = []
    for title, n in rows:
        matches = [
            m
            for m in gaps.course_matches(survey.county_id, title)
            if m.similarity >= gaps.ANSWERED_AT
        ]
        result.append((title, n, matches))
    return result


# --- Coordination --------------------------------------------------------------------------


def meetings_visible_to(user) -> QuerySet[Meeting]:
    scope = access.scope_for(user)
    if not scope.is_county_admin:
        return Meeting.objects.none()
    return Meeting.objects.filter(county_id=scope.county_id)


def meeting_for_user(user, meeting_id) -> Meeting:
    return access.get_visible(meetings_visible_to(user), meeting_id)


def issues_visible_to(user) -> QuerySet[MeetingIssue]:
    """The county's issues to its admins; to anyone else the issues they own."""
    scope = access.scope_for(user)
    if scope.county_id is None:
        return MeetingIssue.objects.none()
    q = Q(owner=user) if not scope.is_county_admin else Q()
    return MeetingIssue.objects.filter(q, county_id=scope.county_id).select_related(
        "owner", "meeting"
    )


def issue_for_user(user, issue_id) -> MeetingIssue:
    return access.get_visible(issues_visible_to(user), issue_id)


def overdue_issues(user, *, today: date | None = None) -> QuerySet[MeetingIssue]:
    """Open issues past their due date, the longest overdue first: for the county's home."""
    today = today or local(timezone.now()).date()
    return issues_visible_to(user).filter(status=IssueStatus.OPEN, due_on__lt=today)


def issue_owner_choices(user) -> QuerySet:
    """The people of the caller's county who may own an issue (those with a role in it)."""
    scope = access.scope_for(user)
    if not scope.is_county_admin:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(memberships__org__county_id=scope.county_id, is_active=True)
        .distinct()
        .order_by("name", "username")
    )
