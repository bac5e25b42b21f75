"""The demand pages (需求邀约 → 智能推荐 → 抢单, issue 5). Thin: reads through the access module and the
selectors, every write through matching.services, whose errors go back onto the forms."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

import access
from access.forms import use_org_picker
from core.errors import Conflict, Forbidden, InvalidInput
from core.forms import apply_service_error
from core.http import is_local_path
from core.text import parse_id
from core.xlsx import wants_xlsx, xlsx_list_response
from courses.models import CourseStatus
from courses.selectors import courses_visible_to
from orgs.models import CountySettings

from . import selectors, services
from .export import DEMAND_COLUMNS
from .forms import BroadcastForm, DemandForm, GrabForm
from .models import DemandStatus, NoticeOutcome
from .selectors import demand_for_user
from .templatetags.demands import DEMAND_STATUS_LABELS

PAGE_SIZE = 20
RECOMMEND_LIMIT = 10
COMPONENT_LABELS = {
    "topic": pgettext_lazy("score component", "Topic"),
    "distance": pgettext_lazy("score component", "Distance"),
    "quality": pgettext_lazy("score component", "Quality"),
    "fairness": pgettext_lazy("score component", "Fairness"),
    "availability": pgettext_lazy("score component", "Free slot"),
}
STATUS_TABS = [DemandStatus.OPEN, DemandStatus.TAKEN, DemandStatus.EXPIRED, DemandStatus.CANCELLED]


def taken_message() -> str:
    return _("Another lecturer has already taken this order.")


# --- helpers ------------------------------------------------------------------------------------


def _has_org_role(scope) -> bool:
    return bool(scope.is_county_admin or scope.town_ids or scope.branch_ids)


def _next_url(request, default: str) -> str:
    """Where to go after a POST: the page it came from when that is on this site."""
    target = request.POST.get("next", "")
    return target if is_local_path(request, target) else default


def _detail_url(demand, anchor: str = "") -> str:
    url = reverse("demand_detail", args=[demand.pk])
    return f"{url}#{anchor}" if anchor else url


def _own_courses(user) -> list:
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        return []
    return list(
        courses_visible_to(user)
        .filter(lecturer_id=lecturer_id, status=CourseStatus.ACTIVE)
        .order_by("id")
    )


def _percent(value) -> int:
    return max(0, min(100, round((value or 0) * 100)))


def _card(rec, *, duration: int, notified: set) -> dict:
    return {
        "rec": rec,
        "percent": _percent(rec.score),
        "components": [
            (key, label, _percent(rec.components.get(key)))
            for key, label in COMPONENT_LABELS.items()
        ],
        "end": rec.start + timedelta(minutes=duration),
        "notified": rec.lecturer_id in notified,
    }


def _error_texts(exc) -> list[str]:
    return [str(m) for m in exc.fields.values()] or [str(exc.message)]


# --- my demands / orders to grab ---------------------------------------------------------------


@login_required
def demand_list(request):
    user = request.user
    scope = access.scope_for(user)
    sides = []
    if scope.lecturer_id:
        sides.append(("lecturer", _("Orders to grab")))
    if _has_org_role(scope):
        sides.append(("org", _("Our demands")))
    if not sides:
        raise Forbidden()
    side = request.GET.get("side", "")
    if side not in {value for value, _label in sides}:
        side = sides[0][0]
    context = {"sides": sides if len(sides) > 1 else [], "side": side}
    if side == "lecturer":
        if wants_xlsx(request):
            return xlsx_list_response(
                selectors.orders_open_to_grab(user), DEMAND_COLUMNS, title=_("Orders to grab"),
                name="orders-to-grab",
            )  # fmt: skip
        page = Paginator(selectors.orders_open_to_grab(user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        courses = {course.pk: course for course in _own_courses(user)}
        orders = []
        for demand in page.object_list:
            course_id, start = selectors.grab_proposal(user, demand)
            orders.append(
                {
                    "demand": demand,
                    "course": courses.get(course_id),
                    "start": start,
                    "end": start + timedelta(minutes=demand.duration_minutes) if start else None,
                }
            )
        context.update(page=page, orders=orders, query=f"side={side}")
        return render(request, "matching/demand_list.html", context)

    status = request.GET.get("status", "")
    if status not in DemandStatus.values:
        status = ""
    demands = selectors.demand_list_for_org_side(user, status=status)
    if wants_xlsx(request):
        return xlsx_list_response(demands, DEMAND_COLUMNS, title=_("Demands"), name="demands")
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        status=status,
        status_tabs=[(s.value, DEMAND_STATUS_LABELS[s.value]) for s in STATUS_TABS],
        query=f"side={side}&status={status}",
        may_post=bool(access.orgs_bookable_by(user)),
    )
    return render(request, "matching/demand_list.html", context)


# --- post a demand ---------------------------------------------------------------------------------


@login_required
def demand_new(request):
    user = request.user
    orgs = access.orgs_bookable_by(user)
    if not orgs and access.acts_only_for_inactive_orgs(user):
        raise Forbidden(access.ORG_INACTIVE, code="org_inactive")
    if not orgs:
        raise Forbidden(
            _("Only branch secretaries and town or county administrators can post demands.")
        )
    if request.method == "POST":
        form = DemandForm(request.POST, orgs=orgs)
        if form.is_valid():
            try:
                demand = services.demand_create(actor=user, **form.service_kwargs())
            except InvalidInput as exc:
                form.apply_service_error(exc)
            except (Conflict, Forbidden) as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _(
                        "The demand is posted. Below are the lecturers who fit it best: push it "
                        "to them, and the first to grab it gets the booking, or invite one directly."
                    ),
                )
                return redirect("demand_detail", demand_id=demand.pk)
    else:
        initial = {}
        if len(orgs) == 1:
            initial.update(venue=orgs[0].address, audience=orgs[0].group)
        form = DemandForm(initial=initial, orgs=orgs)
    use_org_picker(form, user=user, orgs=orgs, search_url=reverse("org_pick"))
    return render(request, "matching/demand_form.html", {"form": form, "orgs": orgs})


# --- one demand -------------------------------------------------------------------------------------


def _render_detail(request, demand, *, grab_form=None):
    user = request.user
    now = timezone.now()
    org_side = access.acts_for_org(user, demand.org)
    notice = selectors.notice_for(user, demand)
    is_open = demand.status == DemandStatus.OPEN
    begun = demand.window_start <= now
    context = {
        "demand": demand,
        "org_side": org_side,
        "notice": notice,
        "is_open": is_open,
        "begun": begun,
    }
    if org_side:
        notices = list(selectors.demand_notices(demand))
        context["notices"] = notices
        if is_open and not begun:
            rules = CountySettings.for_county(demand.county_id)
            result = services.demand_recommendations(
                actor=user, demand=demand, limit=RECOMMEND_LIMIT
            )
            notified = {n.lecturer_id for n in notices}
            context["cards"] = [
                _card(rec, duration=demand.duration_minutes, notified=notified)
                for rec in result.recommendations
            ]
            if access.scope_for(user).is_county_admin:  # only the county can add courses
                context["unmatched"] = result.unmatched_terms
            context["broadcast_form"] = BroadcastForm(initial={"limit": rules.broadcast_size})
            context["grab_hours"] = rules.grab_window_hours
    if notice is not None and is_open and not begun:
        courses = _own_courses(user)
        context["courses"] = courses
        if grab_form is None:
            course_id, start = selectors.grab_proposal(user, demand)
            grab_form = GrabForm(
                initial=GrabForm.initial_for(course_id, start), courses=courses, demand=demand
            )
            context["proposed_start"] = start
            if start is not None:
                context["proposed_end"] = start + timedelta(minutes=demand.duration_minutes)
        context["grab_form"] = grab_form
        context["latest_start"] = demand.window_end - timedelta(minutes=demand.duration_minutes)
    if notice is not None:
        context["grabbed"] = notice.outcome == NoticeOutcome.GRABBED
        context["dropped"] = notice.outcome == NoticeOutcome.DROPPED
        context["too_late"] = notice.outcome == NoticeOutcome.TOO_LATE or (
            demand.status == DemandStatus.TAKEN and not (context["grabbed"] or context["dropped"])
        )
    return render(request, "matching/demand_detail.html", context)


@login_required
def demand_detail(request, demand_id):
    # /demands/<id>/ is a fixed address (API.md): messages to lecturers link to it.
    demand = demand_for_user(request.user, demand_id)
    return _render_detail(request, demand)


@login_required
@require_POST
def demand_broadcast(request, demand_id):
    user = request.user
    demand = demand_for_user(user, demand_id)
    form = BroadcastForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_detail_url(demand, "broadcast"))
    try:
        notified = services.demand_broadcast(
            actor=user, demand=demand, limit=form.cleaned_data["limit"]
        )
    except InvalidInput as exc:
        for text in _error_texts(exc):
            messages.error(request, text)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        if notified:
            messages.success(
                request,
                ngettext(
                    "Pushed to %(n)d lecturer. The first to grab it gets the booking; "
                    "you will get a message.",
                    "Pushed to %(n)d lecturers. The first to grab it gets the booking; "
                    "you will get a message.",
                    len(notified),
                )
                % {"n": len(notified)},
            )
        else:
            messages.warning(
                request,
                _(
                    "No further lecturer fits this demand. Invite one directly, or withdraw it "
                    "and post it again with other words or a longer window."
                ),
            )
    return redirect(_detail_url(demand, "notices"))


def _parse_start(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


@login_required
@require_POST
def demand_invite(request, demand_id):
    user = request.user
    demand = demand_for_user(user, demand_id)
    try:
        booking = services.demand_invite(
            actor=user,
            demand=demand,
            lecturer_id=parse_id(request.POST.get("lecturer")),
            course_id=parse_id(request.POST.get("course")),
            start=_parse_start(request.POST.get("start")),
        )
    except InvalidInput as exc:
        for text in _error_texts(exc):
            messages.error(request, text)
    except (Conflict, Forbidden) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "Invitation sent to %(lecturer)s. You will get a message when they answer; "
                "the demand stays open until then."
            )
            % {"lecturer": booking.lecturer.name},
        )
        return redirect("booking_detail", booking_id=booking.pk)
    return redirect(_detail_url(demand, "recommendations"))


@login_required
@require_POST
def demand_cancel(request, demand_id):
    user = request.user
    demand = demand_for_user(user, demand_id)
    try:
        services.demand_cancel(actor=user, demand=demand)
    except Conflict as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "The demand is withdrawn; it can no longer be grabbed, and the lecturers who "
                "were told of it get a message."
            ),
        )
    return redirect("demand_detail", demand_id=demand.pk)


@login_required
@require_POST
def demand_grab(request, demand_id):
    user = request.user
    demand = demand_for_user(user, demand_id)
    if selectors.notice_for(user, demand) is None:
        raise Forbidden(_("Only lecturers notified of this demand can grab it."))
    form = GrabForm(request.POST, courses=_own_courses(user), demand=demand)
    valid = form.is_valid()
    # A closed demand answers with its state whatever was typed.
    if valid or demand.status != DemandStatus.OPEN:
        data = getattr(form, "cleaned_data", {})
        try:
            booking = services.demand_grab(
                actor=user, demand=demand, course_id=data.get("course"), start=data.get("start")
            )
        except InvalidInput as exc:
            apply_service_error(form, exc, GrabForm.field_map)
        except Conflict as exc:
            if exc.code == "lecturer_busy":
                form.add_error(None, str(exc.message))
            else:
                messages.error(
                    request, taken_message() if exc.code == "taken" else str(exc.message)
                )
                return redirect(_next_url(request, _detail_url(demand)))
        else:
            messages.success(
                request,
                _(
                    "The order is yours: the session is confirmed and the organisation has "
                    "been told. See you there."
                ),
            )
            return redirect("booking_detail", booking_id=booking.pk)
    return _render_detail(request, demand, grab_form=form)
