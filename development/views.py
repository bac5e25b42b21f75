"""Pages of the selection: calls, nominations (logged in and public), the review, the
certificate. Thin: the services write, the selectors read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

import access
from core.errors import Forbidden, NotFound
from core.pages import filters_from, form_page, paged
from core.ratelimit import hit
from core.text import mask_phone
from core.timeutil import aware, local
from core.uploads import private_download
from core.xlsx import append_row, xlsx_response
from lecturers.models import Lecturer, LecturerStatus
from orgs.models import Organisation

from . import selectors, services
from .certificate import (
    CERTIFICATE_TEMPLATE,
    certificate_context,
    certificate_pdf,
    require_certificate,
)
from .forms import (
    ApprovalForm,
    CallForm,
    NominationFilterForm,
    NominationForm,
    PairingFilterForm,
    PairingForm,
    PairingMaterialForm,
    PanelForm,
    ReviewForm,
    StageDoneForm,
)
from .models import NominationMaterial, PairingStep, ReviewStage, Stage

CALLS_PAGE_SIZE = 20
PAIRINGS_PAGE_SIZE = 30
LATE_SHOWN = 10
NOMINATIONS_PAGE_SIZE = 30
PUBLIC_NOMINATIONS_PER_MINUTE = 20
# The review stage due for a nomination at each stage, and its form.
DUE = {
    Stage.SUBMITTED: ReviewStage.POLITICAL,
    Stage.POLITICAL_PASSED: ReviewStage.PANEL,
    Stage.PANEL_PASSED: ReviewStage.APPROVAL,
}
FORMS = {
    ReviewStage.POLITICAL: ReviewForm,
    ReviewStage.PANEL: PanelForm,
    ReviewStage.APPROVAL: ApprovalForm,
}


def _candidate_orgs(call):
    qs = Organisation.objects.filter(county_id=call.county_id).exclude(level="county")
    if call.level == "town":
        qs = qs.filter(pk=call.org_id) | qs.filter(parent_id=call.org_id)
    return qs.order_by("level", "name", "id")


@login_required
def call_list(request):
    calls = selectors.calls_for_user(request.user)
    if request.GET.get("format") == "xlsx":
        book = Workbook()
        sheet = book.active
        append_row(sheet, [_("Title"), _("Level"), _("Issued by"), _("Quota"), _("Deadline"), _("Nominations")])  # fmt: skip
        for call in calls:
            deadline = local(call.deadline).strftime("%Y-%m-%d %H:%M")
            append_row(sheet, [call.title, call.get_level_display(), call.org.name, call.quota,
                               deadline, call.nominations.count()])  # fmt: skip
        return xlsx_response(book, filename="征集通知.xlsx", fallback="calls.xlsx")
    scope = access.scope_for(request.user)
    context = {
        **paged(request, calls, CALLS_PAGE_SIZE),
        "may_open": scope.is_county_admin or scope.is_town_admin,
    }
    return render(request, "development/call_list.html", context)


@login_required
def call_new(request):
    scope = access.scope_for(request.user)
    if not (scope.is_county_admin or scope.is_town_admin):
        raise Forbidden()
    towns = Organisation.objects.filter(county_id=scope.county_id, level="town")
    if not scope.is_county_admin:
        towns = towns.filter(pk__in=scope.town_ids)
    form = CallForm(request.POST or None, towns=towns)

    def act(data):
        call = services.call_open(
            actor=request.user, **{**data, "deadline": aware(data["deadline"])}
        )
        return redirect("development:call", call.pk)

    return form_page(request, form, act, template="development/call_form.html")


@login_required
def call_detail(request, call_id):
    call = selectors.call_for_user(request.user, call_id)
    context = {
        "call": call,
        "is_reviewer": selectors.is_reviewer_of(request.user, call),
        "public_url": request.build_absolute_uri(
            reverse("development:public_call", args=[call.public_key])
        ),
    }
    if context["is_reviewer"]:
        filters = filters_from(NominationFilterForm(request.GET or None))
        rows = selectors.ranked(selectors.nominations_for_user(request.user, call=call, **filters))
        if request.GET.get("format") == "xlsx":
            return _nominations_workbook(call, rows)
        context.update(paged(request, rows, NOMINATIONS_PAGE_SIZE))
        context["filter_form"] = NominationFilterForm(request.GET or None)
        context["stats"] = selectors.call_statistics(call)
    return render(request, "development/call_detail.html", context)


def _nominations_workbook(call, rows):
    book = Workbook()
    sheet = book.active
    append_row(sheet, [_("Rank"), _("Name"), _("Mobile"), _("Organisation"), _("Channel"),
                       _("Stage"), _("Panel score"), _("Certificate number")])  # fmt: skip
    for rank, n in enumerate(rows, start=1):
        append_row(sheet, [rank, n.name, mask_phone(n.phone), n.org.name, n.get_channel_display(),
                           n.get_stage_display(), n.panel_score, n.certificate_no or ""])  # fmt: skip
    return xlsx_response(book, filename=f"{call.title}-提名.xlsx", fallback="nominations.xlsx")


@login_required
def nominate(request, call_id):
    call = selectors.call_for_user(request.user, call_id)
    initial = {"channel": "self", "name": request.user.name, "phone": request.user.phone}
    form = NominationForm(
        request.POST or None, request.FILES or None, call=call, orgs=_candidate_orgs(call),
        initial=initial,
    )  # fmt: skip

    def act(data):
        nomination = services.nomination_submit(actor=request.user, call=call, **form.service_data())  # fmt: skip
        return redirect("development:nomination", nomination.pk)

    return form_page(request, form, act, template="development/nominate.html", context={"call": call})  # fmt: skip


def public_call(request, key):
    """The call's public page: anyone with the link reads it and nominates (self or public)."""
    call = selectors.call_by_public_key(key)
    if request.method == "POST":  # bad input counts too
        hit((f"nominate:{request.META.get('REMOTE_ADDR', '')}", PUBLIC_NOMINATIONS_PER_MINUTE))
    form = NominationForm(
        request.POST or None, request.FILES or None, call=call, orgs=_candidate_orgs(call),
        public=True,
    )  # fmt: skip

    def act(data):
        nomination = services.nomination_submit(actor=None, call=call, **form.service_data())
        return redirect("development:track", nomination.tracking_key)

    context = {"call": call, "public": True}
    return form_page(request, form, act, template="development/nominate.html", context=context)


