from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import read_cache
from core.uploads import private_download
from core.xlsx import wants_xlsx, xlsx_list_response
from lecturers.forms import CatalogueFilterForm
from lecturers.selectors import may_book_lecturer
from orgs import rules as access_rules

from .export import COURSE_COLUMNS
from .models import Category, Course, CourseStatus
from .selectors import (
    course_attachment_for_user,
    course_detail_for_user,
    course_list_for_user,
)
from .signals import course_page

PAGE_SIZE = 20


@login_required
def course_list(request):
    form = CatalogueFilterForm(
        request.GET or None, towns=access_rules.towns_in_county(request.user)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    qs = course_list_for_user(
        request.user,
        q=filters.get("q") or "",
        category=filters.get("category") or "",
        org_id=filters.get("town"),
    )
    if wants_xlsx(request):
        return xlsx_list_response(qs, COURSE_COLUMNS, title=_("Courses"), name="courses")
    query = request.GET.copy()
    query.pop("page", None)

    def results() -> dict:
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return {"page": page, "query": query.urlencode()}

    cards = read_cache.cached_fragment(request, "courses/_results.html", results)
    if request.headers.get("HX-Request"):
        return HttpResponse(cards)
    context = {
        "form": form,
        "results": cards,
        "active_category": filters.get("category") or "",
        "categories": Category.choices,
    }
    return render(request, "courses/list.html", context)


@login_required
def course_detail(request, course_id):
    course = course_detail_for_user(request.user, course_id)
    revisions = course.revisions.all()[:10]
    context = {
        "course": course,
        "revisions": revisions,
        "may_book": course.status == CourseStatus.ACTIVE
        and may_book_lecturer(request.user, course.lecturer),
    }
    for _receiver, part in course_page.send(sender=Course, user=request.user, course=course):
        context.update(part)
    return render(request, "courses/detail.html", context)


@login_required
@require_GET
def course_attachment(request, course_id, pending=False):
    """The courseware, to those who may see the course (the proposed new file: to the
    lecturer and those who manage them)."""
    file, name = course_attachment_for_user(request.user, course_id, pending=pending)
    return private_download(file, name)
