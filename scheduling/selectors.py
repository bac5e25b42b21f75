from datetime import date

from django.db.models import Prefetch, Q, QuerySet

import access
from courses.models import Course, CourseStatus
from lecturers.models import LecturerStatus
from lecturers.selectors import lecturers_visible_to

from .models import Booking, Offering, OfferingSlot, OutsideSession, ReportedSession


def bookings_visible_to(user) -> QuerySet[Booking]:
    """The parties of a booking and their superiors."""
    q = access.org_records_q(user, lecturer_field="lecturer_id")
    return access.scoped(Booking.objects.all(), q)


def booking_for_user(user, booking_id) -> Booking:
    qs = bookings_visible_to(user).select_related("org", "lecturer", "course")
    return access.get_visible(qs, booking_id)


# The booking as the caller may see it, for a change of state: with its organisation, which
# the rules ask about; the change reads it again under its lock with what its messages name
# (services._refresh_locked), so the lecturer and course are not read here. Read on every
# booking action, so built once (issue 18).
booking_to_change = access.visible_by_id(Booking, bookings_visible_to, "org")


def outside_sessions_visible_to(user) -> QuerySet[OutsideSession]:
    return access.scoped(OutsideSession.objects.all(), access.lecturer_records_q(user))


def outside_session_for_user(user, session_id) -> OutsideSession:
    return access.get_visible(outside_sessions_visible_to(user), session_id)


def reported_sessions_visible_to(user) -> QuerySet[ReportedSession]:
    return access.scoped(ReportedSession.objects.all(), access.org_records_q(user, county_field=""))


def booking_list_for_user(user, *, status: str = "", side: str = "") -> QuerySet[Booking]:
    """Bookings the caller is a party of or above; `side` narrows to "lecturer" (my orders)
    or "org" (my organisation's bookings)."""
    qs = bookings_visible_to(user)
    scope = access.scope_for(user)
    if side == "lecturer":
        qs = qs.filter(lecturer_id=scope.lecturer_id)
    elif side == "org":
        qs = qs.exclude(lecturer_id=scope.lecturer_id) if scope.lecturer_id else qs
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org", "lecturer", "course").order_by("-start_at", "-id")


def booking_detail_for_user(user, booking_id) -> Booking:
    return booking_for_user(user, booking_id)


def offering_list_for_user(
    user,
    *,
    month: date | None = None,
    lecturer_id: int | None = None,
    category: str = "",
    org_id: int | None = None,
) -> QuerySet[Offering]:
    """This month's menu: offerings of active lecturers the caller can see in the catalogue."""
    qs = Offering.objects.filter(
        lecturer__in=lecturers_visible_to(user), lecturer__status=LecturerStatus.ACTIVE
    )
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


# --- Reads for the pages (added with the booking pages of issue 3) ---------------------------


def taken_slot_ids(slots) -> set[int]:
    """Slots that a confirmed booking of their lecturer overlaps, i.e. no longer free."""
    slots = list(slots)
    if not slots:
        return set()
    from .models import BookingStatus

    lecturer_ids = {slot.offering.lecturer_id for slot in slots}
    confirmed = list(
        Booking.objects.filter(
            lecturer_id__in=lecturer_ids,
            status=BookingStatus.CONFIRMED,
            start_at__lt=max(s.end_at for s in slots),
            end_at__gt=min(s.start_at for s in slots),
        ).values_list("lecturer_id", "start_at", "end_at")
    )
    return {
        slot.pk
        for slot in slots
        for lecturer_id, start, end in confirmed
        if lecturer_id == slot.offering.lecturer_id and start < slot.end_at and end > slot.start_at
    }


def free_slots_for_lecturer(user, lecturer, *, months: int = 2) -> list[OfferingSlot]:
    """The lecturer's published slots of this month and the next ones that have not started
    and that no confirmed booking takes."""
    from django.utils import timezone

    from core.timeutil import add_months, local

    this_month = local(timezone.now()).date().replace(day=1)
    slots = list(
        OfferingSlot.objects.filter(
            offering__lecturer__in=lecturers_visible_to(user),
            offering__lecturer_id=lecturer.pk,
            offering__lecturer__status=LecturerStatus.ACTIVE,
            offering__month__gte=this_month,
            offering__month__lt=add_months(this_month, months),
            start_at__gt=timezone.now(),
        )
        .select_related("offering")
        .order_by("start_at")
    )
    taken = taken_slot_ids(slots)
    return [slot for slot in slots if slot.pk not in taken]


def booking_upcoming_for_user(user, *, limit: int = 5) -> list[Booking]:
    """The organisation side's next requested or confirmed sessions (home page)."""
    from django.utils import timezone

    from .models import BookingStatus

    return list(
        booking_list_for_user(user, side="org")
        .filter(
            status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
            end_at__gt=timezone.now(),
        )
        .only(*_UPCOMING_SHOWN)
        .order_by("start_at", "id")[:limit]
    )


# What the home page shows of a coming session (reports/_work.html).
_UPCOMING_SHOWN = ("status", "start_at", "end_at", "course__title", "lecturer__name", "org__name")


def outside_session_list_for_user(user, *, status: str = ""):
    qs = outside_sessions_visible_to(user).select_related("lecturer")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-start_at", "-id")


def reported_session_list_for_user(user, *, only_unmatched: bool = False):
    qs = reported_sessions_visible_to(user).select_related("org", "booking")
    if only_unmatched:
        qs = qs.filter(booking__isnull=True)
    return qs.order_by("-held_on", "-id")


def future_open_bookings_of_lecturer(user, lecturer) -> list[Booking]:
    """The lecturer's future confirmed and still requested bookings that the caller sees, for
    those who manage the lecturer: what a move out of `active` leaves for them to decide."""
    from django.utils import timezone

    from .models import BookingStatus

    if not access.may_manage_lecturer(user, lecturer):
        return []
    return list(
        bookings_visible_to(user)
        .filter(
            lecturer_id=lecturer.pk,
            status__in=(BookingStatus.CONFIRMED, BookingStatus.REQUESTED),
            end_at__gt=timezone.now(),
        )
        .select_related("org", "course")
        .order_by("start_at", "id")
    )


def open_bookings_of_unavailable_lecturer(user, lecturer) -> list[Booking]:
    """Future confirmed (and still requested) bookings of a lecturer who is not active: they
    are never cancelled by the move, so those who manage the lecturer decide each one."""
    if lecturer.status == LecturerStatus.ACTIVE:
        return []
    return future_open_bookings_of_lecturer(user, lecturer)
