"""The province admin's pages: the counties of the province side by side for a period, and
one county's dashboard figures, read-only (no work list, nothing that books or edits)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

import access
from core import read_cache
from core.errors import Forbidden
from core.xlsx import wants_xlsx

from .charts import charts
from .exports import province_xlsx_response
from .forms import PeriodForm
from .province import FIGURES, RANK_BY, may_see_province, province_figures
from .selectors import Area, default_period, presets, stats


def _period_form(request):
    bound = any(k in request.GET for k in ("from", "to"))
    data = {k: request.GET.get(k, "") for k in ("from", "to")} if bound else None
    return PeriodForm(data, period=default_period())


def _presets(query: dict, period) -> list[dict]:
    return [
        {
            "label": label,
            "query": urlencode({**query, "from": p.first, "to": p.last}),
            "active": p == period,
        }
        for _key, label, p in presets()
    ]


def _refuse_others(user) -> None:
    if not may_see_province(user):
        raise Forbidden(_("The provincial figures are for province administrators."))


@login_required
def province_page(request):
    """Headline figures of each county of the caller's province for a period, the counties
    ranked by one of them (`?rank=`), and the best-rated lecturers across the province;
    `?format=xlsx` gives the same as a workbook."""
    _refuse_others(request.user)
    form = _period_form(request)
    context = {"form": form, "figure_columns": FIGURES}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/province.html", context, status=422)
    period = form.cleaned_data["period"] if form.is_bound else default_period()
    rank_by = request.GET.get("rank") if request.GET.get("rank") in RANK_BY else RANK_BY[0]
    figures = province_figures(request.user, period, rank_by=rank_by)
    if wants_xlsx(request):
        return province_xlsx_response(figures)
    query = {"from": period.first.isoformat(), "to": period.last.isoformat(), "rank": rank_by}
    shown = {
        "figures": figures,
        "period": period,
        "period_query": urlencode({"from": query["from"], "to": query["to"]}),
        "figure_columns": FIGURES,
        "rank_choices": [(key, label) for key, label in FIGURES if key in RANK_BY],
    }
    # The figures are the snapshot's, ranked: their render is kept for the snapshot.
    key = ("province page", figures.province.pk, figures.as_of.isoformat(), rank_by,
           query["from"], query["to"])  # fmt: skip
    figures_html = read_cache.cached(
        key,
        lambda: read_cache.render_to_keep("reports/_province_figures.html", shown),
        per_generation=False,
    )
    context.update(
        shown,
        query=urlencode(query),
        presets=_presets(query, period),
        figures_html=mark_safe(figures_html),  # noqa: S308 (markup rendered above)
    )
    return render(request, "reports/province.html", context)


@login_required
def province_county(request, county_id: int):
    """One county's dashboard figures for a province admin of its province: the charts and
    rankings of its dashboard, nothing that acts. Another province's county is not found."""
    _refuse_others(request.user)
    county = access.county_of_province(request.user, county_id)
    form = _period_form(request)
    context = {"form": form, "county": county}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/province_county.html", context, status=422)
    period = form.cleaned_data["period"] if form.is_bound else default_period()
    figures = stats(Area(county=county), period)
    query = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    context.update(
        period=period,
        figures=figures,
        charts=charts(figures),
        query=urlencode(query),
        presets=_presets(query, period),
    )
    return render(request, "reports/province_county.html", context)
