from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from access.services import org_create

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
    "", response={201: OrgOut, **WRITE_ERRORS}, summary="Create an organisation (county admin)"
)
@decorate_view(idempotent)
def org_create_endpoint(request, payload: OrgIn):
    org = org_create(actor=request.auth, **payload.dict())
    return Status(201, org)
