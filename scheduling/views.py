"""The booking pages (issue 3). Thin: reads through the selectors and the access module, every
write through the services, whose errors go back onto the forms."""

import re
from datetime import date, datetime
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import access
from access.forms import use_org_picker
from core import read_cache
from core.errors import Conflict, Forbidden, InvalidInput
from core.http import is_local_path
from core.text import ascii_digits, parse_id
from core.timeutil import add_months, local, month_label, when_label
from core.uploads import private_download
from core.xlsx import wants_xlsx, xlsx_list_response
from courses.models import Category, CourseStatus
from courses.selectors import courses_visible_to
from lecturers.selectors import lecturer_bookable_for, lecturer_for_user
from orgs.models import CountySettings
from orgs.selectors import org_label, org_search

from . import selectors, services
from .calendar import feed_ics, feed_owner, feed_rotate, feed_url_for
from .export import BOOKING_COLUMNS
from .forms import (
    BookingForm,
    DecisionForm,
    OutsideSessionForm,
    ProposedTimeForm,
    PublishForm,
    ReasonForm,
    ReportedSessionForm,
    RescheduleForm,
    SlotFormSet,
    apply_service_error,
    publishable_months,
    slot_rows_initial,
)
from .models import Booking, BookingStatus, OutsideSessionStatus
from .selectors import outside_session_for_user
from .signals import booking_page

PAGE_SIZE = 20
MONTH_RE = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")


@require_GET
def calendar_feed(request, token: str):
    """The subscribed feed: no login, the signed token in the URL is the key."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404
    response = HttpResponse(feed_ics(owner), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- helpers ------------------------------------------------------------------------------------


def _has_org_role(scope) -> bool:
    return bool(scope.is_county_admin or scope.town_ids or scope.branch_ids)


def _next_url(request, default: str) -> str:
    """Where to go after a POST: the page it came from when that is on this site."""
    target = request.POST.get("next", "")
    return target if is_local_path(request, target) else default


def _this_month() -> date:
    return local(timezone.now()).date().replace(day=1)


# From this day of the month on, the menu pages open on the next month (the current one stays a
# tap away): late in a month, lecturers publish and branches plan the next one.
NEXT_MONTH_FROM_DAY = 20


def default_menu_month(today: date) -> date:
    this_month = today.replace(day=1)
    return add_months(this_month, 1) if today.day >= NEXT_MONTH_FROM_DAY else this_month


def _default_month() -> date:
    return default_menu_month(local(timezone.now()).date())


def _month_param(value) -> date | None:
    """`YYYY-MM` from a query string; None for anything else (never an error page)."""
    match = MONTH_RE.fullmatch(ascii_digits(value)) if isinstance(value, str) else None
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


def _course_choices(user, lecturer):
    return list(
        courses_visible_to(user)
        .filter(lecturer=lecturer, status=CourseStatus.ACTIVE)
        .order_by("id")
    )


# --- my bookings -------------------------------------------------------------------------------------


STATUS_TABS = [
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.CANCELLED,
    BookingStatus.DECLINED,
    BookingStatus.EXPIRED,
]


@login_required
def booking_list(request):
    user = request.user
    scope = access.scope_for(user)
    sides = []
    if scope.lecturer_id:
        sides.append(("lecturer", _("My orders")))
    if _has_org_role(scope):
        sides.append(("org", _("Our bookings") if scope.lecturer_id else _("Bookings")))
    if not sides:
        raise Forbidden()
    side = request.GET.get("side", "")
    if side not in {value for value, _label in sides}:
        side = sides[0][0]
    status = request.GET.get("status", "")
    if status not in BookingStatus.values:
        status = ""
    qs = selectors.booking_list_for_user(user, status=status, side=side)
    if wants_xlsx(request):
        return xlsx_list_response(qs, BOOKING_COLUMNS, title=_("Bookings"), name="bookings")

    def results() -> dict:
        paginator = Paginator(qs, PAGE_SIZE)
        waiting = 0
        if side == "lecturer" and status == BookingStatus.REQUESTED:
            waiting = paginator.count  # the list is the waiting orders: no second count
        elif scope.lecturer_id:
            waiting = selectors.booking_list_for_user(
                user, status=BookingStatus.REQUESTED, side="lecturer"
            ).count()
        return {
            "sides": sides if len(sides) > 1 else [],
            "side": side,
            "status": status,
            "status_tabs": [(s.value, s.label) for s in STATUS_TABS],
            "page": paginator.get_page(request.GET.get("page")),
            "query": f"side={side}&status={status}",
            "waiting": waiting,
            "is_lecturer_side": side == "lecturer",
            "may_book": side == "org" and bool(access.orgs_bookable_by(user)),
        }

    feed_url = feed_url_for(user)
    context = {
        # Kept in core.read_cache: the heading, the tabs with the waiting count and the list.
        "results": read_cache.cached_fragment(request, "scheduling/_booking_results.html", results),
        "feed_url": feed_url,
        "webcal_url": re.sub(r"^https?://", "webcal://", feed_url),
        "is_lecturer_side": side == "lecturer",
    }
    return render(request, "scheduling/booking_list.html", context)


@login_required
@require_POST
def calendar_renew(request):
    feed_rotate(request.user)
    messages.success(
        request,
        _("A new calendar link was made; the old one no longer works. Subscribe again with it."),
    )
    return redirect(_next_url(request, reverse("booking_list")))


# --- booking detail and its actions --------------------------------------------------------------


def _history_lines(booking) -> list[dict]:
    """The booking's events as sentences: what happened, when, by whom, why."""
    texts = {
        BookingStatus.REQUESTED: _("Booking requested"),
        BookingStatus.CONFIRMED: _("Accepted by the lecturer"),
        BookingStatus.DECLINED: _("Declined by the lecturer"),
        BookingStatus.CANCELLED: _("Cancelled"),
        BookingStatus.COMPLETED: _("Marked as held"),
        BookingStatus.EXPIRED: _("Expired: no answer in time"),
    }
    lines = []
    for event in selectors.booking_history(booking):
        text = texts.get(event.to_status, event.to_status)
        old_start, new_start = event.data.get("old_start"), event.data.get("new_start")
        if old_start and new_start:
            try:
                old, new = datetime.fromisoformat(old_start), datetime.fromisoformat(new_start)
            except (TypeError, ValueError):
                text = _("New time proposed")
            else:
                text = _("Moved from %(old)s to %(new)s") % {
                    "old": when_label(old),
                    "new": when_label(new),
                }
        lines.append(
            {
                "at": event.at,
                "text": text,
                "actor": event.actor.display_name if event.actor else "",
                "reason": event.reason,
            }
        )
    return lines


