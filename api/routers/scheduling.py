from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from core.errors import InvalidInput
from core.timeutil import local
from courses.models import Category
from scheduling import calendar, selectors, services
from scheduling.models import Booking, BookingStatus, OutsideSession, OutsideSessionStatus
from scheduling.selectors import outside_session_for_user, outside_sessions_visible_to
from scheduling.validation import clean_month

from ..idempotency import idempotent
from ..limits import body_limit, upload_limit
from ..renderers import cached_json
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["scheduling"])


# --- schemas ---------------------------------------------------------------------------------


class SlotIn(Schema):
    start: datetime
    end: datetime


class SlotOut(Schema):
    id: int
    start: datetime
    end: datetime


class CourseBrief(Schema):
    id: int
    title: str
    category: str
    duration_minutes: int


class OfferingIn(Schema):
    month: str
    course_ids: list[Id]
    slots: list[SlotIn] = Field(default_factory=list, max_length=200)
    note: str = ""


class MonthIn(Schema):
    month: str


class OfferingOut(Schema):
    id: int
    month: str
    lecturer_id: int
    lecturer_name: str
    courses: list[CourseBrief]
    slots: list[SlotOut]
    note: str


class OfferingList(Schema):
    items: list[OfferingOut]
    count: int


class OfferingFilters(PageParams):
    month: str = ""
    lecturer_id: Id | None = None
    category: str = ""
    org_id: Id | None = None


class BookingIn(Schema):
    org_id: Id
    lecturer_id: Id
    course_id: Id
    start: datetime
    end: datetime
    venue: str
    expected_attendees: int
    classroom: str
    is_home_delivery: bool = False
    home_delivery_need: str = ""
    note: str = ""
    base_id: Id | None = Field(None, description="a teaching base as the venue (409 `base_full`)")
    place_type: str = Field(
        "", description="bench classroom: `community`, `firm`, `field` or `home` (home delivery)"
    )
    home_member_name: str = Field("", description="home delivery: the member served")
    home_member_reason: str = Field("", description="home delivery: `illness`, `age` or `distance`")


class BookingOut(Schema):
    id: int
    status: str
    org_id: int
    org_name: str
    lecturer_id: int
    lecturer_name: str
    course_id: int
    course_title: str
    start: datetime
    end: datetime
    venue: str
    expected_attendees: int
    classroom: str
    place_type: str
    is_home_delivery: bool
    home_delivery_need: str
    home_member_name: str = Field(
        description="empty unless the caller is the organisation or an admin above it"
    )
    home_member_reason: str
    note: str
    reason: str
    is_late_cancel: bool
    expires_at: datetime
    created_at: datetime


class BookingList(Schema):
    items: list[BookingOut]
    count: int


class BookingFilters(PageParams):
    status: str = ""
    side: str = Field("", description="`lecturer`: my orders; `org`: my organisation's bookings")


class ReasonIn(Schema):
    reason: str


class RescheduleIn(Schema):
    start: datetime
    end: datetime
    reason: str = ""


class FeedOut(Schema):
    url: str


class OutsideOut(Schema):
    id: int
    lecturer_id: int
    host: str
    topic: str
    start: datetime
    end: datetime
    venue: str
    status: str
    decision_note: str


class DecisionIn(Schema):
    approve: bool
    note: str = ""


def _booking(b: Booking, user) -> dict:
    private = access.may_see_home_member(user, b)
    return {
        "id": b.pk,
        "status": b.status,
        "org_id": b.org_id,
        "org_name": b.org.name,
        "lecturer_id": b.lecturer_id,
        "lecturer_name": b.lecturer.name,
        "course_id": b.course_id,
        "course_title": b.course.title,
        "start": local(b.start_at),
        "end": local(b.end_at),
        "venue": b.venue,
        "expected_attendees": b.expected_attendees,
        "classroom": b.classroom,
        "place_type": b.place_type,
        "is_home_delivery": b.is_home_delivery,
        "home_delivery_need": b.home_delivery_need,
        "home_member_name": b.home_member_name if private else "",
        "home_member_reason": b.home_member_reason if private else "",
        "note": b.note,
        "reason": b.reason,
        "is_late_cancel": b.is_late_cancel,
        "expires_at": local(b.expires_at),
        "created_at": local(b.created_at),
    }


