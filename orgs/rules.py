"""The access rules: who may see and do what.

Every view, API router and service asks here; nothing else decides access. The county is the
tenant: nobody sees another county's rows. Inside a county the lecturer and course catalogue
is open to everyone; every other record follows the organisation tree: a county admin sees
the whole county, a town admin the town and its branches, a secretary the own branch.
Objects outside the caller's scope are reported as not found, so that nothing leaks.

The rules need nothing above the organisations, so they live in `orgs`, where the pool
(`lecturers`, `courses`) may ask them directly (`from orgs import rules as access_rules`);
every app above the pool asks through the `access` app (`import access`), which presents
them. Rules over other apps' records are filters over field names (`catalogue_q`,
`org_records_q`, …) that each app's selectors apply to its own model
(`lecturers.selectors.lecturers_visible_to`, `scheduling.selectors.booking_for_user`, …).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from core.prepared import Prepared, instance_reader
from core.text import parse_id
from orgs.models import Membership, Organisation, OrgLevel, Role


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
# Not a role: marks the row of the user's lecturer profile among their memberships' rows.
_LECTURER_PROFILE = "lecturer-profile"


def _as_id(value) -> int:
    number = parse_id(value)
    if number is None:
        raise NotFound()
    return number


def scoped(queryset: QuerySet, q: Q | None) -> QuerySet:
    """`queryset` narrowed by one of the `*_q` rules below (None: nothing)."""
    return queryset.none() if q is None else queryset.filter(q)


def get_visible(queryset: QuerySet, object_id):
    """The row of `queryset` (already scoped to the caller) with this id; NotFound otherwise,
    also for ids outside the caller's scope, so that nothing leaks."""
    try:
        return queryset.get(pk=_as_id(object_id))
    except queryset.model.DoesNotExist:
        raise NotFound() from None


def _role_rows(user_id: int, county_id: int) -> QuerySet:
    memberships = Membership.objects.filter(user_id=user_id, org__county_id=county_id).values_list(
        "role", "org_id"
    )
    # The lecturer profile through the user's side of the relation (the lecturers app sits
    # above this module), in the same statement as the roles.
    profile = (
        get_user_model()
        .objects.filter(pk=user_id, lecturer_profile__county_id=county_id)
        .values_list(Value(_LECTURER_PROFILE), "lecturer_profile")
    )
    return memberships.union(profile, all=True)


# Read on every signed-in request: built once (core.prepared).
_ROLE_ROWS = Prepared(_role_rows, user_id=int, county_id=int)


def scope_for(user) -> Scope:
    """The caller's roles, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.county_id:
        return NO_SCOPE
    cached = getattr(user, "_jiangtai_scope", None)
    if cached is not None:
        return cached
    county_admin, towns, branches, lecturer_id = False, set(), set(), None
    for role, row_id in _ROLE_ROWS.rows(user_id=user.pk, county_id=user.county_id):
        if role == Role.COUNTY_ADMIN:
            county_admin = True
        elif role == Role.TOWN_ADMIN:
            towns.add(row_id)
        elif role == Role.SECRETARY:
            branches.add(row_id)
        elif role == _LECTURER_PROFILE:
            lecturer_id = row_id
    scope = Scope(
        county_id=user.county_id,
        is_county_admin=county_admin,
        town_ids=frozenset(towns),
        branch_ids=frozenset(branches),
        lecturer_id=lecturer_id,
    )
    user._jiangtai_scope = scope
    return scope


# --- Reads built once for every caller (core.prepared) ---------------------------------------

# The parameters of a prepared read that the caller's roles shape. Its build hands
# `stand_in_caller(**scope)` to the rules below as the user; `scope_parameters(user)` are the
# values of a call.
SCOPE_KINDS = {
    "county_id": int,
    "county_admin": bool,
    "towns": tuple,
    "branches": tuple,
    "lecturer": tuple,  # the lecturer profile's id, or none
}


class _StandInCaller:
    """The user the rules see in a prepared read's build: a scope and nothing else, so that a
    rule asking more of the user (its id, say) fails at the first build."""

    is_authenticated = True

    def __init__(self, scope: Scope):
        self.county_id = scope.county_id
        self._jiangtai_scope = scope


def stand_in_caller(*, county_id, county_admin, towns, branches, lecturer) -> _StandInCaller:
    scope = Scope(
        county_id=county_id,
        is_county_admin=county_admin,
        town_ids=frozenset(towns),
        branch_ids=frozenset(branches),
        lecturer_id=lecturer[0] if lecturer else None,
    )
    return _StandInCaller(scope)


def scope_parameters(user) -> dict | None:
    """The caller's scope as the values of SCOPE_KINDS; None for a caller without one."""
    scope = scope_for(user)
    if scope.county_id is None:
        return None
    return {
        "county_id": scope.county_id,
        "county_admin": scope.is_county_admin,
        "towns": tuple(scope.town_ids),
        "branches": tuple(scope.branch_ids),
        "lecturer": (scope.lecturer_id,) if scope.lecturer_id else (),
    }


