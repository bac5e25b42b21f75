"""When a message about a demand still matters (notifications asks before an SMS held
through quiet hours, or a retried one, goes out); registered in `MatchingConfig.ready`."""

from datetime import datetime

from notifications import relevance
from notifications.models import DropReason, Event
from notifications.relevance import Standing

from .models import Demand, DemandStatus

# The demand states in which each event's message is still true.
DEMAND_EVENTS = {
    Event.DEMAND_BROADCAST: DemandStatus.OPEN,
    Event.DEMAND_UNANSWERED: DemandStatus.OPEN,
    Event.DEMAND_GONE: DemandStatus.TAKEN,
    Event.DEMAND_WITHDRAWN: DemandStatus.CANCELLED,
}


def demand_standing(event: str, ids: set[int], now: datetime) -> dict[int, Standing]:
    wanted = DEMAND_EVENTS[event]
    answer = {}
    for pk, status, window_start in Demand.objects.filter(pk__in=ids).values_list(
        "pk", "status", "window_start"
    ):
        is_open = status == DemandStatus.OPEN and window_start > now
        if event == Event.DEMAND_BROADCAST:
            # Grabbing closes when the requested window begins: that is the deadline.
            answer[pk] = Standing(drop="" if is_open else DropReason.CLOSED, due_at=window_start)
        else:
            answer[pk] = Standing(drop="" if status == wanted else DropReason.STATE_CHANGED)
    return answer


def register_demand_events() -> None:
    relevance.register(Event.DEMAND_BROADCAST, Event.DEMAND_UNANSWERED, standing=demand_standing)
    # "Taken by another lecturer" and "withdrawn" only close the order a lecturer was told of.
    relevance.register(
        Event.DEMAND_GONE, Event.DEMAND_WITHDRAWN, standing=demand_standing, follow_up=True
    )
