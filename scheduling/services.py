"""Monthly offerings, bookings and their state machine, out-of-county sessions, reported
sessions. Every write checks access, owns its transaction, audits and notifies."""

import itertools
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from access.services import org_require_active
from accounts.models import User
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.prepared import Prepared, by_pk, instance_reader
from core.text import clean_text, parse_id
from core.timeutil import add_months, aware, local, month_bounds, when_label
from core.uploads import check_file
from courses.models import Classroom, Course, CourseStatus
from lecturers.lifecycle import require_available
from lecturers.models import Lecturer, LecturerStatus
from lecturers.selectors import lecturer_bookable_for, lecturer_for_user
from notifications.models import Event
from notifications.selectors import users_with_channels
from notifications.services import notify
from orgs.models import CountySettings, Organisation, Role
from orgs.selectors import county_admins

from . import venues
from .models import (
    Booking,
    BookingEvent,
    BookingStatus,
    HomeReason,
    Offering,
    OfferingSlot,
    OutsideSession,
    OutsideSessionStatus,
    PlaceType,
    ReportedSession,
)
from .signals import booking_transitioned
from .validation import clean_interval, clean_month

MAX_SLOTS_PER_MONTH = 62
MAX_ATTENDEES = 5000
# Sessions that count as the lecturer's teaching record (L15).
TEACHING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


def _own_lecturer(actor) -> Lecturer:
    lecturer_id = access.scope_for(actor).lecturer_id
    if lecturer_id is None:
        raise Forbidden(_("Only lecturers can do this."))
    return Lecturer.objects.get(pk=lecturer_id)


# --- Monthly offerings (晒课) ----------------------------------------------------------------


def offering_publish(
    *, actor, month: str, course_ids: list[int], slots: list[dict], note: str = ""
) -> tuple[Offering, bool]:
    """Publish (or republish) the lecturer's offering for a month; returns (offering, created)."""
    lecturer = _own_lecturer(actor)
    require_available(lecturer.pk)
    errors = FieldErrors()
    first_day = errors.check(clean_month, month)
    note = errors.check(clean_text, note, field="note", max_length=300, required=False)
    today = local(timezone.now()).date().replace(day=1)
    if first_day and not (today <= first_day <= add_months(today, 12)):
        errors.add("month", _("Publish for this month or one of the next twelve."))
    if not isinstance(course_ids, list) or not course_ids:
        errors.add("course_ids", _("Choose at least one course."))
        course_ids = []
    wanted = {parse_id(c) for c in course_ids}
    courses = list(
        Course.objects.filter(pk__in=wanted - {None}, lecturer=lecturer, status=CourseStatus.ACTIVE)
    )
    if course_ids and (None in wanted or len(courses) != len(wanted)):
        errors.add("course_ids", _("Only your own offered courses can be published."))
    if len(slots) > MAX_SLOTS_PER_MONTH:
        errors.add("slots", _("At most %(n)d time slots a month.") % {"n": MAX_SLOTS_PER_MONTH})
    intervals = []
    for index, slot in enumerate(slots[:MAX_SLOTS_PER_MONTH]):
        slot_errors = FieldErrors()
        start, end = clean_interval(slot.get("start"), slot.get("end"), errors=slot_errors)
        if start and end and first_day and not slot_errors.fields:
            month_start, month_end = month_bounds(first_day)
            if not (month_start <= start and end <= month_end):
                slot_errors.add("start", _("The slot is outside the month."))
        for message in slot_errors.fields.values():
            errors.add(f"slots[{index}]", message)
        if not slot_errors.fields:
            intervals.append((start, end))
    intervals.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(intervals):
        if s2 < e1:
            errors.add("slots", _("Two time slots overlap."))
            break
    errors.raise_if_any()

    with transaction.atomic():
        offering, created = Offering.objects.get_or_create(
            lecturer=lecturer,
            month=first_day,
            defaults={"county_id": lecturer.county_id, "note": note},
        )
        if not created:
            offering.note = note
            offering.save(update_fields=["note", "updated_at"])
            # Past slots stay: they are history, and bookings may point at them.
            offering.slots.filter(start_at__gt=timezone.now()).delete()
        offering.courses.set(courses)
        OfferingSlot.objects.bulk_create(
            [OfferingSlot(offering=offering, start_at=s, end_at=e) for s, e in intervals]
        )
        audit(
            actor=actor,
            action="offering.publish",
            obj=offering,
            county_id=lecturer.county_id,
            after={
                "month": f"{first_day:%Y-%m}",
                "courses": [c.pk for c in courses],
                "slots": len(intervals),
            },
        )
    return offering, created