def track(request, key):
    """The candidate's own page for a nomination made without a login (its link is secret)."""
    nomination = selectors.nomination_by_tracking_key(key)
    context = {"nomination": nomination, "steps": selectors.nomination_steps(nomination)}
    return render(request, "development/track.html", context)


@login_required
def nomination_detail(request, nomination_id):
    return _nomination_page(request, selectors.nomination_for_user(request.user, nomination_id))


def _nomination_page(request, nomination, **extra):
    call = nomination.call
    context = {
        "nomination": nomination,
        "steps": selectors.nomination_steps(nomination),
        "is_reviewer": selectors.is_reviewer_of(request.user, call),
        "phone": mask_phone(nomination.phone),
        **extra,
    }
    due = DUE.get(nomination.stage)
    may_review = (
        access.may_approve_call(request.user, call)
        if due == ReviewStage.APPROVAL
        else access.may_review_call(request.user, call)
    )
    if due and may_review and not access.is_from_candidates_unit(request.user, nomination):
        context["due"] = ReviewStage(due)
        context["form"] = FORMS[due](initial={"source": nomination.source or None})
    return render(request, "development/nomination.html", context)


@login_required
def nomination_review(request, nomination_id):
    nomination = selectors.nomination_for_user(request.user, nomination_id)
    stage = request.POST.get("stage", "")
    if stage not in FORMS:
        raise NotFound()
    form = FORMS[stage](request.POST)

    def act(data):
        reviewed = services.nomination_review(
            actor=request.user,
            nomination=nomination,
            stage=stage,
            result=data["result"],
            note=data["note"],
            scores=form.scores() if stage == ReviewStage.PANEL else None,
            source=data.get("source", ""),
        )
        if reviewed.initial_password:
            # Shown this once, not after a redirect: nothing keeps it in clear.
            return _nomination_page(request, reviewed, initial_password=reviewed.initial_password)
        return redirect("development:nomination", nomination.pk)

    context = {
        "nomination": nomination,
        "steps": selectors.nomination_steps(nomination),
        "is_reviewer": True,
        "phone": mask_phone(nomination.phone),
        "due": ReviewStage(stage),
    }
    return form_page(request, form, act, template="development/nomination.html", context=context)


@login_required
def material_download(request, material_id):
    material = NominationMaterial.objects.filter(pk=material_id).first()
    if material is None:
        raise NotFound()
    selectors.nomination_for_user(request.user, material.nomination_id)
    return private_download(material.file, material.file_name)


@login_required
def certificate(request, nomination_id):
    nomination = require_certificate(selectors.nomination_for_user(request.user, nomination_id))
    return render(request, CERTIFICATE_TEMPLATE, certificate_context(nomination))


