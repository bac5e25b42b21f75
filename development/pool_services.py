"""Every write of the pool beyond the calls (G3-G5): invite an outside expert and record
their sessions, hire a local practitioner with an appointment letter, run a campaign that
groups sessions, keep the reserve and promote a reserve member into a call's review.

Promoting runs in one transaction under the reserve member's row lock: the nomination is
made through `nomination_submit` (same checks, same staged review), and a member already
promoted is refused (409 `already_promoted`), so a double promotion makes one nomination.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from core.text import clean_mobile, clean_text, parse_id
from core.timeutil import local
from lecturers.certificates import certificate_issue, term_from
from lecturers.models import CertificateKind, Lecturer, LecturerLevel, LecturerStatus, Source
from lecturers.services import lecturer_create
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking, BookingStatus

from .models import Call, Channel, Nomination
from .pool_models import (
    Campaign,
    CampaignSession,
    HireKind,
    Hiring,
    Invitation,
    InvitedSession,
    InviteeKind,
    ReserveFeed,
    ReserveMember,
)
from .services import nomination_submit

# Times of activities and sessions: anything outside these years is a typing slip (and
# would overflow on its way to UTC at the ends of the calendar).
SANE_YEARS = (2000, 2100)
# The sessions a campaign counts: those that take place.
COUNTED_SESSIONS = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


def _county_id(actor) -> int:
    scope = access.scope_for(actor)
    if scope.county_id is None or not (scope.is_county_admin or scope.town_ids):
        raise Forbidden(_("Only county and town administrators manage the pool."))
    return scope.county_id


def _managed_org(actor, org_id, errors: FieldErrors, *, field: str = "org_id", levels=None):
    """An organisation of the caller's county the caller is admin over (the county itself
    when `org_id` is empty and the caller is a county admin, their town for a town admin)."""
    scope = access.scope_for(actor)
    if not org_id:
        org_id = scope.county_id if scope.is_county_admin else min(scope.town_ids, default=0)
    org = Organisation.objects.filter(pk=parse_id(org_id) or 0, county_id=scope.county_id).first()
    if org is None or not access.may_manage_pool_record(actor, org):
        errors.add(field, _("Choose an organisation you administer."))
        return None
    if levels and org.level not in levels:
        errors.add(field, _("Choose the county or a town."))
        return None
    return org


def _span(errors: FieldErrors, start, end, *, start_field: str, end_field: str) -> None:
    if start is None:
        errors.add(start_field, _("Enter the start."))
    if end is None:
        errors.add(end_field, _("Enter the end."))
    for field, value in ((start_field, start), (end_field, end)):
        if value is not None and not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
            errors.add(field, _("Enter a time between the years 2000 and 2100."))
            return
    if start is not None and end is not None and end <= start:
        errors.add(end_field, _("The end must come after the start."))


# --- 邀一批: invited outside experts ------------------------------------------------------------


def invitation_create(
    *,
    actor,
    expert_name: str,
    kind: str,
    affiliation: str,
    topic: str,
    expert_title: str = "",
    letter_no: str = "",
    note: str = "",
    org_id=None,
) -> Invitation:
    """Invite an outside expert on a topic (the topic is required: an expert is invited to
    teach something)."""
    county_id = _county_id(actor)
    errors = FieldErrors()
    expert_name = errors.check(clean_text, expert_name, field="expert_name", max_length=32)
    if kind not in InviteeKind.values:
        errors.add("kind", _("Choose the kind of expert."))
    affiliation = errors.check(clean_text, affiliation, field="affiliation", max_length=100)
    topic = errors.check(clean_text, topic, field="topic", max_length=200)
    expert_title = errors.check(
        clean_text, expert_title, field="expert_title", max_length=100, required=False
    )
    letter_no = errors.check(clean_text, letter_no, field="letter_no", max_length=64, required=False)  # fmt: skip
    note = errors.check(clean_text, note, field="note", max_length=500, required=False)
    org = _managed_org(actor, org_id, errors, levels=(OrgLevel.COUNTY, OrgLevel.TOWN))
    errors.raise_if_any()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            county_id=county_id, org=org, expert_name=expert_name, kind=kind,
            affiliation=affiliation, topic=topic, expert_title=expert_title,
            letter_no=letter_no, note=note, created_by=actor,
        )  # fmt: skip
        audit(
            actor=actor, action="invitation.create", obj=invitation, county_id=county_id,
            after={"expert": expert_name, "topic": topic, "affiliation": affiliation},
        )  # fmt: skip
    return invitation


def invited_session_add(
    *,
    actor,
    invitation: Invitation,
    starts_at: datetime | None,
    ends_at: datetime | None,
    place: str,
    attendees: int = 0,
) -> InvitedSession:
    if not access.may_manage_pool_record(actor, invitation.org):
        raise Forbidden()
    errors = FieldErrors()
    _span(errors, starts_at, ends_at, start_field="starts_at", end_field="ends_at")
    place = errors.check(clean_text, place, field="place", max_length=200)
    if isinstance(attendees, bool) or not isinstance(attendees, int) or not 0 <= attendees <= 100_000:  # fmt: skip
        errors.add("attendees", _("Enter a number of attendees from 0 to 100000."))
    errors.raise_if_any()
    with transaction.atomic():
        session = InvitedSession.objects.create(
            invitation=invitation, county_id=invitation.county_id, starts_at=starts_at,
            ends_at=ends_at, place=place, attendees=attendees, recorded_by=actor,
        )  # fmt: skip
        audit(
            actor=actor, action="invitation.session", obj=invitation,
            county_id=invitation.county_id, after={"start": str(starts_at), "place": place},
        )  # fmt: skip
    return session


# --- 聘一批: hired local practitioners ----------------------------------------------------------


def hiring_create(
    *,
    actor,
    kind: str,
    org_id=None,
    lecturer_id=None,
    name: str = "",
    phone: str = "",
    source: str = "",
    specialties: str = "",
    term_years: int = 3,
) -> Hiring:
    """Hire a local practitioner with an appointment letter: an existing lecturer of the
    county (`lecturer_id`), or a new one made with a login (`name`, `phone`, `source`). The
    letter takes the next number of the issuer's certificate sequence. On the returned hiring
    `initial_password` holds a new login's password this once ("" otherwise)."""
    county_id = _county_id(actor)
    errors = FieldErrors()
    if kind not in HireKind.values:
        errors.add("kind", _("Choose the kind of practitioner."))
    org = _managed_org(actor, org_id, errors, levels=(OrgLevel.COUNTY, OrgLevel.TOWN))
    if isinstance(term_years, bool) or not isinstance(term_years, int) or not 1 <= term_years <= 10:  # fmt: skip
        errors.add("term_years", _("Enter a term between 1 and 10 years."))
    lecturer = None
    if lecturer_id:
        lecturer = Lecturer.objects.filter(
            pk=parse_id(lecturer_id) or 0, county_id=county_id, status=LecturerStatus.ACTIVE
        ).first()
        if lecturer is None or not access.may_manage_lecturer(actor, lecturer):
            errors.add("lecturer_id", _("Choose an active lecturer you manage."))
        elif Hiring.objects.filter(lecturer=lecturer).exists():
            errors.add("lecturer_id", _("This lecturer has been hired already."))
    else:
        errors.check(clean_text, name, field="name", max_length=32)
        errors.check(clean_mobile, phone)
        if source not in Source.values:
            errors.add("source", _("Choose the lecturer's source."))
    errors.raise_if_any()
    start = local(timezone.now()).date()
    until = term_from(start, term_years)
    password = ""
    try:
        with transaction.atomic():
            if lecturer is None:
                lecturer, password = lecturer_create(
                    actor=actor, name=name, phone=phone, source=source,
                    level=LecturerLevel.COUNTY if org.level == OrgLevel.COUNTY else LecturerLevel.TOWN,
                    org_id=org.pk, specialties=specialties, status=LecturerStatus.ACTIVE,
                )  # fmt: skip
            certificate = certificate_issue(
                lecturer=lecturer, issuer=org, start=start, until=until,
                kind=CertificateKind.APPOINTMENT,
            )  # fmt: skip
            hiring = Hiring.objects.create(
                county_id=county_id, org=org, lecturer=lecturer, kind=kind,
                letter_no=certificate.number, hired_from=start, hired_until=until,
                created_by=actor,
            )  # fmt: skip
            audit(
                actor=actor, action="hiring.create", obj=hiring, county_id=county_id,
                after={"lecturer": lecturer.pk, "kind": kind, "letter": certificate.number},
            )  # fmt: skip
    except IntegrityError:
        raise InvalidInput.field("lecturer_id", _("This lecturer has been hired already.")) from None  # fmt: skip
    hiring.initial_password = password
    return hiring


