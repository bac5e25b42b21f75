"""When a message about a booking still matters. Registered in `SchedulingConfig.ready`, as
every app above notifications registers its own events (matching: demands)."""

from datetime import datetime

from notifications import relevance
from notifications.models import DropReason, Event
from notifications.relevance import Standing

from .models import Booking, BookingStatus

# The states in which each event's message is still true, and whether the recipient must act
# by the answer deadline (a request) or by the start (everything else).
BOOKING_EVENTS = {
    Event.BOOKING_REQUESTED: ({BookingStatus.REQUESTED}, "expires_at"),
    Event.BOOKING_RESCHEDULED: ({BookingStatus.REQUESTED}, "expires_at"),
    Event.BOOKING_ACCEPTED: ({BookingStatus.CONFIRMED}, "start_at"),
    Event.DEMAND_TAKEN: ({BookingStatus.CONFIRMED}, "start_at"),
    Event.SESSION_REMINDER: ({BookingStatus.CONFIRMED}, "start_at"),
    Event.BOOKING_DECLINED: ({BookingStatus.DECLINED}, ""),
    Event.BOOKING_EXPIRED: ({BookingStatus.EXPIRED}, ""),
    # Telling someone not to come is urgent when the session is today.
    Event.BOOKING_CANCELLED: ({BookingStatus.CANCELLED}, "start_at"),
}
AFTER_THE_SESSION = {Event.RATE_REMINDER: {BookingStatus.CONFIRMED, BookingStatus.COMPLETED}}


def booking_standing(event: str, ids: set[int], now: datetime) -> dict[int, Standing]:
    rows = Booking.objects.filter(pk__in=ids).values("pk", "status", "start_at", "expires_at")
    if event in AFTER_THE_SESSION:
        wanted = AFTER_THE_SESSION[event]
        return {
            row["pk"]: Standing(drop="" if row["status"] in wanted else DropReason.STATE_CHANGED)
            for row in rows
        }
    statuses, due = BOOKING_EVENTS[event]
    answer = {}
    for row in rows:
        if row["status"] not in statuses:
            drop = DropReason.STATE_CHANGED
        elif row["start_at"] <= now:
            drop = DropReason.STARTED
        elif due == "expires_at" and row["expires_at"] <= now:
            drop = DropReason.STATE_CHANGED  # unanswered in time: it expires, nothing to answer
        else:
            drop = ""
        answer[row["pk"]] = Standing(drop=drop, due_at=row[due] if due else None)
    return answer


def register_booking_events() -> None:
    relevance.register(*BOOKING_EVENTS, *AFTER_THE_SESSION, standing=booking_standing)
    # A cancellation only closes what a request or confirmation opened.
    relevance.register(Event.BOOKING_CANCELLED, standing=booking_standing, follow_up=True)
