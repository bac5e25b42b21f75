from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from core.errors import InvalidInput
from core.timeutil import local
from courses.models import Category
from evaluation.reports import comments_of
from lecturers import selectors
from lecturers.lifecycle import lecturer_status_change
from lecturers.models import Lecturer, LecturerStatus
from lecturers.selectors import lecturer_for_user
from lecturers.services import lecturer_create, lecturer_like, lecturer_update
from scheduling.selectors import open_bookings_of_unavailable_lecturer

from ..idempotency import idempotent
from ..renderers import cached_json
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["lecturers"])


class LecturerItem(Schema):
    id: int
    name: str
    level: str
    status: str
    source: str
    star: int | None
    score: float | None
    categories: list[str]
    titles: list[str]
    likes: int
    course_count: int
    org_id: int | None
    org_name: str | None
    specialties: list[str]
    photo_url: str | None


class LecturerList(Schema):
    items: list[LecturerItem]
    count: int


class LecturerFilters(PageParams):
    q: str = Field("", max_length=100)
    category: str = ""
    org_id: Id | None = None
    status: str = ""
    sort: str = "recommended"


class CourseBrief(Schema):
    id: int
    title: str
    category: str
    duration_minutes: int
    star: int | None
    score: float | None


class CommentOut(Schema):
    """A trainee's comment on the résumé: the text, when and the rating's overall score; never
    who wrote it."""

    comment: str
    created_at: datetime
    overall: float


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    actor_name: str | None
    at: datetime


class BookingToDecide(Schema):
    id: int
    status: str
    start: datetime
    end: datetime
    org_id: int
    org_name: str
    course_title: str


class LecturerDetail(LecturerItem):
    gender: str
    birth_year: int | None
    unit: str
    post: str
    phone: str
    teaching_style: str
    bio: str
    lat: float | None
    lng: float | None
    liked: bool
    courses: list[CourseBrief]
    recent_comments: list[CommentOut]
    version: int
    # For those who manage the lecturer (and the lecturer's own terms); null for others.
    appointed_from: date | None = None
    appointed_until: date | None = None
    status_history: list[StatusChangeOut] | None = None
    bookings_to_decide: list[BookingToDecide] | None = None


class LecturerPatch(Schema):
    """Send only the fields to change. `version` is the one the edit started from."""

    version: int | None = None
    name: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    unit: str | None = None
    post: str | None = None
    source: str | None = None
    level: str | None = None
    org_id: Id | None = None
    specialties: str | None = None
    teaching_style: str | None = None
    bio: str | None = None
    lat: float | None = None
    lng: float | None = None
    appointed_from: date | None = None
    appointed_until: date | None = None
    # Refused with a message saying where they are changed instead.
    status: str | None = None
    phone: str | None = None


class StatusIn(Schema):
    status: str
    reason: str = ""


class LecturerIn(Schema):
    name: str
    phone: str
    source: str
    level: str
    org_id: Id | None = None
    specialties: str = ""
    bio: str = ""
    lat: float | None = None
    lng: float | None = None
    gender: str = ""
    birth_year: int | None = None
    unit: str = ""
    post: str = ""
    teaching_style: str = ""
    status: str = LecturerStatus.ACTIVE


class LecturerCreated(Schema):
    id: int
    name: str
    level: str
    status: str
    username: str
    initial_password: str


class LikeOut(Schema):
    likes: int


def _item(lecturer: Lecturer) -> dict:
    return {
        "id": lecturer.pk,
        "name": lecturer.name,
        "level": lecturer.level,
        "status": lecturer.status,
        "source": lecturer.source,
        "star": lecturer.star,
        "score": lecturer.score,
        "categories": selectors.lecturer_categories(lecturer),
        "titles": selectors.lecturer_titles(lecturer),
        "likes": lecturer.likes_count,
        "course_count": lecturer.course_count,
        "org_id": lecturer.org_id,
        "org_name": lecturer.org.name if lecturer.org else None,
        "specialties": lecturer.specialty_list,
        "photo_url": lecturer.photo.url if lecturer.photo else None,
    }


def _check_filters(filters: LecturerFilters) -> None:
    if filters.category and filters.category not in Category.values:
        raise InvalidInput.field("category", _("Unknown category."))
    if filters.status and filters.status not in LecturerStatus.values:
        raise InvalidInput.field("status", _("Unknown status."))
    if filters.sort not in selectors.SORTS:
        raise InvalidInput.field("sort", _("Unknown sort order."))
    if "\x00" in filters.q:
        raise InvalidInput.field("q", _("Contains an invalid character."))


@router.get(
    "", response={200: LecturerList, **READ_ERRORS}, summary="Search the lecturer catalogue"
)
def lecturer_list(request, filters: Query[LecturerFilters]):
    _check_filters(filters)

    def page() -> dict:
        qs = selectors.lecturer_list_for_user(
            request.auth,
            q=filters.q,
            category=filters.category,
            org_id=filters.org_id,
            status=filters.status,
            sort=filters.sort,
        )
        items, count = paginate(qs, filters)
        return {"items": [_item(lecturer) for lecturer in items], "count": count}

    return cached_json(request, ("lecturers", request.auth.pk, filters.dict()), LecturerList, page)


