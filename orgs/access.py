"""The one access module: who may see and do what.

Every view, API router and service asks here; nothing else decides access. The county is the
tenant: nobody sees another county's rows. Inside a county the lecturer and course catalogue
is open to everyone; every other record follows the organisation tree: a county admin sees
the whole county, a town admin the town and its branches, a secretary the own branch.
Objects outside the caller's scope are reported as not found, so that nothing leaks.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.errors import NotFound
from core.text import parse_id

from .models import Membership, Organisation, OrgLevel, Role


@dataclass(frozen=True)
class Scope:
    county_id: int | None
    is_county_admin: bool
    town_ids: frozenset[int]
    branch_ids: frozenset[int]
    lecturer_id: int | None

    @property
    def is_town_admin(self) -> bool:
        return bool(self.town_ids)

    @property
    def is_secretary(self) -> bool:
        return bool(self.branch_ids)


NO_SCOPE = Scope(None, False, frozenset(), frozenset(), None)


def _as_id(value) -> int:
    number = parse_id(value)
    if number is None:
        raise NotFound()
    return number


def scope_for(user) -> Scope:
    """The caller's roles, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.county_id:
        return NO_SCOPE
    cached = getattr(user, "_jiangtai_scope", None)
    if cached is not None:
        return cached
    county_admin, towns, branches = False, set(), set()
    memberships = Membership.objects.filter(user=user, org__county_id=user.county_id).values_list(
        "role", "org_id"
    )
    for role, org_id in memberships:
        if role == Role.COUNTY_ADMIN:
            county_admin = True
        elif role == Role.TOWN_ADMIN:
            towns.add(org_id)
        elif role == Role.SECRETARY:
            branches.add(org_id)
    from lecturers.models import Lecturer

    lecturer_id = (
        Lecturer.objects.filter(user=user, county_id=user.county_id)
        .values_list("pk", flat=True)
        .first()
    )
    scope = Scope(
        county_id=user.county_id,
        is_county_admin=county_admin,
        town_ids=frozenset(towns),
        branch_ids=frozenset(branches),
        lecturer_id=lecturer_id,
    )
    user._jiangtai_scope = scope
    return scope


def roles_of(user) -> list[dict]:
    """The caller's roles as `/api/v1/me` lists them."""
    scope = scope_for(user)
    if scope.county_id is None:
        return []
    rows = Membership.objects.filter(user=user, org__county_id=scope.county_id).order_by(
        "role", "org_id"
    )
    return [{"role": m.role, "org_id": m.org_id} for m in rows]


# --- Organisations ----------------------------------------------------------------------


def org_scope_q(scope: Scope, prefix: str = "") -> Q | None:
    """A filter for organisations within the caller's scope, or None for no access at all."""
    if scope.county_id is None:
        return None
    if scope.is_county_admin:
        return Q(**{f"{prefix}county_id": scope.county_id})
    q = Q(**{f"{prefix}pk__in": list(scope.branch_ids)})
    if scope.town_ids:
        q |= Q(**{f"{prefix}pk__in": list(scope.town_ids)})
        q |= Q(**{f"{prefix}parent_id__in": list(scope.town_ids)})
    return q & Q(**{f"{prefix}county_id": scope.county_id})


def orgs_visible_to(user) -> QuerySet[Organisation]:
    q = org_scope_q(scope_for(user))
    if q is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(q)


def orgs_held_by(user) -> QuerySet[Organisation]:
    """The organisations where the caller holds an admin or secretary role."""
    scope = scope_for(user)
    if scope.county_id is None:
        return Organisation.objects.none()
    q = Q(pk__in=[*scope.town_ids, *scope.branch_ids])
    if scope.is_county_admin:
        q |= Q(pk=scope.county_id)
    return Organisation.objects.filter(q, county_id=scope.county_id).order_by("level", "id")


def org_for_user(user, org_id) -> Organisation:
    """The organisation if the caller may see its records; NotFound otherwise."""
    try:
        return orgs_visible_to(user).get(pk=_as_id(org_id))
    except Organisation.DoesNotExist:
        raise NotFound() from None


def towns_in_county(user) -> QuerySet[Organisation]:
    """Towns of the caller's county: the catalogue's town filter, open to the whole county."""
    scope = scope_for(user)
    if scope.county_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(county_id=scope.county_id, level=OrgLevel.TOWN)


def may_configure_county(user) -> bool:
    """Change the county's rules (notice periods, who may book whom)."""
    return scope_for(user).is_county_admin


def may_create_org(user, *, parent: Organisation) -> bool:
    scope = scope_for(user)
    return scope.is_county_admin and parent.county_id == scope.county_id


# --- Lecturer and course catalogue ------------------------------------------------------


def may_manage_catalogue(user) -> bool:
    """Create and edit lecturers and any course of the county."""
    return scope_for(user).is_county_admin


