"""Reads for the evaluation pages (issue 6): the booking page's evaluation block, the session's
quality form (培训课程及讲师质量测评表, G8c), the lecturer's roll-up for the own unit, the flags to
review and the latest comments on résumés. Scoped to the caller through the access module;
the figures come from the services' counted ratings, so that every page shows the same numbers.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Q
from django.utils import timezone

import access
from core import read_cache
from core.errors import Forbidden, NotFound
from core.text import mask_phone, parse_id
from core.timeutil import add_months, aware, local
from lecturers.models import Lecturer
from lecturers.selectors import lecturer_for_user
from orgs.models import CountySettings
from scheduling.models import Booking
from scheduling.selectors import booking_for_user

from .models import OrgRating, TraineeRating
from .services import (
    CONFIRMED,
    RATEABLE,
    REVIEWED,
    counted_ratings,
    may_confirm_attendance,
    overall_score,
    session_summary,
)

BANDS = 10  # the distribution in 10-point bands: 0-9, 10-19, … 90-100


# --- the booking page's evaluation block ------------------------------------------------------


def has_evaluation(booking: Booking) -> bool:
    """Confirmed and completed sessions have a code, a poster and a quality form."""
    return booking.status in RATEABLE


def may_see_quality_form(user, booking: Booking) -> bool:
    """The parties of the session and the county's administrators."""
    scope = access.scope_for(user)
    return access.may_see_session_qr(user, booking) or (
        scope.is_county_admin and scope.county_id == booking.county_id
    )


def session_for_poster(user, booking_id) -> Booking:
    """The session whose QR poster the caller may print: 404 outside the caller's scope or
    without a code (not confirmed), 403 for those who see it but are no party to it."""
    booking = booking_for_user(user, booking_id)
    if not access.may_see_session_qr(user, booking):
        raise Forbidden()
    if not has_evaluation(booking):
        raise NotFound()
    return booking


def session_for_quality_form(user, booking_id) -> Booking:
    booking = booking_for_user(user, booking_id)
    if not may_see_quality_form(user, booking):
        raise Forbidden()
    if not has_evaluation(booking):
        raise NotFound()
    return booking


def org_rating_of(booking: Booking) -> OrgRating | None:
    return OrgRating.objects.filter(booking=booking).first()


def booking_evaluation(user, booking: Booking) -> dict:
    """What the booking page shows of the evaluation, by role."""
    if not has_evaluation(booking):
        return {"evaluation": None}
    is_lecturer = access.is_booking_lecturer(user, booking)
    party = access.may_see_session_qr(user, booking)
    started = booking.start_at <= timezone.now()
    org_rating = None
    if is_lecturer or access.is_admin_over(user, booking.org):
        org_rating = org_rating_of(booking)
    return {
        "evaluation": {
            "party": party,
            "quality_form": may_see_quality_form(user, booking),
            "attendance": may_confirm_attendance(user, booking),
            "summary": session_summary(booking) if party else None,
            "org_rating": org_rating,
            "may_rate_org": is_lecturer and started and org_rating is None,
            "org_rating_later": is_lecturer and not started,
        }
    }


# --- the quality form of one session -----------------------------------------------------------


