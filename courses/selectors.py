from django.db.models import Q, QuerySet

import access
from lecturers.models import LecturerStatus

from .models import Course, CourseStatus


def courses_visible_to(user) -> QuerySet[Course]:
    """Offered courses of bookable lecturers in the caller's county; county admins see every
    course of the county, a lecturer all of their own."""
    public = Q(status=CourseStatus.ACTIVE, lecturer__status=LecturerStatus.ACTIVE)
    q = access.catalogue_q(
        user, county_field="lecturer__county_id", public=public, own_field="lecturer_id"
    )
    return access.scoped(Course.objects.all(), q)


def course_for_user(user, course_id) -> Course:
    return access.get_visible(courses_visible_to(user), course_id)


def course_list_for_user(
    user,
    *,
    q: str = "",
    category: str = "",
    lecturer_id: int | None = None,
    org_id: int | None = None,
) -> QuerySet[Course]:
    qs = courses_visible_to(user).select_related("lecturer")
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
    return course_list_for_user(user).get(pk=course.pk)
