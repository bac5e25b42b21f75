from django.db.models import Q, QuerySet

from core.errors import NotFound
from lecturers.models import LecturerStatus
from orgs import rules as access_rules

from .models import Course, CourseStatus


def courses_visible_to(user) -> QuerySet[Course]:
    """Offered courses of bookable lecturers in the caller's county, and those of the lecturers
    a town admin manages in any status; county admins see every course of the county, a
    lecturer all of their own."""
    lecturers = Q(lecturer__status=LecturerStatus.ACTIVE) | access_rules.managed_lecturers_q(
        user, prefix="lecturer__"
    )
    public = Q(status=CourseStatus.ACTIVE) & lecturers
    q = access_rules.catalogue_q(
        user, county_field="lecturer__county_id", public=public, own_field="lecturer_id"
    )
    return access_rules.scoped(Course.objects.all(), q)


def course_for_user(user, course_id) -> Course:
    return access_rules.get_visible(courses_visible_to(user), course_id)


def course_list_for_user(
    user,
    *,
    q: str = "",
    category: str = "",
    lecturer_id: int | None = None,
    org_id: int | None = None,
    status: str = "",
) -> QuerySet[Course]:
    """The catalogue: offered courses of active lecturers. A status asked for (the county's
    approval queue: `proposed`) or the lecturer's own list shows the others too, as far as
    courses_visible_to lets the caller see them."""
    qs = courses_visible_to(user).select_related("lecturer")
    own_id = access_rules.scope_for(user).lecturer_id
    if status:
        qs = qs.filter(status=status)
    elif not (lecturer_id and lecturer_id == own_id):
        qs = qs.filter(status=CourseStatus.ACTIVE, lecturer__status=LecturerStatus.ACTIVE)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(title__icontains=text) | Q(outline__icontains=text) | Q(lecturer__name__contains=text)
        )
    if category:
        qs = qs.filter(category=category)
    if lecturer_id:
        qs = qs.filter(lecturer_id=lecturer_id)
    if org_id:
        qs = qs.filter(Q(lecturer__org_id=org_id) | Q(lecturer__org__parent_id=org_id))
    return qs.prefetch_related("honours").order_by("-created_at", "-id")


def course_detail_for_user(user, course_id) -> Course:
    course = course_for_user(user, course_id)
    return (
        Course.objects.filter(pk=course.pk)
        .select_related("lecturer")
        .prefetch_related("honours")
        .get()
    )


# A lecturer's proposed course or proposed new version waits for the county (course_approve).
AWAITING_REVIEW = Q(status=CourseStatus.PROPOSED) | Q(change_status=CourseStatus.PROPOSED)


def may_see_pending_change(user, course: Course) -> bool:
    """A proposed new version (its fields and courseware): the lecturer and those who manage
    them; everyone else sees the offered version only."""
    return access_rules.is_lecturer_self(user, course.lecturer) or access_rules.may_manage_lecturer(
        user, course.lecturer
    )


def course_attachment_for_user(user, course_id, *, pending: bool = False):
    """The courseware file (a FieldFile) and the name to offer it under, for those who may
    see the course; the proposed new file only for may_see_pending_change. NotFound else."""
    course = course_for_user(user, course_id)
    if pending and not may_see_pending_change(user, course):
        raise NotFound()
    file, name = (
        (course.pending_attachment, course.pending_attachment_name)
        if pending
        else (course.attachment, course.attachment_name)
    )
    if not file:
        raise NotFound()
    return file, name


def course_review_list_for_user(
    user,
    *,
    q: str = "",
    status: str = "",
    category: str = "",
    lecturer_id: int | None = None,
    awaiting_review: bool = False,
) -> QuerySet[Course]:
    """Every course the caller may see, in any status (a county admin: the county's), the
    latest changed first; `awaiting_review` narrows to proposals and proposed versions."""
    qs = courses_visible_to(user).select_related("lecturer")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if lecturer_id:
        qs = qs.filter(lecturer_id=lecturer_id)
    if awaiting_review:
        qs = qs.filter(AWAITING_REVIEW)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(title__icontains=text) | Q(lecturer__name__contains=text))
    return qs.order_by("-updated_at", "-id")


def courses_awaiting_review_count(user) -> int:
    return courses_visible_to(user).filter(AWAITING_REVIEW).count()


def own_courses(user, lecturer) -> QuerySet[Course]:
    """The lecturer's own courses in every status, for their own pages."""
    return courses_visible_to(user).filter(lecturer=lecturer).order_by("-updated_at", "-id")
