"""Demands, broadcasts and grabs (需求邀约 → 智能推荐 → 抢单, L9)."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.text import clean_coordinates, clean_text, parse_id
from core.timeutil import when_label
from courses.models import Audience, Category, Classroom, Course, CourseStatus
from lecturers.models import Lecturer
from notifications.models import Event
from notifications.services import notify
from orgs import access
from orgs.models import CountySettings, Membership, Role
from scheduling.models import Booking, BookingStatus
from scheduling.services import booking_create, lecturer_is_busy, lock_lecturer
from scheduling.validation import clean_interval

from . import engine
from .models import Demand, DemandNotice, DemandStatus, NoticeOutcome

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
) -> Demand:
    try:
        org = access.org_for_user(actor, org_id)
    except NotFound:
        raise Forbidden(_("You may not post demands for this organisation.")) from None
    if not access.may_book_for(actor, org):
        raise Forbidden(_("You may not post demands for this organisation."))
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
    errors.raise_if_any()

    with transaction.atomic():
        demand = Demand.objects.create(
            county_id=org.county_id, org=org, topic=topic, category=category or "", window_start=start,
            window_end=end, duration_minutes=duration_minutes, venue=venue, lat=coords[0], lng=coords[1],
            expected_attendees=expected_attendees, audience=audience or "", classroom=classroom, created_by=actor,
        )  # fmt: skip
        audit(
            actor=actor,
            action="demand.create",
            obj=demand,
            county_id=demand.county_id,
            after={"topic": topic},
        )
    return demand


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
                    "when": when_label(demand.window_start, demand.window_end),
                },
                url=f"/demands/{demand.pk}/",
                key=f"demand:{demand.pk}:notice:{r.lecturer_id}",
                county_id=demand.county_id,
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
    start_at, end_at = clean_interval(
        start, (start + timedelta(minutes=demand.duration_minutes)) if isinstance(start, datetime) else None,
        errors=errors,
    )  # fmt: skip
    if start_at and (start_at < demand.window_start or end_at > demand.window_end):
        errors.add("start", _("Choose a start inside the requested window."))
    _require_open(demand)
    errors.raise_if_any()
    rules = CountySettings.for_county(demand.county_id)
    lecturer = Lecturer.objects.select_related("org").get(pk=lecturer_id)
    if not access.lecturer_bookable_for(lecturer, demand.org, rules):
        raise Forbidden(
            _("This lecturer cannot be booked by this organisation."), code="lecturer_not_bookable"
        )
    buffer = timedelta(minutes=rules.travel_buffer_minutes)
    try:
        with transaction.atomic():
            lock_lecturer(lecturer_id)
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
            Demand.objects.filter(pk=demand.pk).update(booking=booking)
            DemandNotice.objects.filter(demand=demand, lecturer_id=lecturer_id).update(
                outcome=NoticeOutcome.GRABBED
            )
            others = DemandNotice.objects.filter(demand=demand).exclude(lecturer_id=lecturer_id)
            other_users = [n.lecturer.user for n in others.select_related("lecturer__user")]
            others.update(outcome=NoticeOutcome.TOO_LATE)
            audit(actor=actor, action="demand.grab", obj=demand, county_id=demand.county_id,
                  before={"status": DemandStatus.OPEN}, after={"status": DemandStatus.TAKEN, "booking": booking.pk})  # fmt: skip
            facts = {"org": demand.org.name, "topic": demand.topic, "lecturer": booking.lecturer.name,
                     "course": course.title, "when": when_label(start_at), "venue": demand.venue}  # fmt: skip
            notify(recipients=[*_org_side(demand), actor], event=Event.DEMAND_TAKEN, facts=facts,
                   url=f"/bookings/{booking.pk}/", key=f"demand:{demand.pk}:taken", county_id=demand.county_id)  # fmt: skip
            notify(recipients=other_users, event=Event.DEMAND_GONE, facts=facts, url=f"/demands/{demand.pk}/",
                   key=f"demand:{demand.pk}:gone", county_id=demand.county_id)  # fmt: skip
    except IntegrityError:
        raise Conflict(
            _("You already have a confirmed session at this time."), code="lecturer_busy"
        ) from None
    return booking


def demand_invite(*, actor, demand: Demand, lecturer_id, course_id, start: datetime) -> Booking:
    """Invite one recommended lecturer directly: an ordinary booking request."""
    if not access.acts_for_org(actor, demand.org):
        raise NotFound()
    _require_open(demand)
    end = (
        start + timedelta(minutes=demand.duration_minutes) if isinstance(start, datetime) else None
    )
    return booking_create(
        actor=actor, org_id=demand.org_id, lecturer_id=lecturer_id, course_id=course_id, start=start, end=end,
        venue=demand.venue, expected_attendees=demand.expected_attendees, classroom=demand.classroom,
        note=_("Invited from the demand “%(topic)s”") % {"topic": demand.topic},
    )  # fmt: skip


def demand_cancel(*, actor, demand: Demand) -> Demand:
    if not access.acts_for_org(actor, demand.org):
        raise NotFound()
    with transaction.atomic():
        if (
            Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
                status=DemandStatus.CANCELLED
            )
            != 1
        ):
            raise Conflict(_("This demand is no longer open."), code="bad_state")
        demand.status = DemandStatus.CANCELLED
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
