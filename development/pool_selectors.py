"""Reads of the pool beyond the calls and of the improvement programme, scoped to the caller
(orgs.rules: pool_records_q, activities_q)."""

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

import access
from core.errors import Forbidden
from lecturers.models import Lecturer
from scheduling.models import Booking, BookingStatus

from .pool_models import (
    Campaign,
    CampaignSession,
    Hiring,
    Invitation,
    InvitedSession,
    ReserveMember,
)
from .programme_models import Activity, Attendance

COUNTED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


def require_pool_admin(user) -> None:
    if access.pool_records_q(user) is None:
        raise Forbidden()


def invitations_for_user(user, *, kind: str = "") -> QuerySet[Invitation]:
    qs = access.scoped(Invitation.objects.all(), access.pool_records_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("org")
        .annotate(session_count=Count("sessions"), attendee_total=Sum("sessions__attendees"))
        .order_by("-created_at", "-id")
    )


def invitation_for_user(user, invitation_id) -> Invitation:
    return access.get_visible(invitations_for_user(user), invitation_id)


def session_figures(user, year: int) -> dict:
    """The year's sessions in the caller's scope, the invited experts' counted apart from the
    pool's (bookings confirmed or held); of the pool's, those of hired practitioners."""
    invited = InvitedSession.objects.filter(
        invitation__in=invitations_for_user(user).values("pk"), starts_at__year=year
    )
    pool = access.scoped(
        Booking.objects.filter(status__in=COUNTED, start_at__year=year),
        access.org_records_q(user, org_field="org"),
    )
    return {
        "year": year,
        "invited": invited.count(),
        "invited_attendees": invited.aggregate(n=Sum("attendees"))["n"] or 0,
        "pool": pool.count(),
        "hired": pool.filter(lecturer__hiring__isnull=False).count(),
    }


def hirings_for_user(user, *, kind: str = "") -> QuerySet[Hiring]:
    qs = access.scoped(Hiring.objects.all(), access.pool_records_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("lecturer", "org")
        .annotate(
            session_count=Count(
                "lecturer__bookings",
                filter=Q(lecturer__bookings__status__in=COUNTED),
                distinct=True,
            )
        )
        .order_by("-hired_from", "-id")
    )


def hiring_for_user(user, hiring_id) -> Hiring:
    """One hiring: for the admins over it (as `hirings_for_user`) and for the hired lecturer
    themself, who may print their letter; NotFound for anyone else."""
    q = access.pool_records_q(user)
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is not None:
        own = Q(lecturer_id=lecturer_id)
        q = own if q is None else q | own
    rows = access.scoped(Hiring.objects.select_related("lecturer__user", "org__county"), q)
    return access.get_visible(rows, hiring_id)


def campaigns_for_user(user) -> QuerySet[Campaign]:
    qs = access.scoped(Campaign.objects.all(), access.pool_records_q(user))
    return (
        qs.select_related("org")
        .annotate(
            session_count=Count("sessions", distinct=True),
            held_count=Count(
                "sessions",
                filter=Q(sessions__booking__status=BookingStatus.COMPLETED),
                distinct=True,
            ),
            lecturer_count=Count("sessions__booking__lecturer", distinct=True),
        )
        .order_by("-starts_on", "-id")
    )


def campaign_for_user(user, campaign_id) -> Campaign:
    return access.get_visible(campaigns_for_user(user), campaign_id)


def campaign_sessions(campaign: Campaign) -> QuerySet[CampaignSession]:
    return campaign.sessions.select_related(
        "booking__lecturer", "booking__org", "booking__course"
    ).order_by("booking__start_at", "id")


def campaign_candidates(user, campaign: Campaign) -> QuerySet[Booking]:
    """Sessions the caller could count in the campaign: within its dates, not yet counted."""
    return (
        access.scoped(
            Booking.objects.filter(
                county_id=campaign.county_id,
                status__in=COUNTED,
                start_at__date__gte=campaign.starts_on,
                start_at__date__lte=campaign.ends_on,
            ),
            access.org_records_q(user, org_field="org"),
        )
        .exclude(pk__in=campaign.sessions.values("booking_id"))
        .select_related("lecturer", "org", "course")
        .order_by("start_at", "id")
    )


def reserve_for_user(user, *, feed: str = "", state: str = "") -> QuerySet[ReserveMember]:
    qs = access.scoped(ReserveMember.objects.all(), access.pool_records_q(user))
    if feed:
        qs = qs.filter(feed=feed)
    if state == "waiting":
        qs = qs.filter(nomination__isnull=True)
    elif state == "promoted":
        qs = qs.filter(nomination__isnull=False)
    return qs.select_related("org", "nomination", "nomination__call")


def reserve_member_for_user(user, member_id) -> ReserveMember:
    return access.get_visible(reserve_for_user(user), member_id)


# --- the improvement programme ----------------------------------------------------------------


def activities_for_user(user, *, kind: str = "", year: int | None = None) -> QuerySet[Activity]:
    qs = access.scoped(Activity.objects.all(), access.activities_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(starts_at__year=year)
    return (
        qs.select_related("org", "visiting_teacher", "town")
        .annotate(
            attended=Count("attendances", distinct=True),
            invited=Count("participants", distinct=True),
        )
        .order_by("-starts_at", "-id")
    )


def activity_for_user(user, activity_id) -> Activity:
    return access.get_visible(activities_for_user(user), activity_id)


def attendances(activity: Activity) -> QuerySet[Attendance]:
    return activity.attendances.select_related("lecturer").order_by("checked_in_at", "id")


def hours_by_lecturer(user, year: int) -> QuerySet:
    """Per lecturer, the year's training hours and activities attended, from the activities the
    caller may see; most hours first."""
    rows = Attendance.objects.filter(
        activity__in=activities_for_user(user).values("pk"), activity__starts_at__year=year
    )
    return (
        rows.values("lecturer_id", "lecturer__name", "lecturer__level")
        .annotate(hours=Sum("activity__hours"), activities=Count("id"))
        .order_by("-hours", "lecturer__name", "lecturer_id")
    )


def lecturer_hours_by_year(lecturer: Lecturer) -> list[dict]:
    """The lecturer's own training hours per year, latest year first (for /my/)."""
    zero = Value(0, output_field=DecimalField(max_digits=6, decimal_places=1))
    rows = (
        Attendance.objects.filter(lecturer=lecturer)
        .annotate(year=ExtractYear("activity__starts_at"))
        .values("year")
        .annotate(hours=Coalesce(Sum("activity__hours"), zero), activities=Count("id"))
        .order_by("-year")
    )
    return list(rows)


def lecturer_recent_attendances(lecturer: Lecturer, limit: int = 10) -> list[Attendance]:
    return list(
        Attendance.objects.filter(lecturer=lecturer)
        .select_related("activity")
        .order_by("-activity__starts_at")[:limit]
    )
