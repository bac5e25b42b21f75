"""Demands, broadcasts and grabs (需求邀约 → 智能推荐 → 抢单, L9)."""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from access.services import org_require_active
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.prepared import Prepared
from core.text import clean_coordinates, clean_text, parse_id
from core.timeutil import aware, local, when_label
from courses.models import Audience, Category, Classroom, Course, CourseStatus
from lecturers.lifecycle import require_available
from lecturers.models import Lecturer
from lecturers.selectors import lecturer_bookable_for
from notifications.models import Event
from notifications.services import notify
from orgs.models import CountySettings, Membership, Role
from scheduling import venues
from scheduling.models import Booking, BookingStatus
from scheduling.services import booking_create, lecturer_is_busy, lock_lecturer
from scheduling.validation import clean_interval

from . import engine, windows
from .models import Demand, DemandInvite, DemandNotice, DemandStatus, NoticeOutcome

MAX_TOPIC = 200
MAX_BROADCAST = 20


def demand_create(
    *,
    actor,
    org_id,
    topic: str,
    window_start: datetime,
    window_end: datetime,
    duration_minutes: int,
    venue: str = "",
    lat: float | None = None,
    lng: float | None = None,
    expected_attendees: int = 30,
    classroom: str = Classroom.CLASSROOM,
    category: str = "",
    audience: str = "",
    daily_from: time | None = None,
    daily_until: time | None = None,
    weekdays=None,
    base_id: int | None = None,
) -> Demand:
    try:
        org = access.org_for_user(actor, org_id)
    except NotFound:
        raise Forbidden(_("You may not post demands for this organisation.")) from None
    if not access.may_book_for(actor, org):
        raise Forbidden(_("You may not post demands for this organisation."))
    org_require_active(org)
    errors = FieldErrors()
    topic = errors.check(clean_text, topic, field="topic", max_length=MAX_TOPIC)
    if topic is not None and not any(ch.isalnum() for ch in topic):
        errors.add("topic", _("Describe the topic in words."))
    # The venue defaults to the organisation's own place.
    venue = errors.check(clean_text, venue, field="venue", max_length=200, required=False)
    venue = venue or org.address or org.name
    start, end = clean_interval(
        window_start, window_end, errors=errors, start_field="window_start", end_field="window_end",
        longest=timedelta(days=62),
    )  # fmt: skip
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 10 <= duration_minutes <= 480
    ):
        errors.add("duration_minutes", _("Enter a duration between 10 and 480 minutes."))
    elif start and end and end - start < timedelta(minutes=duration_minutes):
        errors.add("window_end", _("The window is shorter than the session."))
    daily_from, daily_until, days = _clean_schedule(
        errors, daily_from, daily_until, weekdays, start, end, duration_minutes
    )
    if lat is None and lng is None:
        lat, lng = org.lat, org.lng
    coords = errors.check(clean_coordinates, lat, lng, required=True)
    if (
        isinstance(expected_attendees, bool)
        or not isinstance(expected_attendees, int)
        or not 1 <= expected_attendees <= 5000
    ):
        errors.add("expected_attendees", _("Enter between 1 and %(n)d attendees.") % {"n": 5000})
    if classroom not in Classroom.values:
        errors.add("classroom", _("Unknown classroom type."))
    if category and category not in Category.values:
        errors.add("category", _("Unknown category."))
    if audience and audience not in Audience.values:
        errors.add("audience", _("Unknown member group."))
    base_id = errors.check(
        venues.clean_base_id, actor=actor, county_id=org.county_id, base_id=base_id
    )
    errors.raise_if_any()

    with transaction.atomic():
        # Against a concurrent deactivation of the organisation, serialised on its row.
        org_require_active(org, lock=True)
        demand = Demand.objects.create(
            county_id=org.county_id, org=org, topic=topic, category=category or "", window_start=start,
            window_end=end, duration_minutes=duration_minutes, venue=venue, lat=coords[0], lng=coords[1],
            expected_attendees=expected_attendees, audience=audience or "", classroom=classroom, created_by=actor,
            daily_from=daily_from, daily_until=daily_until, weekdays=days,
        )  # fmt: skip
        venues.hold(demand, base_id)
        audit(
            actor=actor,
            action="demand.create",
            obj=demand,
            county_id=demand.county_id,
            after={"topic": topic},
        )
    return demand


def _clean_time_of_day(errors: FieldErrors, value, field: str) -> time | None:
    if value is None or value == "":
        return None
    if not isinstance(value, time) or value.tzinfo is not None:
        errors.add(field, _("Enter a time of day such as 14:00."))
        return None
    return value.replace(second=0, microsecond=0)