def visible_by_id(model, visible_to: Callable[..., QuerySet], *related: str):
    """`get_visible(visible_to(user).select_related(*related), object_id)` with its SQL built
    once for each shape of the callers' roles: for the records read on every write."""
    reader = instance_reader(model, *related)
    read = Prepared(
        lambda object_id, **scope: (
            visible_to(stand_in_caller(**scope)).filter(pk=object_id).values_list(*reader.columns)
        ),
        object_id=int,
        **SCOPE_KINDS,
    )

    def get(user, object_id):
        number = _as_id(object_id)
        scope = scope_parameters(user)
        row = None if scope is None else read.first(object_id=number, **scope)
        if row is None:
            raise NotFound()
        return reader.instance(row)

    return get


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


# The organisation if the caller may see its records; NotFound otherwise. Read by every
# booking made, so built once (issue 18).
org_for_user = visible_by_id(Organisation, orgs_visible_to)


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
    """Add an organisation under `parent`: county admins anywhere in their county, town admins
    under their own town (its branches; towns hang under the county only)."""
    scope = scope_for(user)
    if scope.county_id is None or parent.county_id != scope.county_id:
        return False
    return scope.is_county_admin or parent.pk in scope.town_ids


def may_edit_org(user, org: Organisation) -> bool:
    """Change, deactivate or reactivate an organisation: county admins in their county, town
    admins the branches of their own town."""
    scope = scope_for(user)
    if scope.county_id is None or org.county_id != scope.county_id:
        return False
    return scope.is_county_admin or org.parent_id in scope.town_ids


# --- Lecturer and course catalogue ------------------------------------------------------
# The access module sits below the lecturer and course apps (their services ask it), so it
# states its rules over field names and each app's selectors apply them to its own model.


def may_manage_catalogue(user) -> bool:
    """Create and edit lecturers and any course of the county."""
    return scope_for(user).is_county_admin


def catalogue_q(user, *, county_field: str, public: Q, own_field: str) -> Q | None:
    """Inside the caller's county everyone sees the `public` rows (those that can be booked);
    rows that cannot be booked (candidates, cold-stored or removed lecturers, courses not
    offered) only county admins see, and the lecturer their own (`own_field` holds the
    lecturer's id); what town admins see of the lecturers they manage the caller adds to
    `public` with managed_lecturers_q. None: no access at all."""
    scope = scope_for(user)
    if scope.county_id is None:
        return None
    q = Q(**{county_field: scope.county_id})
    if scope.is_county_admin:
        return q
    own = Q(**{own_field: scope.lecturer_id}) if scope.lecturer_id else Q(pk__in=[])
    return q & (public | own)


# The level of the lecturers a town admin manages: the value of
# `lecturers.models.LecturerLevel.TOWN` (this module sits below the lecturers app and cannot
# import it; lecturers/tests/test_lifecycle.py holds the two equal).
TOWN_LECTURER_LEVEL = "town"