def _same_weekday_in(month: date, moment: datetime) -> datetime | None:
    """The same weekday occurrence (e.g. the second Tuesday) and time of day in another month."""
    moment = local(moment)
    occurrence = (moment.day - 1) // 7
    first = month
    offset = (moment.weekday() - first.weekday()) % 7
    day = 1 + offset + 7 * occurrence
    month_end = add_months(month, 1) - timedelta(days=1)
    if day > month_end.day:
        return None
    return aware(datetime(month.year, month.month, day, moment.hour, moment.minute))


def offering_copy_previous(*, actor, month: str) -> tuple[Offering, bool]:
    """Publish a month with last month's courses and its slots moved to the same weekdays."""
    lecturer = _own_lecturer(actor)
    first_day = clean_month(month)
    previous = Offering.objects.filter(lecturer=lecturer, month=add_months(first_day, -1)).first()
    if previous is None:
        raise InvalidInput.field("month", _("There is no offering of the previous month to copy."))
    now = timezone.now()
    slots = []
    for slot in previous.slots.all():
        start = _same_weekday_in(first_day, slot.start_at)
        if start and start > now:
            slots.append({"start": start, "end": start + (slot.end_at - slot.start_at)})
    course_ids = list(
        previous.courses.filter(status=CourseStatus.ACTIVE).values_list("pk", flat=True)
    )
    return offering_publish(
        actor=actor,
        month=f"{first_day:%Y-%m}",
        course_ids=course_ids,
        slots=slots,
        note=previous.note,
    )


# --- Bookings (约课) -----------------------------------------------------------------------


# The people a booking's messages go to, each with their notification channels (`notify` then
# reads nothing more), in one read built once (issue 18).
_org_side = users_with_channels(
    lambda org_id, requested_by_id: (
        User.objects.filter(
            Q(memberships__org_id=org_id, memberships__role=Role.SECRETARY) | Q(pk=requested_by_id)
        )
        .distinct()
        .order_by("pk")
    ),
    org_id=int,
    requested_by_id=int,
)
_user_with_channels = users_with_channels(lambda pk: User.objects.filter(pk=pk), pk=int)


def _org_side_users(booking: Booking) -> list:
    """The booking organisation's secretaries and whoever made the request (no user has id 0)."""
    return _org_side(org_id=booking.org_id, requested_by_id=booking.requested_by_id or 0)


def _describe(booking: Booking) -> dict:
    return {
        "org": booking.org.name,
        "lecturer": booking.lecturer.name,
        "course": booking.course.title,
        "when": when_label(booking.start_at),
        "venue": booking.venue,
    }


def _record(
    booking: Booking,
    *,
    actor,
    from_status: str,
    reason: str = "",
    data: dict | None = None,
    action: str = "",
) -> None:
    BookingEvent.objects.create(
        booking=booking,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=booking.status,
        reason=reason,
        data=data or {},
    )
    booking_transitioned.send(sender=Booking, booking=booking, actor=actor, from_status=from_status)
    audit(
        actor=actor,
        action=action or f"booking.{booking.status}",
        obj=booking,
        county_id=booking.county_id,
        before={"status": from_status},
        after={"status": booking.status, "reason": reason, **(data or {})},
    )


