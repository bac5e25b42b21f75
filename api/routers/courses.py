from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from core.errors import InvalidInput
from courses.models import Category, CourseStatus
from courses.selectors import course_for_user, course_list_for_user
from courses.services import course_approve, course_create, course_return, course_update
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
    # A lecturer's proposed new version of an offered course, its state and the county's
    # reason when it (or a proposed course) was returned.
    pending_change: dict
    change_status: str
    review_note: str


class CourseList(Schema):
    items: list[CourseOut]
    count: int


class CourseFilters(PageParams):
    q: str = Field("", max_length=100)
    category: str = ""
    lecturer_id: Id | None = None
    status: str = ""


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
    # County admins only (default `active`); a lecturer's course always starts `proposed`.
    status: str | None = None


class CoursePatch(Schema):
    """Send only the fields to change."""

    title: str | None = None
    category: str | None = None
    objectives: str | None = None
    outline: str | None = None
    structure: str | None = None
    duration_minutes: int | None = None
    audiences: list[str] | None = None
    classrooms: list[str] | None = None


class ReturnIn(Schema):
    reason: str = ""


@router.get("", response={200: CourseList, **READ_ERRORS}, summary="Search the course catalogue")
def course_list(request, filters: Query[CourseFilters]):
    if filters.category and filters.category not in Category.values:
        raise InvalidInput.field("category", _("Unknown category."))
    if filters.status and filters.status not in CourseStatus.values:
        raise InvalidInput.field("status", _("Unknown status."))
    qs = course_list_for_user(
        request.auth,
        q=filters.q,
        category=filters.category,
        lecturer_id=filters.lecturer_id,
        status=filters.status,
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


@router.patch(
    "/{int:course_id}",
    response={200: CourseOut, **WRITE_ERRORS},
    summary="Change a course (county admin or the lecturer)",
    description="The county's change applies at once. The lecturer's change of a proposed or "
    "returned course proposes it again; of an offered course it waits as `pending_change` for "
    "the county's approval while the offered version stays bookable.",
)
@decorate_view(idempotent)
def course_update_endpoint(request, course_id: int, payload: CoursePatch):
    course = course_for_user(request.auth, course_id)
    return course_update(
        actor=request.auth, course=course, changes=payload.dict(exclude_unset=True)
    )


@router.post(
    "/{int:course_id}/approve",
    response={200: CourseOut, **WRITE_ERRORS},
    summary="Approve a lecturer's proposed course or change (county admin)",
    description="`proposed` → `active`, or the pending change applied; each approval is a "
    "new course revision. 409 `bad_state` when nothing awaits approval.",
)
@decorate_view(idempotent)
def course_approve_endpoint(request, course_id: int):
    course = course_for_user(request.auth, course_id)
    return course_approve(actor=request.auth, course=course)


@router.post(
    "/{int:course_id}/return",
    response={200: CourseOut, **WRITE_ERRORS},
    summary="Return a lecturer's proposed course or change with a reason (county admin)",
    description='`{"reason"}` (required, 422 without). `proposed` → `returned`; a pending '
    "change → `change_status: returned`. The lecturer changes it and proposes it again.",
)
@decorate_view(idempotent)
def course_return_endpoint(request, course_id: int, payload: ReturnIn):
    course = course_for_user(request.auth, course_id)
    return course_return(actor=request.auth, course=course, reason=payload.reason)