def lecturers_visible_to(user):
    from lecturers.models import Lecturer, LecturerStatus

    scope = scope_for(user)
    if scope.county_id is None:
        return Lecturer.objects.none()
    qs = Lecturer.objects.filter(county_id=scope.county_id)
    if scope.is_county_admin:
        return qs
    # Candidates, cold-stored and removed lecturers cannot be booked, so only those who manage
    # them (county admins; town admins for their town's town-level lecturers) and the lecturer
    # themself see them; for everyone else they are not found.
    own = Q(pk=scope.lecturer_id) if scope.lecturer_id else Q(pk__in=[])
    return qs.filter(Q(status=LecturerStatus.ACTIVE) | own | _town_lecturers_q(scope))


def _town_lecturers_q(scope: Scope) -> Q:
    """Town-level lecturers of the caller's towns (their organisation is the town or in it)."""
    from lecturers.models import LecturerLevel

    if not scope.town_ids:
        return Q(pk__in=[])
    towns = list(scope.town_ids)
    return Q(level=LecturerLevel.TOWN) & (Q(org_id__in=towns) | Q(org__parent_id__in=towns))


def may_manage_lecturer(user, lecturer) -> bool:
    """Edit the résumé and move the lifecycle (lecturers/lifecycle.py): county admins for the
    county's lecturers, town admins for the town-level lecturers of their town."""
    from lecturers.models import LecturerLevel

    scope = scope_for(user)
    if scope.county_id is None or scope.county_id != lecturer.county_id:
        return False
    if scope.is_county_admin:
        return True
    if lecturer.level != LecturerLevel.TOWN or lecturer.org_id is None:
        return False
    return org_town_id(lecturer.org) in scope.town_ids


def may_set_county_terms(user, lecturer) -> bool:
    """The level and appointment terms of a lecturer are the county's to decide."""
    scope = scope_for(user)
    return scope.is_county_admin and scope.county_id == lecturer.county_id


def is_lecturer_self(user, lecturer) -> bool:
    scope = scope_for(user)
    return scope.lecturer_id is not None and scope.lecturer_id == lecturer.pk


def may_review_courses(user, course) -> bool:
    """Approve or return a lecturer's proposed course or change (county admins)."""
    scope = scope_for(user)
    return scope.is_county_admin and scope.county_id == course.county_id


def lecturer_for_user(user, lecturer_id):
    from lecturers.models import Lecturer

    try:
        return lecturers_visible_to(user).get(pk=_as_id(lecturer_id))
    except Lecturer.DoesNotExist:
        raise NotFound() from None


def may_edit_courses_of(user, lecturer) -> bool:
    scope = scope_for(user)
    if scope.county_id != lecturer.county_id:
        return False
    return scope.is_county_admin or scope.lecturer_id == lecturer.pk


def courses_visible_to(user):
    from courses.models import Course, CourseStatus

    scope = scope_for(user)
    if scope.county_id is None:
        return Course.objects.none()
    qs = Course.objects.filter(lecturer__in=lecturers_visible_to(user))
    if scope.is_county_admin:
        return qs
    own = Q(lecturer_id=scope.lecturer_id) if scope.lecturer_id else Q(pk__in=[])
    return qs.filter(Q(status=CourseStatus.ACTIVE) | own)


def course_for_user(user, course_id):
    from courses.models import Course

    try:
        return courses_visible_to(user).get(pk=_as_id(course_id))
    except Course.DoesNotExist:
        raise NotFound() from None


# --- Bookings -----------------------------------------------------------------------------


def org_town_id(org: Organisation) -> int | None:
    """The town an organisation belongs to (itself for a town); None for county-level units."""
    if org.level == OrgLevel.TOWN:
        return org.pk
    if org.level == OrgLevel.VILLAGE and org.parent_id and org.parent_id != org.county_id:
        return org.parent_id
    return None


def _is_admin_over(scope: Scope, org: Organisation) -> bool:
    if scope.county_id is None or scope.county_id != org.county_id:
        return False
    return scope.is_county_admin or org.pk in scope.town_ids or org.parent_id in scope.town_ids


def is_admin_over(user, org: Organisation) -> bool:
    """County admins, and town admins for their town: may cancel late and book at short notice."""
    return _is_admin_over(scope_for(user), org)


def acts_for_org(user, org: Organisation) -> bool:
    """The organisation's secretary, or an admin above it."""
    scope = scope_for(user)
    return org.pk in scope.branch_ids or _is_admin_over(scope, org)


def may_book_for(user, org: Organisation) -> bool:
    """Secretaries book for their branch, town admins for the town and its branches, county
    admins for any organisation of the county."""
    return org.level != OrgLevel.COUNTY and acts_for_org(user, org)