# The booking write path's own reads, built once (core.prepared; issue 18).
_OVERLAPPING = Prepared(
    lambda lecturer_id, start, end, exclude_id: (
        Booking.objects.filter(
            lecturer_id=lecturer_id,
            status=BookingStatus.CONFIRMED,
            start_at__lt=end,
            end_at__gt=start,
        )
        .exclude(pk=exclude_id)
        .order_by()  # any one will do: no sort, so the index of end_at serves (models.py)
        .values_list("pk")[:1]
    ),
    lecturer_id=int,
    start=datetime,
    end=datetime,
    exclude_id=int,
)
_SLOT_COVERING = Prepared(
    lambda lecturer_id, start, end: (
        OfferingSlot.objects.filter(
            offering__lecturer_id=lecturer_id, start_at__lte=start, end_at__gte=end
        )
        .order_by("start_at", "pk")
        .values_list("pk")[:1]
    ),
    lecturer_id=int,
    start=datetime,
    end=datetime,
)
_course_by_id = by_pk(Course)
_LOCKED_STATUS = Prepared(
    lambda lecturer_id: (
        Lecturer.objects.select_for_update()
        .filter(pk=lecturer_id)
        .order_by()
        .values_list("status")[:1]
    ),
    lecturer_id=int,
)


def lecturer_is_busy(
    lecturer_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
) -> bool:
    """Does a confirmed booking of the lecturer overlap [start, end)? (No booking's id is 0.)"""
    found = _OVERLAPPING.first(
        lecturer_id=lecturer_id, start=start, end=end, exclude_id=exclude_id or 0
    )
    return found is not None


def _clean_place(
    errors: FieldErrors, *, classroom, place_type, is_home_delivery, need, member_name, reason
) -> tuple[str, dict]:
    """The place a bench-classroom session goes out to and, for home delivery (送教上门), the
    member served and why they cannot attend: (place type, the booking's home fields)."""
    place_type = place_type or (PlaceType.HOME if is_home_delivery else "")
    need = errors.check(
        clean_text, need, field="home_delivery_need", max_length=300, required=False
    )
    member_name = errors.check(
        clean_text, member_name, field="home_member_name", max_length=32, required=False
    )
    if place_type not in PlaceType.values and place_type != "":
        errors.add("place_type", _("Choose a community, a firm, a field or a member's home."))
        return "", {}
    if is_home_delivery and place_type != PlaceType.HOME:
        errors.add("place_type", _("Home delivery takes place in a member's home."))
    field = "is_home_delivery" if is_home_delivery else "place_type"
    if place_type and classroom != Classroom.BENCH:
        if is_home_delivery:
            errors.add(field, _("Home delivery is a bench-classroom session."))
        else:
            errors.add(field, _("Outreach places are for bench-classroom sessions."))
    if place_type != PlaceType.HOME:
        return place_type, {}
    if not need:
        errors.add("home_delivery_need", _("Describe the member's need for a home visit."))
    if not member_name:
        errors.add("home_member_name", _("Enter the name of the member served at home."))
    if reason not in HomeReason.values:
        errors.add(
            "home_member_reason",
            _("Choose why the member cannot attend: illness, age or distance."),
        )
    return place_type, {
        "home_delivery_need": need,
        "home_member_name": member_name,
        "home_member_reason": reason,
    }


def lock_lecturer(lecturer_id: int) -> str | None:
    """Serialise every change of one lecturer's confirmed bookings (PostgreSQL: row lock;
    SQLite: the IMMEDIATE transaction already holds the database's write lock). Returns the
    lecturer's status as read under the lock (None if there is no such lecturer)."""
    row = _LOCKED_STATUS.first(lecturer_id=lecturer_id)
    return row[0] if row else None


def _require_active(lecturer_id: int, status: str | None) -> None:
    """`require_available` for a status read already (by `lock_lecturer` or with the
    lecturer): only a lecturer who is not active costs the fresh read that refuses."""
    if status != LecturerStatus.ACTIVE:
        require_available(lecturer_id)


