"""The appraisal pages: the county's years and rules, a year's progress and results with the
committee's review, the explanation of one result, and the lecturer's own results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, InvalidInput
from core.forms import apply_service_error
from orgs.models import Organisation

from . import selectors, services
from .export import results_workbook
from .forms import OverrideForm, ResultFilterForm, RulesForm, RunForm
from .models import AppraisalRules, Grade, RunStatus
from .outcomes.selectors import outcome_preview

RESULTS_PAGE_SIZE = 50


def _bound_service_call(form, act):
    """Call `act(cleaned_data)` for a valid bound form; a service's refusal lands on the form.
    Returns (response or None, status)."""
    if not form.is_valid():
        return None, 422
    try:
        return act(form.cleaned_data), 200
    except (InvalidInput, Conflict) as exc:
        apply_service_error(form, exc)
        return None, exc.status


@login_required
def index(request):
    user = request.user
    county_id = selectors.appraisal_county_id(user)
    years = selectors.year_choices(user)
    form = RunForm(request.POST or None, years=years, initial={"year": years[0] if years else None})
    status = 200
    if request.method == "POST":

        def start(data):
            services.appraisal_run_start(actor=user, year=data["year"])
            return redirect("appraisal:year", data["year"])

        response, status = _bound_service_call(form, start)
        if response:
            return response
    runs = {run.year: run for run in selectors.runs_for_user(user)}
    rows = [(year, runs.get(year)) for year in sorted(set(years) | set(runs), reverse=True)]
    context = {
        "form": form,
        "rows": rows,
        "county": Organisation.objects.get(pk=county_id),
        "first_year": selectors.first_year_of(county_id),
    }
    return render(request, "appraisal/index.html", context, status=status)


@login_required
def rules(request):
    user = request.user
    county_id = selectors.appraisal_county_id(user)
    current = AppraisalRules.for_county(county_id)
    if request.method == "POST":
        form = RulesForm(request.POST)

        def save(data):
            services.appraisal_rules_update(actor=user, **data)
            messages.success(request, _("The appraisal rules are saved; the next run uses them."))
            return redirect("appraisal:rules")

        response, status = _bound_service_call(form, save)
        if response:
            return response
    else:
        form, status = RulesForm(initial=RulesForm.initial_from(current)), 200
    return render(request, "appraisal/rules.html", {"form": form}, status=status)


def _year_page(request, run, *, status=200, run_error: str = ""):
    towns = selectors.towns_of(run)
    filters = ResultFilterForm(request.GET or None, towns=towns)
    data = filters.cleaned_data if filters.is_valid() else {}
    results = selectors.results_of(run, grade=data.get("grade", ""), town_id=data.get("town"))
    if request.GET.get("format") == "xlsx" and run.is_finished:
        return results_workbook(run, results)
    page = Paginator(results, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "run": run,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "counts": selectors.grade_counts(run) if run.is_finished else [],
        "is_draft": run.status == RunStatus.DRAFT,
        "run_error": run_error,
        "grades": Grade.choices,
        "preview": outcome_preview(run) if run.status == RunStatus.PUBLISHED else None,
    }
    return render(request, "appraisal/year.html", context, status=status)


@login_required
def year(request, year):
    return _year_page(request, selectors.run_for_user(request.user, year))


@login_required
def year_status(request, year):
    """The progress block alone, polled by the year page while the run computes; once it is
    done the whole page reloads to show the results."""
    run = selectors.run_for_user(request.user, year)
    response = render(request, "appraisal/_run_status.html", {"run": run})
    if run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def year_run(request, year):
    """Compute the year again (a failed run, or a draft after late ratings)."""
    user = request.user
    run = selectors.run_for_user(user, year)
    try:
        services.appraisal_run_start(actor=user, year=run.year, recompute=True)
    except (InvalidInput, Conflict) as exc:
        return _year_page(request, run, status=exc.status, run_error=str(exc.message))
    return redirect("appraisal:year", run.year)


@login_required
@require_POST
def year_publish(request, year):
    user = request.user
    run = selectors.run_for_user(user, year)
    try:
        services.appraisal_publish(actor=user, year=run.year)
    except Conflict as exc:
        return _year_page(request, run, status=exc.status, run_error=str(exc.message))
    messages.success(request, _("The appraisal is published; every graded lecturer is told."))
    return redirect("appraisal:year", run.year)


@login_required
def year_print(request, year):
    """The year on paper: the grades per town and per course category."""
    run = selectors.run_for_user(request.user, year)
    context = {
        "run": run,
        "county": Organisation.objects.get(pk=run.county_id),
        "counts": selectors.grade_counts(run),
        "by_town": selectors.distribution_by_town(run),
        "by_category": selectors.distribution_by_category(run),
    }
    return render(request, "appraisal/print.html", context)


def _result_page(request, result, *, form=None, status=200):
    may_review = selectors.may_appraise(request.user)
    context = {
        "result": result,
        "run": result.run,
        "metrics": selectors.metric_lines(result),
        "steps": selectors.steps_text(result),
        "sessions": selectors.sessions_of(result),
        "may_review": may_review,
        "form": form
        or OverrideForm(initial={"grade": result.grade or result.computed_grade or None}),
    }
    return render(request, "appraisal/result.html", context, status=status)


@login_required
def result(request, year, lecturer_id):
    return _result_page(request, selectors.result_for_user(request.user, year, lecturer_id))


@login_required
@require_POST
def result_override(request, year, lecturer_id):
    user = request.user
    selectors.appraisal_county_id(user)
    found = selectors.result_for_user(user, year, lecturer_id)
    form = OverrideForm(request.POST)

    def change(data):
        services.appraisal_result_override(
            actor=user, year=found.run.year, lecturer_id=found.lecturer_id, **data
        )
        messages.success(request, _("The grade of %(name)s is changed.") % {"name": found.lecturer.name})  # fmt: skip
        return redirect(reverse("appraisal:year", args=[found.run.year]) + f"#r{found.lecturer_id}")

    response, status = _bound_service_call(form, change)
    return response or _result_page(request, found, form=form, status=status)


@login_required
def mine(request):
    selectors.own_lecturer_id(request.user)  # lecturers only
    results = selectors.own_results(request.user)
    return render(request, "appraisal/mine.html", {"results": results})