@router.post(
    "",
    response={201: LecturerCreated, **WRITE_ERRORS},
    summary="Add a lecturer (county admin; town admin: town-level lecturers of the own town)",
)
@decorate_view(idempotent)
def lecturer_create_endpoint(request, payload: LecturerIn):
    lecturer, password = lecturer_create(actor=request.auth, **payload.dict())
    return Status(
        201,
        {
            "id": lecturer.pk,
            "name": lecturer.name,
            "level": lecturer.level,
            "status": lecturer.status,
            "username": lecturer.user.username,
            "initial_password": password,
        },
    )


def _detail(user, lecturer_id) -> dict:
    lecturer = selectors.lecturer_detail_for_user(user, lecturer_id)
    detail = {
        **_item(lecturer),
        "gender": lecturer.gender,
        "birth_year": lecturer.birth_year,
        "unit": lecturer.unit,
        "post": lecturer.post,
        "phone": selectors.lecturer_phone_for(user, lecturer),
        "teaching_style": lecturer.teaching_style,
        "bio": lecturer.bio,
        "lat": lecturer.lat,
        "lng": lecturer.lng,
        "liked": selectors.lecturer_liked_by(user, lecturer),
        "courses": lecturer.active_courses,
        "recent_comments": [
            {**c, "created_at": local(c["created_at"])} for c in comments_of(lecturer)
        ],
        "version": lecturer.version,
    }
    if selectors.lecturer_sees_terms(user, lecturer) or access.is_lecturer_self(user, lecturer):
        detail["appointed_from"] = lecturer.appointed_from
        detail["appointed_until"] = lecturer.appointed_until
    if selectors.lecturer_sees_terms(user, lecturer):
        detail["status_history"] = [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
                "actor_name": c.actor.name if c.actor else None,
                "at": local(c.at),
            }
            for c in selectors.lecturer_status_history(user, lecturer)
        ]
        detail["bookings_to_decide"] = [
            {
                "id": b.pk,
                "status": b.status,
                "start": local(b.start_at),
                "end": local(b.end_at),
                "org_id": b.org_id,
                "org_name": b.org.name,
                "course_title": b.course.title,
            }
            for b in open_bookings_of_unavailable_lecturer(user, lecturer)
        ]
    return detail


@router.get(
    "/{int:lecturer_id}",
    response={200: LecturerDetail, **READ_ERRORS},
    summary="A lecturer's résumé",
)
def lecturer_detail(request, lecturer_id: int):
    return _detail(request.auth, lecturer_id)


@router.patch(
    "/{int:lecturer_id}",
    response={200: LecturerDetail, **WRITE_ERRORS},
    summary="Change a lecturer's résumé (county admin; town admin for town level; the lecturer "
    "for the own bio, specialties and teaching style)",
    description="Partial update: send only the fields to change. 422 names each wrong field and "
    "writes nothing; 409 `edit_conflict` when the lecturer changed since `version` (or since "
    "the request read it), so that two people editing at once never lose an update.",
)
@decorate_view(idempotent)
def lecturer_update_endpoint(request, lecturer_id: int, payload: LecturerPatch):
    lecturer = lecturer_for_user(request.auth, lecturer_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version", None)
    lecturer_update(actor=request.auth, lecturer=lecturer, changes=changes, version=version)
    return _detail(request.auth, lecturer.pk)


@router.post(
    "/{int:lecturer_id}/status",
    response={200: LecturerDetail, **WRITE_ERRORS},
    summary="Move a lecturer in the lifecycle (county admin; town admin for town level)",
    description='`{"status", "reason"}`: candidate → active; active → cold_store | removed; '
    "cold_store → active | removed. 409 `bad_state` for another move or when someone moved "
    "the lecturer meanwhile; 422 without a reason. Future bookings are kept and listed in "
    "`bookings_to_decide`.",
)
@decorate_view(idempotent)
def lecturer_status_endpoint(request, lecturer_id: int, payload: StatusIn):
    lecturer = lecturer_for_user(request.auth, lecturer_id)
    lecturer_status_change(
        actor=request.auth, lecturer=lecturer, status=payload.status, reason=payload.reason
    )
    return _detail(request.auth, lecturer.pk)


@router.post(
    "/{int:lecturer_id}/like",
    response={200: LikeOut, **WRITE_ERRORS},
    summary="Like a lecturer once",
)
@decorate_view(idempotent)
def lecturer_like_endpoint(request, lecturer_id: int):
    lecturer = lecturer_for_user(request.auth, lecturer_id)
    return {"likes": lecturer_like(actor=request.auth, lecturer=lecturer)}
