from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.static import serve

import access
from courses.models import Category
from evaluation.reports import attach_recent_comments, flagged_count
from lecturers.selectors import catalogue_summary_for_user, lecturer_list_for_user
from matching.selectors import orders_open_to_grab
from notifications.selectors import failed_delivery_count
from scheduling.models import BookingStatus, OutsideSessionStatus
from scheduling.selectors import (
    booking_list_for_user,
    booking_upcoming_for_user,
    outside_session_list_for_user,
)


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
    return render(request, "core/home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def media(request, path):
    """Uploaded photos; a deployment behind nginx serves /media/ itself. A name the file
    system refuses (longer than it takes, say) is a page that does not exist."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):
        raise Http404 from None
