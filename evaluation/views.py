"""The trainee page behind the QR code (no account, light enough for a weak connection), and the
evaluation pages of the parties and the county: poster, quality form, roll-up, rankings, flags."""

import secrets
from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import access
from core import read_cache
from core.errors import Conflict, Forbidden, InvalidInput, ServiceError
from core.forms import apply_service_error
from core.http import client_ip
from core.text import mask_phone
from core.timeutil import local
from core.xlsx import wants_xlsx, xlsx_list_response
from lecturers.selectors import lecturers_visible_to
from orgs.models import CountySettings
from scheduling.selectors import booking_for_user
from scheduling.views import render_booking_detail

from . import reports, selectors
from .export import FLAGGED_COLUMNS, RANKING_COLUMNS, ROLLUP_INDEX_COLUMNS, rollup_xlsx_response
from .forms import OrgRatingForm, PeriodForm, RankingFilterForm, TraineeForm
from .models import TraineeRating
from .qr import qr_svg
from .services import (
    attendance_confirm,
    open_session,
    org_rating_submit,
    rating_review,
    session_summary,
    trainee_rate,
    trainee_url,
)

# The trainee page remembers, for the session's rating window only, which record this browser
# made: a signed record id (no name or phone), on the session's own path. The device cookie is
# a random id that tells one phone's submissions apart (the "device" rule).
REMEMBER = "jt_rated"
OLD_REMEMBER = "jt_trainee"  # until issue 10 it held the name and phone for a year
DEVICE = "jt_device"


def _window_left(booking, rules: CountySettings) -> int:
    """Seconds until the session's rating window closes (the cookies last no longer)."""
    closes = booking.end_at + timedelta(hours=rules.rating_open_hours)
    return max(0, int((closes - timezone.now()).total_seconds()))


def _remembered(request, booking) -> TraineeRating | None:
    """The rated record this browser made for the session, if it made one."""
    try:
        pk = signing.loads(request.COOKIES.get(REMEMBER, ""), salt=f"{REMEMBER}:{booking.pk}")
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return TraineeRating.objects.filter(pk=pk, booking=booking, rated_at__isnull=False).first()


def _set_cookie(request, response, name: str, value: str, *, max_age: int, path: str = "/"):
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)  # fmt: skip


@require_http_methods(["GET", "POST"])
def trainee_page(request, token: str):
    # Chinese whatever the phone's language, unless the trainee taps "English".
    english = request.GET.get("lang") == "en"
    with translation.override("en" if english else "zh-hans"):
        return _trainee_page(request, token, english=english)


def _trainee_page(request, token: str, *, english: bool):
    try:
        booking, rules = open_session(token)
    except ServiceError as exc:
        return render(
            request, "evaluation/closed.html", {"message": exc.message}, status=exc.status
        )
    # "Rate for another trainee" on a shared phone: a fresh form, whatever this browser rated.
    another = request.GET.get("another") == "1"
    record = None if another else _remembered(request, booking)
    if request.method == "GET" and record is None:
        response = HttpResponse(_blank_page(request, booking, english=english, another=another))
        return _with_cookies(request, response, booking, rules, record)
    form = TraineeForm(request.POST or None, initial={"key": secrets.token_hex(16)})
    status = 200
    if request.method == "POST" and record is None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                record, created = trainee_rate(
                    token=token, name=data["name"], phone=data["phone"],
                    scores={k: data[k] for k in ("content", "method", "effect")}, comment=data["comment"],
                    device=request.COOKIES.get(DEVICE, ""), client_ip=client_ip(request),
                    submission_key=data["key"],
                )  # fmt: skip
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                # The same phone again is shown nothing of the first record, unless it is this
                # very submission sent again (the phone was offline when it got the answer).
                if not created and not (data["key"] and record.submission_key == data["key"]):
                    record = None
                    form.add_error(
                        "phone", _("This mobile number has already checked in for this session.")
                    )
        else:
            status = 400
    context = {
        "booking": booking,
        "form": form,
        "record": record,
        "english": english,
        "another": another,
    }
    response = render(request, "evaluation/trainee.html", context, status=status)
    return _with_cookies(request, response, booking, rules, record)


# The page a trainee first sees, a blank form, rendered once per session's shown details and
# language in this process: a hall scanning the code at once is answered from it, each phone
# given its own CSRF token and submission key. Only the context below goes into it.
_BLANK_PAGES: dict[tuple, str] = {}
_BLANK_PAGES_KEPT = 256
_KEY_SLOT = "key-slot-" + secrets.token_hex(8)


