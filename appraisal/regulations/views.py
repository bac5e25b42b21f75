"""The county's rules documents: the list of current versions with their history, one
version's text, its document, and the county's form to publish a new version."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.forms import apply_service_error
from core.uploads import private_download

from ..models import RegulationKind
from . import selectors, services


class RegulationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RegulationKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    body = forms.CharField(
        label=gettext_lazy("Text"), required=False, widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy("Paragraphs separated by a blank line."),
    )  # fmt: skip
    file = forms.FileField(
        label=gettext_lazy("Document"), required=False,
        help_text=gettext_lazy("PDF, DOCX, JPG or PNG; optional when the text is written."),
    )  # fmt: skip


@login_required
def regulations(request):
    user = request.user
    docs = list(selectors.regulations_of_county(user).order_by("kind", "-version"))
    current = selectors.current_versions(user)
    current_ids = {d.pk for d in current}
    context = {
        "current": current,
        "history": [d for d in docs if d.pk not in current_ids],
        "may_publish": services.may_publish_regulations(user),
    }
    return render(request, "appraisal/regulations/list.html", context)


@login_required
def regulation(request, regulation_id):
    doc = selectors.regulation_for_user(request.user, regulation_id)
    newer = (
        selectors.regulations_of_county(request.user)
        .filter(kind=doc.kind, version__gt=doc.version)
        .order_by("-version")
        .first()
    )
    context = {"doc": doc, "paragraphs": selectors.paragraphs(doc.body), "newer": newer}
    return render(request, "appraisal/regulations/detail.html", context)


@login_required
def regulation_file(request, regulation_id):
    doc = selectors.regulation_for_user(request.user, regulation_id)
    if not doc.file:
        raise NotFound()
    return private_download(doc.file, doc.file_name or "document", inline=True)


@login_required
def regulation_new(request):
    user = request.user
    if not services.may_publish_regulations(user):
        raise Forbidden()
    kind = request.GET.get("kind")
    initial = {"kind": kind, "effective_from": timezone.localdate()}
    last = selectors.regulations_of_county(user).filter(kind=kind).order_by("-version").first()
    if last:
        initial |= {"title": last.title, "body": last.body}
    form = RegulationForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                doc = services.regulation_publish(
                    actor=user, kind=data["kind"], title=data["title"], body=data["body"],
                    effective_from=data["effective_from"], upload=data["file"],
                )  # fmt: skip
            except (InvalidInput, Conflict) as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Version %(n)d is published.") % {"n": doc.version})
                return redirect("appraisal:regulation", doc.pk)
        else:
            status = 422
    return render(request, "appraisal/regulations/new.html", {"form": form}, status=status)
