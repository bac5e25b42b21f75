"""The county's review of courses (/manage/courses/): the list with its filters, and each
lecturer's proposal or proposed new version side by side with the offered one, to approve or
return with a reason. County admins only; a town admin sees their lecturers' courses on the
résumé pages and does not review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict
from core.pages import filters_from, form_page, paged
from courses import selectors as course_selectors
from courses.models import Audience, Category, Classroom, Course, CourseStatus
from courses.services import course_approve, course_return
from lecturers.selectors import lecturers_visible_to

from .course_forms import CourseFilterForm, ReturnForm
from .selectors import back_office_county_id

COURSES_PAGE_SIZE = 20

# The fields a proposal shows, in the order the lecturer fills them in.
COMPARED = ("title", "category", "outline", "objectives", "structure", "audiences",
            "classrooms", "duration_minutes")  # fmt: skip


def _review_course(user, course_id):
    back_office_county_id(user)
    return course_selectors.course_for_user(user, course_id)


@login_required
def course_list(request):
    user = request.user
    back_office_county_id(user)
    lecturers = lecturers_visible_to(user).order_by("name_pinyin", "id").values_list("pk", "name")
    form = CourseFilterForm(request.GET or None, lecturers=lecturers)
    filters = filters_from(form)
    courses = course_selectors.course_review_list_for_user(
        user,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        category=filters.get("category", ""),
        lecturer_id=filters.get("lecturer"),
        awaiting_review=filters.get("awaiting", False),
    )
    context = {
        "form": form,
        "waiting": course_selectors.courses_awaiting_review_count(user),
        **paged(request, courses, COURSES_PAGE_SIZE),
    }
    return render(request, "backoffice/courses/list.html", context)


def _label(field: str, value) -> str:
    if field == "category":
        return str(Category(value).label) if value in Category.values else str(value)
    if field == "audiences":
        return "、".join(str(Audience(a).label) for a in value if a in Audience.values)
    if field == "classrooms":
        return "、".join(str(Classroom(c).label) for c in value if c in Classroom.values)
    return "" if value is None else str(value)


def comparison(course) -> list[dict]:
    """Rows of (field, offered value, proposed value): every field of a new course; of a
    proposed new version the changed ones only."""
    is_change = bool(course.change_status)
    rows = []
    for field in COMPARED:
        label = Course._meta.get_field(field).verbose_name
        now = getattr(course, field)
        if is_change:
            if field not in course.pending_change:
                continue
            rows.append(
                {"field": field, "label": label, "before": _label(field, now),
                 "after": _label(field, course.pending_change[field])}
            )  # fmt: skip
        else:
            rows.append({"field": field, "label": label, "before": "", "after": _label(field, now)})
    return rows


def _review_context(course) -> dict:
    return {
        "course": course,
        "rows": comparison(course),
        "is_change": bool(course.change_status),
        "awaiting": course.status == CourseStatus.PROPOSED
        or course.change_status == CourseStatus.PROPOSED,
        "revisions": course.revisions.select_related("changed_by")[:10],
    }


@login_required
def course_review(request, course_id):
    course = _review_course(request.user, course_id)
    context = {**_review_context(course), "form": ReturnForm()}
    return render(request, "backoffice/courses/review.html", context)


@login_required
@require_POST
def course_review_approve(request, course_id):
    course = _review_course(request.user, course_id)
    try:
        course_approve(actor=request.user, course=course)
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("backoffice:course_review", course.pk)
    messages.success(request, _("Approved; the lecturer has been told."))
    return redirect(f"{reverse('backoffice:course_list')}?awaiting=on")


@login_required
@require_POST
def course_review_return(request, course_id):
    user = request.user
    course = _review_course(user, course_id)

    def send_back(data):
        course_return(actor=user, course=course, reason=data["reason"])
        messages.success(request, _("Returned; the lecturer has been told the reason."))
        return redirect(f"{reverse('backoffice:course_list')}?awaiting=on")

    return form_page(
        request, ReturnForm(request.POST), send_back, template="backoffice/courses/review.html",
        context=_review_context(course),
    )  # fmt: skip
