from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from access.services import org_create, org_update
from backoffice.services import org_deactivate, org_reactivate

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["organisations"])


class OrgOut(Schema):
    id: int
    name: str
    level: str
    parent_id: int | None
    county_id: int | None
    group: str
    lat: float | None
    lng: float | None
    address: str
    is_active: bool


class OrgList(Schema):
    items: list[OrgOut]
    count: int


class OrgFilters(PageParams):
    parent: Id | None = None
    level: str | None = None


class OrgIn(Schema):
    name: str
    level: str
    parent_id: Id | None = None
    group: str = ""
    lat: float | None = None
    lng: float | None = None
    address: str = ""


@router.get("", response={200: OrgList, **READ_ERRORS}, summary="Organisations the caller may see")
def org_list(request, filters: Query[OrgFilters]):
    qs = access.orgs_visible_to(request.auth).order_by("id")
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.level:
        qs = qs.filter(level=filters.level)
    items, count = paginate(qs, filters)
    return {"items": items, "count": count}


@router.post(
    "",
    response={201: OrgOut, **WRITE_ERRORS},
    summary="Create an organisation (county admin; town admin for a branch of their town)",
)
@decorate_view(idempotent)
def org_create_endpoint(request, payload: OrgIn):
    org = org_create(actor=request.auth, **payload.dict())
    return Status(201, org)


class OrgPatch(Schema):
    """Send only the fields to change."""

    name: str | None = None
    parent_id: Id | None = None
    group: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str | None = None


class ReasonIn(Schema):
    reason: str


@router.patch(
    "/{int:org_id}",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="Change an organisation (county admin; town admin for the branches of their town)",
    description="Partial update of `name`, `parent_id` (a branch moves to another town), `group`, "
    "`address`, `lat` and `lng` (a pair: send `null` for both to clear the place). 422 names each "
    "wrong field, also a name already used under the same parent, and writes nothing; 409 "
    "`edit_conflict` when someone changed the organisation at the same moment.",
)
@decorate_view(idempotent)
def org_update_endpoint(request, org_id: int, payload: OrgPatch):
    org = access.org_for_user(request.auth, org_id)
    return org_update(actor=request.auth, org=org, changes=payload.dict(exclude_unset=True))


@router.post(
    "/{int:org_id}/deactivate",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="Deactivate an organisation (county admin; town admin for the branches of their town)",
    description='`{"reason"}`. A deactivated organisation (and a deactivated town\'s branches) '
    "can no longer book (`POST /bookings`) or post demands: those answer 409 `org_inactive`. "
    "Refused with 409 `org_busy`, naming the numbers, while it (or a town's branch) has open "
    "bookings or demands; 409 `bad_state` for a county or an organisation already inactive; "
    "422 without a reason.",
)
@decorate_view(idempotent)
def org_deactivate_endpoint(request, org_id: int, payload: ReasonIn):
    org = access.org_for_user(request.auth, org_id)
    return org_deactivate(actor=request.auth, org=org, reason=payload.reason)


@router.post(
    "/{int:org_id}/reactivate",
    response={200: OrgOut, **WRITE_ERRORS},
    summary="Reactivate an organisation (county admin; town admin for the branches of their town)",
    description='`{"reason"}`. 409 `bad_state` when it is active already; 422 without a reason.',
)
@decorate_view(idempotent)
def org_reactivate_endpoint(request, org_id: int, payload: ReasonIn):
    org = access.org_for_user(request.auth, org_id)
    return org_reactivate(actor=request.auth, org=org, reason=payload.reason)
