"""Pages of the outcomes: applying a published year's outcomes, the commendation list, the
reminder talks and the help plans. Thin: the services write, the selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from core.errors import Conflict, Forbidden, InvalidInput
from core.forms import apply_service_error
from core.pages import filters_from, form_page, paged
from core.timeutil import local
from core.xlsx import append_row, xlsx_response
from lecturers.models import Lecturer, LecturerStatus

from .. import selectors as appraisal_selectors
from ..models import CommendationStatus
from . import selectors, services
from .forms import (
    DecisionForm,
    NoteForm,
    PlanFilterForm,
    PlanForm,
    StepForm,
    TalkFilterForm,
    TalkNewForm,
    TalkRecordForm,
    TalkTimeForm,
)

TALKS_PAGE_SIZE = 30
PLANS_PAGE_SIZE = 30


@login_required
@require_POST
def outcomes_apply(request, year):
    user = request.user
    run = appraisal_selectors.run_for_user(user, year)
    try:
        counts = services.appraisal_outcomes_apply(actor=user, year=run.year)
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("appraisal:year", run.year)
    messages.success(
        request,
        _(
            "Outcomes applied: %(commendations)d proposed for commendation, %(talks)d reminder talks to schedule, %(cold_stored)d lecturers moved to cold store with %(help_plans)d help plans."
        )
        % counts,
    )
    return redirect("appraisal:year", run.year)


def _commendations_workbook(run, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = f"{run.year}年度表彰名单"
    append_row(sheet, ["讲师", "单位", "综合得分", "好课", "状态"])
    for c in rows:
        append_row(
            sheet,
            [
                c.lecturer.name,
                c.lecturer.org.name if c.lecturer.org else "",
                c.score,
                c.course.title if c.course else "",
                c.get_status_display(),
            ],
        )
    for column, width in zip("ABCDE", (10, 24, 10, 30, 10), strict=True):
        sheet.column_dimensions[column].width = width
    return xlsx_response(
        book, filename=f"{run.year}年度讲师表彰名单.xlsx", fallback=f"commendations-{run.year}.xlsx"
    )


@login_required
def commendations(request, year):
    """The year's list for public commendation; the county confirms it (the 名师 and 好课
    honours follow)."""
    user = request.user
    run = appraisal_selectors.run_for_user(user, year)
    rows = selectors.commendations_of(run)
    if request.GET.get("format") == "xlsx":
        return _commendations_workbook(run, rows)
    status, error = 200, ""
    if request.method == "POST":
        try:
            n = services.commendations_confirm(
                actor=user, year=run.year, lecturer_ids=request.POST.getlist("lecturers")
            )
        except (InvalidInput, Conflict) as exc:
            status = exc.status
            error = str(next(iter(exc.fields.values()))) if exc.fields else str(exc.message)
        else:
            messages.success(
                request, _("%(n)d lecturers are commended; their honours are granted.") % {"n": n}
            )
            return redirect("appraisal:commendations", run.year)
    context = {
        "run": run,
        "rows": rows,
        "error": error,
        "may_confirm": rows.filter(status=CommendationStatus.PROPOSED).exists(),
    }
    return render(request, "appraisal/commendations.html", context, status=status)


# --- reminder talks ----------------------------------------------------------------------------


@login_required
def talks(request):
    user = request.user
    form = TalkFilterForm(request.GET or None)
    data = filters_from(form)
    rows = selectors.talks_for_user(
        user, status=data.get("status", ""), overdue=data.get("overdue", False)
    )
    context = {
        **paged(request, rows, TALKS_PAGE_SIZE),
        "filters": form,
        "counts": selectors.talk_counts(user),
        "may_manage": appraisal_selectors.may_appraise(user),
    }
    return render(request, "appraisal/talks.html", context)


@login_required
def talk_new(request):
    user = request.user
    county_id = appraisal_selectors.appraisal_county_id(user)
    lecturers = (
        Lecturer.objects.filter(county_id=county_id)
        .exclude(status=LecturerStatus.REMOVED)
        .order_by("name_pinyin", "id")
    )
    initial = {"lecturer_id": request.GET.get("lecturer")}
    form = TalkNewForm(request.POST or None, lecturers=lecturers, initial=initial)

    def act(data):
        talk = services.talk_schedule(actor=user, **data)
        messages.success(request, _("The talk is scheduled; the lecturer is told."))
        return redirect("appraisal:talk", talk.pk)

    return form_page(request, form, act, template="appraisal/talk_new.html")


def _talk_page(request, talk, *, time_form=None, record_form=None, status=200):
    may_manage = appraisal_selectors.may_appraise(request.user)
    initial = {"when": talk.scheduled_at, "place": talk.place, "held_by": talk.held_by}
    context = {
        "talk": talk,
        "may_manage": may_manage,
        "is_overdue": selectors.talks_for_user(request.user, overdue=True)
        .filter(pk=talk.pk)
        .exists(),
        "time_form": time_form or TalkTimeForm(initial=initial),
        "record_form": record_form or TalkRecordForm(),
    }
    return render(request, "appraisal/talk.html", context, status=status)


@login_required
def talk(request, talk_id):
    return _talk_page(request, selectors.talk_for_user(request.user, talk_id))


def _post_form(request, form, act, render_again):
    """A POSTed form of a detail page: valid → the service, then back to the page; bad input
    or a refusal → the page again with the form marked (422, 409)."""
    if not form.is_valid():
        return render_again(form, 422)
    try:
        act(form.cleaned_data)
    except (InvalidInput, Conflict) as exc:
        apply_service_error(form, exc)
        return render_again(form, exc.status)
    return None


def _talk_post(request, talk_id, form_class, act, form_name: str, done_message):
    """One of the talk page's forms (county admins): the service, then back to the page with
    `done_message`; bad input or a refusal shows the page again with that form marked."""
    user = request.user
    found = selectors.talk_for_user(user, talk_id)
    if not appraisal_selectors.may_appraise(user):
        raise Forbidden()
    response = _post_form(
        request,
        form_class(request.POST),
        lambda data: act(actor=user, talk_id=found.pk, **data),
        lambda form, status: _talk_page(request, found, status=status, **{form_name: form}),
    )
    if response:
        return response
    messages.success(request, done_message)
    return redirect("appraisal:talk", found.pk)


@login_required
@require_POST
def talk_time(request, talk_id):
    return _talk_post(
        request, talk_id, TalkTimeForm, services.talk_set_time, "time_form",
        _("The time of the talk is set; the lecturer is told."),
    )  # fmt: skip


@login_required
@require_POST
def talk_record(request, talk_id):
    return _talk_post(
        request, talk_id, TalkRecordForm, services.talk_record, "record_form",
        _("The talk is recorded."),
    )  # fmt: skip


# --- help plans --------------------------------------------------------------------------------


def _plans_page(request, *, error: str = "", status: int = 200):
    user = request.user
    form = PlanFilterForm(request.GET or None)
    data = filters_from(form)
    may_manage = appraisal_selectors.may_appraise(user)
    county_id = appraisal_selectors.appraisal_county_id(user) if may_manage else None
    context = {
        **paged(
            request, selectors.plans_for_user(user, status=data.get("status", "")), PLANS_PAGE_SIZE
        ),
        "filters": form,
        "may_manage": may_manage,
        "without_plan": selectors.cold_stored_without_plan(county_id) if may_manage else [],
        "error": error,
    }
    return render(request, "appraisal/plans.html", context, status=status)


@login_required
def plans(request):
    return _plans_page(request)


@login_required
@require_POST
def plan_open(request):
    try:
        plan = services.help_plan_open(actor=request.user, lecturer_id=request.POST.get("lecturer"))
    except Conflict as exc:
        return _plans_page(request, error=str(exc.message), status=exc.status)
    messages.success(request, _("The help plan is opened; name the mentor and the steps."))
    return redirect("appraisal:plan", plan.pk)


def _plan_page(request, plan, *, forms=None, status=200):
    forms = forms or {}
    context = {
        "plan": plan,
        "steps": plan.steps.all(),
        "notes": plan.notes.select_related("author"),
        "today": local(timezone.now()).date(),
        "may_manage": appraisal_selectors.may_appraise(request.user),
        "plan_form": forms.get("plan")
        or PlanForm(initial={"mentor": plan.mentor, "goal": plan.goal}),
        "step_form": forms.get("step") or StepForm(),
        "note_form": forms.get("note") or NoteForm(),
        "decision_form": forms.get("decision") or DecisionForm(),
    }
    return render(request, "appraisal/plan.html", context, status=status)


@login_required
def plan(request, plan_id):
    return _plan_page(request, selectors.plan_for_user(request.user, plan_id))


PLAN_ACTIONS = {
    "plan": (
        PlanForm,
        lambda user, plan, data: services.help_plan_update(actor=user, plan_id=plan.pk, **data),
        True,
    ),
    "step": (
        StepForm,
        lambda user, plan, data: services.help_step_add(actor=user, plan_id=plan.pk, **data),
        True,
    ),
    "note": (
        NoteForm,
        lambda user, plan, data: services.help_note_add(actor=user, plan_id=plan.pk, **data),
        False,
    ),
    "decision": (
        DecisionForm,
        lambda user, plan, data: services.help_plan_decide(
            actor=user,
            plan_id=plan.pk,
            release=data["decision"] == "release",
            reason=data["reason"],
        ),
        True,
    ),
}


@login_required
@require_POST
def plan_act(request, plan_id, action):
    """One of the plan page's forms: the plan's mentor and goal, a step, a progress note (the
    lecturer too), the decision."""
    user = request.user
    found = selectors.plan_for_user(user, plan_id)
    form_class, act, county_only = PLAN_ACTIONS[action]
    if county_only and not appraisal_selectors.may_appraise(user):
        raise Forbidden()
    response = _post_form(
        request,
        form_class(request.POST),
        lambda data: act(user, found, data),
        lambda form, status: _plan_page(request, found, forms={action: form}, status=status),
    )
    if response:
        return response
    messages.success(request, _("Saved."))
    return redirect("appraisal:plan", found.pk)


@login_required
@require_POST
def step_done(request, plan_id, step_id):
    found = selectors.plan_for_user(request.user, plan_id)
    try:
        services.help_step_done(actor=request.user, plan_id=found.pk, step_id=step_id)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    return redirect("appraisal:plan", found.pk)
