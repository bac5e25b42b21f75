from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from courses.models import Category
from lecturers.selectors import catalogue_summary_for_user, lecturer_list_for_user
from orgs import access


@login_required
def home(request):
    """One home page; what it shows depends on the caller's roles."""
    user = request.user
    scope = access.scope_for(user)
    context = {
        "scope": scope,
        "summary": catalogue_summary_for_user(user),
        "categories": Category.choices,
        "top_lecturers": lecturer_list_for_user(user, status="active")[:6],
    }
    context["my_orgs"] = access.orgs_held_by(user)
    if scope.lecturer_id:
        context["my_lecturer"] = lecturer_list_for_user(user).filter(pk=scope.lecturer_id).first()
    return render(request, "core/home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