def managed_lecturers_q(user, *, prefix: str = "") -> Q:
    """The lecturers the caller manages (may_manage_lecturer) as a filter; `prefix` leads from
    the queried model to the lecturer ("lecturer__" for courses). Those who manage a lecturer
    see them in any status, so that they can edit and move them: the lecturers' and courses'
    selectors add this to the public rows of catalogue_q."""
    scope = scope_for(user)
    if scope.county_id is None:
        return Q(pk__in=[])
    if scope.is_county_admin:
        return Q(**{f"{prefix}county_id": scope.county_id})
    if not scope.town_ids:
        return Q(pk__in=[])
    towns = list(scope.town_ids)
    town_level = {f"{prefix}county_id": scope.county_id, f"{prefix}level": TOWN_LECTURER_LEVEL}
    in_town = Q(**{f"{prefix}org_id__in": towns}) | Q(**{f"{prefix}org__parent_id__in": towns})
    return Q(**town_level) & in_town


def may_manage_lecturer(user, lecturer) -> bool:
    """Edit the résumé and move the lifecycle (lecturers/lifecycle.py): county admins for the
    county's lecturers, town admins for the town-level lecturers of their town."""
    scope = scope_for(user)
    if scope.county_id is None or scope.county_id != lecturer.county_id:
        return False
    if scope.is_county_admin:
        return True
    if lecturer.level != TOWN_LECTURER_LEVEL or lecturer.org_id is None:
        return False
    return org_town_id(lecturer.org) in scope.town_ids


def manages_lecturers(user) -> bool:
    """County admins and town admins manage lecturers (which ones: managed_lecturers_q): the
    back office's lecturer list and the form that adds one are theirs."""
    scope = scope_for(user)
    return scope.is_county_admin or scope.is_town_admin


def may_set_county_terms(user, lecturer) -> bool:
    """The level, appointment terms and honours of a lecturer are the county's to decide."""
    scope = scope_for(user)
    return scope.is_county_admin and scope.county_id == lecturer.county_id


def is_lecturer_self(user, lecturer) -> bool:
    scope = scope_for(user)
    return scope.lecturer_id is not None and scope.lecturer_id == lecturer.pk


def may_review_courses(user, course) -> bool:
    """Approve or return a lecturer's proposed course or change (county admins)."""
    scope = scope_for(user)
    return scope.is_county_admin and scope.county_id == course.county_id


def may_edit_courses_of(user, lecturer) -> bool:
    scope = scope_for(user)
    if scope.county_id != lecturer.county_id:
        return False
    return scope.is_county_admin or scope.lecturer_id == lecturer.pk


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