def booking_create(
    *,
    actor,
    org_id: int,
    lecturer_id: int,
    course_id: int,
    start: datetime,
    end: datetime,
    venue: str,
    expected_attendees: int,
    classroom: str,
    is_home_delivery: bool = False,
    home_delivery_need: str = "",
    note: str = "",
    base_id: int | None = None,
    place_type: str = "",
    home_member_name: str = "",
    home_member_reason: str = "",
) -> Booking:
    try:
        org = access.org_for_user(actor, org_id)
    except NotFound:
        org = None
    if org is None or not access.may_book_for(actor, org):
        raise Forbidden(_("You may not book for this organisation."))
    org_require_active(org)
    try:
        lecturer = lecturer_for_user(actor, lecturer_id)
    except NotFound:
        raise InvalidInput.field("lecturer_id", _("Unknown lecturer.")) from None
    # Those who may see a lecturer who is not active (cold store, removed, candidate) are
    # told so, before any rule of who may book whom.
    _require_active(lecturer.pk, lecturer.status)
    rules = CountySettings.for_county(org.county_id)
    if not lecturer_bookable_for(lecturer, org, rules):
        raise Forbidden(
            _("This lecturer cannot be booked by this organisation."), code="lecturer_not_bookable"
        )

    errors = FieldErrors()
    start, end = clean_interval(start, end, errors=errors)
    venue = errors.check(clean_text, venue, field="venue", max_length=200)
    note = errors.check(clean_text, note, field="note", max_length=500, required=False)
    course_id = parse_id(course_id)
    course = _course_by_id(course_id) if course_id else None
    if course is None or course.lecturer_id != lecturer.pk or course.status != CourseStatus.ACTIVE:
        errors.add("course_id", _("Choose one of this lecturer's offered courses."))
    if (
        isinstance(expected_attendees, bool)
        or not isinstance(expected_attendees, int)
        or not 1 <= expected_attendees <= MAX_ATTENDEES
    ):
        errors.add(
            "expected_attendees", _("Enter between 1 and %(n)d attendees.") % {"n": MAX_ATTENDEES}
        )
    if classroom not in Classroom.values:
        errors.add("classroom", _("Unknown classroom type."))
    base_id = errors.check(
        venues.clean_base_id, actor=actor, county_id=org.county_id, base_id=base_id
    )
    place_type, home = _clean_place(
        errors, classroom=classroom, place_type=place_type, is_home_delivery=is_home_delivery,
        need=home_delivery_need, member_name=home_member_name, reason=home_member_reason,
    )  # fmt: skip
    now = timezone.now()
    if (
        start
        and not access.is_admin_over(actor, org)
        and start < now + timedelta(hours=rules.booking_notice_hours)
    ):
        errors.add(
            "start", _("Book at least %(n)d hours ahead.") % {"n": rules.booking_notice_hours}
        )
    errors.raise_if_any()
    # The same check as accepting: a request the lecturer could never accept is refused now.
    # Like accepting (and the database's exclusion constraint), it is the plain overlap of
    # [start, end); the travel buffer is the matching engine's preference, not a rule here.
    if lecturer_is_busy(lecturer.pk, start, end):
        raise Conflict(
            _("The lecturer already has a confirmed session at this time."), code="lecturer_busy"
        )
    # The person to tell, with their channels, read before the write lock is taken.
    recipients = _user_with_channels(pk=lecturer.user_id) if lecturer.user_id else []

    with transaction.atomic():
        # Against a concurrent move to cold store: the move and this request are serialised on
        # the lecturer's row, so the request never lands after the lecturer left.
        _require_active(lecturer.pk, lock_lecturer(lecturer.pk))
        # Against a concurrent deactivation of the organisation, serialised on its row.
        org_require_active(org, lock=True)
        slot = _SLOT_COVERING.first(lecturer_id=lecturer.pk, start=start, end=end)
        booking = Booking.objects.create(
            county_id=org.county_id,
            org=org,
            lecturer=lecturer,
            course=course,
            slot_id=slot[0] if slot else None,
            start_at=start,
            end_at=end,
            venue=venue,
            expected_attendees=expected_attendees,
            classroom=classroom,
            place_type=place_type,
            is_home_delivery=place_type == PlaceType.HOME,
            **home,
            note=note,
            requested_by=actor,
            expires_at=min(now + timedelta(hours=rules.request_expiry_hours), start),
        )
        venues.hold(booking, base_id)
        _record(booking, actor=actor, from_status="")
        facts = _describe(booking)
        notify(
            recipients=recipients,
            event=Event.BOOKING_REQUESTED,
            facts=facts,
            url=f"/bookings/{booking.pk}/",
            county_id=booking.county_id,
            subject=booking,
            rules=rules,
        )
    return booking


