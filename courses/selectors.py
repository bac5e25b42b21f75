from django.db.models import Q, QuerySet

from orgs import access

from .models import Course


def course_list_for_user(
    user,
    *,
    q: str = "",
    category: str = "",
    lecturer_id: int | None = None,
    org_id: int | None = None,
) -> QuerySet[Course]:
    qs = access.courses_visible_to(user).select_related("lecturer")
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
    course = access.course_for_user(user, course_id)
    return course_list_for_user(user).get(pk=course.pk)