def render_booking_detail(request, booking, *, forms: dict | None = None):
    """The booking page; `forms` replaces a blank form with one that carries errors."""
    user = request.user
    is_lecturer = access.is_booking_lecturer(user, booking)
    org_side = access.acts_for_org(user, booking.org)
    now = timezone.now()
    open_states = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    rules = CountySettings.for_county(booking.county_id)
    too_late_to_cancel = (
        booking.status == BookingStatus.CONFIRMED
        and (booking.start_at - now).total_seconds() < rules.cancel_notice_hours * 3600
        and not access.is_admin_over(user, booking.org)
    )
    start = local(booking.start_at)
    end = local(booking.end_at)
    forms = {
        "decline_form": ReasonForm(prefix="decline"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "reschedule_form": RescheduleForm(
            prefix="move",
            initial={"date": start.date(), "start_time": start.time(), "end_time": end.time()},
        ),
        **(forms or {}),
    }
    parts = {}
    for _receiver, part in booking_page.send(sender=Booking, user=user, booking=booking):
        parts.update(part)
    context = {
        "booking": booking,
        "history": _history_lines(booking),
        "is_lecturer": is_lecturer,
        "org_side": org_side,
        "may_see_home_member": access.may_see_home_member(user, booking),
        "can_accept": is_lecturer and booking.status == BookingStatus.REQUESTED,
        "can_cancel": (is_lecturer or org_side) and booking.status in open_states,
        "too_late_to_cancel": too_late_to_cancel,
        "cancel_hours": rules.cancel_notice_hours,
        "can_complete": (is_lecturer or org_side)
        and booking.status == BookingStatus.CONFIRMED
        and booking.end_at <= now,  # offered once it is over (the API allows it from the start)
        "can_reschedule": org_side and booking.status in open_states,
        # What the apps above add (issue 6: attendance, the session's scores, the QR poster,
        # rating the organisation).
        **parts,
        **forms,
    }
    return render(request, "scheduling/booking_detail.html", context)


@login_required
def booking_detail(request, booking_id):
    booking = selectors.booking_detail_for_user(request.user, booking_id)
    return render_booking_detail(request, booking)


def _after_action(request, booking, message: str):
    messages.success(request, message)
    return redirect(_next_url(request, reverse("booking_detail", args=[booking.pk])))


def _conflict(request, booking, exc: Conflict):
    messages.error(request, str(exc.message))
    return redirect(_next_url(request, reverse("booking_detail", args=[booking.pk])))


@login_required
@require_POST
def booking_accept(request, booking_id):
    booking = selectors.booking_detail_for_user(request.user, booking_id)
    try:
        services.booking_accept(actor=request.user, booking=booking)
    except Conflict as exc:
        return _conflict(request, booking, exc)
    return _after_action(
        request, booking, _("Accepted. The organisation has been told; see you there.")
    )


def _reason_action(request, booking_id, *, prefix: str, service, done: str):
    booking = selectors.booking_detail_for_user(request.user, booking_id)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(actor=request.user, booking=booking, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            apply_service_error(form, exc)
        except Conflict as exc:
            return _conflict(request, booking, exc)
        else:
            return _after_action(request, booking, done)
    return render_booking_detail(request, booking, forms={f"{prefix}_form": form})


@login_required
@require_POST
def booking_decline(request, booking_id):
    return _reason_action(
        request,
        booking_id,
        prefix="decline",
        service=services.booking_decline,
        done=_("Declined. The organisation has been told your reason."),
    )


@login_required
@require_POST
def booking_cancel(request, booking_id):
    return _reason_action(
        request,
        booking_id,
        prefix="cancel",
        service=services.booking_cancel,
        done=_("The booking is cancelled; the other side has been told."),
    )


@login_required
@require_POST
def booking_complete(request, booking_id):
    booking = selectors.booking_detail_for_user(request.user, booking_id)
    try:
        services.booking_complete(actor=request.user, booking=booking)
    except Conflict as exc:
        return _conflict(request, booking, exc)
    return _after_action(request, booking, _("Marked as held. Thank you!"))


@login_required
@require_POST
def booking_reschedule(request, booking_id):
    booking = selectors.booking_detail_for_user(request.user, booking_id)
    form = RescheduleForm(request.POST, prefix="move")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.booking_reschedule(
                actor=request.user,
                booking=booking,
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
            )
        except InvalidInput as exc:
            apply_service_error(form, exc, form.field_map)
        except Conflict as exc:
            return _conflict(request, booking, exc)
        else:
            return _after_action(
                request, booking, _("The new time was sent; the lecturer will answer it again.")
            )
    return render_booking_detail(request, booking, forms={"reschedule_form": form})


# --- the booking form (约课) ----------------------------------------------------------------------


def _initial_course(request, courses, slots, slot_id) -> int | None:
    """The course to preselect: the one the user came from (a course page), else the only one
    the chosen slot's month offers among the lecturer's courses."""
    offered = {course.pk for course in courses}
    wanted = parse_id(request.GET.get("course"))
    if wanted in offered:
        return wanted
    slot = next((slot for slot in slots if slot.pk == slot_id), None)
    if slot is not None:
        in_month = [c.pk for c in slot.offering.courses.all() if c.pk in offered]
        if len(in_month) == 1:
            return in_month[0]
    return None


@login_required
def booking_clash(request):
    """htmx, while the booking form is filled in: warn at once when the lecturer already has
    a confirmed session at the typed time (the request would be refused: 409 lecturer_busy)."""
    lecturer = lecturer_for_user(request.user, request.GET.get("lecturer", ""))
    form = ProposedTimeForm(request.GET)
    busy = form.is_valid() and services.lecturer_is_busy(
        lecturer.pk, form.cleaned_data["start"], form.cleaned_data["end"]
    )
    return render(request, "scheduling/_clash.html", {"busy": busy})


@login_required
def booking_new(request):
    user = request.user
    lecturer_id = request.GET.get("lecturer", "")
    if not lecturer_id:
        messages.info(request, _("Choose a lecturer first, then tap “Book”."))
        return redirect("lecturer_list")
    lecturer = lecturer_for_user(user, lecturer_id)
    orgs = access.orgs_bookable_by(user)
    if not orgs and access.acts_only_for_inactive_orgs(user):
        raise Forbidden(access.ORG_INACTIVE, code="org_inactive")
    if not orgs:
        raise Forbidden(_("Only branch secretaries and town or county administrators can book."))
    rules = CountySettings.for_county(lecturer.county_id)
    orgs = [org for org in orgs if lecturer_bookable_for(lecturer, org, rules)]
    courses = _course_choices(user, lecturer)
    slots = selectors.free_slots_for_lecturer(user, lecturer)
    context = {"lecturer": lecturer, "orgs": orgs, "courses": courses, "slots": slots}
    if not orgs or not courses:
        context["form"] = None
        return render(request, "scheduling/booking_form.html", context)

    if request.method == "POST":
        form = BookingForm(request.POST, orgs=orgs, courses=courses, slots=slots)
        if form.is_valid():
            try:
                booking = services.booking_create(
                    actor=user, lecturer_id=lecturer.pk, **form.service_kwargs()
                )
            except InvalidInput as exc:
                apply_service_error(form, exc, form.service_field_map())
            except (Conflict, Forbidden) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _(
                        "Booking sent to %(lecturer)s. You will get a message when they answer "
                        "(by %(deadline)s at the latest)."
                    )
                    % {"lecturer": lecturer.name, "deadline": when_label(booking.expires_at)},
                )
                return redirect("booking_detail", booking_id=booking.pk)
    else:
        initial = {}
        wanted_slot = parse_id(request.GET.get("slot"))
        if wanted_slot:
            if any(slot.pk == wanted_slot for slot in slots):
                initial["slot"] = wanted_slot
            else:
                messages.warning(
                    request,
                    _("This time slot is no longer free; choose another one or propose a time."),
                )
        initial_course = _initial_course(request, courses, slots, initial.get("slot"))
        if initial_course:
            initial["course"] = initial_course
        if len(orgs) == 1:
            initial["venue"] = orgs[0].address
        form = BookingForm(initial=initial, orgs=orgs, courses=courses, slots=slots)
    use_org_picker(
        form, user=user, orgs=orgs, search_url=f"{reverse('org_pick')}?lecturer={lecturer.pk}"
    )
    context["form"] = form
    # Town and county admins may book at short notice for the organisations under them.
    if not all(access.is_admin_over(user, org) for org in orgs):
        context["notice_hours"] = rules.booking_notice_hours
    return render(request, "scheduling/booking_form.html", context)


# --- this month's menu (晒课) --------------------------------------------------------------------------


@login_required
def offering_list(request):
    user = request.user
    month = _month_param(request.GET.get("month")) or _default_month()
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    towns = list(access.towns_in_county(user).order_by("id"))
    town = parse_id(request.GET.get("town"))
    if town not in {t.pk for t in towns}:
        town = None
    qs = selectors.offering_list_for_user(user, month=month, category=category, org_id=town)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    offerings = list(page.object_list)
    now = timezone.now()
    slots = [slot for offering in offerings for slot in offering.slots.all()]
    taken = selectors.taken_slot_ids(slots)
    for offering in offerings:
        offering.free_slots = [
            s for s in offering.slots.all() if s.pk not in taken and s.start_at > now
        ]
    base = {"month": f"{month:%Y-%m}", "category": category, "town": town or ""}
    context = {
        "month": month,
        "month_name": month_label(month),
        "prev_month": f"{add_months(month, -1):%Y-%m}",
        "next_month": f"{add_months(month, 1):%Y-%m}",
        "is_this_month": month == _this_month(),
        "this_month": f"{_this_month():%Y-%m}",
        "page": page,
        "offerings": offerings,
        "categories": Category.choices,
        "active_category": category,
        "towns": towns,
        "town": town,
        "base": base,
        "query": "&".join(f"{k}={v}" for k, v in base.items() if v),
        "may_book": bool(access.orgs_bookable_by(user)),
        "is_lecturer": bool(access.scope_for(user).lecturer_id),
    }
    return render(request, "scheduling/offering_list.html", context)


def _own_lecturer(user):
    scope = access.scope_for(user)
    if not scope.lecturer_id:
        raise Forbidden(_("Only lecturers can do this."))
    return lecturer_for_user(user, scope.lecturer_id)


@login_required
def offering_publish(request):
    user = request.user
    lecturer = _own_lecturer(user)
    months = publishable_months()
    source = request.POST if request.method == "POST" else request.GET
    month = _month_param(source.get("month"))
    if month not in months:
        month = _default_month()
    courses = _course_choices(user, lecturer)
    existing = selectors.offering_list_for_user(user, month=month, lecturer_id=lecturer.pk).first()
    now = timezone.now()
    passed = [s for s in existing.slots.all() if s.start_at <= now] if existing else []
    if request.method == "POST":
        form = PublishForm(request.POST, courses=courses)
        formset = SlotFormSet(request.POST, prefix="slots")
        if form.is_valid() and formset.is_valid():
            rows = [f for f in formset.forms if f.cleaned_data.get("start")]
            try:
                offering, _created = services.offering_publish(
                    actor=user,
                    month=form.cleaned_data["month"],
                    course_ids=form.cleaned_data["courses"],
                    slots=[
                        {"start": f.cleaned_data["start"], "end": f.cleaned_data["end"]}
                        for f in rows
                    ],
                    note=form.cleaned_data["note"],
                )
            except InvalidInput as exc:
                slot_errors = {k: v for k, v in exc.fields.items() if k.startswith("slots")}
                for key, message in slot_errors.items():
                    match = re.fullmatch(r"slots\[([0-9]+)\]", key)
                    index = int(match.group(1)) if match else -1
                    if 0 <= index < len(rows):
                        rows[index].add_error(None, str(message))
                    else:
                        form.add_error(None, str(message))
                rest = {k: v for k, v in exc.fields.items() if k not in slot_errors}
                if rest:
                    apply_service_error(form, InvalidInput(fields=rest), PublishForm.field_map)
            except (Conflict, Forbidden) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("Published %(month)s: %(courses)d courses, %(slots)d free times.")
                    % {
                        "month": month_label(offering.month),
                        "courses": len(form.cleaned_data["courses"]),
                        "slots": len(rows),
                    },
                )
                return redirect(f"{reverse('offering_publish')}?month={offering.month:%Y-%m}")
    else:
        chosen = [c.pk for c in existing.courses.all()] if existing else [c.pk for c in courses]
        form = PublishForm(
            initial={
                "month": f"{month:%Y-%m}",
                "courses": chosen,
                "note": existing.note if existing else "",
            },
            courses=courses,
        )
        future = [s for s in existing.slots.all() if s.start_at > now] if existing else []
        formset = SlotFormSet(initial=slot_rows_initial(future), prefix="slots")
    context = {
        "lecturer": lecturer,
        "form": form,
        "formset": formset,
        "courses": courses,
        "month": month,
        "month_name": month_label(month),
        "month_tabs": [(f"{m:%Y-%m}", month_label(m)) for m in months[:3]],
        "existing": existing,
        "passed": passed,
        "has_previous": selectors.offering_list_for_user(
            user, month=add_months(month, -1), lecturer_id=lecturer.pk
        ).exists(),
    }
    return render(request, "scheduling/offering_publish.html", context)