def _blank_page(request, booking, *, english: bool, another: bool) -> str:
    shown = (booking.course.title, booking.lecturer.name, booking.org.name, booking.venue)
    language, day = translation.get_language(), timezone.localdate()  # a date names its year
    key = (language, day, english, another, booking.start_at, booking.end_at, *shown)
    page = _BLANK_PAGES.get(key)
    if page is None:
        context = {
            "booking": booking,
            "form": TraineeForm(initial={"key": _KEY_SLOT}),
            "english": english,
            "another": another,
        }
        page = read_cache.render_to_keep("evaluation/trainee.html", context)
        if len(_BLANK_PAGES) >= _BLANK_PAGES_KEPT:
            _BLANK_PAGES.clear()
        _BLANK_PAGES[key] = page
    return read_cache.fill_csrf_slot(request, page.replace(_KEY_SLOT, secrets.token_hex(16)))


def _with_cookies(request, response, booking, rules, record):
    """The trainee page's cookies: the record this browser made, its device id."""
    window = _window_left(booking, rules)
    if record is not None:
        value = signing.dumps(record.pk, salt=f"{REMEMBER}:{booking.pk}")
        _set_cookie(request, response, REMEMBER, value, max_age=window, path=request.path)
    if OLD_REMEMBER in request.COOKIES:
        response.delete_cookie(OLD_REMEMBER, samesite="Lax")
    if DEVICE not in request.COOKIES:
        _set_cookie(request, response, DEVICE, secrets.token_hex(12), max_age=window)
    return response


# --- the pages of the parties and the county (issue 6) --------------------------------------------

RANKING_PAGE_SIZE = 50
FLAG_PAGE_SIZE = 30


def _same_site_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_GET
def poster(request, booking_id):
    """The printable A4 poster with the session's QR code (测评码)."""
    booking = reports.session_for_poster(request.user, booking_id)
    # segno writes the SVG from the trainee URL alone; nothing in it comes from a user.
    code = mark_safe(qr_svg(booking, scale=1, omitsize=True).decode())  # noqa: S308
    context = {
        "booking": booking,
        "qr": code,
        "url": trainee_url(booking),
        "rules": CountySettings.for_county(booking.county_id),
    }
    return render(request, "evaluation/poster.html", context)


@login_required
@require_GET
def quality_form(request, booking_id):
    """The session's 培训课程及讲师质量测评表 (G8c), printable."""
    booking = reports.session_for_quality_form(request.user, booking_id)
    context = {"booking": booking, **reports.quality_form(booking)}
    return render(request, "evaluation/quality_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, booking_id):
    """The booking organisation's attendance list: every check-in, the held ratings marked
    with the reason; ticking the real attendees among the held ones makes them count."""
    booking = reports.session_for_attendance(request.user, booking_id)
    if request.method == "POST":
        confirmed = attendance_confirm(
            actor=request.user, booking=booking, rating_ids=request.POST.getlist("attended")
        )
        messages.success(
            request,
            ngettext(
                "Confirmed: %(n)d rating now counts.",
                "Confirmed: %(n)d ratings now count.",
                confirmed,
            )
            % {"n": confirmed},
        )
        return redirect("evaluation_attendance", booking.pk)
    rows = reports.attendance_list(booking)
    context = {
        "booking": booking,
        "rows": rows,
        "held": sum(1 for r in rows if r["state"] == "held"),
        "summary": session_summary(booking),
    }
    return render(request, "evaluation/attendance.html", context)


def booking_page_part(sender, *, user, booking, **kwargs) -> dict:
    """What the booking page shows of the evaluation (connected to scheduling's `booking_page`)."""
    return {
        "org_rating_form": OrgRatingForm(prefix="org"),
        **reports.booking_evaluation(user, booking),
    }


@login_required
@require_POST
def org_rating(request, booking_id):
    """The lecturer rates the organisation on the booking page once the session has started."""
    booking = booking_for_user(request.user, booking_id)
    form = OrgRatingForm(request.POST, prefix="org")
    if form.is_valid():
        try:
            org_rating_submit(actor=request.user, booking=booking, **form.cleaned_data)
        except InvalidInput as exc:
            apply_service_error(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc.message))
            return redirect(f"{reverse('booking_detail', args=[booking.pk])}#evaluation")
        else:
            messages.success(request, _("Thank you. Your rating of the organisation is saved."))
            return redirect(f"{reverse('booking_detail', args=[booking.pk])}#evaluation")
    return render_booking_detail(request, booking, forms={"org_rating_form": form})


