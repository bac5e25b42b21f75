from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from courses.models import Category
from evaluation.reports import attach_recent_comments, recent_comments
from orgs import access
from scheduling import selectors as scheduling_selectors

from . import selectors
from .forms import CatalogueFilterForm
from .services import lecturer_like

PAGE_SIZE = 20


@login_required
def lecturer_list(request):
    form = CatalogueFilterForm(request.GET or None, towns=access.towns_in_county(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.lecturer_list_for_user(
        request.user,
        q=filters.get("q") or "",
        category=filters.get("category") or "",
        org_id=filters.get("town"),
        sort=filters.get("sort") or "recommended",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = attach_recent_comments(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "active_category": filters.get("category") or "",
        "categories": Category.choices,
    }
    template = (
        "lecturers/_results.html" if request.headers.get("HX-Request") else "lecturers/list.html"
    )
    return render(request, template, context)


@login_required
def lecturer_detail(request, lecturer_id):
    lecturer = selectors.lecturer_detail_for_user(request.user, lecturer_id)
    context = {
        "lecturer": lecturer,
        "phone": selectors.lecturer_phone_for(request.user, lecturer),
        "liked": selectors.lecturer_liked_by(request.user, lecturer),
        "is_own": lecturer.user_id == request.user.pk,
        "honours": lecturer.honour_list,
        "recent_comments": recent_comments([lecturer.pk])[lecturer.pk],
        "may_book": access.may_book_lecturer(request.user, lecturer),
        "slots": scheduling_selectors.free_slots_for_lecturer(request.user, lecturer),
        # For those who manage the lecturer: terms, lifecycle and the bookings to decide.
        "sees_terms": selectors.lecturer_sees_terms(request.user, lecturer),
        "status_history": selectors.lecturer_status_history(request.user, lecturer),
        "bookings_to_decide": scheduling_selectors.open_bookings_of_unavailable_lecturer(
            request.user, lecturer
        ),
    }
    return render(request, "lecturers/detail.html", context)


@login_required
@require_POST
def lecturer_like_view(request, lecturer_id):
    lecturer = selectors.lecturer_detail_for_user(request.user, lecturer_id)
    likes = lecturer_like(actor=request.user, lecturer=lecturer)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "lecturers/_like.html",
            {
                "lecturer": lecturer,
                "likes": likes,
                "liked": True,
                "is_own": lecturer.user_id == request.user.pk,
            },
        )
    return redirect("lecturer_detail", lecturer_id=lecturer.pk)
