"""The back office's lecturer list (filters, search, bulk actions) and the page that adds a
lecturer, for county admins over the county and town admins over their town's lecturers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

import access
from core.pages import filters_from, form_page, paged
from core.text import mask_phone

from . import selectors, services
from .forms import LecturerBulkForm, LecturerCreateForm, LecturerFilterForm

PAGE_SIZE = 30
# Where the initial password waits, in the session, for the one page that shows it.
NEW_PASSWORD_KEY = "backoffice.new_lecturer_password"


@login_required
def lecturer_list(request):
    """GET: the list. POST: one bulk action on the ticked rows, all or nothing; after it the
    same list (filters and page kept), or the list again with the refusal on the form."""
    user = request.user
    selectors.lecturer_manager_check(user)
    is_county_admin = access.scope_for(user).is_county_admin
    filter_form = LecturerFilterForm(
        request.GET or None, towns=selectors.lecturer_filter_towns(user)
    )
    filters = filters_from(filter_form)
    rows = selectors.managed_lecturer_list(user, **filters)
    bulk = LecturerBulkForm(request.POST or None, may_move_level=is_county_admin)

    def change(data):
        count = services.lecturers_bulk_change(
            actor=user,
            lecturer_ids=data["lecturers"],
            action=data["action"],
            reason=data["reason"],
            level=data.get("level", ""),
        )
        messages.success(
            request,
            ngettext("%(n)d lecturer changed.", "%(n)d lecturers changed.", count) % {"n": count},
        )
        return redirect(request.get_full_path())

    listing = paged(request, rows, PAGE_SIZE)
    page = listing["page"]
    page.object_list = list(page.object_list)
    for lecturer in page.object_list:
        lecturer.masked_phone = mask_phone(lecturer.phone)  # masked in every list
    context = {
        "filters": filter_form,
        "is_filtered": any(filters.values()),
        "is_county_admin": is_county_admin,
        "selected": set(request.POST.getlist("lecturers")),
        **listing,
    }
    return form_page(
        request, bulk, change, template="backoffice/lecturers/list.html", context=context
    )


@login_required
def lecturer_create(request):
    user = request.user
    selectors.lecturer_manager_check(user)
    is_county_admin = access.scope_for(user).is_county_admin
    orgs = selectors.lecturer_org_choices(user)
    form = LecturerCreateForm(request.POST or None, orgs=orgs, is_county_admin=is_county_admin)

    def create(data):
        lecturer, password = services.lecturer_add(
            actor=user,
            name=data["name"],
            phone=data["phone"],
            source=data["source"],
            level=data["level"],
            org_id=data["org"],
            gender=data["gender"],
            birth_year=data["birth_year"],
            unit=data["unit"],
            post=data["post"],
            specialties=data["specialties"],
            bio=data["bio"],
        )
        request.session[NEW_PASSWORD_KEY] = {"lecturer_id": lecturer.pk, "password": password}
        return redirect("backoffice:lecturer_created", lecturer.pk)

    return form_page(
        request,
        form,
        create,
        template="backoffice/lecturers/create.html",
        field_map={"org_id": "org"},
    )


@never_cache
@login_required
def lecturer_created(request, lecturer_id):
    """The new lecturer's login, and the initial password on the first view only: it leaves
    the session as it is shown, and the page is never cached, so neither a reload nor the
    back button shows it again."""
    lecturer = selectors.managed_lecturer_for_user(request.user, lecturer_id)
    waiting = request.session.get(NEW_PASSWORD_KEY) or {}
    password = None
    if waiting.get("lecturer_id") == lecturer.pk:
        password = request.session.pop(NEW_PASSWORD_KEY)["password"]
    context = {"lecturer": lecturer, "password": password}
    return render(request, "backoffice/lecturers/created.html", context)
