"""The renewal list (续聘): the county's lecturers whose term ends by a date, 好 first, with
what should make the county think twice flagged."""

from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from lecturers.models import AppointmentCertificate, Lecturer, LecturerStatus

from ..figures import held_q, year_bounds
from ..models import AppraisalResult, Grade, RunStatus
from ..selectors import appraisal_county_id

# How far ahead the list looks by default: the terms ending within this many days.
DEFAULT_HORIZON_DAYS = 90
RENEWABLE = (LecturerStatus.ACTIVE, LecturerStatus.COLD_STORE)
# 好 first, poor last; a lecturer never graded between 一般 and 差.
GRADE_RANK = Case(
    When(last_grade=Grade.EXCELLENT, then=Value(0)),
    When(last_grade=Grade.GOOD, then=Value(1)),
    When(last_grade=Grade.FAIR, then=Value(2)),
    When(last_grade=Grade.POOR, then=Value(4)),
    default=Value(3),
    output_field=IntegerField(),
)


def default_ends_by() -> date:
    return timezone.localdate() + timedelta(days=DEFAULT_HORIZON_DAYS)


def renewal_list(user, *, ends_by: date) -> QuerySet[Lecturer]:
    """Lecturers of the caller's county (active or in cold store) whose term ends by `ends_by`
    or who have no term on record, each with `last_grade` (their latest published grade),
    `recent_sessions`, `certificate_no` (the latest) and the flags."""
    county_id = appraisal_county_id(user)
    now = timezone.now()
    last = (
        AppraisalResult.objects.filter(lecturer=OuterRef("pk"), run__status=RunStatus.PUBLISHED)
        .order_by("-run__year")
        .values("grade")[:1]
    )
    certificate = (
        AppointmentCertificate.objects.filter(lecturer=OuterRef("pk"))
        .order_by("-issued_at", "-id")
        .values("number")[:1]
    )
    # Inactive: no session held this year or last (the last appraised year).
    since, _end = year_bounds(timezone.localdate().year - 1)
    recent = held_q(now, "bookings__") & Q(bookings__start_at__gte=since)
    return (
        Lecturer.objects.filter(county_id=county_id, status__in=RENEWABLE)
        .filter(Q(appointed_until__lte=ends_by) | Q(appointed_until__isnull=True))
        .annotate(
            last_grade=Subquery(last),
            certificate_no=Subquery(certificate),
            recent_sessions=Count("bookings", filter=recent),
        )
        .annotate(grade_rank=GRADE_RANK)
        .select_related("org")
        .order_by("grade_rank", "appointed_until", "name_pinyin", "id")
    )


def flags_of(lecturer: Lecturer) -> list[str]:
    """poor, cold_store, inactive: what the renewal page marks (and leaves unticked)."""
    flags = []
    if lecturer.last_grade == Grade.POOR:
        flags.append("poor")
    if lecturer.status == LecturerStatus.COLD_STORE:
        flags.append("cold_store")
    if not lecturer.recent_sessions:
        flags.append("inactive")
    return flags
