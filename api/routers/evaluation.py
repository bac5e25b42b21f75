from datetime import datetime

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from core.errors import Forbidden, InvalidInput
from core.http import client_ip
from core.timeutil import local
from courses.models import Category
from evaluation import qr, selectors, services
from scheduling.selectors import booking_for_user

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, PageParams

router = Router(tags=["evaluation"])


class TraineeIn(Schema):
    name: str
    phone: str
    content: int
    method: int
    effect: int
    comment: str = ""


class TraineeOut(Schema):
    id: int
    content: int | None
    method: int | None
    effect: int | None
    comment: str
    created_at: datetime


class TraineeRepeatOut(Schema):
    """The same phone again: the first record's id and time only, never another trainee's
    scores or comment."""

    id: int
    created_at: datetime


class OrgRatingIn(Schema):
    performance: int
    discipline: int
    engagement: int
    comment: str = ""


class OrgRatingOut(Schema):
    id: int
    performance: int
    discipline: int
    engagement: int
    comment: str


class RankingItem(Schema):
    id: int
    name: str
    rank: int
    star: int | None
    score: float
    sessions: int
    ratings: int


class RankingList(Schema):
    items: list[RankingItem]
    count: int


class RankingFilters(PageParams):
    category: str = ""
    year: int | None = Field(None, ge=2000, le=2100)
    town_id: Id | None = None


def _trainee(record) -> dict:
    return {
        "id": record.pk,
        "content": record.content,
        "method": record.method,
        "effect": record.effect,
        "comment": record.comment,
        "created_at": local(record.checked_in_at),
    }


@router.post(
    "/evaluations/{token}",
    auth=None,
    response={200: TraineeRepeatOut, 201: TraineeOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut,
              422: ErrorOut, 429: ErrorOut},
    summary="A trainee checks in and rates the session (no login)",
)  # fmt: skip
def evaluation_submit(request, token: str, payload: TraineeIn):
    record, created = services.trainee_rate(
        token=token,
        name=payload.name,
        phone=payload.phone,
        scores={"content": payload.content, "method": payload.method, "effect": payload.effect},
        comment=payload.comment,
        device=request.COOKIES.get("jt_device", ""),
        client_ip=client_ip(request),
    )
    if not created:
        return Status(200, {"id": record.pk, "created_at": local(record.checked_in_at)})
    return Status(201, _trainee(record))


@router.post(
    "/bookings/{int:booking_id}/org-evaluation",
    response={201: OrgRatingOut, **WRITE_ERRORS},
    summary="The lecturer rates the organisation after the session",
)
@decorate_view(idempotent)
def org_evaluation(request, booking_id: int, payload: OrgRatingIn):
    booking = booking_for_user(request.auth, booking_id)
    rating = services.org_rating_submit(actor=request.auth, booking=booking, **payload.dict())
    return Status(201, rating)


def _qr_booking(request, booking_id):
    booking = booking_for_user(request.auth, booking_id)
    if not access.may_see_session_qr(request.auth, booking):
        raise Forbidden()
    if booking.status not in services.RATEABLE:
        raise InvalidInput.field("booking", _("Only confirmed sessions have an evaluation code."))
    return booking


@router.get(
    "/bookings/{int:booking_id}/qrcode.svg",
    response={200: None, **READ_ERRORS, 403: ErrorOut},
    summary="QR code (SVG)",
)
def qrcode_svg(request, booking_id: int):
    return HttpResponse(qr.qr_svg(_qr_booking(request, booking_id)), content_type="image/svg+xml")


@router.get(
    "/bookings/{int:booking_id}/qrcode.png",
    response={200: None, **READ_ERRORS, 403: ErrorOut},
    summary="QR code (PNG)",
)
def qrcode_png(request, booking_id: int):
    return HttpResponse(qr.qr_png(_qr_booking(request, booking_id)), content_type="image/png")


def _check_category(category: str) -> None:
    if category and category not in Category.values:
        raise InvalidInput.field("category", _("Unknown category."))


def _page(items: list, filters) -> dict:
    start = (filters.page - 1) * filters.page_size
    return {"items": items[start : start + filters.page_size], "count": len(items)}


@router.get(
    "/rankings/lecturers",
    response={200: RankingList, **READ_ERRORS},
    summary="Lecturer ranking (智能排位)",
)
def ranking_lecturers(request, filters: Query[RankingFilters]):
    _check_category(filters.category)
    items = selectors.lecturer_ranking(
        request.auth, year=filters.year, category=filters.category, town_id=filters.town_id
    )
    return _page(items, filters)


@router.get(
    "/rankings/orgs",
    response={200: RankingList, **READ_ERRORS},
    summary="Ranking of trained organisations",
)
def ranking_orgs(request, filters: Query[RankingFilters]):
    _check_category(filters.category)
    items = selectors.org_ranking(
        request.auth, year=filters.year, category=filters.category, town_id=filters.town_id
    )
    return _page(items, filters)