@login_required
@require_POST
def offering_copy(request):
    user = request.user
    _own_lecturer(user)
    month = _month_param(request.POST.get("month")) or _this_month()
    try:
        offering, _created = services.offering_copy_previous(actor=user, month=f"{month:%Y-%m}")
    except InvalidInput as exc:
        for message in exc.fields.values() or [exc.message]:
            messages.error(request, str(message))
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Copied last month to %(month)s. Check the times and publish again if needed.")
            % {"month": month_label(offering.month)},
        )
    return redirect(f"{reverse('offering_publish')}?month={month:%Y-%m}")


# --- out-of-county sessions (L14) ------------------------------------------------------------------


def _outside_roles(user):
    scope = access.scope_for(user)
    if not (scope.lecturer_id or access.may_decide_outside_sessions(user)):
        raise Forbidden()
    return scope


@login_required
def outside_list(request):
    user = request.user
    scope = _outside_roles(user)
    is_admin = access.may_decide_outside_sessions(user)
    form = None
    if scope.lecturer_id:
        if request.method == "POST":
            form = OutsideSessionForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    session = services.outside_session_file(
                        actor=user,
                        host=data["host"],
                        topic=data["topic"],
                        start=data["start"],
                        end=data["end"],
                        venue=data["venue"],
                        letter=data["letter"],
                    )
                except InvalidInput as exc:
                    apply_service_error(form, exc, form.field_map)
                except (Conflict, Forbidden) as exc:
                    form.add_error(None, str(exc.message))
                else:
                    messages.success(
                        request,
                        _("Sent for approval. You will get a message when the county decides."),
                    )
                    return redirect("outside_detail", session_id=session.pk)
        else:
            form = OutsideSessionForm()
    elif request.method == "POST":
        raise Forbidden(_("Only lecturers can do this."))
    status = request.GET.get("status", OutsideSessionStatus.PENDING if is_admin else "")
    if status not in OutsideSessionStatus.values:
        status = ""
    qs = selectors.outside_session_list_for_user(user, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "is_admin": is_admin,
        "page": page,
        "status": status,
        "status_tabs": OutsideSessionStatus.choices,
        "query": f"status={status}",
    }
    return render(request, "scheduling/outside_list.html", context)


