from django.db.models import QuerySet

from orgs import access

from .models import Demand, DemandStatus


def orders_to_grab(user) -> QuerySet[Demand]:
    """Open demands the lecturer was notified of."""
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        return Demand.objects.none()
    return (
        Demand.objects.filter(notices__lecturer_id=lecturer_id, status=DemandStatus.OPEN)
        .select_related("org")
        .order_by("window_start")
    )


def demand_list_for_user(user, *, status: str = "") -> QuerySet[Demand]:
    qs = access.demands_visible_to(user).select_related("org")
    return qs.filter(status=status) if status else qs
