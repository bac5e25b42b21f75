"""The renewal page: the list of terms ending, 好 first and the doubtful flagged, renewed in
bulk."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, InvalidInput

from . import selectors, services


class RenewalFilterForm(forms.Form):
    ends_by = forms.DateField(
        label=gettext_lazy("Terms ending by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@login_required
def renewal(request):
    user = request.user
    filters = RenewalFilterForm(request.GET or None)
    ends_by = (filters.is_valid() and filters.cleaned_data.get("ends_by")) or selectors.default_ends_by()  # fmt: skip
    rows = list(selectors.renewal_list(user, ends_by=ends_by))
    for row in rows:
        row.flags = selectors.flags_of(row)
    status, error, years = 200, "", request.POST.get("years", "3")
    if request.method == "POST":
        try:
            issued = services.lecturers_renew(
                actor=user, lecturer_ids=request.POST.getlist("lecturers"), years=years
            )
        except (InvalidInput, Conflict) as exc:
            status = exc.status
            error = "; ".join(str(m) for m in exc.fields.values()) if exc.fields else str(exc.message)  # fmt: skip
        else:
            messages.success(request, _("%(n)d lecturers are renewed, each with a new certificate number.") % {"n": len(issued)})  # fmt: skip
            return redirect(request.get_full_path())
    context = {
        "filters": filters,
        "ends_by": ends_by,
        "rows": rows,
        "error": error,
        "years": years,
        "ticked": {str(pk) for pk in request.POST.getlist("lecturers")}
        if request.method == "POST"
        else None,
    }
    return render(request, "appraisal/renewal.html", context, status=status)