def _render_outside_detail(request, session, form=None):
    may_decide = (
        access.may_decide_outside_sessions(request.user)
        and session.status == OutsideSessionStatus.PENDING
    )
    context = {"session": session, "may_decide": may_decide, "form": form or DecisionForm()}
    return render(request, "scheduling/outside_detail.html", context)


@login_required
def outside_detail(request, session_id):
    session = outside_session_for_user(request.user, session_id)
    return _render_outside_detail(request, session)


@login_required
@require_POST
def outside_decide(request, session_id):
    session = outside_session_for_user(request.user, session_id)
    if not access.may_decide_outside_sessions(request.user):
        raise Forbidden()
    form = DecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if form.is_valid():
        try:
            services.outside_session_decide(
                actor=request.user, session=session, approve=approve, note=form.cleaned_data["note"]
            )
        except InvalidInput as exc:
            if not approve and "note" in exc.fields:
                exc.fields["note"] = _("Give the reason for rejecting.")
            apply_service_error(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc.message))
            return redirect("outside_detail", session_id=session.pk)
        else:
            messages.success(
                request,
                _("Approved; the lecturer has been told.")
                if approve
                else _("Rejected; the lecturer has been told."),
            )
            return redirect("outside_list")
    return _render_outside_detail(request, session, form)