def _clean_schedule(errors, daily_from, daily_until, weekdays, start, end, duration_minutes):
    """(daily_from, daily_until, weekday mask): the daily hours and days inside the window,
    with at least one time in it long enough for the session."""
    daily_from = _clean_time_of_day(errors, daily_from, "daily_from")
    daily_until = _clean_time_of_day(errors, daily_until, "daily_until")
    if daily_from is not None and daily_until is not None and daily_until <= daily_from:
        errors.add("daily_until", _("The daily end must be after the daily start."))
        daily_until = None
    days = windows.ALL_DAYS
    if weekdays is not None:
        if isinstance(weekdays, str | bytes) or not isinstance(weekdays, list | tuple | set):
            errors.add(
                "weekdays", _("Give the weekdays as a list of numbers, 0 Monday to 6 Sunday.")
            )
        elif not weekdays:
            errors.add("weekdays", _("Choose at least one weekday."))
        elif any(
            isinstance(day, bool) or not isinstance(day, int) or day not in windows.DAY_NUMBERS
            for day in weekdays
        ):
            errors.add("weekdays", _("Weekdays are numbers from 0 (Monday) to 6 (Sunday)."))
        else:
            days = windows.days_mask(weekdays)
    window_fields = {
        "window_start",
        "window_end",
        "duration_minutes",
        "daily_from",
        "daily_until",
        "weekdays",
    }
    if (
        window_fields & set(errors.fields)
        or not (start and end)
        or not windows.is_limited(daily_from, daily_until, days)
    ):
        return daily_from, daily_until, days
    need = timedelta(minutes=duration_minutes)
    spans = windows.allowed_spans(
        start, end, daily_from=daily_from, daily_until=daily_until, weekdays=days
    )
    if windows.longest_span(spans) >= need:
        return daily_from, daily_until, days
    day = date(2000, 1, 3)  # any day: only the length of the daily range matters
    day_start = datetime.combine(day, daily_from or time(0))
    day_end = (
        datetime.combine(day, daily_until)
        if daily_until
        else datetime.combine(day, time(0)) + timedelta(days=1)
    )
    if day_end - day_start < need:
        field = "daily_until" if daily_until is not None else "daily_from"
        errors.add(field, _("The daily time range is shorter than the session."))
    elif not spans and days != windows.ALL_DAYS:
        errors.add("weekdays", _("None of the chosen weekdays falls inside the window."))
    else:
        errors.add(
            "window_end",
            _(
                "The window has no time on the chosen days and hours that is long enough for "
                "the session."
            ),
        )
    return daily_from, daily_until, days


def demand_when(demand: Demand) -> str:
    """The window as messages say it, with the days and hours: 6/3–6/20 工作日 14:00–17:30."""
    label = when_label(demand.window_start, demand.window_end)
    schedule = windows.demand_schedule_label(demand)
    return f"{label} {schedule}" if schedule else label


def _check_session_schedule(errors: FieldErrors, demand: Demand, start, end) -> None:
    """The session [start, end) must lie on one allowed day, within the daily hours."""
    if windows.session_fits(demand, start, end):
        return
    if not windows.day_allowed(demand.weekdays, local(start).date()):
        errors.add(
            "start",
            _("This demand takes sessions only on %(days)s.")
            % {"days": windows.days_label(demand.weekdays)},
        )
    else:
        errors.add(
            "start",
            _("The session must lie within %(hours)s (Beijing time) on one day.")
            % {"hours": windows.hours_label(demand.daily_from, demand.daily_until)},
        )


def demand_recommendations(*, actor, demand: Demand, limit: int = 10) -> engine.Result:
    if not access.acts_for_org(actor, demand.org):
        raise NotFound()
    result = engine.recommend(demand, limit=limit)
    if result.unmatched_terms != demand.unmatched_terms:
        Demand.objects.filter(pk=demand.pk).update(unmatched_terms=result.unmatched_terms)
        demand.unmatched_terms = result.unmatched_terms
    return result


def _require_open(demand: Demand) -> None:
    if demand.status == DemandStatus.OPEN and demand.window_start <= timezone.now():
        raise Conflict(_("The requested time has begun; this demand is closed."), code="bad_state")
    if demand.status == DemandStatus.CANCELLED:
        raise Conflict(_("The organisation withdrew this demand."), code="withdrawn")
    if demand.status != DemandStatus.OPEN:
        raise Conflict(
            _("This demand is no longer open."),
            code="taken" if demand.status == DemandStatus.TAKEN else "bad_state",
        )


