from datetime import datetime, time

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status
from pydantic import StrictInt

from core.errors import InvalidInput
from core.timeutil import local
from matching import selectors, services, windows
from matching.models import Demand, DemandStatus
from matching.selectors import demand_for_user

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["matching"])


class DemandIn(Schema):
    org_id: Id
    topic: str
    category: str = ""
    window_start: datetime
    window_end: datetime
    duration_minutes: int = 90
    venue: str = ""
    lat: float | None = None
    lng: float | None = None
    expected_attendees: int = 30
    classroom: str = "classroom"
    audience: str = ""
    # Inside the window: daily hours ("14:00", Shanghai time) and weekdays (0 Monday … 6
    # Sunday); left out, any hour and day of the window will do.
    daily_from: time | None = None
    daily_until: time | None = None
    weekdays: list[StrictInt] | None = None
    base_id: Id | None = None


class DemandOut(Schema):
    id: int
    status: str
    org_id: int
    org_name: str
    topic: str
    category: str
    window_start: datetime
    window_end: datetime
    duration_minutes: int
    venue: str
    lat: float
    lng: float
    expected_attendees: int
    classroom: str
    audience: str
    broadcast_round: int
    booking_id: int | None
    unmatched_terms: list[str]
    daily_from: str | None
    daily_until: str | None
    weekdays: list[int]
    schedule: str


class DemandList(Schema):
    items: list[DemandOut]
    count: int


class DemandFilters(PageParams):
    status: str = ""


class Components(Schema):
    topic: float
    distance: float
    quality: float
    fairness: float
    availability: float


class RecommendationOut(Schema):
    lecturer_id: int
    lecturer_name: str
    course_id: int
    course_title: str
    score: float
    components: Components
    distance_km: float | None
    start: datetime
    reason: str


class RecommendationQuery(Schema):
    limit: int = Field(10, ge=1, le=50)


class BroadcastIn(Schema):
    limit: int | None = None


class BroadcastOut(Schema):
    notified: list[int]


class GrabIn(Schema):
    course_id: Id
    start: datetime


class GrabOut(Schema):
    booking_id: int


class InviteIn(Schema):
    lecturer_id: Id
    course_id: Id
    start: datetime


class InviteOut(Schema):
    booking_id: int
    status: str


def _demand(d: Demand) -> dict:
    return {
        "id": d.pk,
        "status": d.status,
        "org_id": d.org_id,
        "org_name": d.org.name,
        "topic": d.topic,
        "category": d.category,
        "window_start": local(d.window_start),
        "window_end": local(d.window_end),
        "duration_minutes": d.duration_minutes,
        "venue": d.venue,
        "lat": d.lat,
        "lng": d.lng,
        "expected_attendees": d.expected_attendees,
        "classroom": d.classroom,
        "audience": d.audience,
        "broadcast_round": d.broadcast_round,
        "booking_id": d.booking_id,
        "unmatched_terms": d.unmatched_terms,
        "daily_from": f"{d.daily_from:%H:%M}" if d.daily_from else None,
        "daily_until": f"{d.daily_until:%H:%M}" if d.daily_until else None,
        "weekdays": windows.days_list(d.weekdays),
        "schedule": windows.demand_schedule_label(d),
    }


@router.post(
    "/demands", response={201: DemandOut, **WRITE_ERRORS}, summary="Post a demand (需求邀约)"
)
@decorate_view(idempotent)
def demand_create(request, payload: DemandIn):
    return Status(201, _demand(services.demand_create(actor=request.auth, **payload.dict())))


@router.get(
    "/demands",
    response={200: DemandList, **READ_ERRORS},
    summary="Demands I posted, or was notified of",
)
def demand_list(request, filters: Query[DemandFilters]):
    if filters.status and filters.status not in DemandStatus.values:
        raise InvalidInput.field("status", _("Unknown status."))
    items, count = paginate(
        selectors.demand_list_for_user(request.auth, status=filters.status), filters
    )
    return {"items": [_demand(d) for d in items], "count": count}


@router.get(
    "/demands/{int:demand_id}", response={200: DemandOut, **READ_ERRORS}, summary="One demand"
)
def demand_detail(request, demand_id: int):
    return _demand(demand_for_user(request.auth, demand_id))


@router.get(
    "/demands/{int:demand_id}/recommendations",
    response={200: list[RecommendationOut], **READ_ERRORS},
    summary="Ranked lecturers with their score components and a reason",
)
def demand_recommendations(request, demand_id: int, query: Query[RecommendationQuery]):
    demand = demand_for_user(request.auth, demand_id)
    result = services.demand_recommendations(actor=request.auth, demand=demand, limit=query.limit)
    return [r.as_dict() | {"start": local(r.start)} for r in result.recommendations]


@router.post(
    "/demands/{int:demand_id}/broadcast",
    response={200: BroadcastOut, **WRITE_ERRORS},
    summary="Notify the top lecturers",
)
@decorate_view(idempotent)
def demand_broadcast(request, demand_id: int, payload: BroadcastIn):
    demand = demand_for_user(request.auth, demand_id)
    return {
        "notified": services.demand_broadcast(
            actor=request.auth, demand=demand, limit=payload.limit
        )
    }


@router.post(
    "/demands/{int:demand_id}/grab",
    response={200: GrabOut, **WRITE_ERRORS},
    summary="Grab the order (notified lecturer)",
)
@decorate_view(idempotent)
def demand_grab(request, demand_id: int, payload: GrabIn):
    demand = demand_for_user(request.auth, demand_id)
    booking = services.demand_grab(
        actor=request.auth, demand=demand, course_id=payload.course_id, start=payload.start
    )
    return {"booking_id": booking.pk}


@router.post(
    "/demands/{int:demand_id}/invite",
    response={201: InviteOut, **WRITE_ERRORS},
    summary="Invite one recommended lecturer directly (a booking request)",
)
@decorate_view(idempotent)
def demand_invite(request, demand_id: int, payload: InviteIn):
    demand = demand_for_user(request.auth, demand_id)
    booking = services.demand_invite(actor=request.auth, demand=demand, **payload.dict())
    return Status(201, {"booking_id": booking.pk, "status": booking.status})


@router.post(
    "/demands/{int:demand_id}/cancel",
    response={200: DemandOut, **WRITE_ERRORS},
    summary="Withdraw a demand",
)
@decorate_view(idempotent)
def demand_cancel(request, demand_id: int):
    demand = demand_for_user(request.auth, demand_id)
    return _demand(services.demand_cancel(actor=request.auth, demand=demand))