def campaign_create(
    *,
    actor,
    title: str,
    starts_on: date | None,
    ends_on: date | None,
    description: str = "",
    org_id=None,
) -> Campaign:
    county_id = _county_id(actor)
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=100)
    description = errors.check(
        clean_text, description, field="description", max_length=2000, required=False,
        multiline=True,
    )  # fmt: skip
    if starts_on is None:
        errors.add("starts_on", _("Enter the first day."))
    if ends_on is None:
        errors.add("ends_on", _("Enter the last day."))
    elif starts_on is not None and ends_on < starts_on:
        errors.add("ends_on", _("The last day cannot come before the first."))
    org = _managed_org(actor, org_id, errors, levels=(OrgLevel.COUNTY, OrgLevel.TOWN))
    errors.raise_if_any()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            county_id=county_id, org=org, title=title, starts_on=starts_on, ends_on=ends_on,
            description=description, created_by=actor,
        )  # fmt: skip
        audit(
            actor=actor, action="campaign.create", obj=campaign, county_id=county_id,
            after={"title": title, "from": str(starts_on), "until": str(ends_on)},
        )  # fmt: skip
    return campaign


def campaign_session_add(*, actor, campaign: Campaign, booking_id) -> CampaignSession:
    """Count a session (a confirmed or held booking of the county the caller can see) in the
    campaign; its day must fall within the campaign's dates. 409 `already_counted` twice."""
    if not access.may_manage_pool_record(actor, campaign.org):
        raise Forbidden()
    booking = access.scoped(
        Booking.objects.filter(
            pk=parse_id(booking_id) or 0, county_id=campaign.county_id, status__in=COUNTED_SESSIONS
        ),
        access.org_records_q(actor, org_field="org"),
    ).first()
    if booking is None:
        raise InvalidInput.field("booking_id", _("Choose a confirmed or held session you can see."))  # fmt: skip
    day = local(booking.start_at).date()
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise InvalidInput.field(
            "booking_id",
            _("This session (%(day)s) is outside the campaign's dates, %(start)s to %(end)s.")
            % {"day": day, "start": campaign.starts_on, "end": campaign.ends_on},
        )
    try:
        with transaction.atomic():
            row = CampaignSession.objects.create(campaign=campaign, booking=booking, added_by=actor)
            audit(
                actor=actor, action="campaign.session", obj=campaign,
                county_id=campaign.county_id, after={"booking": booking.pk},
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("This session is already counted in the campaign."),
                       code="already_counted") from None  # fmt: skip
    return row


