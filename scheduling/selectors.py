from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from courses.models import Course, CourseStatus
from orgs import access

from .models import Booking, Offering, OfferingSlot


def booking_list_for_user(user, *, status: str = "", side: str = "") -> QuerySet[Booking]:
    """Bookings the caller is a party of or above; `side` narrows to "lecturer" (my orders)
    or "org" (my organisation's bookings)."""
    qs = access.bookings_visible_to(user)
    scope = access.scope_for(user)
    if side == "lecturer":
        qs = qs.filter(lecturer_id=scope.lecturer_id)
    elif side == "org":
        qs = qs.exclude(lecturer_id=scope.lecturer_id) if scope.lecturer_id else qs
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org", "lecturer", "course").order_by("-start_at", "-id")


def booking_detail_for_user(user, booking_id) -> Booking:
    return access.booking_for_user(user, booking_id)


def offering_list_for_user(
    user,
    *,
    month: date | None = None,
    lecturer_id: int | None = None,
    category: str = "",
    org_id: int | None = None,
) -> QuerySet[Offering]:
    """This month's menu: offerings of lecturers the caller can see in the catalogue."""
    qs = Offering.objects.filter(lecturer__in=access.lecturers_visible_to(user))
    if month:
        qs = qs.filter(month=month)
    if lecturer_id:
        qs = qs.filter(lecturer_id=lecturer_id)
    if category:
        qs = qs.filter(courses__category=category, courses__status=CourseStatus.ACTIVE)
    if org_id:
        qs = qs.filter(Q(lecturer__org_id=org_id) | Q(lecturer__org__parent_id=org_id))
    return (
        qs.distinct()
        .select_related("lecturer", "lecturer__org")
        .prefetch_related(
            Prefetch(
                "courses", queryset=Course.objects.filter(status=CourseStatus.ACTIVE).order_by("id")
            ),
            Prefetch("slots", queryset=OfferingSlot.objects.order_by("start_at")),
        )
        .order_by("lecturer__name_pinyin", "id")
    )


def booking_history(booking: Booking):
    return booking.events.select_related("actor").order_by("at", "id")