def active_orgs_q(prefix: str = "") -> Q:
    """Organisations that may book and post demands: active, and so is their town (a county,
    the parent of a town, is never deactivated)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}parent__is_active": True})


ORG_INACTIVE = _(
    "This organisation has been deactivated: it can no longer book lecturers or post demands."
)


def acts_only_for_inactive_orgs(user) -> bool:
    """Is every organisation the caller books for as secretary or town admin deactivated? The
    booking and demand pages then say so instead of a plain refusal."""
    scope = scope_for(user)
    held = [*scope.branch_ids, *scope.town_ids]
    if scope.is_county_admin or not held:
        return False
    return not Organisation.objects.filter(active_orgs_q(), pk__in=held).exists()


def orgs_bookable_by(user) -> list[Organisation]:
    """Active organisations the caller may book for (may_book_for), by level and name."""
    qs = (
        orgs_visible_to(user)
        .filter(active_orgs_q())
        .exclude(level=OrgLevel.COUNTY)
        .select_related("parent")
    )
    return [org for org in qs.order_by("level", "name", "id") if may_book_for(user, org)]


def own_org_ids(user) -> list[int]:
    """The organisations the user works for, the nearest first: branches, then towns."""
    scope = scope_for(user)
    return sorted(scope.branch_ids) + sorted(scope.town_ids)


def org_records_q(
    user, *, org_field: str = "org", lecturer_field: str = "", county_field: str = "county_id"
) -> Q | None:
    """Records that belong to an organisation (bookings, demands, reported sessions): the
    organisation and its superiors see them, and with `lecturer_field` the lecturer they
    concern. None: no access at all."""
    scope = scope_for(user)
    q = org_scope_q(scope, prefix=f"{org_field}__")
    if q is None:
        return None
    if lecturer_field and scope.lecturer_id:
        q |= Q(**{lecturer_field: scope.lecturer_id})
    if county_field:
        q &= Q(**{county_field: scope.county_id})
    return q


def may_see_home_member(user, booking) -> bool:
    """Who a home delivery (送教上门) serves and why they cannot attend: the booking
    organisation and the admins above it; not the lecturer, not other branches."""
    return acts_for_org(user, booking.org)


def is_booking_lecturer(user, booking) -> bool:
    return scope_for(user).lecturer_id == booking.lecturer_id


def may_decide_outside_sessions(user) -> bool:
    return scope_for(user).is_county_admin


def lecturer_records_q(user, *, lecturer_field: str = "lecturer_id") -> Q | None:
    """A lecturer's own records (sessions outside the county): the lecturer, and county admins
    for the whole county. None: no access at all."""
    scope = scope_for(user)
    if scope.county_id is None:
        return None
    q = Q(county_id=scope.county_id)
    if scope.is_county_admin:
        return q
    return q & Q(**{lecturer_field: scope.lecturer_id}) if scope.lecturer_id else None


# --- Notifications ---------------------------------------------------------------------------


def may_operate_notifications(user) -> bool:
    """See delivery state and resend failed messages of the county."""
    return scope_for(user).is_county_admin


def deliveries_q(user) -> Q | None:
    """Outgoing messages of the county, for those who operate them."""
    if not may_operate_notifications(user):
        return None
    return Q(county_id=scope_for(user).county_id)


# --- Evaluation --------------------------------------------------------------------------------


def may_review_ratings(user) -> bool:
    """See flagged trainee ratings and keep or discard them."""
    return scope_for(user).is_county_admin


def may_see_session_qr(user, booking) -> bool:
    """The parties of a session print its QR poster."""
    return is_booking_lecturer(user, booking) or acts_for_org(user, booking.org)


# --- Selection: calls for nominations and their review (development) -------------------------


def may_open_call(user, org: Organisation) -> bool:
    """Open a call issued by `org`: county admins for the county or any of its towns, town
    admins for their own town."""
    scope = scope_for(user)
    if scope.county_id is None or org.county_id != scope.county_id:
        return False
    if org.level == OrgLevel.COUNTY:
        return scope.is_county_admin
    return org.level == OrgLevel.TOWN and (scope.is_county_admin or org.pk in scope.town_ids)


def may_review_call(user, call) -> bool:
    """The political review and the panel rating: whoever may open the call."""
    return may_open_call(user, call.org)


def may_approve_call(user, call) -> bool:
    """The organisational approval (组织认定) is the county organisation department's, whatever
    the call's level: it adds the lecturer to the county's pool."""
    scope = scope_for(user)
    return scope.is_county_admin and scope.county_id == call.county_id


def is_from_candidates_unit(user, nomination) -> bool:
    """The candidate themself (their login or their phone), or anyone holding a role in the
    candidate's own organisation: never a reviewer of that nomination."""
    if nomination.user_id is not None and nomination.user_id == user.pk:
        return True
    if getattr(user, "phone", "") and user.phone == nomination.phone:
        return True
    return Membership.objects.filter(user=user, org_id=nomination.org_id).exists()


def calls_q(user) -> Q | None:
    """Calls are published to the whole county: everyone of the county sees its calls."""
    scope = scope_for(user)
    return None if scope.county_id is None else Q(county_id=scope.county_id)


def nominations_q(user) -> Q | None:
    """Nominations: county admins of the county, town admins of their town's calls, and the
    candidate and whoever submitted one their own."""
    scope = scope_for(user)
    if scope.county_id is None:
        return None
    q = Q(county_id=scope.county_id)
    if scope.is_county_admin:
        return q
    mine = Q(user_id=user.pk) | Q(submitted_by_id=user.pk)
    if scope.town_ids:
        mine |= Q(call__org_id__in=list(scope.town_ids))
    return q & mine


def may_manage_pairings(user, pairing=None) -> bool:
    """Old-new pairings (结对) are the county's to set up and follow (`pairing`: one of them)."""
    scope = scope_for(user)
    return scope.is_county_admin and (pairing is None or pairing.county_id == scope.county_id)


