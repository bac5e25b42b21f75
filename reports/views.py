"""Pages that compose several domains. The home page shows a little of each: the catalogue,
the caller's bookings and orders, demands to grab, and for county admins what waits for them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

import access
from courses.models import Category
from evaluation.reports import attach_recent_comments, flagged_count, recent_comments
from lecturers import selectors as lecturer_selectors
from lecturers.forms import CatalogueFilterForm
from lecturers.selectors import catalogue_summary_for_user, lecturer_list_for_user
from matching.selectors import orders_open_to_grab
from notifications.selectors import failed_delivery_count
from scheduling.models import BookingStatus, OutsideSessionStatus
from scheduling.selectors import (
    booking_list_for_user,
    booking_upcoming_for_user,
    free_slots_for_lecturer,
    open_bookings_of_unavailable_lecturer,
    outside_session_list_for_user,
)

LECTURER_PAGE_SIZE = 20


@login_required
def home(request):
    """One home page; what it shows depends on the caller's roles."""
    user = request.user
    scope = access.scope_for(user)
    context = {
        "scope": scope,
        "summary": catalogue_summary_for_user(user),
        "categories": Category.choices,
        "top_lecturers": attach_recent_comments(lecturer_list_for_user(user, status="active")[:6]),
    }
    context["my_orgs"] = access.orgs_held_by(user)
    if scope.lecturer_id:
        context["my_lecturer"] = lecturer_list_for_user(user).filter(pk=scope.lecturer_id).first()
        context["waiting_orders"] = booking_list_for_user(
            user, status=BookingStatus.REQUESTED, side="lecturer"
        ).count()
        context["orders_to_grab"] = orders_open_to_grab(user).count()
    # Secretaries and town or county admins post demands (需求邀约).
    context["may_post_demand"] = scope.is_secretary or scope.is_town_admin or scope.is_county_admin
    if scope.is_secretary or scope.is_town_admin:
        context["upcoming"] = booking_upcoming_for_user(user)
    if scope.is_county_admin:
        context["pending_outside"] = outside_session_list_for_user(
            user, status=OutsideSessionStatus.PENDING
        ).count()
        context["failed_deliveries"] = failed_delivery_count(user)
        context["flagged_ratings"] = flagged_count(user)
    return render(request, "reports/home.html", context)


@login_required
def lecturer_list(request):
    """The catalogue; each card shows the latest comments on the lecturer's sessions."""
    form = CatalogueFilterForm(request.GET or None, towns=access.towns_in_county(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = lecturer_selectors.lecturer_list_for_user(
        request.user,
        q=filters.get("q") or "",
        category=filters.get("category") or "",
        org_id=filters.get("town"),
        sort=filters.get("sort") or "recommended",
    )
    page = Paginator(qs, LECTURER_PAGE_SIZE).get_page(request.GET.get("page"))
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
    """The résumé, with the latest comments on the sessions and the free published slots; for
    those who manage the lecturer also the appointment terms, the lifecycle's history and the
    future bookings of a lecturer who is no longer active."""
    lecturer = lecturer_selectors.lecturer_detail_for_user(request.user, lecturer_id)
    context = {
        "lecturer": lecturer,
        "phone": lecturer_selectors.lecturer_phone_for(request.user, lecturer),
        "liked": lecturer_selectors.lecturer_liked_by(request.user, lecturer),
        "is_own": lecturer.user_id == request.user.pk,
        "honours": lecturer.honour_list,
        "recent_comments": recent_comments([lecturer.pk])[lecturer.pk],
        "may_book": lecturer_selectors.may_book_lecturer(request.user, lecturer),
        "slots": free_slots_for_lecturer(request.user, lecturer),
        "sees_terms": lecturer_selectors.lecturer_sees_terms(request.user, lecturer),
        "status_history": lecturer_selectors.lecturer_status_history(request.user, lecturer),
        "bookings_to_decide": open_bookings_of_unavailable_lecturer(request.user, lecturer),
    }
    return render(request, "lecturers/detail.html", context)
