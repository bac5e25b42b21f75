from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from core.errors import InvalidInput
from core.timeutil import local
from courses.models import Category
from evaluation.reports import recent_comments
from lecturers import selectors
from lecturers.models import Lecturer, LecturerStatus
from lecturers.selectors import lecturer_for_user
from lecturers.services import lecturer_create, lecturer_like

from ..idempotency import idempotent
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


@router.post(
    "", response={201: LecturerCreated, **WRITE_ERRORS}, summary="Add a lecturer (county admin)"
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


@router.get(
    "/{int:lecturer_id}",
    response={200: LecturerDetail, **READ_ERRORS},
    summary="A lecturer's résumé",
)
def lecturer_detail(request, lecturer_id: int):
    user = request.auth
    lecturer = selectors.lecturer_detail_for_user(user, lecturer_id)
    return {
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
            {**c, "created_at": local(c["created_at"])}
            for c in recent_comments([lecturer.pk])[lecturer.pk]
        ],
    }


@router.post(
    "/{int:lecturer_id}/like",
    response={200: LikeOut, **WRITE_ERRORS},
    summary="Like a lecturer once",
)
@decorate_view(idempotent)
def lecturer_like_endpoint(request, lecturer_id: int):
    lecturer = lecturer_for_user(request.auth, lecturer_id)
    return {"likes": lecturer_like(actor=request.auth, lecturer=lecturer)}
