"""The year's figures of a county's lecturers, a handful of grouped aggregates in the
database, each reading the year once: nothing of the year's bookings or ratings is loaded
into Python, only a few numbers per lecturer."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.utils import timezone

from core.timeutil import aware
from courses.models import CourseRevision
from evaluation.models import OrgRating
from evaluation.services import counted_ratings
from lecturers.models import LecturerStatus
from matching.models import DemandNotice, NoticeOutcome
from orgs.models import OrgLevel
from scheduling.models import Booking, BookingEvent, BookingStatus

from .grading import Figures

# Who is appraised: the pool's lecturers, cold-stored ones included (their year counts too).
APPRAISED = (LecturerStatus.ACTIVE, LecturerStatus.COLD_STORE)

# The lecturer's town from their organisation: a town itself, or a branch's parent town;
# None for the county's own units.
TOWN_OF_LECTURER = Case(
    When(org__level=OrgLevel.TOWN, then=F("org_id")),
    When(org__level=OrgLevel.VILLAGE, org__parent__level=OrgLevel.TOWN, then=F("org__parent_id")),
    default=None,
    output_field=IntegerField(),
)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of the year in the county's time (Asia/Shanghai)."""
    return aware(datetime(year, 1, 1)), aware(datetime(year + 1, 1, 1))


def held_q(now: datetime, prefix: str = "") -> Q:
    """Sessions held: completed, or confirmed and over (nobody marked them complete)."""
    return Q(**{f"{prefix}status": BookingStatus.COMPLETED}) | Q(
        **{f"{prefix}status": BookingStatus.CONFIRMED, f"{prefix}end_at__lte": now}
    )


def sessions_of_year(year: int):
    start, end = year_bounds(year)
    return Booking.objects.filter(start_at__gte=start, start_at__lt=end)


def county_figures(
    county_id: int, year: int, *, now: datetime | None = None, on_step=lambda: None
) -> dict:
    """{lecturer id: Figures} for the year, of every appraised lecturer of the county who has
    any figure (the others have none: `Figures()`). Each aggregate reads the year once for
    the whole county: one per chunk of lecturers would read it once per chunk, as a
    province-sized year showed on PostgreSQL. `on_step` is called after each aggregate."""

    def lecturers(path):
        """The county's appraised lecturers, as filter keywords on the model reached by
        `path` ("" for a model with a lecturer, "booking__" or "course__" through those)."""
        return {f"{path}lecturer__county_id": county_id, f"{path}lecturer__status__in": APPRAISED}

    now = now or timezone.now()
    start, end = year_bounds(year)
    out = defaultdict(Figures)
    in_year = {"booking__start_at__gte": start, "booking__start_at__lt": end}
    held = held_q(now)

    sessions = (
        sessions_of_year(year)
        .filter(**lecturers(""))
        .values("lecturer_id")
        .annotate(
            held=Count("id", filter=held),
            grassroots=Count("id", filter=held & Q(org__level=OrgLevel.VILLAGE)),
        )
        .order_by()
    )
    for row in sessions:
        f = out[row["lecturer_id"]]
        f.held, f.grassroots = row["held"], row["grassroots"]
    on_step()

    by_lecturer = Q(actor_id=F("booking__lecturer__user_id"))
    backed_out = Q(
        from_status=BookingStatus.CONFIRMED,
        to_status=BookingStatus.CANCELLED,
        booking__demand__isnull=True,  # a dropped grab counts as such, not twice
    )
    answers = (
        BookingEvent.objects.filter(**lecturers("booking__"), **in_year)
        .values("booking__lecturer_id")
        .annotate(
            accepted=Count("id", filter=Q(from_status=BookingStatus.REQUESTED, to_status=BookingStatus.CONFIRMED)),
            declined=Count("id", filter=Q(from_status=BookingStatus.REQUESTED, to_status=BookingStatus.DECLINED)),
            expired=Count("id", filter=Q(from_status=BookingStatus.REQUESTED, to_status=BookingStatus.EXPIRED)),
            cancelled=Count("id", filter=backed_out & by_lecturer),
            late=Count("id", filter=backed_out & by_lecturer & Q(booking__is_late_cancel=True)),
        )
        .order_by()
    )  # fmt: skip
    for row in answers:
        f = out[row["booking__lecturer_id"]]
        f.accepted, f.declined, f.expired = row["accepted"], row["declined"], row["expired"]
        f.cancelled, f.late_cancelled = row["cancelled"], row["late"]
    on_step()

    dropped = (
        DemandNotice.objects.filter(
            **lecturers(""),
            outcome=NoticeOutcome.DROPPED,
            notified_at__gte=start,
            notified_at__lt=end,
        )
        .values("lecturer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in dropped:
        out[row["lecturer_id"]].dropped = row["n"]
    on_step()

    ratings = (
        counted_ratings()
        .filter(**lecturers("booking__"), **in_year)
        .values("booking__lecturer_id")
        .annotate(
            n=Count("id"),
            sessions=Count("booking_id", distinct=True),
            content=Sum("content"),
            method=Sum("method"),
            effect=Sum("effect"),
        )
        .order_by()
    )
    for row in ratings:
        f = out[row["booking__lecturer_id"]]
        f.ratings, f.rated_sessions = row["n"], row["sessions"]
        f.content, f.method, f.effect = row["content"], row["method"], row["effect"]
    on_step()

    org_ratings = (
        OrgRating.objects.filter(**lecturers("booking__"), **in_year)
        .values("booking__lecturer_id")
        .annotate(n=Count("id"), total=Sum(F("performance") + F("discipline") + F("engagement")))
        .order_by()
    )
    for row in org_ratings:
        f = out[row["booking__lecturer_id"]]
        f.org_ratings, f.org_rating_total = row["n"], row["total"]
    on_step()

    courses = (
        CourseRevision.objects.filter(
            **lecturers("course__"),
            kind__in=(CourseRevision.Kind.CREATED, CourseRevision.Kind.REVISED),
            changed_at__gte=start,
            changed_at__lt=end,
        )
        .values("course__lecturer_id")
        .annotate(n=Count("course_id", distinct=True))
        .order_by()
    )
    for row in courses:
        out[row["course__lecturer_id"]].courses_developed = row["n"]
    on_step()
    return dict(out)