def _transition(
    booking: Booking,
    *,
    actor,
    to_status: str,
    from_statuses: tuple,
    extra: dict | None = None,
    reason: str = "",
    action: str = "",
    data: dict | None = None,
) -> Booking:
    """Compare-and-set: move the booking only if it is still in one of `from_statuses`."""
    old = booking.status
    changes = {"status": to_status, "updated_at": timezone.now(), **(extra or {})}
    updated = Booking.objects.filter(pk=booking.pk, status__in=from_statuses).update(**changes)
    if updated != 1:
        raise Conflict(
            _("This booking has changed meanwhile; reload and try again."), code="bad_state"
        )
    # Keep the related objects the caller loaded; only these fields changed.
    for name, value in changes.items():
        setattr(booking, name, value)
    _record(booking, actor=actor, from_status=old, reason=reason, action=action, data=data)
    return booking


_NAMED_BOOKING = instance_reader(Booking, "org", "lecturer", "course")
_LOCKED_BOOKING = Prepared(
    lambda booking_id: (
        Booking.objects.select_for_update(of=("self",))
        .filter(pk=booking_id)
        .values_list(*_NAMED_BOOKING.columns)
    ),
    booking_id=int,
)


def _refresh_locked(booking: Booking) -> Booking:
    """The booking read again under its row lock, with what the messages name."""
    row = _LOCKED_BOOKING.first(booking_id=booking.pk)
    if row is None:  # removed meanwhile (its organisation deleted)
        raise NotFound()
    return _NAMED_BOOKING.instance(row)


def _require_state(booking: Booking, *allowed: str) -> None:
    if booking.status not in allowed:
        raise Conflict(
            _("Not possible while the booking is “%(status)s”.")
            % {"status": booking.get_status_display()},
            code="bad_state",
        )


def booking_accept(*, actor, booking: Booking) -> Booking:
    """The lecturer accepts (接单): requested → confirmed, unless it would overlap."""
    if not access.is_booking_lecturer(actor, booking):
        raise Forbidden(_("Only the booked lecturer can accept."))
    if booking.status == BookingStatus.REQUESTED and booking.expires_at <= timezone.now():
        _expire_one(booking.pk)
        raise Conflict(_("This request has expired."), code="bad_state")
    # Whom to tell and the county's quiet hours, read before the lecturer's lock is taken: on
    # PostgreSQL every change of the lecturer's bookings waits while it is held.
    recipients = _org_side_users(booking)
    rules = CountySettings.for_county(booking.county_id)
    try:
        with transaction.atomic():
            status = lock_lecturer(booking.lecturer_id)
            booking = _refresh_locked(booking)
            _require_state(booking, BookingStatus.REQUESTED)
            _require_active(booking.lecturer_id, status)
            now = timezone.now()
            if lecturer_is_busy(
                booking.lecturer_id, booking.start_at, booking.end_at, exclude_id=booking.pk
            ):
                raise Conflict(
                    _("You already have a confirmed session at this time."), code="lecturer_busy"
                )
            booking = _transition(
                booking, actor=actor, to_status=BookingStatus.CONFIRMED,
                from_statuses=(BookingStatus.REQUESTED,), extra={"decided_at": now},
            )  # fmt: skip
            facts = _describe(booking)
            notify(
                recipients=recipients,
                event=Event.BOOKING_ACCEPTED,
                facts=facts,
                url=f"/bookings/{booking.pk}/",
                county_id=booking.county_id,
                subject=booking,
                rules=rules,
            )
    except IntegrityError:
        # PostgreSQL's exclusion constraint caught an overlap that slipped past the check.
        raise Conflict(
            _("You already have a confirmed session at this time."), code="lecturer_busy"
        ) from None
    return booking


def booking_decline(*, actor, booking: Booking, reason: str) -> Booking:
    if not access.is_booking_lecturer(actor, booking):
        raise Forbidden(_("Only the booked lecturer can decline."))
    reason = clean_text(reason, field="reason", max_length=300)
    with transaction.atomic():
        booking = _refresh_locked(booking)
        _require_state(booking, BookingStatus.REQUESTED)
        booking = _transition(
            booking, actor=actor, to_status=BookingStatus.DECLINED, from_statuses=(BookingStatus.REQUESTED,),
            extra={"decided_at": timezone.now(), "reason": reason}, reason=reason,
        )  # fmt: skip
        facts = {**_describe(booking), "reason": reason}
        notify(
            recipients=_org_side_users(booking),
            event=Event.BOOKING_DECLINED,
            facts=facts,
            url=f"/bookings/{booking.pk}/",
            county_id=booking.county_id,
            subject=booking,
        )
    return booking