def pairings_q(user) -> Q | None:
    """Pairings: county admins of the county, and the mentor and the mentee their own."""
    scope = scope_for(user)
    if scope.county_id is None:
        return None
    q = Q(county_id=scope.county_id)
    if scope.is_county_admin:
        return q
    if scope.lecturer_id is None:
        return Q(pk__in=[])
    return q & (Q(mentor_id=scope.lecturer_id) | Q(mentee_id=scope.lecturer_id))


# --- The pool beyond the calls and the improvement programme (development) ------------------


def pool_records_q(user) -> Q | None:
    """Invited experts, hired practitioners, campaigns, the reserve and training activities,
    by the organisation they belong to (`org`): county admins the whole county, town admins
    their town and its branches. None: no access."""
    scope = scope_for(user)
    if scope.county_id is None or not (scope.is_county_admin or scope.town_ids):
        return None
    q = Q(county_id=scope.county_id)
    if scope.is_county_admin:
        return q
    towns = list(scope.town_ids)
    return q & (Q(org_id__in=towns) | Q(org__parent_id__in=towns))


def may_manage_pool_record(user, org: Organisation) -> bool:
    """Add or change such a record for `org`: an admin over it (county, or its town)."""
    return _is_admin_over(scope_for(user), org)


def activities_q(user) -> Q | None:
    """Training activities: the admins' as `pool_records_q`, and every activity of the county
    for its lecturers, who attend them."""
    q = pool_records_q(user)
    scope = scope_for(user)
    if q is None and scope.lecturer_id is not None:
        return Q(county_id=scope.county_id)
    return q


# --- Provinces --------------------------------------------------------------------------------
# A province admin's login belongs to no county (Membership.clean), so scope_for gives them
# NO_SCOPE and every rule above refuses them: they book, grab, rate and manage nothing, and no
# county-scoped list shows them a row. Only the provincial figures ask the rules below, which
# open the counties of their own province, read-only.


@dataclass(frozen=True)
class ProvinceScope:
    province_id: int
    county_ids: frozenset[int]


_NOT_PROVINCE_ADMIN = object()


def counties_in_province(province_id: int) -> QuerySet[Organisation]:
    """The counties placed under a province (whoever asks: callers check the right first)."""
    return Organisation.objects.filter(parent_id=province_id, level=OrgLevel.COUNTY)


def province_scope_for(user) -> ProvinceScope | None:
    """The province a province admin administers and its counties; None for anyone else."""
    if user is None or not user.is_authenticated or user.county_id:
        return None
    cached = getattr(user, "_jiangtai_province_scope", None)
    if cached is not None:
        return None if cached is _NOT_PROVINCE_ADMIN else cached
    province_id = (
        Membership.objects.filter(user=user, role=Role.PROVINCE_ADMIN, org__level=OrgLevel.PROVINCE)
        .order_by("org_id")
        .values_list("org_id", flat=True)
        .first()
    )
    scope = None
    if province_id is not None:
        counties = counties_in_province(province_id)
        scope = ProvinceScope(province_id, frozenset(counties.values_list("pk", flat=True)))
    user._jiangtai_province_scope = scope or _NOT_PROVINCE_ADMIN
    return scope


def is_province_admin(user) -> bool:
    return province_scope_for(user) is not None


def province_for_user(user) -> Organisation:
    """The caller's province; NotFound for anyone who administers none."""
    scope = province_scope_for(user)
    if scope is None:
        raise NotFound()
    return Organisation.objects.get(pk=scope.province_id)


def counties_of_province(user) -> QuerySet[Organisation]:
    """The counties of the caller's province, by name (none for anyone else)."""
    scope = province_scope_for(user)
    if scope is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=scope.county_ids).order_by("name", "id")


def county_of_province(user, county_id) -> Organisation:
    """One county of the caller's province, whose figures they may read; NotFound otherwise
    (another province's county, a town, anything for anyone but a province admin)."""
    try:
        return counties_of_province(user).get(pk=_as_id(county_id))
    except Organisation.DoesNotExist:
        raise NotFound() from None
