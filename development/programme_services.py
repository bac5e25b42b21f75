"""Every write of the improvement programme (一项工程, G6, L3): plan a training activity and
check lecturers in by QR code or short code.

The check-in code is a signed activity id (core.signed, as the evaluation's session codes):
no table of tokens, nothing to guess. One attendance per lecturer per activity is the
database's unique constraint, so two scans at once record one: the loser of the insert reads
the winner's row and answers "already checked in".
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core import signed
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, Gone, NotFound
from core.text import clean_text, parse_id
from core.timeutil import local
from lecturers.models import Lecturer, LecturerStatus
from orgs.models import Organisation, OrgLevel

from .pool_services import _county_id, _managed_org, _span
from .programme_models import Activity, ActivityKind, Attendance, CheckInMethod

_SALT = "jiangtai.activity-checkin"
OPENS_BEFORE = timedelta(minutes=30)
MAX_HOURS = Decimal("99.5")
MAX_PEOPLE = 500


def default_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    """The activity's length in hours, to the nearest half hour (at least half an hour)."""
    hours = Decimal((ends_at - starts_at).total_seconds()) / 3600
    halves = (hours * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return min(max(halves / 2, Decimal("0.5")), MAX_HOURS)


def _lecturers(county_id: int, ids, errors: FieldErrors, field: str) -> list[Lecturer]:
    wanted = {parse_id(i) for i in (ids or [])}
    if None in wanted or len(wanted) > MAX_PEOPLE:
        errors.add(field, _("Choose lecturers of the county."))
        return []
    found = list(Lecturer.objects.filter(pk__in=wanted, county_id=county_id))
    if len(found) != len(wanted):
        errors.add(field, _("Choose lecturers of the county."))
    return found


def activity_create(
    *,
    actor,
    kind: str,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    place: str,
    hours: Decimal | float | None = None,
    need: str = "",
    requested_by_ids=(),
    participant_ids=(),
    visiting_teacher_id=None,
    town_id=None,
    org_id=None,
) -> Activity:
    """Plan a training activity. Outside training names the need it answers (缺什么、补什么)
    and may name the lecturers who asked for it; a city teacher's visit names the visiting
    teacher (an active lecturer) and the town. `hours` defaults to the activity's length."""
    county_id = _county_id(actor)
    errors = FieldErrors()
    if kind not in ActivityKind.values:
        errors.add("kind", _("Choose the kind of activity."))
    title = errors.check(clean_text, title, field="title", max_length=100)
    place = errors.check(clean_text, place, field="place", max_length=200)
    _span(errors, starts_at, ends_at, start_field="starts_at", end_field="ends_at")
    need = errors.check(clean_text, need, field="need", max_length=300, required=False)
    if kind == ActivityKind.OUTSIDE_TRAINING and not need:
        errors.add("need", _("Say which need this outside training answers."))
    if hours in (None, ""):
        hours = default_hours(starts_at, ends_at) if not errors.fields.get("ends_at") and starts_at and ends_at else None  # fmt: skip
    else:
        try:
            hours = Decimal(str(hours)).quantize(Decimal("0.1"))
        except ArithmeticError:
            hours = None
        if hours is None or not hours.is_finite() or not Decimal("0") < hours <= MAX_HOURS:
            errors.add("hours", _("Enter the hours credited, more than 0 and at most 99.5."))
    org = _managed_org(actor, org_id, errors, levels=(OrgLevel.COUNTY, OrgLevel.TOWN))
    requested = _lecturers(county_id, requested_by_ids, errors, "requested_by_ids")
    participants = _lecturers(county_id, participant_ids, errors, "participant_ids")
    teacher = town = None
    if kind == ActivityKind.TOWN_VISIT:
        teacher = Lecturer.objects.filter(
            pk=parse_id(visiting_teacher_id) or 0, county_id=county_id,
            status=LecturerStatus.ACTIVE,
        ).first()  # fmt: skip
        if teacher is None:
            errors.add("visiting_teacher_id", _("Choose the visiting teacher, an active lecturer."))  # fmt: skip
        town = Organisation.objects.filter(
            pk=parse_id(town_id) or 0, county_id=county_id, level=OrgLevel.TOWN
        ).first()
        if town is None or not access.may_manage_pool_record(actor, town):
            errors.add("town_id", _("Choose the town visited."))
    errors.raise_if_any()
    with transaction.atomic():
        activity = Activity.objects.create(
            county_id=county_id, org=org, kind=kind, title=title, starts_at=starts_at,
            ends_at=ends_at, place=place, hours=hours, need=need, visiting_teacher=teacher,
            town=town, created_by=actor,
        )  # fmt: skip
        activity.requested_by.set(requested)
        activity.participants.set({*participants, *([teacher] if teacher else [])})
        audit(
            actor=actor, action="activity.create", obj=activity, county_id=county_id,
            after={"kind": kind, "title": title, "start": str(starts_at), "hours": str(hours)},
        )  # fmt: skip
    return activity


# --- check-in ----------------------------------------------------------------------------------


def checkin_token(activity: Activity) -> str:
    return signed.signed_id(_SALT, activity.pk)


def checkin_code(activity: Activity) -> str:
    """The short code to type instead of scanning: `<id>-<6 digits>`."""
    return signed.signed_id(_SALT, activity.pk, short=True)


def checkin_url(activity: Activity) -> str:
    return settings.SITE_URL + reverse("development:checkin", args=[checkin_token(activity)])


def activity_for_code(token: str, *, short: bool = False) -> Activity:
    activity_id = signed.id_from_signed(_SALT, token, short=short)
    activity = Activity.objects.filter(pk=activity_id).first() if activity_id else None
    if activity is None:
        raise NotFound(_("This check-in code is not valid."))
    return activity


def check_window(activity: Activity, now: datetime | None = None) -> None:
    """Check-in opens 30 minutes before the start and closes at the end."""
    now = now or timezone.now()
    if now < activity.starts_at - OPENS_BEFORE:
        raise Conflict(
            _("Check-in opens 30 minutes before the activity, at %(time)s.")
            % {"time": local(activity.starts_at - OPENS_BEFORE).strftime("%Y-%m-%d %H:%M")},
            code="not_open",
        )
    if now >= activity.ends_at:
        raise Gone(
            _("This activity ended at %(time)s; check-in has closed.")
            % {"time": local(activity.ends_at).strftime("%Y-%m-%d %H:%M")},
            code="expired",
        )


def activity_check_in(
    *, actor, token: str, short: bool = False, activity_id: int | None = None
) -> tuple[Attendance, bool]:
    """The logged-in lecturer checks in with the activity's QR token (or its short code).
    Returns the attendance and whether it is new. 404 for a forged code, one of another
    county, or one that does not match `activity_id`; 409 `not_open` too early; 410 `expired`
    after the end; 403 for a login without a lecturer profile."""
    scope = access.scope_for(actor)
    activity = activity_for_code(token, short=short)
    if activity.county_id != scope.county_id or (
        activity_id is not None and activity.pk != activity_id
    ):
        raise NotFound(_("This check-in code is not valid."))
    if scope.lecturer_id is None:
        raise Forbidden(_("Only lecturers check in to training activities."))
    check_window(activity)
    method = CheckInMethod.CODE if short else CheckInMethod.QR
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity, lecturer_id=scope.lecturer_id, method=method
            )
    except IntegrityError:
        # Scanned twice (or at once on two tabs): the first check-in stands.
        attendance = Attendance.objects.get(activity=activity, lecturer_id=scope.lecturer_id)
        return attendance, False
    return attendance, True