def _offering(o) -> dict:
    return {
        "id": o.pk,
        "month": f"{o.month:%Y-%m}",
        "lecturer_id": o.lecturer_id,
        "lecturer_name": o.lecturer.name,
        "courses": list(o.courses.all()),
        "slots": [
            {"id": s.pk, "start": local(s.start_at), "end": local(s.end_at)} for s in o.slots.all()
        ],
        "note": o.note,
    }


def _outside(s: OutsideSession) -> dict:
    return {
        "id": s.pk,
        "lecturer_id": s.lecturer_id,
        "host": s.host,
        "topic": s.topic,
        "start": local(s.start_at),
        "end": local(s.end_at),
        "venue": s.venue,
        "status": s.status,
        "decision_note": s.decision_note,
    }


def _reload_offering(user, offering):
    return selectors.offering_list_for_user(user).get(pk=offering.pk)


# --- offerings ---------------------------------------------------------------------------------


@router.post(
    "/offerings", response={201: OfferingOut, **WRITE_ERRORS}, summary="Publish a month (lecturer)"
)
@decorate_view(idempotent)
def offering_publish(request, payload: OfferingIn):
    offering, _created = services.offering_publish(
        actor=request.auth,
        month=payload.month,
        course_ids=payload.course_ids,
        slots=[s.dict() for s in payload.slots],
        note=payload.note,
    )
    return Status(201, _offering(_reload_offering(request.auth, offering)))


@router.post(
    "/offerings/copy-previous",
    response={201: OfferingOut, **WRITE_ERRORS},
    summary="Publish a month from last month's courses and weekdays (lecturer)",
)
@decorate_view(idempotent)
def offering_copy_previous(request, payload: MonthIn):
    offering, _created = services.offering_copy_previous(actor=request.auth, month=payload.month)
    return Status(201, _offering(_reload_offering(request.auth, offering)))


@router.get("/offerings", response={200: OfferingList, **READ_ERRORS}, summary="The monthly menu")
def offering_list(request, filters: Query[OfferingFilters]):
    if filters.category and filters.category not in Category.values:
        raise InvalidInput.field("category", _("Unknown category."))
    month = clean_month(filters.month) if filters.month else None
    qs = selectors.offering_list_for_user(
        request.auth,
        month=month,
        lecturer_id=filters.lecturer_id,
        category=filters.category,
        org_id=filters.org_id,
    )
    items, count = paginate(qs, filters)
    return {"items": [_offering(o) for o in items], "count": count}


# --- bookings ------------------------------------------------------------------------------------


@router.post("/bookings", response={201: BookingOut, **WRITE_ERRORS}, summary="Book a lecturer")
@decorate_view(idempotent)
def booking_create(request, payload: BookingIn):
    booking = services.booking_create(actor=request.auth, **payload.dict())
    return Status(201, _booking(booking, request.auth))


@router.get(
    "/bookings", response={200: BookingList, **READ_ERRORS}, summary="Bookings I am a party of"
)
def booking_list(request, filters: Query[BookingFilters]):
    if filters.status and filters.status not in BookingStatus.values:
        raise InvalidInput.field("status", _("Unknown status."))
    if filters.side not in ("", "lecturer", "org"):
        raise InvalidInput.field("side", _("Unknown choice."))

    def page() -> dict:
        qs = selectors.booking_list_for_user(request.auth, status=filters.status, side=filters.side)
        items, count = paginate(qs, filters)
        return {"items": [_booking(b, request.auth) for b in items], "count": count}

    return cached_json(request, ("bookings", request.auth.pk, filters.dict()), BookingList, page)


@router.get(
    "/bookings/{int:booking_id}", response={200: BookingOut, **READ_ERRORS}, summary="One booking"
)
def booking_detail(request, booking_id: int):
    return _booking(selectors.booking_detail_for_user(request.auth, booking_id), request.auth)