def orgs_bookable_by(user) -> list[Organisation]:
    """Organisations the caller may book for (may_book_for), by level and name."""
    qs = orgs_visible_to(user).exclude(level=OrgLevel.COUNTY).select_related("parent")
    return [org for org in qs.order_by("level", "name", "id") if may_book_for(user, org)]


def own_org_ids(user) -> list[int]:
    """The organisations the user works for, the nearest first: branches, then towns."""
    scope = scope_for(user)
    return sorted(scope.branch_ids) + sorted(scope.town_ids)


def may_book_lecturer(user, lecturer) -> bool:
    """Does the caller act for an organisation that may book this lecturer?"""
    from .models import CountySettings

    rules = CountySettings.for_county(lecturer.county_id)
    return any(lecturer_bookable_for(lecturer, org, rules) for org in orgs_bookable_by(user))


def lecturer_bookable_for(lecturer, org: Organisation, rules) -> bool:
    """County rules (L6, L14): only active lecturers of the same county; county-level lecturers
    for everyone; town-level lecturers inside their own town unless the county opens them up."""
    from lecturers.models import LecturerLevel, LecturerStatus

    if lecturer.status != LecturerStatus.ACTIVE or lecturer.county_id != org.county_id:
        return False
    if lecturer.level == LecturerLevel.COUNTY or rules.town_lecturers_county_wide:
        return True
    lecturer_town = org_town_id(lecturer.org) if lecturer.org else None
    return lecturer_town is None or lecturer_town == org_town_id(org)


def bookings_visible_to(user):
    """The parties of a booking and their superiors."""
    from scheduling.models import Booking

    scope = scope_for(user)
    q = org_scope_q(scope, prefix="org__")
    if q is None:
        return Booking.objects.none()
    if scope.lecturer_id:
        q |= Q(lecturer_id=scope.lecturer_id)
    return Booking.objects.filter(q, county_id=scope.county_id)


def booking_for_user(user, booking_id):
    from scheduling.models import Booking

    try:
        return (
            bookings_visible_to(user)
            .select_related("org", "lecturer", "course")
            .get(pk=_as_id(booking_id))
        )
    except Booking.DoesNotExist:
        raise NotFound() from None


def is_booking_lecturer(user, booking) -> bool:
    return scope_for(user).lecturer_id == booking.lecturer_id


def may_decide_outside_sessions(user) -> bool:
    return scope_for(user).is_county_admin


def outside_sessions_visible_to(user):
    from scheduling.models import OutsideSession

    scope = scope_for(user)
    if scope.county_id is None:
        return OutsideSession.objects.none()
    qs = OutsideSession.objects.filter(county_id=scope.county_id)
    if scope.is_county_admin:
        return qs
    return qs.filter(lecturer_id=scope.lecturer_id) if scope.lecturer_id else qs.none()


def outside_session_for_user(user, session_id):
    from scheduling.models import OutsideSession

    try:
        return outside_sessions_visible_to(user).get(pk=_as_id(session_id))
    except OutsideSession.DoesNotExist:
        raise NotFound() from None


def reported_sessions_visible_to(user):
    from scheduling.models import ReportedSession

    scope = scope_for(user)
    q = org_scope_q(scope, prefix="org__")
    if q is None:
        return ReportedSession.objects.none()
    return ReportedSession.objects.filter(q)


# --- Notifications ---------------------------------------------------------------------------


def may_operate_notifications(user) -> bool:
    """See delivery state and resend failed messages of the county."""
    return scope_for(user).is_county_admin


def deliveries_visible_to(user):
    from notifications.models import OutboxMessage

    if not may_operate_notifications(user):
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(county_id=scope_for(user).county_id)


def delivery_for_user(user, message_id):
    from notifications.models import OutboxMessage

    try:
        return deliveries_visible_to(user).get(pk=_as_id(message_id))
    except OutboxMessage.DoesNotExist:
        raise NotFound() from None


# --- Demands ---------------------------------------------------------------------------------


def demands_visible_to(user):
    """The demand's organisation and its superiors, and the lecturers notified of it."""
    from matching.models import Demand

    scope = scope_for(user)
    q = org_scope_q(scope, prefix="org__")
    if q is None:
        return Demand.objects.none()
    if scope.lecturer_id:
        q |= Q(notices__lecturer_id=scope.lecturer_id)
    return Demand.objects.filter(q, county_id=scope.county_id).distinct()


def demand_for_user(user, demand_id):
    from matching.models import Demand

    try:
        return demands_visible_to(user).select_related("org").get(pk=_as_id(demand_id))
    except Demand.DoesNotExist:
        raise NotFound() from None


# --- Evaluation --------------------------------------------------------------------------------


def may_review_ratings(user) -> bool:
    """See flagged trainee ratings and keep or discard them."""
    return scope_for(user).is_county_admin


def may_see_session_qr(user, booking) -> bool:
    """The parties of a session print its QR poster."""
    return is_booking_lecturer(user, booking) or acts_for_org(user, booking.org)
