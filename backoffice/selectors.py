"""Reads of the back office, scoped to the caller's county (county admins only) or, for the
organisation pages, to a town admin's town."""

from dataclasses import dataclass
from datetime import MINYEAR, UTC, datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.errors import Forbidden, NotFound
from core.models import AuditLog
from core.pinyin import normalise_query
from core.text import parse_id
from core.timeutil import aware
from courses.selectors import courses_visible_to
from lecturers import selectors as lecturer_selectors
from lecturers.lifecycle import allowed_moves
from lecturers.models import HonourTitle, Lecturer, LecturerHonour, LecturerStatus
from lecturers.selectors import lecturer_list_for_user
from matching.models import Demand, DemandStatus
from orgs.models import Membership, Organisation, OrgLevel
from orgs.selectors import org_matches
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import bookings_visible_to, future_open_bookings_of_lecturer
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


def back_office_scope(user) -> access.Scope:
    """The caller's scope on the pages that town admins share with the county (the index and
    the organisations): county and town admins (403 for others)."""
    scope = access.scope_for(user)
    if not (scope.is_county_admin or scope.is_town_admin):
        raise Forbidden()
    return scope


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
        "may_add_course": access.may_edit_courses_of(user, lecturer),
    }


# --- Organisations ----------------------------------------------------------------------------


def _open_bookings(now) -> QuerySet[Booking]:
    """Bookings still to be held: requested or confirmed, not yet over."""
    return Booking.objects.filter(
        status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED), end_at__gt=now
    )


def _open_demands(now) -> QuerySet[Demand]:
    """Demands lecturers may still grab or be invited to: open, their window not begun."""
    return Demand.objects.filter(status=DemandStatus.OPEN, window_start__gt=now)


def org_open_work(org: Organisation) -> tuple[int, int]:
    """How many open bookings and open demands the organisation has, a town's branches
    included: while there are any it is not deactivated."""
    now = timezone.now()
    mine = Q(org_id=org.pk) | Q(org__parent_id=org.pk)
    return _open_bookings(now).filter(mine).count(), _open_demands(now).filter(mine).count()


def _counts_by_org(qs: QuerySet, org_ids: list[int]) -> dict[int, int]:
    rows = qs.filter(org_id__in=org_ids).values("org_id").annotate(n=Count("pk"))
    return {row["org_id"]: row["n"] for row in rows}


@dataclass
class OrgGroup:
    """One section of the tree: a town (or the county) and its branches (or its own units)."""

    head: Organisation
    children: list[Organisation]


def org_tree_for_user(user, *, q: str = "") -> tuple[list[OrgGroup], dict]:
    """The organisations the caller manages as a tree: a county admin the county (with the
    units directly under it) and each town with its branches, a town admin their own town.
    `q` keeps the towns and branches whose name (characters or pinyin) holds it, and the
    branches of a town that does. Each organisation carries `n_accounts`, `n_lecturers`,
    `n_open_bookings`, `n_open_demands`, and what the caller may do with it (`may_edit`, `may_add`
    under it); the totals come along (towns, branches, inactive)."""
    scope = back_office_scope(user)
    orgs = list(
        access.orgs_visible_to(user)
        .filter(_managed_q(scope))
        .select_related("parent")
        .order_by("level", "name", "id")
    )
    query = normalise_query(q)[:50]
    if query:
        # org_matches finds a branch by its town's name too; each kept branch keeps its head.
        matching = {o.pk for o in orgs if org_matches(o, query)}
        heads = {o.parent_id for o in orgs if o.pk in matching and o.level == OrgLevel.VILLAGE}
        orgs = [o for o in orgs if o.pk in matching or o.pk in heads]
    ids = [o.pk for o in orgs]
    now = timezone.now()
    accounts = _counts_by_org(Membership.objects.all(), ids)
    lecturers = _counts_by_org(Lecturer.objects.exclude(status=LecturerStatus.REMOVED), ids)
    bookings = _counts_by_org(_open_bookings(now), ids)
    demands = _counts_by_org(_open_demands(now), ids)
    for o in orgs:
        o.n_accounts = accounts.get(o.pk, 0)
        o.n_lecturers = lecturers.get(o.pk, 0)
        o.n_open_bookings = bookings.get(o.pk, 0)
        o.n_open_demands = demands.get(o.pk, 0)
        o.may_edit = access.may_edit_org(user, o)
        o.may_add = o.level != OrgLevel.VILLAGE and access.may_create_org(user, parent=o)
    heads = [o for o in orgs if o.level != OrgLevel.VILLAGE]
    groups = [
        OrgGroup(h, [o for o in orgs if o.parent_id == h.pk and o.level == OrgLevel.VILLAGE])
        for h in heads
    ]
    totals = {
        "towns": sum(1 for o in orgs if o.level == OrgLevel.TOWN),
        "branches": sum(1 for o in orgs if o.level == OrgLevel.VILLAGE),
        "inactive": sum(1 for o in orgs if not o.is_active),
    }
    return groups, totals


def _managed_q(scope: access.Scope) -> Q:
    """A town admin's tree is their towns' (they may also hold a branch role elsewhere)."""
    if scope.is_county_admin:
        return Q()
    return Q(pk__in=scope.town_ids) | Q(parent_id__in=scope.town_ids)


def org_points_for_user(user) -> list[Organisation]:
    """The active organisations with coordinates in the caller's tree, whose place a new or
    edited organisation may copy (no online map): the county first, then by town and name."""
    scope = back_office_scope(user)
    qs = access.orgs_visible_to(user).filter(
        _managed_q(scope), lat__isnull=False, lng__isnull=False, is_active=True
    )
    return list(qs.select_related("parent").order_by("level", "name", "id"))


def org_parents_for_user(user) -> list[Organisation]:
    """Where the caller may add an organisation: a county admin under the county or any active
    town, a town admin under their own town."""
    scope = back_office_scope(user)
    qs = access.orgs_visible_to(user).filter(
        _managed_q(scope), level__in=(OrgLevel.COUNTY, OrgLevel.TOWN), is_active=True
    )
    return [o for o in qs.order_by("level", "name", "id") if access.may_create_org(user, parent=o)]


def org_to_manage(user, org_id) -> Organisation:
    """An organisation the caller may change (edit, deactivate): 404 outside their area, 403
    inside it but not theirs to change (a town admin and their own town or the county)."""
    back_office_scope(user)
    org = access.org_for_user(user, org_id)
    if not access.may_edit_org(user, org):
        raise Forbidden(_("You may not change this organisation."))
    return org


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
    priority: bool = False,
) -> QuerySet[Lecturer]:
    """The lecturers the caller manages, in any status, by name; each with `course_count`
    (offered courses), `honour_list`, `town_name` and `sessions_this_year` (confirmed or held
    sessions that start this calendar year). `idle_this_year`: only those with none.
    `has_priorities`: a course of theirs was named a quality course (精品课), which carries the
    三优先 (first for competitions, outside study, awards); `priority`: only those."""
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
    qs = qs.annotate(
        sessions_this_year=Coalesce(Subquery(sessions), 0),
        town_name=town_name,
        has_priorities=Exists(
            LecturerHonour.objects.filter(
                lecturer_id=OuterRef("pk"), title=HonourTitle.QUALITY_COURSE
            )
        ),
    )
    if priority:
        qs = qs.filter(has_priorities=True)
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
