from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

import access
from core.errors import Forbidden, InvalidInput
from core.forms import apply_service_error
from orgs.models import CountySettings

from .forms import CountySettingsForm
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
