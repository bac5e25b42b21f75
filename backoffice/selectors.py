"""Reads of the back office, scoped to the caller's county (county admins only)."""

from datetime import MINYEAR, UTC, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

import access
from core.errors import Forbidden, NotFound
from core.models import AuditLog
from core.text import parse_id
from core.timeutil import aware
from courses.selectors import courses_visible_to
from lecturers import selectors as lecturer_selectors
from lecturers.lifecycle import allowed_moves
from lecturers.models import Lecturer, LecturerHonour, LecturerStatus
from orgs.models import Organisation
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import bookings_visible_to, future_open_bookings_of_lecturer

from .models import ImportJob


def back_office_county_id(user) -> int:
    """The county whose back office the caller runs: county admins only (403 for others)."""
    scope = access.scope_for(user)
    if not scope.is_county_admin:
        raise Forbidden()
    return scope.county_id


def back_office_county(user) -> Organisation:
    return Organisation.objects.get(pk=back_office_county_id(user))


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(county_id=back_office_county_id(user)).select_related("actor")


def import_job_for_user(user, job_id) -> ImportJob:
    """The county's import; another county's (or no) import is not found."""
    qs = import_jobs_for_user(user)
    number = parse_id(job_id)
    job = qs.filter(pk=number).first() if number is not None else None
    if job is None:
        raise NotFound()
    return job


def _utc_bound(value: datetime) -> datetime:
    """A filter's bound in UTC, which every database stores: an offset Python allows (up to
    a day) need not be one the database does (PostgreSQL: under 16 hours), and a time at the
    edge of the calendar may have no UTC equivalent, so it becomes that edge."""
    try:
        return aware(value).astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == MINYEAR else datetime.max
        return edge.replace(tzinfo=UTC)


def audit_list_for_user(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditLog]:
    """The county's audit trail, newest first. `actor` is a user's id, login or name."""
    qs = AuditLog.objects.filter(county_id=back_office_county_id(user)).select_related("actor")
    if actor:
        actor_id = parse_id(actor)
        q = Q(actor__username=actor) | Q(actor__name=actor)
        qs = qs.filter(q | Q(actor_id=actor_id) if actor_id else q)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(created_at__gte=_utc_bound(since))
    if until:
        qs = qs.filter(created_at__lt=_utc_bound(until))
    return qs


def audit_choices_for_user(user) -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the county's trail, for the filters."""
    qs = AuditLog.objects.filter(county_id=back_office_county_id(user))
    actions = sorted(set(qs.values_list("action", flat=True).distinct()))
    types = sorted(set(qs.values_list("object_type", flat=True).distinct()))
    return actions, types


# --- One lecturer's management pages (/manage/lecturers/<id>/) -----------------------------


def lecturer_managed_by(user, lecturer_id) -> Lecturer:
    """A lecturer the caller manages: county admins the county's, town admins their town's
    town-level lecturers (access.may_manage_lecturer). 403 for callers who manage no lecturer
    at all, 404 for a lecturer outside the caller's scope, so that nothing leaks."""
    scope = access.scope_for(user)
    if not (scope.is_county_admin or scope.is_town_admin):
        raise Forbidden()
    lecturers = Lecturer.objects.filter(access.managed_lecturers_q(user))
    return access.get_visible(lecturers.select_related("org", "user"), lecturer_id)


def lecturer_honour_list(lecturer: Lecturer) -> list[LecturerHonour]:
    return list(lecturer.honours.order_by("-year", "title"))


def lecturer_honour_of(lecturer: Lecturer, honour_id) -> LecturerHonour:
    """One of the lecturer's honours (the lecturer already checked: lecturer_managed_by)."""
    return access.get_visible(LecturerHonour.objects.filter(lecturer=lecturer), honour_id)


def lecturer_sessions_this_year(user, lecturer: Lecturer) -> list[Booking]:
    """The lecturer's sessions of this calendar year (held or confirmed), as far as the caller
    sees bookings, in time order."""
    year = timezone.localdate().year
    start = aware(datetime(year, 1, 1))
    return list(
        bookings_visible_to(user)
        .filter(
            lecturer_id=lecturer.pk,
            status__in=(BookingStatus.CONFIRMED, BookingStatus.COMPLETED),
            start_at__gte=start,
            start_at__lt=aware(datetime(year + 1, 1, 1)),
        )
        .select_related("org", "course")
        .order_by("start_at", "id")
    )


def lecturer_moves(user, lecturer: Lecturer) -> dict:
    """The lifecycle side of a lecturer: the moves allowed from the current status, those of
    them that take the lecturer out of the catalogue, the history, and the future bookings
    such a move leaves for a decision (never cancelled by it)."""
    moves = allowed_moves(lecturer.status)
    return {
        "moves": moves,
        "leaving_moves": [m for m in moves if m != LecturerStatus.ACTIVE],
        "status_history": lecturer_selectors.lecturer_status_history(user, lecturer),
        "open_bookings": future_open_bookings_of_lecturer(user, lecturer),
    }


def lecturer_management(user, lecturer: Lecturer) -> dict:
    """Everything the management page shows of one lecturer the caller manages."""
    courses = courses_visible_to(user).filter(lecturer_id=lecturer.pk)
    sessions = lecturer_sessions_this_year(user, lecturer)
    return {
        **lecturer_moves(user, lecturer),
        "phone": lecturer_selectors.lecturer_phone_for(user, lecturer),
        "honours": lecturer_honour_list(lecturer),
        "courses": list(courses.order_by("status", "-created_at", "-id")),
        "sessions": sessions,
        "sessions_held": sum(1 for b in sessions if b.status == BookingStatus.COMPLETED),
        "is_county": access.may_set_county_terms(user, lecturer),
    }
