"""Pages of the improvement programme (一项工程): the county's training activities, an
activity with its QR poster and attendance, the lecturer's check-in page (scan or short code)
and the hours per lecturer per year."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from core import qr
from core.errors import Conflict, Forbidden, Gone, NotFound
from core.pages import filters_from, form_page
from core.timeutil import aware, local
from core.xlsx import wants_xlsx, xlsx_list_response
from lecturers.models import Lecturer

from . import pool_selectors as selectors
from . import programme_services as services
from .pool_export import ACTIVITY_COLUMNS, HOURS_COLUMNS
from .pool_forms import (
    ActivityFilterForm,
    ActivityForm,
    AttendanceMarkForm,
    CheckInCodeForm,
    YearForm,
)
from .pool_views import list_page, managed_orgs


@login_required
def activity_list(request):
    selectors.require_pool_admin(request.user)
    filter_form = ActivityFilterForm(request.GET or None)
    rows = selectors.activities_for_user(request.user, **filters_from(filter_form))
    context = {
        "intro": _(
            "The teachers' improvement programme: group study, outside training chosen "
            "by need, salons, training classes, on-site teaching and city teachers' "
            "visits to towns. Lecturers check in by scanning the activity's QR code."
        ),
        "new_url": "development:activity_new",
        "new_label": _("Plan an activity"),
        "extra_url": "development:hours",
        "extra_label": _("Hours per lecturer"),
        "empty": _("No activities yet. Plan one; print its QR code for the lecturers to check in."),
        "filter_form": filter_form,
        "testid": "activity",
    }
    return list_page(
        request, rows, ACTIVITY_COLUMNS, title=gettext_lazy("Training activities"),
        name="activities", context=context,
        row_url=lambda a: reverse("development:activity", args=[a.pk]),
    )  # fmt: skip


@login_required
def activity_new(request):
    selectors.require_pool_admin(request.user)
    scope = access.scope_for(request.user)
    lecturers = Lecturer.objects.filter(county_id=scope.county_id).order_by("name_pinyin", "id")
    towns = [o for o in managed_orgs(request.user) if o.level == "town"]
    form = ActivityForm(
        request.POST or None, orgs=managed_orgs(request.user), lecturers=lecturers[:1000],
        towns=towns,
    )  # fmt: skip

    def act(data):
        values = {**data}
        for key in ("starts_at", "ends_at"):
            values[key] = values[key] and aware(values[key])
        activity = services.activity_create(actor=request.user, **values)
        return redirect("development:activity", activity.pk)

    return form_page(
        request, form, act, template="development/pool_form.html",
        context={"title": _("Plan an activity"), "back": "development:activities",
                 "back_label": _("Training activities")},
    )  # fmt: skip


@login_required
def activity_detail(request, activity_id):
    """The activity; for admins its QR poster and attendance, and for its organiser the form
    that marks a lecturer present by hand (POST)."""
    activity = selectors.activity_for_user(request.user, activity_id)
    is_admin = access.pool_records_q(request.user) is not None
    may_mark = is_admin and access.may_manage_pool_record(request.user, activity.org)
    if request.method == "POST" and not may_mark:
        raise Forbidden()
    context = {
        "activity": activity,
        "is_admin": is_admin,
        "may_mark": may_mark,
        "requested_by": activity.requested_by.all(),
        "participants": activity.participants.all(),
    }
    if is_admin:
        url = services.checkin_url(activity)
        context.update(
            attendances=selectors.attendances(activity),
            checkin_url=url,
            code=services.checkin_code(activity),
        )
    if not may_mark:
        return render(request, "development/activity.html", context)
    lecturers = Lecturer.objects.filter(county_id=activity.county_id).order_by("name_pinyin", "id")
    form = AttendanceMarkForm(request.POST or None, lecturers=lecturers[:1000])

    def act(data):
        attendance, created = services.attendance_mark(
            actor=request.user, activity=activity, **data
        )
        name = attendance.lecturer.name
        if created:
            messages.success(request, _("%(name)s is marked present.") % {"name": name})
        else:
            messages.info(
                request,
                _("%(name)s was already present (since %(time)s); nothing was added.")
                % {"name": name, "time": local(attendance.checked_in_at).strftime("%H:%M")},
            )
        return redirect("development:activity", activity.pk)

    return form_page(request, form, act, template="development/activity.html", context=context)


@login_required
def activity_qr(request, activity_id):
    activity = selectors.activity_for_user(request.user, activity_id)
    if access.pool_records_q(request.user) is None:
        raise Forbidden()
    svg = qr.qr_svg(services.checkin_url(activity), omitsize=True)
    return HttpResponse(svg, content_type="image/svg+xml")


def _checkin(request, token, *, short):
    """Show the activity and check in on POST; errors of the code or the time are shown on
    the page, in words."""
    context = {"token": token, "short": short}
    try:
        activity = services.activity_for_code(token, short=short)
        if activity.county_id != access.scope_for(request.user).county_id:
            raise NotFound(_("This check-in code is not valid."))
        context["activity"] = activity
        if request.method == "POST":
            attendance, created = services.activity_check_in(
                actor=request.user, token=token, short=short
            )
            context.update(attendance=attendance, created=created)
        else:
            services.check_window(activity)
    except (NotFound, Conflict, Gone, Forbidden) as exc:
        context["error"] = exc.message
        context["error_code"] = exc.code
        return render(request, "development/checkin.html", context, status=exc.status)
    return render(
        request, "development/checkin.html", context,
        status=201 if context.get("created") else 200,
    )  # fmt: skip


@login_required
def checkin(request, token):
    return _checkin(request, token, short=False)


@login_required
def checkin_code(request):
    form = CheckInCodeForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        return _checkin(request, form.cleaned_data["code"].strip(), short=True)
    return render(request, "development/checkin_code.html", {"form": form})


@login_required
def hours(request):
    selectors.require_pool_admin(request.user)
    form = YearForm(request.GET or None)
    year = filters_from(form).get("year") or timezone.localdate().year
    rows = selectors.hours_by_lecturer(request.user, year)
    if wants_xlsx(request):
        return xlsx_list_response(
            rows, HOURS_COLUMNS, title=_("Training hours %(year)s") % {"year": year}, name="hours"
        )
    context = {"rows": rows, "year": year, "filter_form": form}
    return render(request, "development/hours.html", context)
