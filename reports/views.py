"""Pages that compose several domains. The home page shows a little of each: the catalogue,
the caller's bookings and orders, demands to grab; county and town admins get the dashboard
(their figures for a period, with what waits for them on top) and the yearly work report."""

from functools import partial
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

import access
from core import read_cache
from core.errors import Forbidden, NotFound
from core.xlsx import wants_xlsx, xlsx_list_response
from courses.models import Category
from evaluation.reports import attach_recent_comments, comments_of, flagged_count
from lecturers import selectors as lecturer_selectors
from lecturers.export import LECTURER_COLUMNS
from lecturers.forms import CatalogueFilterForm
from lecturers.selectors import catalogue_summary_for_user, lecturer_list_for_user
from matching.selectors import orders_open_to_grab
from notifications.selectors import failed_delivery_count
from scheduling.models import BookingStatus, OutsideSessionStatus
from scheduling.selectors import (
    booking_list_for_user,
    booking_upcoming_for_user,
    free_slots_for_lecturer,
    open_bookings_of_unavailable_lecturer,
    outside_session_list_for_user,
)

from .charts import charts
from .exports import dashboard_xlsx_response, year_report_pdf_response
from .forms import EARLIEST, PeriodForm
from .province import may_see_province
from .province_views import province_page
from .selectors import (
    area_for_user,
    county_for_user,
    default_period,
    may_see_dashboard,
    presets,
    stats,
    stats_minute,
    today,
    towns_for_user,
    year_report,
)

LECTURER_PAGE_SIZE = 20


def _work_context(user, scope) -> dict:
    """What waits for the caller in each of their roles: the top of the home page and of the
    dashboard (reports/_work.html), read on each request (what can be grabbed and what is
    coming change with the clock)."""
    context = {"scope": scope, "my_orgs": access.orgs_held_by(user)}
    if scope.lecturer_id:
        context["lecturer_active"] = lecturer_selectors.lecturer_is_active(scope.lecturer_id)
        context["waiting_orders"] = booking_list_for_user(
            user, status=BookingStatus.REQUESTED, side="lecturer"
        ).count()
        context["orders_to_grab"] = orders_open_to_grab(user).count()
    # Secretaries and town or county admins post demands (需求邀约).
    context["may_post_demand"] = scope.is_secretary or scope.is_town_admin or scope.is_county_admin
    if scope.is_secretary or scope.is_town_admin:
        context["upcoming"] = booking_upcoming_for_user(user)
    if scope.is_county_admin:
        context["pending_outside"] = outside_session_list_for_user(
            user, status=OutsideSessionStatus.PENDING
        ).count()
        context["failed_deliveries"] = failed_delivery_count(user)
        context["flagged_ratings"] = flagged_count(user)
    return context


@login_required
def home(request):
    """One home page; what it shows depends on the caller's roles. County and town admins
    land on their dashboard, province admins on their province's figures."""
    user = request.user
    if may_see_dashboard(user):
        return dashboard(request)
    if may_see_province(user):
        return province_page(request)
    scope = access.scope_for(user)

    def pool() -> dict:
        """The county's pool as the caller sees it, kept in core.read_cache: the totals, the
        caller's own card and the top lecturers (the own card from their read if among them)."""
        top = attach_recent_comments(lecturer_list_for_user(user, status="active")[:6])
        mine = [lecturer for lecturer in top if lecturer.pk == scope.lecturer_id]
        if scope.lecturer_id and not mine:
            mine = lecturer_list_for_user(user).filter(pk=scope.lecturer_id)[:1]
        return {
            "summary": catalogue_summary_for_user(user),
            "categories": Category.choices,
            "my_lecturer": mine[0] if mine else None,
            "top_lecturers": top,
        }

    context = {
        **_work_context(user, scope),
        "pool": read_cache.cached_fragment(request, "reports/_home_pool.html", pool),
    }
    return render(request, "reports/home.html", context)


@login_required
def dashboard(request):
    """The figures of the caller's county or town for a period, as charts with their tables
    (county and town admins); `?format=xlsx` gives the tables as a workbook."""
    user = request.user
    if not may_see_dashboard(user):
        raise Forbidden(_("The dashboard is for county and town administrators."))
    scope = access.scope_for(user)
    towns = towns_for_user(user)
    whole_county = county_for_user(user).name if scope.is_county_admin else ""
    bound = any(k in request.GET for k in ("from", "to", "org_id"))
    form = PeriodForm(
        request.GET if bound else None,
        towns=towns,
        whole_county=whole_county,
        period=default_period(),
    )
    context = {**_work_context(user, scope), "form": form, "towns": towns}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/dashboard.html", context, status=422)
    period = form.cleaned_data["period"] if form.is_bound else default_period()
    area = area_for_user(user, form.cleaned_data.get("org_id") if form.is_bound else None)
    if request.GET.get("format") == "xlsx":
        return dashboard_xlsx_response(area, period, charts(stats(area, period)))
    query = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    if area.town and "org_id" in form.fields:
        query["org_id"] = area.town.pk

    def figures() -> dict:
        found = stats(area, period)
        return {
            "area": area,
            "period": period,
            "figures": found,
            "charts": charts(found),
            "query": urlencode(query),
            "towns": towns,
            "drill": scope.is_county_admin and area.town is None,
        }

    context.update(
        area=area,
        period=period,
        query=urlencode(query),
        presets=[
            {
                "label": label,
                "query": urlencode({**query, "from": p.first, "to": p.last}),
                "active": p == period,
            }
            for _key, label, p in presets()
        ],
        # Rendered once a minute at most, as the figures are kept (reports.selectors.stats).
        figures_html=read_cache.cached_fragment(
            request, "reports/_dashboard_figures.html", figures, vary=(stats_minute(),)
        ),
    )
    return render(request, "reports/dashboard.html", context)