def booking_cancel(*, actor, booking: Booking, reason: str) -> Booking:
    """Either party cancels with a reason; inside the county's notice period only admins may,
    and the cancellation is recorded as late."""
    is_lecturer = access.is_booking_lecturer(actor, booking)
    if not (is_lecturer or access.acts_for_org(actor, booking.org)):
        raise Forbidden(_("Only the parties of a booking can cancel it."))
    reason = clean_text(reason, field="reason", max_length=300)
    rules = CountySettings.for_county(booking.county_id)
    with transaction.atomic():
        booking = _refresh_locked(booking)
        _require_state(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
        now = timezone.now()
        is_late = booking.status == BookingStatus.CONFIRMED and booking.start_at - now < timedelta(
            hours=rules.cancel_notice_hours
        )
        if is_late and not access.is_admin_over(actor, booking.org):
            raise Conflict(
                _(
                    "Cancelling is possible until %(n)d hours before the start; ask your town or county administrator."
                )
                % {"n": rules.cancel_notice_hours},
                code="too_late",
            )
        booking = _transition(
            booking, actor=actor, to_status=BookingStatus.CANCELLED,
            from_statuses=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
            extra={"reason": reason, "is_late_cancel": is_late}, reason=reason,
        )  # fmt: skip
        facts = {**_describe(booking), "reason": reason}
        other_side = _org_side_users(booking) if is_lecturer else [booking.lecturer.user]
        notify(
            recipients=[u for u in other_side if u != actor],
            event=Event.BOOKING_CANCELLED,
            facts=facts,
            url=f"/bookings/{booking.pk}/",
            county_id=booking.county_id,
            subject=booking,
        )
    return booking


def booking_complete(*, actor, booking: Booking) -> Booking:
    """confirmed → completed, once the session has started; by either party."""
    if not (access.is_booking_lecturer(actor, booking) or access.acts_for_org(actor, booking.org)):
        raise Forbidden(_("Only the parties of a booking can complete it."))
    with transaction.atomic():
        booking = _refresh_locked(booking)
        _require_state(booking, BookingStatus.CONFIRMED)
        now = timezone.now()
        if booking.start_at > now:
            raise Conflict(_("A session can be completed once it has started."), code="not_started")
        booking = _transition(
            booking, actor=actor, to_status=BookingStatus.COMPLETED,
            from_statuses=(BookingStatus.CONFIRMED,), extra={"completed_at": now},
        )  # fmt: skip
    return booking


def booking_reschedule(
    *, actor, booking: Booking, start: datetime, end: datetime, reason: str = ""
) -> Booking:
    """The booking organisation proposes a new time; the lecturer answers it like a new request.
    The old times stay in the booking's history."""
    if not access.acts_for_org(actor, booking.org):
        raise Forbidden(_("Only the booking organisation can reschedule."))
    errors = FieldErrors()
    start, end = clean_interval(start, end, errors=errors)
    reason = errors.check(clean_text, reason, field="reason", max_length=300, required=False)
    errors.raise_if_any()
    rules = CountySettings.for_county(booking.county_id)
    is_admin = access.is_admin_over(actor, booking.org)
    now = timezone.now()
    if not is_admin and start < now + timedelta(hours=rules.booking_notice_hours):
        raise InvalidInput.field(
            "start", _("Book at least %(n)d hours ahead.") % {"n": rules.booking_notice_hours}
        )
    with transaction.atomic():
        booking = _refresh_locked(booking)
        _require_state(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
        if (
            booking.status == BookingStatus.CONFIRMED
            and not is_admin
            and booking.start_at - now < timedelta(hours=rules.cancel_notice_hours)
        ):
            raise Conflict(
                _(
                    "Changing is possible until %(n)d hours before the start; "
                    "ask your town or county administrator."
                )
                % {"n": rules.cancel_notice_hours},
                code="too_late",
            )
        old = {"old_start": booking.start_at.isoformat(), "old_end": booking.end_at.isoformat()}
        booking = _transition(
            booking,
            actor=actor,
            to_status=BookingStatus.REQUESTED,
            from_statuses=(booking.status,),
            extra={
                "start_at": start,
                "end_at": end,
                "slot": None,
                "decided_at": None,
                "expires_at": min(now + timedelta(hours=rules.request_expiry_hours), start),
            },
            reason=reason,
            action="booking.reschedule",
            data={**old, "new_start": start.isoformat()},
        )
        venues.hold(booking, venues.base_of(booking))  # the base must hold the new time too
        facts = _describe(booking)
        notify(
            recipients=[booking.lecturer.user],
            event=Event.BOOKING_RESCHEDULED,
            facts=facts,
            url=f"/bookings/{booking.pk}/",
            county_id=booking.county_id,
            subject=booking,
        )
    return booking


def _expire_one(booking_id: int) -> bool:
    """requested → expired if still unanswered; tells the booking organisation."""
    with transaction.atomic():
        booking = Booking.objects.select_related("org", "lecturer", "course", "requested_by").get(
            pk=booking_id
        )
        try:
            booking = _transition(
                booking,
                actor=None,
                to_status=BookingStatus.EXPIRED,
                from_statuses=(BookingStatus.REQUESTED,),
            )
        except Conflict:
            return False  # answered meanwhile
        facts = _describe(booking)
        notify(
            recipients=_org_side_users(booking),
            event=Event.BOOKING_EXPIRED,
            facts=facts,
            url=f"/bookings/{booking.pk}/",
            county_id=booking.county_id,
            subject=booking,
        )
    return True


def bookings_expire_due(*, now: datetime | None = None) -> int:
    """Expire requests nobody answered in time; run by the scheduler. Returns how many."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=BookingStatus.REQUESTED, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(_expire_one(booking_id) for booking_id in list(due[:500]))


# --- Out-of-county sessions (L14) -----------------------------------------------------------


LETTER_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")
MAX_LETTER_BYTES = 5 * 1024 * 1024


def outside_session_file(
    *, actor, host: str, topic: str, start: datetime, end: datetime, venue: str, letter
) -> OutsideSession:
    lecturer = _own_lecturer(actor)
    errors = FieldErrors()
    host = errors.check(clean_text, host, field="host", max_length=200)
    topic = errors.check(clean_text, topic, field="topic", max_length=200)
    venue = errors.check(clean_text, venue, field="venue", max_length=200)
    start, end = clean_interval(start, end, errors=errors)
    if letter is None:
        errors.add("letter", _("Attach the invitation letter."))
    else:
        errors.check(
            check_file, letter, field="letter", suffixes=LETTER_SUFFIXES,
            max_bytes=MAX_LETTER_BYTES,
            wrong_type_message=_("The letter must be a PDF or a photo (JPG, PNG)."),
        )  # fmt: skip
    errors.raise_if_any()
    with transaction.atomic():
        session = OutsideSession.objects.create(
            county_id=lecturer.county_id, lecturer=lecturer, host=host, topic=topic,
            start_at=start, end_at=end, venue=venue, letter=letter,
        )  # fmt: skip
        audit(
            actor=actor,
            action="outside_session.file",
            obj=session,
            county_id=lecturer.county_id,
            after={"host": host, "topic": topic},
        )
        facts = {"lecturer": lecturer.name, "host": host, "when": when_label(start)}
        notify(
            recipients=county_admins(lecturer.county_id),
            event=Event.OUTSIDE_SESSION_FILED,
            facts=facts,
            url=f"/bookings/outside/{session.pk}/",
            county_id=lecturer.county_id,
        )
    return session


def outside_session_decide(
    *, actor, session: OutsideSession, approve: bool, note: str = ""
) -> OutsideSession:
    if (
        not access.may_decide_outside_sessions(actor)
        or session.county_id != access.scope_for(actor).county_id
    ):
        raise Forbidden()
    note = clean_text(note, field="note", max_length=300, required=not approve)
    new_status = OutsideSessionStatus.APPROVED if approve else OutsideSessionStatus.REJECTED
    with transaction.atomic():
        now = timezone.now()
        updated = OutsideSession.objects.filter(
            pk=session.pk, status=OutsideSessionStatus.PENDING
        ).update(
            status=new_status, decided_by=actor, decided_at=now, decision_note=note, updated_at=now
        )
        if updated != 1:
            raise Conflict(_("This request has already been decided."), code="bad_state")
        session.refresh_from_db()
        audit(actor=actor, action=f"outside_session.{new_status}", obj=session, county_id=session.county_id,
              before={"status": OutsideSessionStatus.PENDING}, after={"status": new_status, "note": note})  # fmt: skip
        facts = {
            "host": session.host,
            "when": when_label(session.start_at),
            "decision": OutsideSessionStatus(session.status).label,
            "note": note,
        }
        notify(
            recipients=[session.lecturer.user],
            event=Event.OUTSIDE_SESSION_DECIDED,
            facts=facts,
            url=f"/bookings/outside/{session.pk}/",
            county_id=session.county_id,
        )
    return session


# --- Reported sessions (L15) ------------------------------------------------------------------


def reported_session_create(
    *, actor, org_id: int, lecturer_name: str, topic: str, held_on: date
) -> ReportedSession:
    """A branch or town records a session it held; it is matched with a platform booking of the
    same lecturer and day, and left unmatched when the session bypassed the platform."""
    try:
        org = access.org_for_user(actor, org_id)
    except NotFound:
        raise InvalidInput.field("org_id", _("Unknown organisation.")) from None
    if not access.may_book_for(actor, org):
        raise Forbidden()
    errors = FieldErrors()
    lecturer_name = errors.check(clean_text, lecturer_name, field="lecturer_name", max_length=32)
    topic = errors.check(clean_text, topic, field="topic", max_length=200)
    today = local(timezone.now()).date()
    if not isinstance(held_on, date) or not (today - timedelta(days=730) <= held_on <= today):
        errors.add("held_on", _("Enter the day the session was held, within the last two years."))
    errors.raise_if_any()
    lecturer = Lecturer.objects.filter(county_id=org.county_id, name=lecturer_name).first()
    day_start = aware(datetime(held_on.year, held_on.month, held_on.day))
    booking = None
    if lecturer:
        booking = Booking.objects.filter(
            Q(org=org) | Q(org__parent=org),
            lecturer=lecturer,
            status__in=TEACHING_STATUSES,
            start_at__gte=day_start,
            start_at__lt=day_start + timedelta(days=1),
        ).first()
    with transaction.atomic():
        report = ReportedSession.objects.create(
            county_id=org.county_id, org=org, lecturer=lecturer, lecturer_name=lecturer_name,
            topic=topic, held_on=held_on, booking=booking, reported_by=actor,
        )  # fmt: skip
        audit(actor=actor, action="reported_session.create", obj=report, county_id=org.county_id,
              after={"lecturer": lecturer_name, "matched": booking is not None})  # fmt: skip
    return report


# --- Sessions held without a booking beforehand ------------------------------------------------


def booking_record_held(
    *,
    actor,
    org: Organisation,
    course: Course,
    start_at: datetime,
    end_at: datetime,
    attendees: int,
    classroom: str,
    venue: str,
    note: str = "",
    data: dict | None = None,
) -> Booking:
    """A session already held that nobody booked beforehand (a branch's group viewing of a
    cloud lesson): written straight as completed, with its history and audit entry, so that it
    counts in the lecturer's record and its QR code opens for the trainees' ratings. Inside the
    caller's transaction; the caller has checked access and input. Never in the overlap rule:
    that holds confirmed bookings, the times the lecturer must be there in person."""
    now = timezone.now()
    booking = Booking.objects.create(
        county_id=org.county_id, org=org, lecturer_id=course.lecturer_id, course=course,
        start_at=start_at, end_at=end_at, venue=venue[:200], expected_attendees=attendees,
        classroom=classroom, note=note[:500], status=BookingStatus.COMPLETED,
        requested_by=actor, expires_at=start_at, decided_at=now, completed_at=now,
    )  # fmt: skip
    _record(booking, actor=actor, from_status="", data=data, action="booking.held")
    return booking