# --- 备一批: the reserve -----------------------------------------------------------------------


def reserve_add(
    *,
    actor,
    name: str,
    phone: str,
    org_id,
    feed: str,
    event: str,
    event_on: date | None,
    specialties: str = "",
    note: str = "",
) -> ReserveMember:
    county_id = _county_id(actor)
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=32)
    phone = errors.check(clean_mobile, phone)
    if feed not in ReserveFeed.values:
        errors.add("feed", _("Choose where the member was found."))
    event = errors.check(clean_text, event, field="event", max_length=100)
    if event_on is None:
        errors.add("event_on", _("Enter the day of the contest or forum."))
    specialties = errors.check(clean_text, specialties, field="specialties", max_length=300, required=False)  # fmt: skip
    note = errors.check(clean_text, note, field="note", max_length=500, required=False)
    org = None
    if not org_id:
        errors.add("org_id", _("Choose the member's unit."))
    else:
        org = _managed_org(actor, org_id, errors)
    if phone and ReserveMember.objects.filter(county_id=county_id, phone=phone).exists():
        errors.add("phone", _("This person is in the reserve already."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            member = ReserveMember.objects.create(
                county_id=county_id, org=org, name=name, phone=phone, feed=feed, event=event,
                event_on=event_on, specialties=specialties, note=note, created_by=actor,
            )  # fmt: skip
            audit(
                actor=actor, action="reserve.add", obj=member, county_id=county_id,
                after={"name": name, "feed": feed, "event": event},
            )  # fmt: skip
    except IntegrityError:
        raise InvalidInput.field("phone", _("This person is in the reserve already.")) from None
    return member


def reserve_promote(*, actor, member: ReserveMember, call_id, reason: str = "") -> Nomination:
    """Put a reserve member forward to an open call: a nomination (channel unit when the
    caller acts for the member's unit, else a recommendation) that goes through the same
    staged review. 409 `already_promoted` for a member promoted before."""
    if not access.may_manage_pool_record(actor, member.org):
        raise Forbidden()
    call = (
        Call.objects.filter(pk=parse_id(call_id) or 0, county_id=member.county_id)
        .filter(access.calls_q(actor))
        .first()
    )
    if call is None or not call.is_open:
        raise InvalidInput.field("call_id", _("Choose an open call for nominations."))
    reason = clean_text(reason, field="reason", max_length=2000, required=False, multiline=True)
    if not reason:
        reason = _("From the reserve: %(event)s (%(feed)s), %(day)s.") % {
            "event": member.event, "feed": member.get_feed_display(), "day": member.event_on
        }  # fmt: skip
    channel = Channel.UNIT if access.acts_for_org(actor, member.org) else Channel.PUBLIC
    already = Conflict(
        _("%(name)s has been put forward already.") % {"name": member.name},
        code="already_promoted",
    )
    with transaction.atomic():
        locked = ReserveMember.objects.select_for_update().get(pk=member.pk)
        if locked.nomination_id is not None or locked.promoted_at is not None:
            raise already
        nomination = nomination_submit(
            actor=actor, call=call, channel=channel, name=locked.name, phone=locked.phone,
            org_id=locked.org_id, specialties=locked.specialties, reason=reason,
        )  # fmt: skip
        moved = ReserveMember.objects.filter(pk=locked.pk, nomination__isnull=True).update(
            nomination=nomination, promoted_at=timezone.now(), updated_at=timezone.now()
        )
        if moved != 1:
            raise already
        audit(
            actor=actor, action="reserve.promote", obj=locked, county_id=locked.county_id,
            after={"call": call.pk, "nomination": nomination.pk, "channel": channel},
        )  # fmt: skip
    member.refresh_from_db()
    return nomination
