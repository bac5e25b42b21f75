"""The organisation pages of the back office (/manage/orgs/): the tree, adding and editing a
town or a branch, deactivating and reactivating. County admins over their county, town admins
over the branches of their own town."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from access.services import org_create as create_org
from access.services import org_update
from core.pages import filters_from, form_page, paged

from . import selectors, services
from .org_forms import OrgForm, OrgSearchForm, OrgStatusForm

# Sections (the county, then one per town with its branches) per page.
ORG_GROUPS_PAGE_SIZE = 10
FIELD_MAP = {"parent_id": "parent"}


def _back_to(org) -> str:
    return f"{reverse('backoffice:org_list')}#org-{org.pk}"


@login_required
def org_list(request):
    user = request.user
    scope = selectors.back_office_scope(user)
    form = OrgSearchForm(request.GET or None)
    groups, totals = selectors.org_tree_for_user(user, **filters_from(form))
    context = {
        "form": form,
        "totals": totals,
        "searching": bool(filters_from(form)),
        "may_add_towns": scope.is_county_admin,
        **paged(request, groups, ORG_GROUPS_PAGE_SIZE),
    }
    return render(request, "backoffice/orgs/list.html", context)


@login_required
def org_create(request):
    user = request.user
    scope = selectors.back_office_scope(user)
    parents = selectors.org_parents_for_user(user)
    initial = {"level": request.GET.get("level", "village"), "parent": request.GET.get("parent")}
    if initial["level"] == "town" and parents:
        initial["parent"] = parents[0].pk  # the county comes first
    form = OrgForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        parents=parents,
        points=selectors.org_points_for_user(user),
        may_add_towns=scope.is_county_admin,
    )

    def add(data):
        org = create_org(actor=user, level=data["level"], **form.changes())
        messages.success(request, _("“%(name)s” is added.") % {"name": org.name})
        return redirect(_back_to(org))

    context = {"org": None}
    return form_page(
        request,
        form,
        add,
        template="backoffice/orgs/form.html",
        context=context,
        field_map=FIELD_MAP,
    )


@login_required
def org_edit(request, org_id):
    user = request.user
    org = selectors.org_to_manage(user, org_id)
    initial = {
        "name": org.name,
        "parent": org.parent_id,
        "group": org.group,
        "address": org.address,
        "lat": org.lat,
        "lng": org.lng,
        "seen_at": org.updated_at.isoformat(),
    }
    form = OrgForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        org=org,
        parents=selectors.org_parents_for_user(user),
        points=selectors.org_points_for_user(user),
    )

    def save(data):
        org_update(actor=user, org=org, changes=form.changes(), seen_at=data["seen_at"])
        messages.success(request, _("The changes are saved."))
        return redirect(_back_to(org))

    context = {"org": org}
    return form_page(
        request,
        form,
        save,
        template="backoffice/orgs/form.html",
        context=context,
        field_map=FIELD_MAP,
    )


@login_required
def org_deactivate(request, org_id):
    """One page for both moves: an active organisation is deactivated, an inactive one
    reactivated, each with a reason."""
    user = request.user
    org = selectors.org_to_manage(user, org_id)
    form = OrgStatusForm(request.POST if request.method == "POST" else None)

    def move(data):
        if org.is_active:
            services.org_deactivate(actor=user, org=org, reason=data["reason"])
            messages.success(request, _("“%(name)s” is deactivated.") % {"name": org.name})
        else:
            services.org_reactivate(actor=user, org=org, reason=data["reason"])
            messages.success(request, _("“%(name)s” is active again.") % {"name": org.name})
        return redirect(_back_to(org))

    bookings, demands = selectors.org_open_work(org)
    context = {"org": org, "open_bookings": bookings, "open_demands": demands}
    return form_page(request, form, move, template="backoffice/orgs/status.html", context=context)
