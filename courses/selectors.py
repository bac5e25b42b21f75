from django.db.models import Q, QuerySet

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