def _transition(request, booking_id: int, service, **kwargs) -> dict:
    """One booking action: the booking as the caller may see it (404 outside), the service's
    move (its checks answer 403/409/422), the booking as it is now."""
    booking = selectors.booking_to_change(request.auth, booking_id)
    return _booking(service(actor=request.auth, booking=booking, **kwargs), request.auth)


@router.post(
    "/bookings/{int:booking_id}/accept",
    response={200: BookingOut, **WRITE_ERRORS},
    summary="Accept (lecturer)",
)
@decorate_view(idempotent)
def booking_accept(request, booking_id: int):
    return _transition(request, booking_id, services.booking_accept)


@router.post(
    "/bookings/{int:booking_id}/decline",
    response={200: BookingOut, **WRITE_ERRORS},
    summary="Decline (lecturer)",
)
@decorate_view(idempotent)
def booking_decline(request, booking_id: int, payload: ReasonIn):
    return _transition(request, booking_id, services.booking_decline, reason=payload.reason)


@router.post(
    "/bookings/{int:booking_id}/cancel",
    response={200: BookingOut, **WRITE_ERRORS},
    summary="Cancel (either party)",
)
@decorate_view(idempotent)
def booking_cancel(request, booking_id: int, payload: ReasonIn):
    return _transition(request, booking_id, services.booking_cancel, reason=payload.reason)


@router.post(
    "/bookings/{int:booking_id}/complete",
    response={200: BookingOut, **WRITE_ERRORS},
    summary="Mark as held",
)
@decorate_view(idempotent)
def booking_complete(request, booking_id: int):
    return _transition(request, booking_id, services.booking_complete)


@router.post(
    "/bookings/{int:booking_id}/reschedule",
    response={200: BookingOut, **WRITE_ERRORS},
    summary="Propose a new time (booking organisation)",
)
@decorate_view(idempotent)
def booking_reschedule(request, booking_id: int, payload: RescheduleIn):
    return _transition(
        request,
        booking_id,
        services.booking_reschedule,
        start=payload.start,
        end=payload.end,
        reason=payload.reason,
    )


# --- calendars -------------------------------------------------------------------------------------


@router.get(
    "/calendar-feed",
    response={200: FeedOut, 401: READ_ERRORS[401], 403: READ_ERRORS[403]},
    summary="My private iCalendar feed",
)
def calendar_feed(request):
    return {"url": calendar.feed_url_for(request.auth)}


@router.post(
    "/calendar-feed/rotate",
    response={200: FeedOut, 401: READ_ERRORS[401], 403: READ_ERRORS[403]},
    summary="Revoke and renew my feed URL",
)
@decorate_view(idempotent)
def calendar_feed_rotate(request):
    return {"url": calendar.feed_rotate(request.auth)}


# --- out-of-county sessions --------------------------------------------------------------------------


@router.post(
    "/outside-sessions",
    response={201: OutsideOut, **WRITE_ERRORS},
    summary="File an out-of-county session with its invitation letter (lecturer)",
)
@decorate_view(idempotent)
@body_limit(upload_limit)
def outside_session_file(
    request,
    host: Form[str],
    topic: Form[str],
    start: Form[datetime],
    end: Form[datetime],
    venue: Form[str],
    letter: File[UploadedFile],
):
    session = services.outside_session_file(
        actor=request.auth, host=host, topic=topic, start=start, end=end, venue=venue, letter=letter
    )
    return Status(201, _outside(session))


@router.get(
    "/outside-sessions",
    response={200: list[OutsideOut], **READ_ERRORS},
    summary="Out-of-county sessions",
)
def outside_session_list(request, status: str = ""):
    if status and status not in OutsideSessionStatus.values:
        raise InvalidInput.field("status", _("Unknown status."))
    qs = outside_sessions_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [_outside(s) for s in qs[:200]]


@router.post(
    "/outside-sessions/{int:session_id}/decide",
    response={200: OutsideOut, **WRITE_ERRORS},
    summary="Approve or reject (county admin)",
)
@decorate_view(idempotent)
def outside_session_decide(request, session_id: int, payload: DecisionIn):
    session = outside_session_for_user(request.auth, session_id)
    return _outside(
        services.outside_session_decide(
            actor=request.auth, session=session, approve=payload.approve, note=payload.note
        )
    )