def demand_broadcast(*, actor, demand: Demand, limit: int | None = None) -> list[int]:
    """Notify the next best lecturers who were not notified yet; returns their ids."""
    if actor is not None and not access.acts_for_org(actor, demand.org):
        raise NotFound()
    rules = CountySettings.for_county(demand.county_id)
    limit = rules.broadcast_size if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_BROADCAST:
        raise InvalidInput.field(
            "limit", _("Notify between 1 and %(n)d lecturers.") % {"n": MAX_BROADCAST}
        )
    with transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        _require_open(demand)
        already = set(demand.notices.values_list("lecturer_id", flat=True))
        result = engine.recommend(demand, limit=limit, exclude_lecturer_ids=already)
        round_no = demand.broadcast_round + 1
        DemandNotice.objects.bulk_create(
            [
                DemandNotice(
                    demand=demand,
                    lecturer_id=r.lecturer_id,
                    round=round_no,
                    rank=i + 1,
                    score=r.score,
                )
                for i, r in enumerate(result.recommendations)
            ]
        )
        Demand.objects.filter(pk=demand.pk).update(
            broadcast_round=round_no,
            last_broadcast_at=timezone.now(),
            unmatched_terms=result.unmatched_terms,
        )
        ids = [r.lecturer_id for r in result.recommendations]
        users = {
            lec.pk: lec.user for lec in Lecturer.objects.filter(pk__in=ids).select_related("user")
        }
        for r in result.recommendations:
            notify(
                recipients=[users.get(r.lecturer_id)],
                event=Event.DEMAND_BROADCAST,
                facts={
                    "org": demand.org.name,
                    "topic": demand.topic,
                    "when": demand_when(demand),
                },
                url=f"/demands/{demand.pk}/",
                key=f"demand:{demand.pk}:notice:{r.lecturer_id}",
                county_id=demand.county_id,
                subject=demand,
            )
        audit(actor=actor, action="demand.broadcast", obj=demand, county_id=demand.county_id,
              after={"round": round_no, "lecturers": ids})  # fmt: skip
        if not ids:
            _tell_org_nobody(demand)
    return ids


def _tell_org_nobody(demand: Demand) -> None:
    notify(
        recipients=_org_side(demand),
        event=Event.DEMAND_UNANSWERED,
        facts={"topic": demand.topic},
        url=f"/demands/{demand.pk}/",
        key=f"demand:{demand.pk}:unanswered",
        county_id=demand.county_id,
        subject=demand,
    )


def _org_side(demand: Demand) -> list:
    members = Membership.objects.filter(org=demand.org, role=Role.SECRETARY).select_related("user")
    return [m.user for m in members] + [demand.created_by]


