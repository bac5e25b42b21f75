from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from core.errors import InvalidInput
from core.uploads import private_download
from courses.models import Category, Course, CourseStatus
from courses.selectors import (
    course_attachment_for_user,
    course_for_user,
    course_list_for_user,
    may_see_pending_change,
)
from courses.services import course_approve, course_create, course_return, course_update
from lecturers.selectors import lecturer_for_user

from ..idempotency import idempotent
from ..limits import body_limit, upload_limit
from ..renderers import cached_json
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, PageParams, paginate

router = Router(tags=["courses"])

# A file may be sent a little over the limit and is then refused by name (422 on `file`),
# not cut off; far larger bodies are refused before they are read (413).


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
    # The courseware (a PDF, PPT/PPTX or DOC/DOCX) and where to download it (null: none);
    # the proposed new file only for the lecturer and those who manage them.
    attachment_name: str
    attachment_url: str | None
    pending_attachment_name: str
    pending_attachment_url: str | None

    @staticmethod
    def resolve_attachment_url(course: Course, context) -> str | None:
        if not course.attachment:
            return None
        return reverse("api-v1:course_attachment_download", args=[course.pk])

    @staticmethod
    def resolve_pending_attachment_name(course: Course, context) -> str:
        if not course.pending_attachment or not _sees_pending(course, context):
            return ""
        return course.pending_attachment_name

    @staticmethod
    def resolve_pending_attachment_url(course: Course, context) -> str | None:
        if not course.pending_attachment or not _sees_pending(course, context):
            return None
        return reverse("api-v1:course_pending_attachment_download", args=[course.pk])


def _sees_pending(course: Course, context) -> bool:
    return may_see_pending_change(context["request"].auth, course)


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

    def page() -> dict:
        qs = course_list_for_user(
            request.auth,
            q=filters.q,
            category=filters.category,
            lecturer_id=filters.lecturer_id,
            status=filters.status,
        )
        items, count = paginate(qs, filters)
        return {"items": items, "count": count}

    return cached_json(request, ("courses", request.auth.pk, filters.dict()), CourseList, page)


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


@router.post(
    "/{int:course_id}/attachment",
    response={200: CourseOut, **WRITE_ERRORS},
    summary="Upload a course's courseware (the lecturer or a county admin)",
    description="multipart `file`: a PDF, PPT/PPTX or DOC/DOCX of at most 20 MB, checked by "
    "its content (a file renamed to look like one is refused, as are documents with macros; "
    "422 naming `file`). A county admin's file replaces the courseware at once. The lecturer's "
    "file for an offered course waits as `pending_attachment_name` with the proposed change "
    "until the county approves it (a new course revision); for a proposed or returned course "
    "it becomes the course's courseware and the course is proposed again. 409 "
    "`lecturer_unavailable` for a cold-stored or removed lecturer.",
)
@decorate_view(idempotent)
@body_limit(upload_limit)
def course_attachment_upload(request, course_id: int, file: File[UploadedFile] = None):
    course = course_for_user(request.auth, course_id)
    if file is None:
        raise InvalidInput.field("file", _("Choose the courseware file to upload."))
    try:
        return course_update(actor=request.auth, course=course, changes={}, attachment=file)
    except InvalidInput as exc:
        exc.fields = {"file" if k == "attachment" else k: v for k, v in exc.fields.items()}
        raise


@router.get(
    "/{int:course_id}/attachment",
    response={200: None, **READ_ERRORS},
    url_name="course_attachment_download",
    summary="Download a course's courseware (whoever may see the course)",
)
def course_attachment_download(request, course_id: int):
    return private_download(*course_attachment_for_user(request.auth, course_id))


@router.get(
    "/{int:course_id}/attachment/proposed",
    response={200: None, **READ_ERRORS},
    url_name="course_pending_attachment_download",
    summary="Download the courseware of a proposed new version (the lecturer, county admins)",
)
def course_pending_attachment_download(request, course_id: int):
    return private_download(*course_attachment_for_user(request.auth, course_id, pending=True))
