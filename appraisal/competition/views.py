"""The competition pages: the county's rounds, a round's set-up and stages, the judge's
scoring sheet (made for a phone), and the ranked results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.forms import apply_service_error
from core.text import parse_id

from ..models import RoundStatus
from ..regulations.selectors import current_of_kind
from . import selectors, services
from .forms import CompetitionForm, CriterionForm, EntryForm, JudgeForm


@login_required
def competitions(request):
    user = request.user
    may_run = selectors.may_run_competitions(user)
    form = CompetitionForm(request.POST or None) if may_run else None
    status = 200
    if request.method == "POST":
        if not may_run:
            raise Forbidden()
        if form.is_valid():
            try:
                round_ = services.competition_create(actor=user, **form.cleaned_data)
            except InvalidInput as exc:
                apply_service_error(form, exc)
                status = 422
            else:
                messages.success(
                    request,
                    _("The round is created with the usual three criteria; adjust them below."),
                )
                return redirect("appraisal:competition", round_.pk)
        else:
            status = 422
    rounds = selectors.competitions_visible_to(user).order_by("-year", "-id")
    judged = set(
        selectors.competitions_visible_to(user)
        .filter(judges__user=user)
        .values_list("pk", flat=True)
    )
    context = {"form": form, "rounds": rounds, "may_run": may_run, "judged": judged}
    return render(request, "appraisal/competition/list.html", context, status=status)


def _round_page(request, round_, *, forms=None, status=200, error=""):
    county_id = round_.county_id
    forms = forms or {}
    context = {
        "round": round_,
        "criteria": round_.criteria.all(),
        "entries": round_.entries.select_related("course", "lecturer").order_by("id"),
        "judges": round_.judges.select_related("user").order_by("id"),
        "criterion_form": forms.get("criterion") or CriterionForm(),
        "entry_form": forms.get("entry") or EntryForm(county_id=county_id),
        "judge_form": forms.get("judge") or JudgeForm(county_id=county_id),
        "error": error,
        "S": RoundStatus,
        "rules_doc": current_of_kind(request.user, "appraisal"),
    }
    return render(request, "appraisal/competition/round.html", context, status=status)


@login_required
def competition(request, competition_id):
    return _round_page(request, selectors.competition_for_admin(request.user, competition_id))


ACTIONS = {
    "criterion": (CriterionForm, lambda user, pk, d: services.criterion_add(
        actor=user, competition_id=pk, **d)),
    "entry": (EntryForm, lambda user, pk, d: services.entry_add(
        actor=user, competition_id=pk, course_id=d["course"].pk)),
    "panel": (JudgeForm, lambda user, pk, d: services.judge_add(
        actor=user, competition_id=pk, user_id=d["user"].pk)),
}  # fmt: skip
FORM_KEYS = {"criterion": "criterion", "entry": "entry", "panel": "judge"}
DONE = {
    "criterion": _("The criterion is added."),
    "entry": _("The course is entered."),
    "panel": _("The judge is on the panel."),
    "open": _("The round is open for entries."),
    "judging": _("The panel may score now."),
    "publish": _("The results are published and the entrants told."),
    "remove_criterion": _("The criterion is removed."),
    "remove_judge": _("The judge is taken off the panel."),
}


@login_required
@require_POST
def competition_act(request, competition_id, action):
    user = request.user
    round_ = selectors.competition_for_admin(user, competition_id)
    pk = round_.pk
    if action in ACTIONS:
        form_class, act = ACTIONS[action]
        kwargs = {} if form_class is CriterionForm else {"county_id": round_.county_id}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            return _round_page(request, round_, forms={FORM_KEYS[action]: form}, status=422)
        try:
            act(user, pk, form.cleaned_data)
        except (InvalidInput, Conflict) as exc:
            apply_service_error(form, exc)
            return _round_page(request, round_, forms={FORM_KEYS[action]: form}, status=exc.status)
    else:
        try:
            if action in ("open", "judging"):
                services.competition_move(actor=user, competition_id=pk, to=action)
            elif action == "publish":
                services.competition_publish(actor=user, competition_id=pk)
            elif action == "remove_criterion":
                services.criterion_remove(
                    actor=user, competition_id=pk, criterion_id=request.POST.get("id")
                )
            elif action == "remove_judge":
                services.judge_remove(
                    actor=user, competition_id=pk, judge_id=request.POST.get("id")
                )
            else:
                raise NotFound()
        except (InvalidInput, Conflict) as exc:
            round_.refresh_from_db()
            return _round_page(request, round_, status=exc.status, error=str(exc.message))
    messages.success(request, DONE[action])
    if action == "publish":
        return redirect("appraisal:competition_results", pk)
    return redirect("appraisal:competition", pk)


@login_required
def judge_sheet(request, competition_id):
    """The judge's scoring sheet: every entry with a row of points per criterion; an own or
    own-unit entry is shown but not scored; a scored entry shows the points given."""
    user = request.user
    judge = selectors.judge_of(user, competition_id)
    status, errors, error_entry, posted = 200, {}, None, {}
    if request.method == "POST":
        entry_id = request.POST.get("entry_id")
        posted = {
            key.removeprefix("points_"): value
            for key, value in request.POST.items()
            if key.startswith("points_")
        }
        try:
            services.scores_submit(
                actor=user, competition_id=judge.competition_id, entry_id=entry_id, points=posted
            )
        except (InvalidInput, Conflict, Forbidden) as exc:
            status = exc.status
            errors = dict(exc.fields) or {"__all__": str(exc.message)}
            error_entry = str(entry_id)
        else:
            messages.success(request, _("Your points are saved."))
            return redirect("appraisal:judge_sheet", judge.competition_id)
    criteria, rows = selectors.judge_sheet(judge)
    by_id = {str(c.pk): c.pk for c in criteria} | {c.name: c.pk for c in criteria}
    sheet_error = errors.pop("__all__", "")
    for row in rows:
        row.errors, row.posted = {}, {}
        if str(row.entry.pk) != str(error_entry):
            continue
        row.posted = {by_id[k]: v for k, v in posted.items() if k in by_id}
        for key, message in errors.items():
            criterion_id = parse_id(key.removeprefix("points_"))
            if criterion_id in row.posted or criterion_id in by_id.values():
                row.errors[criterion_id] = str(message)
            else:
                sheet_error = sheet_error or str(message)
    context = {
        "round": judge.competition,
        "criteria": criteria,
        "rows": rows,
        "sheet_error": str(sheet_error),
        "left": sum(1 for r in rows if not r.done and not r.conflict),
    }
    return render(request, "appraisal/competition/judge.html", context, status=status)


@login_required
def results(request, competition_id):
    user = request.user
    round_ = selectors.results_visible(user, competition_id)
    rows = selectors.ranking(round_)
    context = {
        "round": round_,
        "rows": rows,
        "criteria": list(round_.criteria.all()),
        "may_run": selectors.may_run_competitions(user),
        "published": round_.status == RoundStatus.PUBLISHED,
    }
    return render(request, "appraisal/competition/results.html", context)
