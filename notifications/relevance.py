"""Does a queued message still matter? An SMS held through quiet hours, or waiting for a
retry, may announce something that is no longer true by the time it can go out: a request
already answered, an order already grabbed, a session already begun.

The app that sends an event registers, for that event, a `Standing` function: given the ids
of the subjects of a batch of messages, it answers for each id whether a message of this event
still matters (or why not) and when the recipient must act (which makes a message urgent
enough to break quiet hours). Notifications never imports the apps above it: they register
here from their `AppConfig.ready` (matching for demands), the way signals decouple them.

One function call per event and batch, each a single query: a claimed batch of 50 messages
costs a handful of queries, not 50.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import models


@dataclass(frozen=True)
class Standing:
    """Where one subject stands for one event: `drop` is a `DropReason` when messages of the
    event no longer matter; `due_at` is when the recipient must act (answer, grab, turn up)."""

    drop: str = ""
    due_at: datetime | None = None


# standing(event, ids, now) → {id: Standing}; an id missing from the answer is gone.
StandingFunction = Callable[[str, set[int], datetime], dict[int, Standing]]

_registry: dict[str, StandingFunction] = {}
# Events that only close something an earlier message opened ("taken by another lecturer",
# "cancelled"): pointless to a person who was never sent that earlier message.
_follow_ups: set[str] = set()


def register(*events: str, standing: StandingFunction, follow_up: bool = False) -> None:
    for event in events:
        _registry[str(event)] = standing
        if follow_up:
            _follow_ups.add(str(event))


def is_follow_up(event: str) -> bool:
    return event in _follow_ups


def subject_of(obj: models.Model | None) -> str:
    """The subject string stored on a message: "app.model:pk"."""
    if obj is None or obj.pk is None:
        return ""
    return f"{obj._meta.label_lower}:{obj.pk}"


def subject_id(subject: str) -> int | None:
    _label, _sep, pk = subject.rpartition(":")
    return int(pk) if pk.isdigit() else None


def standings(pairs: Iterable[tuple[str, str]], now: datetime) -> dict[tuple[str, str], Standing]:
    """Standing of each (event, subject) pair whose event has a registered function; a
    subject that no longer exists stands as gone. One call (one query) per event."""
    from .models import DropReason

    by_event: dict[str, dict[int, str]] = {}
    for event, subject in pairs:
        pk = subject_id(subject)
        if str(event) in _registry and pk is not None:
            by_event.setdefault(str(event), {})[pk] = subject
    answer: dict[tuple[str, str], Standing] = {}
    for event, subjects in by_event.items():
        found = _registry[event](event, set(subjects), now)
        for pk, subject in subjects.items():
            answer[(event, subject)] = found.get(pk, Standing(drop=DropReason.GONE))
    return answer