def attendance_mark(
    *, actor, activity: Activity, lecturer_id, note: str = ""
) -> tuple[Attendance, bool]:
    """The organiser marks a lecturer of the county present by hand (no phone at hand), with
    a note; audited. Returns the attendance and whether it is new: the same unique constraint
    as the QR check-in keeps one row, so a second mark (or a scan at the same moment) answers
    with the row that stands. 403 for anyone but an admin over the activity's organiser."""
    if activity.county_id != access.scope_for(actor).county_id:
        raise NotFound()
    if not access.may_manage_pool_record(actor, activity.org):
        raise Forbidden(_("Only the activity's organiser marks attendance by hand."))
    errors = FieldErrors()
    lecturer = Lecturer.objects.filter(
        pk=parse_id(lecturer_id) or 0, county_id=activity.county_id
    ).first()
    if lecturer is None:
        errors.add("lecturer_id", _("Choose a lecturer of the county."))
    note = errors.check(clean_text, note, field="note", max_length=200, required=False)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity, lecturer=lecturer, method=CheckInMethod.HAND, note=note,
                recorded_by=actor,
            )  # fmt: skip
            audit(
                actor=actor, action="attendance.mark", obj=attendance,
                county_id=activity.county_id,
                after={"activity": activity.pk, "lecturer": lecturer.pk, "note": note},
            )  # fmt: skip
    except IntegrityError:
        return Attendance.objects.get(activity=activity, lecturer=lecturer), False
    return attendance, True
