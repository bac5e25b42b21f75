from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from core.errors import InvalidInput
from courses.models import Category, CourseStatus
from courses.selectors import course_list_for_user
from courses.services import course_create
from lecturers.selectors import lecturer_for_user

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["courses"])


class CourseOut(Schema):
    id: int
    lecturer_id: int
    lecturer_name: str = Field(alias="lecturer.name")
    title: str
    category: str
    objectives: str
    outline: str
    structure: str
    duration_minutes: int
    audiences: list[str]
    classrooms: list[str]
    status: str
    star: int | None
    score: float | None


class CourseList(Schema):
    items: list[CourseOut]
    count: int


class CourseFilters(PageParams):
    q: str = Field("", max_length=100)
    category: str = ""
    lecturer_id: Id | None = None


class CourseIn(Schema):
    lecturer_id: Id
    title: str
    category: str
    objectives: str = ""
    outline: str = ""
    structure: str = ""
    duration_minutes: int = 90
    audiences: list[str] = []
    classrooms: list[str] = []
    status: str = CourseStatus.ACTIVE


@router.get("", response={200: CourseList, **READ_ERRORS}, summary="Search the course catalogue")
def course_list(request, filters: Query[CourseFilters]):
    if filters.category and filters.category not in Category.values:
        raise InvalidInput.field("category", _("Unknown category."))
    qs = course_list_for_user(
        request.auth, q=filters.q, category=filters.category, lecturer_id=filters.lecturer_id
    )
    items, count = paginate(qs, filters)
    return {"items": items, "count": count}


@router.post(
    "",
    response={201: CourseOut, **WRITE_ERRORS},
    summary="Add a course (county admin or the lecturer)",
)
@decorate_view(idempotent)
def course_create_endpoint(request, payload: CourseIn):
    data = payload.dict()
    lecturer = lecturer_for_user(request.auth, data.pop("lecturer_id"))
    course = course_create(actor=request.auth, lecturer=lecturer, **data)
    return Status(201, course)
