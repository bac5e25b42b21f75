"""Places a session may name as its venue that hold only so many sessions at once: the
teaching bases of `classrooms`, an app above this one. Scheduling knows nothing of them; their
owner registers a `Venues` from its `AppConfig.ready` (the way `notifications.relevance`
hears from the apps above it), and the booking and demand services call it:

- `check(actor, county_id, base_id)` before anything is written: the base is one of the
  county's (InvalidInput naming `base_id` otherwise);
- `hold(subject, base_id)` inside the transaction that wrote the booking or demand: lock the
  base, count the bookings it holds that overlap, refuse with 409 `base_full` beyond its
  capacity, record the subject at the base. The refusal rolls the booking back with it.
- `base_of(subject)`: the base a booking or demand names, None without one.
"""

from typing import Protocol

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.text import parse_id


class Venues(Protocol):
    def check(self, *, actor, county_id: int, base_id: int) -> None: ...

    def hold(self, subject, base_id: int) -> None: ...

    def base_of(self, subject) -> int | None: ...


_venues: Venues | None = None


def register(venues: Venues) -> None:
    global _venues
    _venues = venues


def clean_base_id(*, actor, county_id: int, base_id) -> int | None:
    """The base id to record, None for a session without a base."""
    if base_id is None or base_id == "":
        return None
    clean = parse_id(base_id)
    if clean is None or _venues is None:
        raise InvalidInput.field("base_id", _("Unknown teaching base."))
    _venues.check(actor=actor, county_id=county_id, base_id=clean)
    return clean


def hold(subject, base_id: int | None) -> None:
    if base_id is not None and _venues is not None:
        _venues.hold(subject, base_id)


def base_of(subject) -> int | None:
    return None if _venues is None else _venues.base_of(subject)
