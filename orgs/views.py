from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import Forbidden, InvalidInput
from core.forms import apply_service_error
from core.text import parse_id

from . import access
from .forms import CountySettingsForm
from .models import CountySettings
from .selectors import org_label, org_search
from .services import county_settings_update

FIELDS = list(CountySettingsForm.base_fields)


@login_required
def county_settings(request):
    user = request.user
    if not access.may_configure_county(user):
        raise Forbidden()
    rules = CountySettings.for_county(access.scope_for(user).county_id)
    if request.method == "POST":
        form = CountySettingsForm(request.POST)
        if form.is_valid():
            try:
                county_settings_update(actor=user, **form.cleaned_data)
            except InvalidInput as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("The county's rules are saved."))
                return redirect("county_settings")
    else:
        form = CountySettingsForm(initial={name: getattr(rules, name) for name in FIELDS})
    return render(request, "orgs/county_settings.html", {"form": form, "county": rules.county})


@login_required
def org_pick(request):
    """The options of an organisation picker (orgs.forms.OrgPicker) for what the user typed:
    the organisations the user may book for, with a lecturer only those that may book them."""
    user = request.user
    orgs = access.orgs_bookable_by(user)
    lecturer_id = parse_id(request.GET.get("lecturer"))
    if lecturer_id is not None:
        lecturer = access.lecturer_for_user(user, lecturer_id)
        rules = CountySettings.for_county(lecturer.county_id)
        orgs = [org for org in orgs if access.lecturer_bookable_for(lecturer, org, rules)]
    options, more = org_search(
        orgs, request.GET.get("org_q", ""), selected_id=parse_id(request.GET.get("org"))
    )
    context = {
        "name": "org",
        "options": [(org.pk, org_label(org)) for org in options],
        "selected": parse_id(request.GET.get("org")),
        "more": more,
    }
    return render(request, "orgs/widgets/_org_options.html", context)
