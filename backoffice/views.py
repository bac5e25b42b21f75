"""The county back office (/manage/): imports and the audit trail, for county admins; the
index for town admins too (the organisation pages are in org_pages.py)."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

import access
from accounts import views as account_views
from core.errors import Conflict
from core.pages import filters_from, form_page, paged
from core.xlsx import append_row, wants_xlsx, xlsx_list_response, xlsx_response
from courses.selectors import courses_awaiting_review_count
from orgs.models import Organisation

from . import selectors, services
from .export import AUDIT_COLUMNS
from .forms import AuditFilterForm, ImportForm
from .imports.template import template_workbook
from .models import ImportKind

IMPORTS_PAGE_SIZE = 10
AUDIT_PAGE_SIZE = 50


@login_required
def index(request):
    """County admins see every back-office page; town admins the ones that are theirs."""
    scope = selectors.back_office_scope(request.user)
    context = {
        "county": Organisation.objects.get(pk=scope.county_id),
        "is_county_admin": scope.is_county_admin,
        "courses_waiting": courses_awaiting_review_count(request.user)
        if scope.is_county_admin
        else 0,
    }
    return render(request, "backoffice/index.html", context)


@login_required
def import_page(request):
    user = request.user
    selectors.back_office_county_id(user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
    else:
        form = ImportForm(initial={"kind": request.GET.get("kind", ImportKind.LECTURERS)})

    def start(data):
        job = services.import_start(actor=user, kind=data["kind"], upload=data["file"])
        return redirect("backoffice:import_detail", job.pk)

    jobs = Paginator(selectors.import_jobs_for_user(user), IMPORTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": jobs, "kinds": ImportKind.choices}
    return form_page(request, form, start, template="backoffice/import.html", context=context)


@login_required
def import_template(request, kind):
    if kind not in ImportKind.values:
        return redirect("backoffice:import")
    county = selectors.back_office_county(request.user)
    return xlsx_response(
        template_workbook(kind, county),
        filename=f"{ImportKind(kind).label}导入模板.xlsx",
        fallback=f"import-template-{kind}.xlsx",
    )


@login_required
def import_detail(request, job_id):
    job = selectors.import_job_for_user(request.user, job_id)
    return render(request, "backoffice/import_detail.html", {"job": job})


@login_required
def import_status(request, job_id):
    """The status block alone: the detail page polls it with htmx until the import ends."""
    job = selectors.import_job_for_user(request.user, job_id)
    return render(request, "backoffice/_import_status.html", {"job": job})


@login_required
@require_POST
def import_passwords(request, job_id):
    """The initial passwords of the lecturers the import created, as a workbook, once."""
    job = selectors.import_job_for_user(request.user, job_id)
    try:
        rows = services.import_passwords_issue(actor=request.user, job=job)
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return redirect("backoffice:import_detail", job.pk)
    book = Workbook()
    sheet = book.active
    sheet.title = "初始密码"
    append_row(sheet, ["姓名", "手机号", "登录名", "初始密码"])
    for row in rows:
        append_row(sheet, [row["name"], row["phone"], row["username"], row["password"]])
    for letter, width in (("A", 12), ("B", 14), ("C", 14), ("D", 16)):
        sheet.column_dimensions[letter].width = width
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        book, filename=f"讲师初始密码-{stamp}.xlsx", fallback=f"initial-passwords-{stamp}.xlsx"
    )


@login_required
def audit(request):
    user = request.user
    actions, object_types = selectors.audit_choices_for_user(user)
    form = AuditFilterForm(request.GET or None, actions=actions, object_types=object_types)
    filters = filters_from(form)
    zone = timezone.get_current_timezone()
    if "since" in filters:
        filters["since"] = datetime.combine(filters["since"], time.min, tzinfo=zone)
    if "until" in filters:
        # "to 3 December" includes that day; the calendar's last day has no next one
        until = filters.pop("until")
        if until < date.max:
            filters["until"] = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    entries = selectors.audit_list_for_user(user, **filters)
    if wants_xlsx(request):
        return xlsx_list_response(entries, AUDIT_COLUMNS, title=_("Audit trail"), name="audit")
    context = {"form": form, **paged(request, entries, AUDIT_PAGE_SIZE)}
    return render(request, "backoffice/audit.html", context)


def admin_login(request):
    """The Django admin is for the platform's operators (superusers). Anyone else who is
    logged in is told where their back office is, instead of a login form that can never let
    them in; everyone else gets the admin's own login (through the login throttle)."""
    user = request.user
    if user.is_authenticated and not (user.is_active and user.is_superuser):
        context = {"may_manage": access.scope_for(user).is_county_admin}
        return render(request, "backoffice/admin_refused.html", context, status=403)
    return account_views.admin_login_view(request)
