"""The pool beyond the calls and the improvement programme over the API (G3-G6, L3): invited
experts and their sessions, hired practitioners, campaigns, the reserve and its promotion into
a call's review, training activities with QR check-in, and training hours per lecturer."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

import access
from core.errors import NotFound
from core.text import mask_phone
from core.timeutil import aware, local
from development import certificate, pool_services, programme_services
from development import pool_selectors as selectors

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, PageParams, paginate

router = Router(tags=["pool and training"])


# --- invited experts ---------------------------------------------------------------------------


class InvitationIn(Schema):
    expert_name: str
    kind: str = Field(description="party_school_professor, institute_expert or model_elsewhere")
    affiliation: str
    topic: str = Field(description="required: what the expert is invited to teach")
    expert_title: str = ""
    letter_no: str = ""
    note: str = ""
    org_id: Id | None = Field(None, description="the inviting county or town (default: yours)")


class InvitationOut(Schema):
    id: int
    expert_name: str
    kind: str
    affiliation: str
    expert_title: str
    topic: str
    letter_no: str
    org_id: int
    org_name: str
    sessions: int = Field(description="sessions given, counted apart from the pool's")
    attendees: int


class InvitationList(Schema):
    items: list[InvitationOut]
    count: int


class InvitedSessionIn(Schema):
    starts_at: datetime
    ends_at: datetime
    place: str
    attendees: int = 0


class InvitedSessionOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    attendees: int


class InvitationFilters(PageParams):
    kind: str = ""


def _invitation(i) -> dict:
    return {
        "id": i.pk, "expert_name": i.expert_name, "kind": i.kind, "affiliation": i.affiliation,
        "expert_title": i.expert_title, "topic": i.topic, "letter_no": i.letter_no,
        "org_id": i.org_id, "org_name": i.org.name,
        "sessions": getattr(i, "session_count", None) or i.sessions.count(),
        "attendees": getattr(i, "attendee_total", None) or 0,
    }  # fmt: skip


@router.get(
    "/invitations",
    response={200: InvitationList, **READ_ERRORS},
    summary="Invited outside experts (邀一批): county admin, town admin for the town",
)
def invitation_list(request, filters: Query[InvitationFilters]):
    selectors.require_pool_admin(request.auth)
    items, count = paginate(selectors.invitations_for_user(request.auth, kind=filters.kind), filters)  # fmt: skip
    return {"items": [_invitation(i) for i in items], "count": count}


@router.post(
    "/invitations",
    response={201: InvitationOut, **WRITE_ERRORS},
    summary="Invite an outside expert on a topic",
    description="422 names each wrong field; a missing `topic` is refused.",
)
@decorate_view(idempotent)
def invitation_create(request, payload: InvitationIn):
    invitation = pool_services.invitation_create(actor=request.auth, **payload.dict())
    return Status(201, _invitation(selectors.invitation_for_user(request.auth, invitation.pk)))


@router.post(
    "/invitations/{int:invitation_id}/sessions",
    response={201: InvitedSessionOut, **WRITE_ERRORS},
    summary="Record a session an invited expert gave",
    description="422 `ends_at` when it does not come after `starts_at`.",
)
@decorate_view(idempotent)
def invited_session_add(request, invitation_id: int, payload: InvitedSessionIn):
    invitation = selectors.invitation_for_user(request.auth, invitation_id)
    data = payload.dict()
    session = pool_services.invited_session_add(
        actor=request.auth, invitation=invitation, starts_at=aware(data["starts_at"]),
        ends_at=aware(data["ends_at"]), place=data["place"], attendees=data["attendees"],
    )  # fmt: skip
    return Status(201, {
        "id": session.pk, "starts_at": local(session.starts_at), "ends_at": local(session.ends_at),
        "place": session.place, "attendees": session.attendees,
    })  # fmt: skip


class SessionFigures(Schema):
    year: int
    invited: int = Field(description="invited experts' sessions")
    invited_attendees: int
    pool: int = Field(description="the pool's sessions (bookings confirmed or held)")
    hired: int = Field(description="of the pool's, those of hired practitioners")


class YearParams(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get(
    "/invitations/figures",
    response={200: SessionFigures, **READ_ERRORS},
    summary="The year's sessions: invited experts' apart from the pool's",
)
def invitation_figures(request, params: Query[YearParams]):
    selectors.require_pool_admin(request.auth)
    return selectors.session_figures(request.auth, params.year or timezone.localdate().year)


# --- hired practitioners and campaigns ---------------------------------------------------------


class HiringIn(Schema):
    kind: str = Field(
        description="leading_cadre, rural_entrepreneur, senior_technician, outstanding_member "
        "or village_secretary"
    )
    org_id: Id | None = None
    lecturer_id: Id | None = Field(None, description="an existing active lecturer, or:")
    name: str = ""
    phone: str = ""
    source: str = ""
    specialties: str = ""
    term_years: int = 3


class HiringOut(Schema):
    id: int
    lecturer_id: int
    name: str
    kind: str
    org_id: int
    letter_no: str
    hired_from: date
    hired_until: date
    sessions: int
    initial_password: str | None = None


class HiringList(Schema):
    items: list[HiringOut]
    count: int


def _hiring(h) -> dict:
    return {
        "id": h.pk, "lecturer_id": h.lecturer_id, "name": h.lecturer.name, "kind": h.kind,
        "org_id": h.org_id, "letter_no": h.letter_no, "hired_from": h.hired_from,
        "hired_until": h.hired_until, "sessions": getattr(h, "session_count", 0),
    }  # fmt: skip


@router.get(
    "/hirings",
    response={200: HiringList, **READ_ERRORS},
    summary="Hired local practitioners (聘一批) with their sessions",
)
def hiring_list(request, filters: Query[PageParams]):
    selectors.require_pool_admin(request.auth)
    items, count = paginate(selectors.hirings_for_user(request.auth), filters)
    return {"items": [_hiring(h) for h in items], "count": count}


@router.post(
    "/hirings",
    response={201: HiringOut, **WRITE_ERRORS},
    summary="Hire a local practitioner with an appointment letter",
    description="An existing lecturer (`lecturer_id`) or a new one (`name`, `phone`, "
    "`source`), whose login's `initial_password` is returned this once.",
)
@decorate_view(idempotent)
def hiring_create(request, payload: HiringIn):
    hiring = pool_services.hiring_create(actor=request.auth, **payload.dict())
    return Status(201, {**_hiring(hiring), "initial_password": hiring.initial_password or None})


@router.get(
    "/hirings/{int:hiring_id}/letter.pdf",
    response={200: None, **READ_ERRORS},
    summary="A hired practitioner's appointment letter (聘任书) as a PDF",
    description="For the admins over the hiring and the hired lecturer; 404 for others.",
)
def hiring_letter_pdf(request, hiring_id: int):
    hiring = selectors.hiring_for_user(request.auth, hiring_id)
    response = HttpResponse(certificate.hiring_letter_pdf(hiring), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appointment-letter-{hiring.pk}.pdf"'
    return response


class CampaignIn(Schema):
    title: str
    starts_on: date
    ends_on: date
    description: str = ""
    org_id: Id | None = None


class CampaignOut(Schema):
    id: int
    title: str
    org_id: int
    starts_on: date
    ends_on: date
    sessions: int
    held: int
    lecturers: int


class CampaignList(Schema):
    items: list[CampaignOut]
    count: int


class CampaignSessionIn(Schema):
    booking_id: Id


def _campaign(c) -> dict:
    return {
        "id": c.pk, "title": c.title, "org_id": c.org_id, "starts_on": c.starts_on,
        "ends_on": c.ends_on, "sessions": c.session_count, "held": c.held_count,
        "lecturers": c.lecturer_count,
    }  # fmt: skip


@router.get(
    "/campaigns",
    response={200: CampaignList, **READ_ERRORS},
    summary="Campaigns such as 我来讲党课, with their session counts",
)
def campaign_list(request, filters: Query[PageParams]):
    selectors.require_pool_admin(request.auth)
    items, count = paginate(selectors.campaigns_for_user(request.auth), filters)
    return {"items": [_campaign(c) for c in items], "count": count}


@router.post(
    "/campaigns",
    response={201: CampaignOut, **WRITE_ERRORS},
    summary="Start a campaign",
)
@decorate_view(idempotent)
def campaign_create(request, payload: CampaignIn):
    campaign = pool_services.campaign_create(actor=request.auth, **payload.dict())
    return Status(201, _campaign(selectors.campaign_for_user(request.auth, campaign.pk)))


@router.post(
    "/campaigns/{int:campaign_id}/sessions",
    response={201: CampaignOut, **WRITE_ERRORS},
    summary="Count a session (a confirmed or held booking) in a campaign",
    description="422 `booking_id` for a session outside the campaign's dates; 409 "
    "`already_counted` for one counted before.",
)
@decorate_view(idempotent)
def campaign_session_add(request, campaign_id: int, payload: CampaignSessionIn):
    campaign = selectors.campaign_for_user(request.auth, campaign_id)
    pool_services.campaign_session_add(
        actor=request.auth, campaign=campaign, booking_id=payload.booking_id
    )
    return Status(201, _campaign(selectors.campaign_for_user(request.auth, campaign.pk)))


# --- the reserve -------------------------------------------------------------------------------


class ReserveIn(Schema):
    name: str
    phone: str
    org_id: Id
    feed: str = Field(description="docent_contest or youth_forum")
    event: str
    event_on: date
    specialties: str = ""
    note: str = ""


class ReserveOut(Schema):
    id: int
    name: str
    phone: str = Field(description="masked")
    org_id: int
    org_name: str
    feed: str
    event: str
    event_on: date
    nomination_id: int | None
    nomination_stage: str | None
    call_id: int | None


class ReserveList(Schema):
    items: list[ReserveOut]
    count: int


class ReserveFilters(PageParams):
    feed: str = ""
    state: str = Field("", description="waiting or promoted")


class PromoteIn(Schema):
    call_id: Id
    reason: str = ""


class Promoted(Schema):
    nomination_id: int
    call_id: int
    stage: str
    channel: str


def _member(m) -> dict:
    n = m.nomination
    return {
        "id": m.pk, "name": m.name, "phone": mask_phone(m.phone), "org_id": m.org_id,
        "org_name": m.org.name, "feed": m.feed, "event": m.event, "event_on": m.event_on,
        "nomination_id": n.pk if n else None, "nomination_stage": n.stage if n else None,
        "call_id": n.call_id if n else None,
    }  # fmt: skip


@router.get(
    "/reserve",
    response={200: ReserveList, **READ_ERRORS},
    summary="The reserve (备一批): docent contests and the youth forum",
)
def reserve_list(request, filters: Query[ReserveFilters]):
    selectors.require_pool_admin(request.auth)
    rows = selectors.reserve_for_user(request.auth, feed=filters.feed, state=filters.state)
    items, count = paginate(rows, filters)
    return {"items": [_member(m) for m in items], "count": count}


@router.post(
    "/reserve",
    response={201: ReserveOut, **WRITE_ERRORS},
    summary="Add a member to the reserve",
)
@decorate_view(idempotent)
def reserve_add(request, payload: ReserveIn):
    member = pool_services.reserve_add(actor=request.auth, **payload.dict())
    return Status(201, _member(selectors.reserve_member_for_user(request.auth, member.pk)))


@router.post(
    "/reserve/{int:member_id}/promote",
    response={201: Promoted, **WRITE_ERRORS},
    summary="Put a reserve member forward to an open call",
    description="Creates a nomination (channel `unit`) that goes through the same staged "
    "review. 409 `already_promoted` the second time; 422 `call_id` for a call that is not "
    "open, and the call's own refusals (`quota_full`, `deadline_passed`, a phone already "
    "nominated).",
)
@decorate_view(idempotent)
def reserve_promote(request, member_id: int, payload: PromoteIn):
    member = selectors.reserve_member_for_user(request.auth, member_id)
    nomination = pool_services.reserve_promote(actor=request.auth, member=member, **payload.dict())
    return Status(201, {
        "nomination_id": nomination.pk, "call_id": nomination.call_id,
        "stage": nomination.stage, "channel": nomination.channel,
    })  # fmt: skip


# --- the improvement programme -----------------------------------------------------------------


class ActivityIn(Schema):
    kind: str = Field(
        description="group_study, outside_training, salon, training_class, onsite_teaching or "
        "town_visit"
    )
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    hours: Decimal | None = Field(None, description="credited per attendee; default its length")
    need: str = Field("", description="outside_training: the need it answers (required)")
    requested_by_ids: list[Id] = Field([], description="lecturers who asked for it")
    participant_ids: list[Id] = []
    visiting_teacher_id: Id | None = Field(None, description="town_visit: required")
    town_id: Id | None = Field(None, description="town_visit: required")
    org_id: Id | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    hours: float
    need: str
    org_id: int
    requested_by_ids: list[int]
    participant_ids: list[int]
    visiting_teacher_id: int | None
    town_id: int | None
    attended: int
    checkin_url: str | None = Field(None, description="admins: the QR code's link")
    checkin_code: str | None = Field(None, description="admins: the short code")


class ActivityList(Schema):
    items: list[ActivityOut]
    count: int


class ActivityFilters(PageParams):
    kind: str = ""
    year: int | None = Field(None, ge=2000, le=2100)


class CheckInIn(Schema):
    token: str = Field(max_length=64, description="the QR code's token, or the short code")


class CheckInOut(Schema):
    activity_id: int
    lecturer_id: int
    checked_in_at: datetime
    method: str
    created: bool


def _activity(request, a) -> dict:
    admin = access.pool_records_q(request.auth) is not None
    return {
        "id": a.pk, "kind": a.kind, "title": a.title, "starts_at": local(a.starts_at),
        "ends_at": local(a.ends_at), "place": a.place, "hours": float(a.hours), "need": a.need,
        "org_id": a.org_id,
        "requested_by_ids": [lec.pk for lec in a.requested_by.all()],
        "participant_ids": [lec.pk for lec in a.participants.all()],
        "visiting_teacher_id": a.visiting_teacher_id, "town_id": a.town_id,
        "attended": getattr(a, "attended", 0),
        "checkin_url": programme_services.checkin_url(a) if admin else None,
        "checkin_code": programme_services.checkin_code(a) if admin else None,
    }  # fmt: skip


@router.get(
    "/activities",
    response={200: ActivityList, **READ_ERRORS},
    summary="Training activities of the improvement programme (一项工程)",
    description="Admins see their county's (a town admin the town's); lecturers the county's, "
    "which they attend.",
)
def activity_list(request, filters: Query[ActivityFilters]):
    rows = selectors.activities_for_user(request.auth, kind=filters.kind, year=filters.year)
    items, count = paginate(rows.prefetch_related("requested_by", "participants"), filters)
    return {"items": [_activity(request, a) for a in items], "count": count}


@router.post(
    "/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Plan a training activity (county admin, town admin for the town)",
    description="422 `ends_at` for an activity that ends before it starts, `need` for outside "
    "training without its need, `visiting_teacher_id`/`town_id` for a town visit without them.",
)
@decorate_view(idempotent)
def activity_create(request, payload: ActivityIn):
    data = payload.dict()
    data["starts_at"], data["ends_at"] = aware(data["starts_at"]), aware(data["ends_at"])
    activity = programme_services.activity_create(actor=request.auth, **data)
    return Status(201, _activity(request, selectors.activity_for_user(request.auth, activity.pk)))


@router.get(
    "/activities/{int:activity_id}",
    response={200: ActivityOut, **READ_ERRORS},
    summary="One training activity",
)
def activity_detail(request, activity_id: int):
    return _activity(request, selectors.activity_for_user(request.auth, activity_id))


@router.post(
    "/activities/{int:activity_id}/checkin",
    response={200: CheckInOut, 201: CheckInOut, **WRITE_ERRORS, 410: ErrorOut},
    summary="The logged-in lecturer checks in (QR token or short code)",
    description="201 the first time, 200 with the same record again. 404 for a wrong or "
    "forged token or one of another activity; 409 `not_open` before the window (30 minutes "
    "before the start); 410 `expired` after the end; 403 for a login that is not a lecturer.",
)
def activity_checkin(request, activity_id: int, payload: CheckInIn):
    token = payload.token.strip()
    short = len(token.partition("-")[2]) == 6
    try:
        attendance, created = programme_services.activity_check_in(
            actor=request.auth, token=token, short=short, activity_id=activity_id
        )
    except NotFound:
        if short:
            raise
        attendance, created = programme_services.activity_check_in(
            actor=request.auth, token=token, short=True, activity_id=activity_id
        )
    body = {
        "activity_id": attendance.activity_id, "lecturer_id": attendance.lecturer_id,
        "checked_in_at": local(attendance.checked_in_at), "method": attendance.method,
        "created": created,
    }  # fmt: skip
    return Status(201 if created else 200, body)


class AttendanceIn(Schema):
    lecturer_id: Id
    note: str = Field("", max_length=200)


class AttendanceOut(CheckInOut):
    note: str
    recorded_by_id: int | None


@router.post(
    "/activities/{int:activity_id}/attendance",
    response={200: AttendanceOut, 201: AttendanceOut, **WRITE_ERRORS},
    summary="The organiser marks a lecturer present by hand",
    description="For a lecturer of the county without a phone at hand; audited. 201 when "
    "marked, 200 with the record that stands when the lecturer is already present (by scan "
    "or by hand). 403 for anyone but an admin over the activity's organiser; 404 for an "
    "activity of another county.",
)
def activity_attendance_mark(request, activity_id: int, payload: AttendanceIn):
    activity = selectors.activity_for_user(request.auth, activity_id)
    attendance, created = programme_services.attendance_mark(
        actor=request.auth, activity=activity, lecturer_id=payload.lecturer_id, note=payload.note
    )
    body = {
        "activity_id": attendance.activity_id, "lecturer_id": attendance.lecturer_id,
        "checked_in_at": local(attendance.checked_in_at), "method": attendance.method,
        "created": created, "note": attendance.note, "recorded_by_id": attendance.recorded_by_id,
    }  # fmt: skip
    return Status(201 if created else 200, body)


class HoursRow(Schema):
    lecturer_id: int
    name: str
    hours: float
    activities: int


class HoursList(Schema):
    year: int
    items: list[HoursRow]
    count: int


class HoursFilters(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get(
    "/training-hours",
    response={200: HoursList, **READ_ERRORS},
    summary="Training hours per lecturer in a year (admins)",
)
def training_hours(request, filters: Query[HoursFilters]):
    selectors.require_pool_admin(request.auth)
    year = filters.year or timezone.localdate().year
    items, count = paginate(selectors.hours_by_lecturer(request.auth, year), filters)
    return {
        "year": year,
        "items": [
            {
                "lecturer_id": r["lecturer_id"],
                "name": r["lecturer__name"],
                "hours": float(r["hours"]),
                "activities": r["activities"],
            }
            for r in items
        ],
        "count": count,
    }
