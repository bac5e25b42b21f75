from django.db.models import QuerySet

import access

from .models import Demand, DemandStatus


def demands_visible_to(user) -> QuerySet[Demand]:
    """The demand's organisation and its superiors, and the lecturers notified of it."""
    q = access.org_records_q(user, lecturer_field="notices__lecturer_id")
    return access.scoped(Demand.objects.all(), q).distinct()


def demand_for_user(user, demand_id) -> Demand:
    return access.get_visible(demands_visible_to(user).select_related("org"), demand_id)


def orders_to_grab(user) -> QuerySet[Demand]:
    """Open demands the lecturer was notified of."""
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        return Demand.objects.none()
    return (
        Demand.objects.filter(notices__lecturer_id=lecturer_id, status=DemandStatus.OPEN)
        .select_related("org")
        .order_by("window_start")
    )


def demand_list_for_user(user, *, status: str = "") -> QuerySet[Demand]:
    qs = demands_visible_to(user).select_related("org")
    return qs.filter(status=status) if status else qs


# --- Read helpers of the demand pages (issue 5) ------------------------------------------------


def orders_open_to_grab(user) -> QuerySet[Demand]:
    """The lecturer's orders to grab that can still be grabbed: open, and the window has not
    begun (a demand expires when its window begins)."""
    from django.utils import timezone

    return orders_to_grab(user).filter(window_start__gt=timezone.now())


def demand_list_for_org_side(user, *, status: str = "") -> QuerySet[Demand]:
    """Demands of the organisations within the caller's scope, without those the caller only
    sees as a notified lecturer; each with `notice_count`."""
    from django.db.models import Count

    q = access.org_scope_q(access.scope_for(user), prefix="org__")
    if q is None:
        return Demand.objects.none()
    return (
        demand_list_for_user(user, status=status)
        .filter(q)
        .annotate(notice_count=Count("notices", distinct=True))
        .select_related("booking__lecturer")
        .order_by("-created_at", "-id")
    )


def demand_notices(demand: Demand):
    """Who was told of the demand, round by round, best first."""
    return demand.notices.select_related("lecturer").order_by("round", "rank", "id")


def notice_for(user, demand: Demand):
    """The caller's own notice of the demand (as a lecturer), or None."""
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        return None
    return demand.notices.filter(lecturer_id=lecturer_id).first()


def grab_proposal(user, demand: Demand):
    """(course_id, start) the engine proposes to the calling lecturer for this demand: their
    best-matching course and earliest free start in the window. When the engine no longer
    ranks them (busy, no matching course), their first offered course and the earliest time
    in the window (on its weekdays and daily hours) free of their confirmed sessions; start None when they are busy throughout."""
    from datetime import timedelta

    from courses.models import Course, CourseStatus
    from orgs.models import CountySettings
    from scheduling.models import Booking, BookingStatus

    from . import engine, windows

    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        return None, None
    # Only this lecturer goes through the engine's hard filters and scoring.
    others = {doc.lecturer_id for doc in engine.county_index(demand.county_id).docs}
    others.discard(lecturer_id)
    for rec in engine.recommend(demand, limit=1, exclude_lecturer_ids=others).recommendations:
        if rec.lecturer_id == lecturer_id:
            return rec.course_id, rec.start
    course_id = (
        Course.objects.filter(lecturer_id=lecturer_id, status=CourseStatus.ACTIVE)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    buffer = timedelta(minutes=CountySettings.for_county(demand.county_id).travel_buffer_minutes)
    busy = [
        (start - buffer, end + buffer)
        for start, end in Booking.objects.filter(
            lecturer_id=lecturer_id,
            status=BookingStatus.CONFIRMED,
            start_at__lt=demand.window_end + buffer,
            end_at__gt=demand.window_start - buffer,
        ).values_list("start_at", "end_at")
    ]
    start = engine.first_free_in(busy, windows.demand_spans(demand), demand.duration_minutes)
    return course_id, start