@login_required
@require_GET
def rankings(request):
    """Rankings (智能排位, L11) of lecturers and of trained organisations."""
    user = request.user
    tab = request.GET.get("tab", "")
    if tab not in ("lecturers", "orgs"):
        tab = "lecturers"
    form = RankingFilterForm(
        request.GET or None,
        towns=access.towns_in_county(user),
        this_year=local(timezone.now()).year,
    )
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    category, town_id, year = (
        filters.get("category") or "",
        filters.get("town"),
        filters.get("year"),
    )
    ranking = partial(
        selectors.org_ranking if tab == "orgs" else selectors.lecturer_ranking,
        user, year=year, category=category, town_id=town_id,
    )  # fmt: skip
    if wants_xlsx(request):
        title = _("Organisation ranking") if tab == "orgs" else _("Lecturer ranking")
        return xlsx_list_response(ranking(), RANKING_COLUMNS, title=title, name=f"ranking-{tab}")
    filter_query = urlencode(
        {k: v for k, v in (("category", category), ("town", town_id), ("year", year)) if v}
    )

    def results() -> dict:
        page = Paginator(ranking(), RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
        linked = set()
        if tab == "lecturers":
            linked = set(
                lecturers_visible_to(user)
                .filter(pk__in=[item["id"] for item in page.object_list])
                .values_list("pk", flat=True)
            )
        for item in page.object_list:
            item["linked"] = item["id"] in linked
        query = "&".join(q for q in (f"tab={tab}", filter_query) if q)
        return {"tab": tab, "page": page, "query": query}

    context = {
        "tab": tab,
        "form": form,
        "filter_query": filter_query,
        "results": read_cache.cached_fragment(request, "evaluation/_ranking.html", results),
    }
    return render(request, "evaluation/rankings.html", context)


@login_required
@require_GET
def rollup(request):
    """County admins: per lecturer and period, the roll-up for the lecturer's own unit (G8c);
    without a lecturer, the lecturers with sessions in the period."""
    user = request.user
    if not reports.may_see_rollups(user):
        raise Forbidden()
    form = PeriodForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    period = reports.period_from(data.get("from"), data.get("to"))
    if not request.GET.get("lecturer"):
        rows = reports.rollup_index(user, period)
        if wants_xlsx(request):
            return xlsx_list_response(
                rows, ROLLUP_INDEX_COLUMNS, title=_("Quality roll-ups"), name="rollups"
            )
        context = {"form": form, "period": period, "rows": rows, "query": period.query}
        return render(request, "evaluation/rollup_index.html", context)
    lecturer = reports.rollup_lecturer(user, request.GET["lecturer"])
    report = reports.rollup(user, lecturer, period)
    if request.GET.get("format") == "xlsx":
        return rollup_xlsx_response(report)
    context = {"form": form, **report}
    return render(request, "evaluation/rollup.html", context)


@login_required
@require_GET
def flags(request):
    """County admins: the ratings flagged as suspicious, to keep or discard (masked phones)."""
    qs = reports.flagged_ratings(request.user)
    if wants_xlsx(request):
        return xlsx_list_response(
            qs, FLAGGED_COLUMNS, title=_("Flagged ratings"), name="flagged-ratings"
        )
    page = Paginator(qs, FLAG_PAGE_SIZE).get_page(request.GET.get("page"))
    for rating in page.object_list:
        rating.masked_phone = mask_phone(rating.phone)
    context = {"page": page, "query": "", "here": request.get_full_path()}
    return render(request, "evaluation/flags.html", context)


@login_required
@require_POST
def flag_review(request, rating_id):
    rating = reports.flagged_rating_for_user(request.user, rating_id)
    decision = request.POST.get("decision", "")
    if decision not in ("keep", "discard"):
        messages.error(request, _("Choose to keep or to delete the rating."))
    else:
        rating_review(actor=request.user, rating=rating, keep=decision == "keep")
        messages.success(
            request,
            _("Kept: the rating counts again.")
            if decision == "keep"
            else _("Deleted: the rating no longer counts."),
        )
    # A URL, never a view name: redirect() would try to reverse any text that is not a URL.
    return HttpResponseRedirect(_same_site_next(request, reverse("evaluation_flags")))
