"""Reads of the appraisal, scoped to the caller: county admins see their county's years; a
lecturer sees their own result once the year is published."""

from dataclasses import dataclass

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

import access
from core.errors import Forbidden, NotFound
from core.text import parse_id
from core.timeutil import local
from courses.models import Category
from evaluation.services import counted_ratings
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking

from . import explain
from .figures import held_q, sessions_of_year
from .models import GRADE_ORDER, METRICS, AppraisalResult, AppraisalRun, Grade, RunStatus

# How far back the years page offers years with nothing computed yet.
YEARS_OFFERED = 5


def may_appraise(user) -> bool:
    """Run, review and publish the county's appraisal: the county's administrators."""
    return access.scope_for(user).is_county_admin


def appraisal_county_id(user) -> int:
    if not may_appraise(user):
        raise Forbidden()
    return access.scope_for(user).county_id


def first_year_of(county_id: int) -> int:
    """The first year the county has data for: its creation or its earliest session."""
    created = Organisation.objects.filter(pk=county_id).values_list("created_at", flat=True).get()
    earliest = Booking.objects.filter(county_id=county_id).aggregate(first=Min("start_at"))["first"]
    return min(local(created).year, local(earliest).year if earliest else 9999)


def runs_for_user(user) -> QuerySet[AppraisalRun]:
    return AppraisalRun.objects.filter(county_id=appraisal_county_id(user)).select_related(
        "actor", "published_by"
    )


def year_choices(user) -> list[int]:
    """The years a run may be started for, newest first."""
    county_id = appraisal_county_id(user)
    this_year = timezone.localdate().year
    first = max(first_year_of(county_id), this_year - YEARS_OFFERED + 1)
    return list(range(this_year, first - 1, -1))


def _year(value) -> int:
    year = parse_id(value)
    if year is None or year > 9999:
        raise NotFound()
    return year


def run_for_user(user, year) -> AppraisalRun:
    run = runs_for_user(user).filter(year=_year(year)).first()
    if run is None:
        raise NotFound()
    return run


def results_of(run: AppraisalRun, *, grade: str = "", town_id: int | None = None):
    """The run's results, best score first; `grade` may be "none" for the ungraded."""
    qs = run.results.select_related("lecturer", "town", "overridden_by")
    if grade == "none":
        qs = qs.filter(grade="")
    elif grade:
        qs = qs.filter(grade=grade)
    if town_id:
        qs = qs.filter(town_id=town_id)
    return qs.order_by("-score", "lecturer__name_pinyin", "lecturer_id")


def grade_counts(run: AppraisalRun) -> list[dict]:
    """Each grade and "not graded" with its count, in grade order (every grade, even at 0)."""
    counts = dict(run.results.values_list("grade").annotate(n=Count("id")).order_by())
    rows = [{"grade": g.value, "label": g.label, "n": counts.get(g.value, 0)} for g in GRADE_ORDER]
    rows.append({"grade": "none", "label": explain.grade_label(""), "n": counts.get("", 0)})
    return rows


def towns_of(run: AppraisalRun) -> QuerySet[Organisation]:
    return Organisation.objects.filter(county_id=run.county_id, level=OrgLevel.TOWN).order_by(
        "name", "id"
    )


def _distribution(rows, key) -> list[dict]:
    """{key value: {grade: n}} rows (one per value) with their totals."""
    table: dict = {}
    for value, grade, n in rows:
        table.setdefault(value, dict.fromkeys([*Grade.values, ""], 0))[grade] += n
    return [
        {"key": value, "counts": [counts[g] for g in [*Grade.values, ""]], "total": sum(counts.values())}
        for value, counts in table.items()
    ]  # fmt: skip


def distribution_by_town(run: AppraisalRun) -> list[dict]:
    rows = (
        run.results.values_list("town__name", "grade")
        .annotate(n=Count("id"))
        .order_by("town__name")
    )
    out = _distribution(rows, "town")
    for row in out:
        row["label"] = row["key"] or gettext("County-level units")
    return out


def distribution_by_category(run: AppraisalRun) -> list[dict]:
    """A lecturer counts once under every category they teach in (their offered courses)."""
    rows = (
        run.results.filter(lecturer__courses__status="active")
        .values_list("lecturer__courses__category", "grade")
        .annotate(n=Count("id", distinct=True))
        .order_by("lecturer__courses__category")
    )
    out = _distribution(rows, "category")
    for row in out:
        row["label"] = Category(row["key"]).label
    return out


def result_for_user(user, year, lecturer_id) -> AppraisalResult:
    """A result the caller may read: any of the county's for its admins, the own one for a
    lecturer once the year is published; not found otherwise."""
    scope = access.scope_for(user)
    if scope.county_id is None:
        raise NotFound()
    number = parse_id(lecturer_id)
    qs = AppraisalResult.objects.select_related("run", "lecturer", "town", "overridden_by").filter(
        run__county_id=scope.county_id, run__year=_year(year), lecturer_id=number
    )
    if not scope.is_county_admin:
        if number is None or number != scope.lecturer_id:
            raise NotFound()
        qs = qs.filter(run__status=RunStatus.PUBLISHED)
    result = qs.first()
    if result is None:
        raise NotFound()
    return result


def own_lecturer_id(user) -> int:
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        raise NotFound()
    return lecturer_id


def own_results(user) -> QuerySet[AppraisalResult]:
    """The caller's published results, newest year first (none for anyone not a lecturer)."""
    scope = access.scope_for(user)
    if scope.lecturer_id is None:
        return AppraisalResult.objects.none()
    return (
        AppraisalResult.objects.filter(
            lecturer_id=scope.lecturer_id,
            run__county_id=scope.county_id,
            run__status=RunStatus.PUBLISHED,
        )
        .select_related("run", "lecturer")
        .order_by("-run__year")
    )


@dataclass
class MetricLine:
    key: str
    value: float | None
    weight: float


def metric_lines(result: AppraisalResult) -> list[MetricLine]:
    weights = result.run.rules.get("weights", {})
    return [MetricLine(m, getattr(result, m), weights.get(m, 0)) for m in METRICS]


def steps_text(result: AppraisalResult) -> list[str]:
    return [explain.step_text(step) for step in result.steps]


def sessions_of(result: AppraisalResult) -> QuerySet[Booking]:
    """The sessions of the lecturer's year that the figures came from, each with its counted
    ratings' count and means: the rows behind the metrics."""
    now = result.run.finished_at or timezone.now()
    counted = Q(trainee_ratings__in=counted_ratings())
    return (
        sessions_of_year(result.run.year)
        .filter(lecturer_id=result.lecturer_id)
        .select_related("org", "course")
        .annotate(
            ratings=Count("trainee_ratings", filter=counted),
            mean_content=Avg("trainee_ratings__content", filter=counted),
            mean_method=Avg("trainee_ratings__method", filter=counted),
            mean_effect=Avg("trainee_ratings__effect", filter=counted),
            is_held=ExpressionWrapper(held_q(now), output_field=BooleanField()),
        )
        .order_by("start_at", "id")
    )