@login_required
@require_GET
def outside_letter(request, session_id):
    """The invitation letter, only to the lecturer and the county admins (never /media/)."""
    session = outside_session_for_user(request.user, session_id)
    if not session.letter:
        raise Http404
    return private_download(session.letter, PurePosixPath(session.letter.name).name, inline=True)


# --- reported sessions (L15) ------------------------------------------------------------------------


@login_required
def reported_list(request):
    user = request.user
    scope = access.scope_for(user)
    if not _has_org_role(scope):
        raise Forbidden()
    orgs = access.orgs_bookable_by(user)
    if request.method == "POST":
        form = ReportedSessionForm(request.POST, orgs=orgs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.reported_session_create(
                    actor=user,
                    org_id=data["org"],
                    lecturer_name=data["lecturer_name"],
                    topic=data["topic"],
                    held_on=data["held_on"],
                )
            except InvalidInput as exc:
                apply_service_error(form, exc, form.field_map)
            except (Conflict, Forbidden) as exc:
                form.add_error(None, str(exc.message))
            else:
                if report.booking_id:
                    messages.success(
                        request,
                        _("Recorded and matched with booking #%(id)d.") % {"id": report.booking_id},
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "Recorded. No platform booking matches it, so it is marked as "
                            "not booked through the platform."
                        ),
                    )
                return redirect("reported_list")
    else:
        form = ReportedSessionForm(orgs=orgs)
    if orgs:
        use_org_picker(form, user=user, orgs=orgs, search_url=reverse("org_pick"))
    only_unmatched = request.GET.get("unmatched") == "1"
    qs = selectors.reported_session_list_for_user(user, only_unmatched=only_unmatched)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "only_unmatched": only_unmatched,
        "query": "unmatched=1" if only_unmatched else "",
    }
    return render(request, "scheduling/reported_list.html", context)


@login_required
def org_pick(request):
    """The options of an organisation picker (access.forms.OrgPicker) for what the user typed:
    the organisations the user may book for, with a lecturer only those that may book them."""
    user = request.user
    orgs = access.orgs_bookable_by(user)
    lecturer_id = parse_id(request.GET.get("lecturer"))
    if lecturer_id is not None:
        lecturer = lecturer_for_user(user, lecturer_id)
        rules = CountySettings.for_county(lecturer.county_id)
        orgs = [org for org in orgs if lecturer_bookable_for(lecturer, org, rules)]
    options, more = org_search(
        orgs, request.GET.get("org_q", ""), selected_id=parse_id(request.GET.get("org"))
    )
    context = {
        "name": "org",
        "options": [(org.pk, org_label(org)) for org in options],
        "selected": parse_id(request.GET.get("org")),
        "more": more,
    }
    return render(request, "orgs/widgets/_org_options.html", context)