def demand_grab(*, actor, demand: Demand, course_id, start: datetime) -> Booking:
    """The first valid grab wins: the demand turns `taken` by compare-and-set and becomes a
    confirmed booking; everyone else gets 409 `taken`."""
    lecturer_id = access.scope_for(actor).lecturer_id
    if (
        lecturer_id is None
        or not DemandNotice.objects.filter(demand=demand, lecturer_id=lecturer_id).exists()
    ):
        raise Forbidden(
            _("Only lecturers notified of this demand can grab it."), code="not_notified"
        )
    errors = FieldErrors()
    course = Course.objects.filter(
        pk=parse_id(course_id), lecturer_id=lecturer_id, status=CourseStatus.ACTIVE
    ).first()
    if course is None:
        errors.add("course_id", _("Choose one of your offered courses."))
    end = None
    if isinstance(start, datetime):
        try:
            end = start + timedelta(minutes=demand.duration_minutes)
        except OverflowError:  # a start near the year 9999: no end, so no session
            start = None
    start_at, end_at = clean_interval(start, end, errors=errors)
    if start_at and (start_at < demand.window_start or end_at > demand.window_end):
        errors.add("start", _("Choose a start inside the requested window."))
    elif start_at:
        _check_session_schedule(errors, demand, start_at, end_at)
    _require_open(demand)
    errors.raise_if_any()
    rules = CountySettings.for_county(demand.county_id)
    lecturer = Lecturer.objects.select_related("org").get(pk=lecturer_id)
    # After the read: a lecturer moved to cold store before it is unavailable (409), not
    # someone the organisation may not book (403).
    require_available(lecturer_id)
    if not lecturer_bookable_for(lecturer, demand.org, rules):
        raise Forbidden(
            _("This lecturer cannot be booked by this organisation."), code="lecturer_not_bookable"
        )
    buffer = timedelta(minutes=rules.travel_buffer_minutes)
    try:
        with transaction.atomic():
            lock_lecturer(lecturer_id)
            require_available(lecturer_id)  # not moved to cold store meanwhile
            # A deactivation of the organisation counts this demand as open or sees the booking.
            org_require_active(demand.org, lock=True)
            # The same travel buffer the recommendations kept free.
            if lecturer_is_busy(lecturer_id, start_at - buffer, end_at + buffer):
                raise Conflict(
                    _("You already have a confirmed session at this time."), code="lecturer_busy"
                )
            now = timezone.now()
            won = Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
                status=DemandStatus.TAKEN, updated_at=now
            )
            if won != 1:
                raise Conflict(_("Another lecturer took this demand first."), code="taken")
            booking = Booking.objects.create(
                county_id=demand.county_id, org=demand.org, lecturer_id=lecturer_id, course=course,
                start_at=start_at, end_at=end_at, venue=demand.venue, expected_attendees=demand.expected_attendees,
                classroom=demand.classroom, note=_("Grabbed from the demand “%(topic)s”") % {"topic": demand.topic},
                status=BookingStatus.CONFIRMED, requested_by=demand.created_by, expires_at=start_at, decided_at=now,
            )  # fmt: skip
            venues.hold(booking, venues.base_of(demand))
            Demand.objects.filter(pk=demand.pk).update(booking=booking)
            DemandNotice.objects.filter(demand=demand, lecturer_id=lecturer_id).update(
                outcome=NoticeOutcome.GRABBED
            )
            audit(actor=actor, action="demand.grab", obj=demand, county_id=demand.county_id,
                  before={"status": DemandStatus.OPEN}, after={"status": DemandStatus.TAKEN, "booking": booking.pk})  # fmt: skip
            facts = {"org": demand.org.name, "topic": demand.topic, "lecturer": booking.lecturer.name,
                     "course": course.title, "when": when_label(start_at), "venue": demand.venue}  # fmt: skip
            notify(recipients=[*_org_side(demand), actor], event=Event.DEMAND_TAKEN, facts=facts,
                   url=f"/bookings/{booking.pk}/", key=f"demand:{demand.pk}:taken", county_id=demand.county_id,
                   subject=booking)  # fmt: skip
            _tell_the_others(demand, lecturer_id, facts)
    except IntegrityError:
        raise Conflict(
            _("You already have a confirmed session at this time."), code="lecturer_busy"
        ) from None
    return booking


def _tell_the_others(demand: Demand, lecturer_id: int, facts: dict) -> None:
    """The demand is taken by `lecturer_id`: the other notified lecturers were too late."""
    others = DemandNotice.objects.filter(demand=demand).exclude(lecturer_id=lecturer_id)
    other_users = [n.lecturer.user for n in others.select_related("lecturer__user")]
    others.update(outcome=NoticeOutcome.TOO_LATE)
    notify(recipients=other_users, event=Event.DEMAND_GONE, facts=facts, url=f"/demands/{demand.pk}/",
           key=f"demand:{demand.pk}:gone", county_id=demand.county_id, subject=demand)  # fmt: skip


def demand_invite(*, actor, demand: Demand, lecturer_id, course_id, start: datetime) -> Booking:
    """Invite one recommended lecturer directly: an ordinary booking request, remembered as
    the demand's invitation so that the lecturer's acceptance takes the demand."""
    if not access.acts_for_org(actor, demand.org):
        raise NotFound()
    _require_open(demand)
    end = None
    if isinstance(start, datetime):
        start = aware(start)
        errors = FieldErrors()
        # Compared before any arithmetic: a start near the year 9999 has no end.
        if not demand.window_start <= start < demand.window_end:
            errors.add("start", _("Choose a start inside the requested window."))
        else:
            end = start + timedelta(minutes=demand.duration_minutes)
            if end > demand.window_end:
                errors.add("start", _("Choose a start inside the requested window."))
            else:
                _check_session_schedule(errors, demand, start, end)
        errors.raise_if_any()
    with transaction.atomic():
        booking = booking_create(
            actor=actor, org_id=demand.org_id, lecturer_id=lecturer_id, course_id=course_id, start=start, end=end,
            venue=demand.venue, expected_attendees=demand.expected_attendees, classroom=demand.classroom,
            note=_("Invited from the demand “%(topic)s”") % {"topic": demand.topic},
            base_id=venues.base_of(demand),
        )  # fmt: skip
        DemandInvite.objects.create(demand=demand, booking=booking)
    return booking


