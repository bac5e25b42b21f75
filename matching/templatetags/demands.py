"""{% section_tabs "bookings" %}: the two halves of the 约课/订单 tab, bookings and demands, so
that the phone's tab bar keeps five items."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

import access

register = template.Library()

# The pages' own labels: the model's label of `open` shares its msgid with an unrelated "Open".
DEMAND_STATUS_LABELS = {
    "open": pgettext_lazy("demand status", "Open"),
    "taken": pgettext_lazy("demand status", "Taken"),
    "expired": pgettext_lazy("demand status", "Expired"),
    "cancelled": pgettext_lazy("demand status", "Cancelled"),
}


@register.filter
def demand_status(status: str) -> str:
    """{{ demand.status|demand_status }}: 征集中, 已接单, 已过期, 已撤回."""
    return DEMAND_STATUS_LABELS.get(status, status)


@register.filter
def demand_schedule(demand) -> str:
    """{{ demand|demand_schedule }}: 工作日 14:00–17:30, or empty when any time will do."""
    from matching.windows import demand_schedule_label

    return demand_schedule_label(demand)


@register.inclusion_tag("matching/_section_tabs.html", takes_context=True)
def section_tabs(context, active: str):
    from matching.selectors import orders_open_to_grab

    request = context.get("request")
    user = getattr(request, "user", None)
    scope = access.scope_for(user)
    has_org_role = scope.is_county_admin or scope.is_town_admin or scope.is_secretary
    if not (scope.lecturer_id or has_org_role):
        return {"tabs": []}
    only_lecturer = scope.lecturer_id and not has_org_role
    to_grab = orders_open_to_grab(user).count() if scope.lecturer_id else 0
    return {
        "tabs": [
            {
                "key": "bookings",
                "url": reverse("booking_list"),
                "label": _("My orders") if only_lecturer else _("Bookings"),
                "active": active == "bookings",
                "count": 0,
            },
            {
                "key": "demands",
                "url": reverse("demand_list"),
                "label": _("Orders to grab") if only_lecturer else _("Demands"),
                "active": active == "demands",
                "count": to_grab,
            },
        ]
    }
