"""The county's page for a person's data (/manage/privacy/): look a person up by their mobile
number, download what is held (JSON or Excel), erase it on request (backoffice.privacy)."""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

import access
from core.errors import Forbidden, InvalidInput
from core.forms import apply_service_error
from core.http import as_download
from core.pages import form_page
from core.text import mask_phone
from core.xlsx import append_row, xlsx_response

from .privacy import person_data_erase, person_data_export

SECTIONS = {
    "accounts": gettext_lazy("Logins"),
    "lecturer_profiles": gettext_lazy("Lecturer profiles"),
    "ratings": gettext_lazy("Session ratings"),
    "survey_answers": gettext_lazy("Survey answers"),
    "nominations": gettext_lazy("Nominations"),
    "recommendations_made": gettext_lazy("Recommendations made"),
}


class PersonLookupForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class PersonEraseForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=32)
    reason = forms.CharField(
        label=gettext_lazy("Reason for erasure"),
        max_length=300,
        help_text=gettext_lazy(
            "E.g. the person's written request of a date; kept in the audit log."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone"), required=True
    )


def _guard(user) -> None:
    if not access.may_configure_county(user):
        raise Forbidden()


@login_required
def privacy_lookup(request):
    _guard(request.user)
    form = PersonLookupForm(request.GET or None)
    context = {"lookup_form": form, "found": None}
    status = 200
    if request.GET and form.is_valid():
        try:
            data = person_data_export(actor=request.user, phone=form.cleaned_data["phone"])
        except InvalidInput as exc:
            apply_service_error(form, exc)
            status = 422
        else:
            context["found"] = [(SECTIONS[key], len(data[key])) for key in SECTIONS]
            context["total"] = sum(n for _label, n in context["found"])
            context["phone"] = data["phone"]
            context["masked"] = mask_phone(data["phone"])
            context["erase_form"] = PersonEraseForm(initial={"phone": data["phone"]})
    return render(request, "backoffice/privacy.html", context, status=status)


@login_required
def privacy_export(request):
    _guard(request.user)
    form = PersonLookupForm(request.GET)
    if not form.is_valid():
        return redirect("backoffice:privacy")
    try:
        data = person_data_export(actor=request.user, phone=form.cleaned_data["phone"])
    except InvalidInput:
        # Not a mobile number: the look-up page says what is wrong with it.
        return redirect(
            f"{reverse('backoffice:privacy')}?{urlencode({'phone': form.cleaned_data['phone']})}"
        )
    name = f"person-{mask_phone(data['phone']).replace('*', 'x')}"
    if request.GET.get("format") == "xlsx":
        workbook = Workbook()
        workbook.remove(workbook.active)
        for key, label in SECTIONS.items():
            sheet = workbook.create_sheet(str(label)[:31])
            rows = data[key]
            columns = list(rows[0]) if rows else []
            append_row(sheet, columns or [_("Nothing held")])
            for row in rows:
                append_row(sheet, [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for v in row.values()])  # fmt: skip
        return xlsx_response(workbook, filename=f"{name}.xlsx", fallback=f"{name}.xlsx")
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    return as_download(response, filename=f"{name}.json", fallback=f"{name}.json")


@login_required
@require_http_methods(["POST"])
def privacy_erase(request):
    _guard(request.user)
    form = PersonEraseForm(request.POST)

    def erase(data):
        counts = person_data_erase(actor=request.user, phone=data["phone"], reason=data["reason"])
        messages.success(
            request,
            _("The person's data is erased: %(n)d records changed; their ratings still count, anonymously.")
            % {"n": sum(counts.values())},
        )  # fmt: skip
        return redirect("backoffice:privacy")

    return form_page(
        request, form, erase, template="backoffice/privacy.html",
        context={"lookup_form": PersonLookupForm(initial={"phone": request.POST.get("phone", "")}),
                 "erase_form": form, "found": None},
    )  # fmt: skip