def _invited_to(booking_id: int):
    return DemandInvite.objects.filter(booking_id=booking_id).values_list("demand_id")[:1]


# Asked on every acceptance (core.prepared; issue 18): the demand a booking was invited from.
_INVITED_TO = Prepared(_invited_to, booking_id=int)


def take_demand_on_invite_accepted(sender, *, booking, actor, from_status, **kwargs) -> None:
    """Inside the acceptance's transaction (scheduling's `booking_transitioned`): a lecturer
    who accepts a demand's invitation takes the demand by compare-and-set, as a grab does. If
    a grab or another invitation took it first, the acceptance is refused (409 `taken`) and
    rolls back; a withdrawn or expired demand leaves the invitation an ordinary booking."""
    if booking.status != BookingStatus.CONFIRMED or from_status != BookingStatus.REQUESTED:
        return
    invited = _INVITED_TO.first(booking_id=booking.pk)
    if invited is None:  # most acceptances: a booking, not an invitation
        return
    demand = Demand.objects.select_related("org").get(pk=invited[0])
    won = Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
        status=DemandStatus.TAKEN, booking=booking, updated_at=timezone.now()
    )
    if won != 1:
        taken_by_other = (
            Demand.objects.filter(pk=demand.pk, status=DemandStatus.TAKEN)
            .exclude(booking_id=booking.pk)  # a rescheduled invitation accepted again
            .exists()
        )
        if taken_by_other:
            raise Conflict(
                _(
                    "Another lecturer took this demand first; this invitation can no longer be accepted."
                ),
                code="taken",
            )
        return
    facts = {"org": demand.org.name, "topic": demand.topic}
    _tell_the_others(demand, booking.lecturer_id, facts)
    audit(actor=actor, action="demand.invite_accepted", obj=demand, county_id=demand.county_id,
          before={"status": DemandStatus.OPEN}, after={"status": DemandStatus.TAKEN, "booking": booking.pk})  # fmt: skip


def demand_cancel(*, actor, demand: Demand) -> Demand:
    """Withdraw an open demand: nobody can grab it any more, and the lecturers who were told
    of it hear that it is withdrawn."""
    if not access.acts_for_org(actor, demand.org):
        raise NotFound()
    with transaction.atomic():
        if (
            Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
                status=DemandStatus.CANCELLED, updated_at=timezone.now()
            )
            != 1
        ):
            raise Conflict(_("This demand is no longer open."), code="bad_state")
        demand.status = DemandStatus.CANCELLED
        told = DemandNotice.objects.filter(demand=demand, outcome=NoticeOutcome.NOTIFIED)
        notify(
            recipients=[n.lecturer.user for n in told.select_related("lecturer__user")],
            event=Event.DEMAND_WITHDRAWN,
            facts={"org": demand.org.name, "topic": demand.topic, "when": demand_when(demand)},
            url=f"/demands/{demand.pk}/",
            key=f"demand:{demand.pk}:withdrawn",
            county_id=demand.county_id,
            subject=demand,
        )
        audit(actor=actor, action="demand.cancel", obj=demand, county_id=demand.county_id)
    return demand


def demands_widen_due(*, now=None) -> int:
    """Periodic: expire demands whose window began; widen a broadcast nobody grabbed in time."""
    now = now or timezone.now()
    Demand.objects.filter(status=DemandStatus.OPEN, window_start__lte=now).update(
        status=DemandStatus.EXPIRED
    )
    widened = 0
    for demand in Demand.objects.filter(
        status=DemandStatus.OPEN, broadcast_round__gt=0
    ).select_related("org"):
        rules = CountySettings.for_county(demand.county_id)
        if (
            demand.last_broadcast_at
            and demand.last_broadcast_at + timedelta(hours=rules.grab_window_hours) <= now
        ):
            try:
                demand_broadcast(actor=None, demand=demand)
            except Conflict:
                continue
            widened += 1
    return widened


def record_dropped_grab(sender, *, booking, actor, from_status, **kwargs) -> None:
    """A lecturer who cancels a grabbed order is recorded (fairness and appraisal count it)."""
    if booking.status != BookingStatus.CANCELLED or actor is None:
        return
    if access.scope_for(actor).lecturer_id != booking.lecturer_id:
        return
    DemandNotice.objects.filter(demand__booking=booking, lecturer_id=booking.lecturer_id).update(
        outcome=NoticeOutcome.DROPPED
    )
