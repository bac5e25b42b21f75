"""The lecturer's lifecycle, one state machine (L17's states):

    candidate → active
    active → cold_store → active | removed
    active → removed

Every move names a reason, is made by someone at a time, lands in the history
(LecturerStatusChange) and the audit log, and tells the lecturer (notifications hears
`lecturer_status_changed`). A move is a compare-and-set on the current status, so of two
admins moving the same lecturer at once exactly one wins and the other gets 409 `bad_state`.

Only active lecturers can be found, matched, broadcast to, booked or grab; the others'
future confirmed bookings stay as they are and are listed to the county for a decision
(scheduling.selectors.open_bookings_of_unavailable_lecturer).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden
from core.text import clean_text
from orgs import rules as access_rules

from .models import Lecturer, LecturerStatus, LecturerStatusChange
from .signals import lecturer_status_changed

MOVES: dict[str, frozenset[str]] = {
    LecturerStatus.CANDIDATE: frozenset({LecturerStatus.ACTIVE}),
    LecturerStatus.ACTIVE: frozenset({LecturerStatus.COLD_STORE, LecturerStatus.REMOVED}),
    LecturerStatus.COLD_STORE: frozenset({LecturerStatus.ACTIVE, LecturerStatus.REMOVED}),
    LecturerStatus.REMOVED: frozenset(),
}
MAX_REASON = 300


def allowed_moves(status: str) -> list[str]:
    """The statuses a lecturer in `status` may be moved to, in the order of the choices."""
    targets = MOVES.get(status, frozenset())
    return [value for value in LecturerStatus.values if value in targets]


def lecturer_status_change(*, actor, lecturer: Lecturer, status: str, reason: str) -> Lecturer:
    """Move the lecturer to `status`; 403 for callers who do not manage the lecturer, 422 for
    an unknown status or a missing reason, 409 `bad_state` for a move the machine does not
    allow or a lecturer someone else moved meanwhile."""
    if not access_rules.may_manage_lecturer(actor, lecturer):
        raise Forbidden(_("You may not change this lecturer's status."))
    errors = FieldErrors()
    if status not in LecturerStatus.values:
        errors.add("status", _("Unknown status."))
    reason = errors.check(clean_text, reason, field="reason", max_length=MAX_REASON)
    errors.raise_if_any()
    old = lecturer.status
    if status not in MOVES.get(old, frozenset()):
        raise Conflict(
            _("A lecturer who is “%(old)s” cannot be moved to “%(new)s”.")
            % {"old": LecturerStatus(old).label, "new": LecturerStatus(status).label},
            code="bad_state",
        )
    now = timezone.now()
    with transaction.atomic():
        moved = Lecturer.objects.filter(pk=lecturer.pk, status=old).update(
            status=status, version=F("version") + 1, updated_at=now
        )
        if moved != 1:
            raise Conflict(
                _("This lecturer's status has changed meanwhile; reload and try again."),
                code="bad_state",
            )
        change = LecturerStatusChange.objects.create(
            lecturer=lecturer, from_status=old, to_status=status, reason=reason, actor=actor
        )
        audit(
            actor=actor,
            action="lecturer.status",
            obj=lecturer,
            county_id=lecturer.county_id,
            before={"status": old},
            after={"status": status, "reason": reason},
        )
        lecturer.refresh_from_db(fields=["status", "version", "updated_at"])
        lecturer_status_changed.send(
            sender=Lecturer,
            lecturer=lecturer,
            actor=actor,
            change=change,
            from_status=old,
            to_status=status,
            reason=reason,
        )
    return lecturer


def require_available(lecturer_id: int) -> None:
    """Refuse work for a lecturer who is not active (409 `lecturer_unavailable`). Read fresh:
    callers that lock the lecturer's row first (scheduling.services.lock_lecturer) see the
    status a concurrent move left."""
    status = Lecturer.objects.filter(pk=lecturer_id).values_list("status", flat=True).first()
    if status != LecturerStatus.ACTIVE:
        raise Conflict(
            _("This lecturer is not taking sessions at present."), code="lecturer_unavailable"
        )