@login_required
def year_report_page(request, year: int):
    """The yearly work report in the shape a county sends upward: printable, and as a PDF
    (`?format=pdf`). A town admin's is their town's; a county admin may ask for a town's
    (`?org_id=`)."""
    if not may_see_dashboard(request.user):
        raise Forbidden(_("The dashboard is for county and town administrators."))
    if not EARLIEST.year <= year <= today().year:
        raise NotFound()
    area = area_for_user(request.user, request.GET.get("org_id") or None)
    report = year_report(area, year)
    if request.GET.get("format") == "pdf":
        return year_report_pdf_response(report)
    query = (
        f"?org_id={area.town.pk}"
        if area.town and access.scope_for(request.user).is_county_admin
        else ""
    )
    context = {
        "report": report,
        "query": query,
        "previous": year - 1,
        "next": year + 1 if year < today().year else None,
    }
    return render(request, "reports/year_report.html", context)


@login_required
def lecturer_list(request):
    """The catalogue; each card shows the latest comments on the lecturer's sessions."""
    form = CatalogueFilterForm(request.GET or None, towns=access.towns_in_county(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = lecturer_selectors.lecturer_list_for_user(
        request.user,
        q=filters.get("q") or "",
        category=filters.get("category") or "",
        org_id=filters.get("town"),
        sort=filters.get("sort") or "recommended",
    )
    if wants_xlsx(request):
        return xlsx_list_response(qs, LECTURER_COLUMNS, title=_("Lecturers"), name="lecturers")
    query = request.GET.copy()
    query.pop("page", None)

    def results() -> dict:
        page = Paginator(qs, LECTURER_PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = attach_recent_comments(page.object_list)
        return {"page": page, "query": query.urlencode()}

    cards = read_cache.cached_fragment(request, "lecturers/_results.html", results)
    if request.headers.get("HX-Request"):
        return HttpResponse(cards)
    context = {
        "form": form,
        "results": cards,
        "active_category": filters.get("category") or "",
        "categories": Category.choices,
    }
    return render(request, "lecturers/list.html", context)


@login_required
def lecturer_detail(request, lecturer_id):
    """The résumé, with the latest comments on the sessions and the free published slots; for
    those who manage the lecturer also the appointment terms, the lifecycle's history and the
    future bookings of a lecturer who is no longer active."""
    user = request.user
    read = {}  # the lecturer, read once: in full for a render to keep, else for the live parts

    def lecturer():
        if not read:  # 404 outside the caller's county
            read["lecturer"] = lecturer_selectors.lecturer_for_user(user, lecturer_id)
        return read["lecturer"]

    def may_book() -> bool:  # the "Book" button and the free times' links
        return read_cache.cached(
            ("may book", user.pk, lecturer_id),
            partial(lecturer_selectors.may_book_lecturer, user, lecturer()),
        )

    def resume() -> dict:
        """All but the live parts, kept in core.read_cache for the caller."""
        full = read["lecturer"] = lecturer_selectors.lecturer_detail_for_user(user, lecturer_id)
        return {
            "lecturer": full,
            "phone": lecturer_selectors.lecturer_phone_for(user, full),
            "liked": lecturer_selectors.lecturer_liked_by(user, full),
            "is_own": full.user_id == user.pk,
            "honours": full.honour_list,
            "recent_comments": comments_of(full),
            "may_book": may_book(),
            "sees_terms": lecturer_selectors.lecturer_sees_terms(user, full),
            "status_history": lecturer_selectors.lecturer_status_history(user, full),
        }

    # Live, rendered on every request: what changes with the clock, not only with the data.
    def free_times() -> str:
        context = {
            "lecturer": lecturer(),
            "slots": free_slots_for_lecturer(user, lecturer()),
            "may_book": may_book(),
        }
        return render_to_string("lecturers/_free_times.html", context)

    def to_decide() -> str:
        context = {"bookings_to_decide": open_bookings_of_unavailable_lecturer(user, lecturer())}
        return render_to_string("lecturers/_to_decide.html", context)

    live = {"free_times": free_times, "to_decide": to_decide}
    body = read_cache.cached_fragment(request, "lecturers/_detail.html", resume, live=live)
    context = {"lecturer": lecturer(), "body": body}
    return render(request, "lecturers/detail.html", context)
