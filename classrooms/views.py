from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

import access
from core import qr
from core.errors import InvalidInput, NotFound, ServiceError
from core.forms import apply_service_error
from core.http import client_ip
from core.text import parse_id
from lecturers.models import Lecturer, LecturerStatus
from orgs.models import Organisation, OrgLevel

from . import gaps, selectors, services
from .forms import AnswerForm, GapAssignForm, SurveyForm


def _answering_orgs(survey):
    return (
        Organisation.objects.filter(county_id=survey.county_id)
        .exclude(level=OrgLevel.COUNTY)
        .order_by("level", "name", "id")
    )


def _qr_org(survey, value):
    """The organisation a branch's QR code names (?org=), if it is one of the survey's county."""
    org_id = parse_id(value)
    return _answering_orgs(survey).filter(pk=org_id).first() if org_id else None


def survey_answer_page(request, survey_id):
    """The member's page (no login), opened from a link or QR code; Chinese whatever the phone's
    language, unless the member taps "English"."""
    english = request.GET.get("lang") == "en"
    with translation.override("en" if english else "zh-hans"):
        survey = selectors.public_survey(survey_id)
        org = _qr_org(survey, request.GET.get("org"))
        context = {"survey": survey, "english": english, "is_open": services.survey_is_open(survey)}
        form = AnswerForm(
            request.POST or None, survey=survey, orgs=_answering_orgs(survey), org=org
        )
        status = 200
        if request.method == "POST" and context["is_open"]:
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    answer, created = services.survey_answer(
                        survey_id=survey.pk, phone=data["phone"], org_id=data["org"],
                        group=data["group"], topics=data["topics"], categories=data["categories"],
                        classroom=data["classroom"], time_preference=data["time_preference"],
                        comment=data["comment"], client_ip=client_ip(request),
                    )  # fmt: skip
                except ServiceError as exc:
                    if not isinstance(exc, InvalidInput) and exc.status != 409:
                        raise
                    apply_service_error(form, exc, {"org_id": "org"})
                    status = exc.status
                else:
                    context.update(answer=answer, created=created)
                    status = 201 if created else 200
        return render(request, "classrooms/answer.html", {**context, "form": form}, status=status)


def survey_qr(request, survey_id):
    """The QR code of the survey's page, or of one branch's (?org=): it encodes the absolute URL."""
    survey = selectors.public_survey(survey_id)
    org = _qr_org(survey, request.GET.get("org"))
    url = settings.SITE_URL + reverse("classrooms:answer", args=[survey.pk])
    if org is not None:
        url += f"?org={org.pk}"
    return HttpResponse(qr.qr_svg(url, omitsize=True), content_type="image/svg+xml")


@login_required
def survey_list(request):
    if not access.scope_for(request.user).is_county_admin:
        return redirect("classrooms:wishes")
    surveys = selectors.surveys_visible_to(request.user).prefetch_related("topics")
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                survey = services.survey_create(
                    actor=request.user, title=form.cleaned_data["title"],
                    topics=form.topic_list(), closes_at=form.cleaned_data["closes_at"],
                )  # fmt: skip
            except InvalidInput as exc:
                apply_service_error(form, exc)
            else:
                return redirect("classrooms:survey", survey.pk)
    return render(
        request, "classrooms/surveys.html", {"surveys": surveys, "form": form}, status=status
    )


@login_required
def survey_detail(request, survey_id):
    survey = selectors.survey_managed_by(request.user, survey_id)
    lecturers = Lecturer.objects.filter(
        county_id=survey.county_id, status=LecturerStatus.ACTIVE
    ).order_by("name")
    rows = gaps.survey_gaps(survey)
    form = GapAssignForm(request.POST or None, lecturers=lecturers)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            gap = next((g for g in rows if g.topic_id == form.cleaned_data["topic_id"]), None)
            if gap is None:
                raise NotFound()
            try:
                services.gap_assign(
                    actor=request.user, gap=gap, lecturer_id=form.cleaned_data["lecturer"],
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except InvalidInput as exc:
                apply_service_error(form, exc, {"lecturer_id": "lecturer"})
            else:
                return redirect("classrooms:survey", survey.pk)
    context = {
        "survey": survey,
        "figures": selectors.survey_figures(survey),
        "gaps": rows,
        "form": form,
        "orgs": _answering_orgs(survey),
        "answer_url": reverse("classrooms:answer", args=[survey.pk]),
    }
    return render(request, "classrooms/survey.html", context, status=status)


@login_required
def wishes(request):
    """For branches and towns: what their own members asked for, and the courses that answer it."""
    surveys = selectors.surveys_visible_to(request.user)[:5]
    sections = [(s, selectors.own_wishes(request.user, s)) for s in surveys]
    return render(request, "classrooms/wishes.html", {"sections": sections})


@login_required
def issues(request):
    """Open meeting issues: the county sees its own, an owner those they own; overdue first."""
    rows = selectors.issues_visible_to(request.user).filter(status="open")
    overdue = selectors.overdue_issues(request.user)
    return render(
        request,
        "classrooms/issues.html",
        {"overdue": overdue, "open": rows.exclude(pk__in=overdue.values("pk"))},
    )