@login_required
def certificate_download(request, nomination_id):
    nomination = require_certificate(selectors.nomination_for_user(request.user, nomination_id))
    response = HttpResponse(certificate_pdf(nomination), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{nomination.pk}.pdf"'
    return response


# --- Old-new pairing (结对) -------------------------------------------------------------------


def _today():
    return local(timezone.now()).date()


@login_required
def pairing_list(request):
    """The county's pairings (a lecturer: their own), where each stands, and the late ones."""
    pairings = selectors.pairings_for_user(request.user)
    filter_form = PairingFilterForm(request.GET or None)
    state = filters_from(filter_form).get("state", "")
    rows = selectors.pairing_filter(pairings, state, _today())
    if request.GET.get("format") == "xlsx":
        return _pairings_workbook(rows)
    late = selectors.late(pairings, _today())
    context = {
        **paged(request, rows, PAIRINGS_PAGE_SIZE),
        "filter_form": filter_form,
        "late": late[:LATE_SHOWN],
        "late_count": late.count(),
        "may_manage": access.may_manage_pairings(request.user),
        "today": _today(),
    }
    return render(request, "development/pairing_list.html", context)


def _pairings_workbook(rows):
    book = Workbook()
    sheet = book.active
    append_row(sheet, [_("Mentor"), _("New lecturer"), _("Starts on"), _("Stages done"),
                       _("Stage under way"), _("Planned for"), _("Late")])  # fmt: skip
    today = _today()
    for p in rows:
        stage = p.current_stage
        is_late = p.due_on is not None and p.due_on < today
        append_row(sheet, [p.mentor.name, p.mentee.name, p.starts_on.isoformat(), p.reached,
                           str(stage.label) if stage else _("Finished"),
                           p.due_on.isoformat() if p.due_on else "",
                           _("yes") if is_late else ""])  # fmt: skip
    return xlsx_response(book, filename="结对.xlsx", fallback="pairings.xlsx")


@login_required
def pairing_new(request):
    if not access.may_manage_pairings(request.user):
        raise Forbidden()
    lecturers = Lecturer.objects.filter(county_id=access.scope_for(request.user).county_id)
    form = PairingForm(
        request.POST or None,
        mentors=lecturers.filter(status=LecturerStatus.ACTIVE).order_by("name_pinyin", "id"),
        mentees=lecturers.filter(
            status__in=[LecturerStatus.ACTIVE, LecturerStatus.CANDIDATE]
        ).order_by("-created_at", "id"),
    )

    def act(data):
        pairing = services.pairing_create(actor=request.user, **form.service_data())
        return redirect("development:pairing", pairing.pk)

    return form_page(request, form, act, template="development/pairing_form.html")


def _pairing_context(request, pairing, *, done_form=None, material_form=None) -> dict:
    """The pairing page: its steps, and the form of each party for the stage under way (the
    mentor's record of it, the mentee's material); a posted form comes back marked."""
    scope = access.scope_for(request.user)
    is_admin = access.may_manage_pairings(request.user, pairing)
    stage = pairing.current_stage
    context = {
        "pairing": pairing,
        "steps": pairing.steps.all(),
        "stage": stage,
        "is_admin": is_admin,
        "late": pairing.due_on is not None and pairing.due_on < _today(),
    }
    if stage is not None and (is_admin or scope.lecturer_id == pairing.mentor_id):
        context["done_form"] = done_form or StageDoneForm(initial={"done_on": _today()})
    if stage is not None and (is_admin or scope.lecturer_id == pairing.mentee_id):
        context["material_form"] = material_form or PairingMaterialForm()
    return context


@login_required
def pairing_detail(request, pairing_id):
    pairing = selectors.pairing_for_user(request.user, pairing_id)
    return render(request, "development/pairing.html", _pairing_context(request, pairing))


@login_required
def pairing_stage_done(request, pairing_id):
    pairing = selectors.pairing_for_user(request.user, pairing_id)
    form = StageDoneForm(request.POST or None)
    if request.method != "POST":
        return redirect("development:pairing", pairing.pk)

    def act(data):
        services.pairing_stage_done(
            actor=request.user, pairing=pairing, stage=request.POST.get("stage", ""), **data
        )
        return redirect("development:pairing", pairing.pk)

    context = _pairing_context(request, pairing, done_form=form)
    return form_page(request, form, act, template="development/pairing.html", context=context)


@login_required
def pairing_material(request, pairing_id):
    pairing = selectors.pairing_for_user(request.user, pairing_id)
    form = PairingMaterialForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return redirect("development:pairing", pairing.pk)

    def act(data):
        services.pairing_material_add(
            actor=request.user, pairing=pairing, stage=request.POST.get("stage", ""),
            upload=data["material"],
        )  # fmt: skip
        return redirect("development:pairing", pairing.pk)

    context = _pairing_context(request, pairing, material_form=form)
    return form_page(request, form, act, template="development/pairing.html", context=context)


@login_required
def pairing_material_download(request, step_id):
    step = PairingStep.objects.filter(pk=step_id).exclude(material="").first()
    if step is None:
        raise NotFound()
    selectors.pairing_for_user(request.user, step.pairing_id)
    return private_download(step.material, step.material_name)
