"""Reads of the back office, scoped to the caller's county (county admins only)."""

from datetime import MINYEAR, UTC, datetime

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

import access
from core.errors import Forbidden, NotFound
from core.models import AuditLog
from core.text import parse_id
from core.timeutil import aware
from lecturers.models import Lecturer, LecturerHonour
from lecturers.selectors import lecturer_list_for_user
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking
from scheduling.services import TEACHING_STATUSES

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


# --- Lecturer management (/manage/lecturers/): county admins and town admins ---------------


def lecturer_manager_check(user) -> None:
    """The lecturer pages are for those who manage lecturers (403 for everyone else)."""
    if not access.manages_lecturers(user):
        raise Forbidden()


def _this_year() -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of the current calendar year, in local time."""
    year = timezone.localdate().year
    return aware(datetime(year, 1, 1)), aware(datetime(year + 1, 1, 1))


def managed_lecturer_list(
    user,
    *,
    q: str = "",
    status: str = "",
    level: str = "",
    source: str = "",
    town: Organisation | None = None,
    category: str = "",
    honour: str = "",
    idle_this_year: bool = False,
) -> QuerySet[Lecturer]:
    """The lecturers the caller manages, in any status, by name; each with `course_count`
    (offered courses), `honour_list`, `town_name` and `sessions_this_year` (confirmed or held
    sessions that start this calendar year). `idle_this_year`: only those with none."""
    lecturer_manager_check(user)
    qs = lecturer_list_for_user(
        user,
        q=q,
        category=category,
        org_id=town.pk if town else None,
        status=status,
        all_statuses=not status,
        sort="name",
        by_phone=True,
    ).filter(access.managed_lecturers_q(user))
    if level:
        qs = qs.filter(level=level)
    if source:
        qs = qs.filter(source=source)
    if honour:
        qs = qs.filter(pk__in=LecturerHonour.objects.filter(title=honour).values("lecturer_id"))
    start, end = _this_year()
    sessions = (
        Booking.objects.filter(
            lecturer_id=OuterRef("pk"),
            status__in=TEACHING_STATUSES,
            start_at__gte=start,
            start_at__lt=end,
        )
        .order_by()
        .values("lecturer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    town_name = Case(
        When(org__level=OrgLevel.TOWN, then=F("org__name")),
        When(org__parent__level=OrgLevel.TOWN, then=F("org__parent__name")),
        default=Value(""),
    )
    qs = qs.annotate(sessions_this_year=Coalesce(Subquery(sessions), 0), town_name=town_name)
    if idle_this_year:
        qs = qs.filter(sessions_this_year=0)
    return qs


def lecturer_filter_towns(user) -> QuerySet[Organisation]:
    """The towns whose lecturers the caller manages: the county's for county admins, their
    own for town admins."""
    scope = access.scope_for(user)
    towns = access.towns_in_county(user)
    return towns if scope.is_county_admin else towns.filter(pk__in=scope.town_ids)


def managed_lecturer_for_user(user, lecturer_id) -> Lecturer:
    """A lecturer the caller manages; anyone else's is not found."""
    lecturer_manager_check(user)
    qs = Lecturer.objects.filter(access.managed_lecturers_q(user)).select_related("user")
    return access.get_visible(qs, lecturer_id)


def lecturer_org_choices(user) -> QuerySet[Organisation]:
    """Where a lecturer the caller adds may belong: any organisation of the county below it
    for county admins, their town and its branches for town admins (lecturer_create checks
    the same)."""
    lecturer_manager_check(user)
    return (
        access.orgs_visible_to(user)
        .exclude(level=OrgLevel.COUNTY)
        .select_related("parent")
        .order_by("level", "name", "id")
    )