def score_bands(booking: Booking) -> list[dict]:
    """How many counted ratings fall in each 10-point band of the overall score."""
    counts = [0] * BANDS
    for content, method, effect in (
        counted_ratings().filter(booking=booking).values_list("content", "method", "effect")
    ):
        overall = (content + method + effect) / 3
        counts[min(int(overall // 10), BANDS - 1)] += 1
    most = max(counts) or 1
    return [
        {
            "low": i * 10,
            "high": 100 if i == BANDS - 1 else i * 10 + 9,
            "n": n,
            "percent": round(100 * n / most),
        }
        for i, n in enumerate(counts)
    ]


def session_comments(booking: Booking) -> list[dict]:
    """The counted ratings' comments, newest first, without names or phone numbers."""
    rows = (
        counted_ratings()
        .filter(booking=booking)
        .exclude(comment="")
        .order_by("-rated_at", "-id")
        .values("comment", "rated_at", "content", "method", "effect")
    )
    return [
        {
            "comment": r["comment"],
            "created_at": r["rated_at"],
            "overall": (r["content"] + r["method"] + r["effect"]) / 3,
        }
        for r in rows
    ]


def quality_form(booking: Booking) -> dict:
    return {
        "summary": session_summary(booking),
        "bands": score_bands(booking),
        "comments": session_comments(booking),
        "org_rating": org_rating_of(booking),
    }


# --- the lecturer's roll-up for the own unit ------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: date  # first day of the first month
    last: date  # first day of the last month (inclusive)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        start = aware(datetime(self.first.year, self.first.month, 1))
        end_month = add_months(self.last, 1)
        return start, aware(datetime(end_month.year, end_month.month, 1))

    @property
    def query(self) -> str:
        return f"from={self.first:%Y-%m}&to={self.last:%Y-%m}"


def period_from(value_from: date | None, value_to: date | None) -> Period:
    """This year up to this month unless given; swapped when given the wrong way round."""
    this_month = local(timezone.now()).date().replace(day=1)
    last = value_to or this_month
    first = value_from or last.replace(month=1)
    if first > last:
        first, last = last, first
    return Period(first, last)


def may_see_rollups(user) -> bool:
    """County admins send the roll-ups to the lecturers' units."""
    return access.scope_for(user).is_county_admin


def _rollup_sessions(county_id: int, period: Period):
    start, end = period.bounds
    # Held sessions only: a confirmed session later this month is not part of it yet.
    return Booking.objects.filter(
        county_id=county_id,
        status__in=RATEABLE,
        start_at__gte=start,
        start_at__lt=min(end, timezone.now()),
    )


def rollup_index(user, period: Period) -> list[dict]:
    """Lecturers with held sessions in the period, with their session and attendance counts."""
    if not may_see_rollups(user):
        raise Forbidden()
    scope = access.scope_for(user)
    sessions = _rollup_sessions(scope.county_id, period)
    rows = (
        sessions.values("lecturer_id", "lecturer__name", "lecturer__unit", "lecturer__star")
        .annotate(sessions=Count("id", distinct=True))
        .order_by("lecturer__name_pinyin", "lecturer_id")
    )
    attendance = dict(
        TraineeRating.objects.filter(booking__in=sessions, is_flagged=False)
        .values_list("booking__lecturer_id")
        .annotate(n=Count("id"))
    )
    return [
        {
            "id": r["lecturer_id"],
            "name": r["lecturer__name"],
            "unit": r["lecturer__unit"],
            "star": r["lecturer__star"],
            "sessions": r["sessions"],
            "attendance": attendance.get(r["lecturer_id"], 0),
        }
        for r in rows
    ]


def rollup_lecturer(user, lecturer_id) -> Lecturer:
    if not may_see_rollups(user):
        raise Forbidden()
    if parse_id(lecturer_id) is None:
        raise NotFound()
    return lecturer_for_user(user, lecturer_id)


def rollup(user, lecturer: Lecturer, period: Period) -> dict:
    """Every held session of the lecturer in the period, with its 1+3 figures and the totals
    over all the period's counted ratings (so the overall average weighs each rating once)."""
    if not may_see_rollups(user) or lecturer.county_id != access.scope_for(user).county_id:
        raise Forbidden()
    rules = CountySettings.for_county(lecturer.county_id)
    counted = Q(trainee_ratings__rated_at__isnull=False, trainee_ratings__is_flagged=False)
    sessions = (
        _rollup_sessions(lecturer.county_id, period)
        .filter(lecturer=lecturer)
        .select_related("course", "org")
        .annotate(
            attendance=Count("trainee_ratings", filter=Q(trainee_ratings__is_flagged=False)),
            n=Count("trainee_ratings", filter=counted),
            flagged=Count("trainee_ratings", filter=Q(trainee_ratings__is_flagged=True)),
            avg_content=Avg("trainee_ratings__content", filter=counted),
            avg_method=Avg("trainee_ratings__method", filter=counted),
            avg_effect=Avg("trainee_ratings__effect", filter=counted),
            avg_overall=Avg(overall_score("trainee_ratings__"), filter=counted),
        )
        .order_by("start_at", "id")
    )
    rows = [
        {
            "booking": b,
            "start_at": b.start_at,
            "course": b.course.title,
            "org": b.org.name,
            "attendance": b.attendance,
            "n": b.n,
            "flagged": b.flagged,
            "content": b.avg_content,
            "method": b.avg_method,
            "effect": b.avg_effect,
            "overall": b.avg_overall,
            "star": rules.star_for(b.avg_overall),
        }
        for b in sessions
    ]
    averages = (
        counted_ratings()
        .filter(booking__in=[r["booking"].pk for r in rows])
        .aggregate(
            avg_content=Avg("content"),
            avg_method=Avg("method"),
            avg_effect=Avg("effect"),
            avg_overall=Avg(overall_score()),
        )
    )
    totals = {key.removeprefix("avg_"): value for key, value in averages.items()}
    totals.update(
        sessions=len(rows),
        attendance=sum(r["attendance"] for r in rows),
        n=sum(r["n"] for r in rows),
        flagged=sum(r["flagged"] for r in rows),
        star=rules.star_for(totals["overall"]),
    )
    return {
        "lecturer": lecturer,
        "county": lecturer.county,
        "unit": lecturer.unit or (lecturer.org.name if lecturer.org else ""),
        "period": period,
        "rows": rows,
        "totals": totals,
    }


# --- the attendance list the organisation confirms -------------------------------------------------


def session_for_attendance(user, booking_id) -> Booking:
    """The session whose attendance list the caller confirms: 404 outside the caller's scope
    or without a code, 403 for those who see it but do not act for the organisation."""
    booking = booking_for_user(user, booking_id)
    if not may_confirm_attendance(user, booking):
        raise Forbidden()
    if not has_evaluation(booking):
        raise NotFound()
    return booking


def attendance_list(booking: Booking) -> list[dict]:
    """The session's check-ins in order, each with its state: held (with the reason),
    counted, confirmed by the organisation, kept by the county, or checked in without a
    rating. Names and masked phones only: the organisation confirms who attended, it does
    not see what each trainee scored."""
    rows = []
    for r in TraineeRating.objects.filter(booking=booking).order_by("checked_in_at", "id"):
        if r.is_flagged:
            state = "held"
        elif r.rated_at is None:
            state = "checked_in"
        elif r.flag_reason == CONFIRMED:
            state = "confirmed"
        elif r.flag_reason == REVIEWED:
            state = "kept"
        else:
            state = "counted"
        rows.append({"id": r.pk, "name": r.name, "phone": mask_phone(r.phone),
                     "checked_in_at": r.checked_in_at, "state": state,
                     "reason": r.flag_reason if r.is_flagged else ""})  # fmt: skip
    return rows


# --- flagged ratings ------------------------------------------------------------------------------


def flagged_ratings(user):
    if not access.may_review_ratings(user):
        raise Forbidden()
    return (
        TraineeRating.objects.filter(is_flagged=True, county_id=access.scope_for(user).county_id)
        .select_related("booking__course", "booking__lecturer", "booking__org")
        .order_by("-rated_at", "-id")
    )


def flagged_count(user) -> int:
    """The county's ratings held for review, on the reviewers' home: kept in core.read_cache
    until the next committed write."""
    if not access.may_review_ratings(user):
        return 0
    county_id = access.scope_for(user).county_id
    return read_cache.cached(("held ratings", county_id), flagged_ratings(user).count)


def flagged_rating_for_user(user, rating_id) -> TraineeRating:
    try:
        return flagged_ratings(user).get(pk=parse_id(rating_id) or 0)
    except TraineeRating.DoesNotExist:
        raise NotFound() from None


# --- the latest comments on résumés ------------------------------------------------------------------


def comments_of(lecturer: Lecturer) -> list[dict]:
    """The lecturer's latest comments as the pages show them: text, date and the rating's
    overall score, never who wrote them (kept on the lecturer by the evaluation work)."""
    return [
        {
            "comment": entry["comment"],
            "created_at": datetime.fromisoformat(entry["rated_at"]),
            "overall": entry["overall"],
        }
        for entry in lecturer.latest_comments
    ]


def attach_recent_comments(lecturers) -> list:
    """Sets `recent_comments` on each lecturer of a page of cards."""
    lecturers = list(lecturers)
    for lecturer in lecturers:
        lecturer.recent_comments = comments_of(lecturer)
    return lecturers
