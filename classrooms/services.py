"""Writes of the needs surveys and of the county's coordination meetings. Every write checks
access, owns its transaction, audits and notifies."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core import ratelimit
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.text import clean_mobile, clean_text, parse_id
from core.timeutil import aware, local
from courses.models import Category, Classroom
from lecturers.models import Lecturer, LecturerStatus
from notifications.models import Event
from notifications.services import notify
from orgs.models import MemberGroup, Membership, Organisation
from scheduling.validation import FURTHEST_AHEAD

from .gaps import Gap
from .models import (
    GapAssignment,
    IssueStatus,
    Meeting,
    MeetingAttachment,
    MeetingIssue,
    MeetingKind,
    Survey,
    SurveyAnswer,
    SurveyTopic,
    TimePreference,
)

MAX_TOPICS = 50
# More answers than this from one network address are stored and counted, and marked for
# the county to look at: a village hall's Wi-Fi is one address for the whole branch.
SHARED_ADDRESS_REVIEW = 5
# Answers a minute: a hall answering together is fine, one phone or one address hammering is not.
LIMIT_PER_ADDRESS, LIMIT_PER_PHONE = 300, 10


def _require_county_admin(actor) -> int:
    scope = access.scope_for(actor)
    if not scope.is_county_admin:
        raise Forbidden(_("Only the county's administrators can do this."))
    return scope.county_id


# --- Surveys ---------------------------------------------------------------------------------


def _clean_topics(errors: FieldErrors, topics) -> list[tuple[str, str]]:
    """[(title, category)] from a list of titles or of {"title", "category"}."""
    if not isinstance(topics, list) or not topics:
        errors.add("topics", _("Offer at least one topic."))
        return []
    if len(topics) > MAX_TOPICS:
        errors.add("topics", _("At most %(n)d topics.") % {"n": MAX_TOPICS})
        return []
    cleaned, seen = [], set()
    for index, item in enumerate(topics):
        title, category = (
            (item.get("title"), item.get("category", "")) if isinstance(item, dict) else (item, "")
        )
        item_errors = FieldErrors()
        title = item_errors.check(clean_text, title, field="title", max_length=100)
        if category and category not in Category.values:
            item_errors.add("category", _("Unknown category."))
        if title in seen:
            item_errors.add("title", _("This topic is offered twice."))
        for message in item_errors.fields.values():
            errors.add(f"topics[{index}]", message)
        if not item_errors.fields:
            seen.add(title)
            cleaned.append((title, category or ""))
    return cleaned


def _clean_closes_at(errors: FieldErrors, closes_at) -> datetime | None:
    if closes_at in (None, ""):
        return None
    if not isinstance(closes_at, datetime):
        errors.add("closes_at", _("Enter a date and time."))
        return None
    closes_at = aware(closes_at)
    if closes_at <= timezone.now():
        errors.add("closes_at", _("Choose a time in the future."))
    elif closes_at > timezone.now() + FURTHEST_AHEAD:
        # also keeps a time at the calendar's edge, which has no UTC equivalent, out
        errors.add("closes_at", _("This is more than two years ahead."))
    return closes_at


def _write_topics(survey: Survey, topics: list[tuple[str, str]]) -> None:
    SurveyTopic.objects.bulk_create(
        SurveyTopic(survey=survey, title=title, category=category, position=position)
        for position, (title, category) in enumerate(topics)
    )


def survey_create(*, actor, title: str, topics, closes_at=None) -> Survey:
    county_id = _require_county_admin(actor)
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=200)
    cleaned = _clean_topics(errors, topics)
    closes_at = _clean_closes_at(errors, closes_at)
    errors.raise_if_any()
    with transaction.atomic():
        survey = Survey.objects.create(
            county_id=county_id, title=title, closes_at=closes_at, created_by=actor
        )
        _write_topics(survey, cleaned)
        audit(actor=actor, action="survey.create", obj=survey, county_id=county_id,
              after={"title": title, "topics": [t for t, _c in cleaned]})  # fmt: skip
    return survey


def survey_revise(*, actor, survey: Survey, title: str, topics, closes_at=None) -> Survey:
    """Change the questions. A survey nobody answered yet changes in place; an answered one
    is closed and followed by a new version, so that every answer keeps its questions."""
    county_id = _require_county_admin(actor)
    if survey.county_id != county_id:
        raise NotFound()
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=200)
    cleaned = _clean_topics(errors, topics)
    closes_at = _clean_closes_at(errors, closes_at)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            if hasattr(locked, "next_version"):
                raise Conflict(_("This survey has a newer version already."), code="bad_state")
            if not locked.answers.exists():
                locked.title, locked.closes_at = title, closes_at
                locked.save(update_fields=["title", "closes_at", "updated_at"])
                locked.topics.all().delete()
                _write_topics(locked, cleaned)
                revised = locked
            else:
                now = timezone.now()
                Survey.objects.filter(pk=locked.pk).update(closes_at=now, updated_at=now)
                revised = Survey.objects.create(
                    county_id=county_id, title=title, closes_at=closes_at, created_by=actor,
                    version=locked.version + 1, previous=locked,
                )  # fmt: skip
                _write_topics(revised, cleaned)
            audit(actor=actor, action="survey.revise", obj=revised, county_id=county_id,
                  before={"id": locked.pk, "version": locked.version},
                  after={"title": title, "version": revised.version})  # fmt: skip
    except IntegrityError:  # a concurrent revision made the new version first
        raise Conflict(_("This survey has a newer version already."), code="bad_state") from None
    return revised


def survey_is_open(survey: Survey, *, now: datetime | None = None) -> bool:
    return survey.closes_at is None or survey.closes_at > (now or timezone.now())


def survey_answer(
    *, survey_id, phone, org_id, group="", topics=None, categories=None, classroom="",
    time_preference="", comment="", client_ip: str = "",
) -> tuple[SurveyAnswer, bool]:  # fmt: skip
    """A member answers without logging in. Returns (answer, created): the same phone again
    gets its first answer back, unchanged."""
    survey = Survey.objects.filter(pk=parse_id(survey_id)).first()
    if survey is None:
        raise NotFound()
    limits = [(f"survey:ip:{client_ip}", LIMIT_PER_ADDRESS)] if client_ip else []
    if isinstance(phone, str) and phone:
        limits.append((f"survey:phone:{survey.pk}:{phone[:20]}", LIMIT_PER_PHONE))
    ratelimit.hit(*limits)
    if not survey_is_open(survey):
        raise Conflict(_("This survey is closed."), code="survey_closed")
    errors = FieldErrors()
    phone = errors.check(clean_mobile, phone)
    comment = errors.check(clean_text, comment, field="comment", max_length=500, required=False)
    org = Organisation.objects.filter(pk=parse_id(org_id), county_id=survey.county_id).first()
    if org is None:
        errors.add("org_id", _("Choose your organisation."))
    group = group or (org.group if org else "")
    if group not in MemberGroup.values:
        errors.add("group", _("Choose your member group."))
    offered = {t.title: t for t in survey.topics.all()}
    if not isinstance(topics, list) or not topics:
        errors.add("topics", _("Choose at least one topic."))
        topics = []
    elif any(not isinstance(t, str) or t not in offered for t in topics):
        errors.add("topics", _("Choose among the topics the survey offers."))
    if not isinstance(categories, list | None) or any(
        c not in Category.values for c in categories or []
    ):
        errors.add("categories", _("Unknown category."))
        categories = []
    if classroom and classroom not in Classroom.values:
        errors.add("classroom", _("Unknown classroom type."))
    if time_preference and time_preference not in TimePreference.values:
        errors.add("time_preference", _("Choose one of the times offered."))
    errors.raise_if_any()
    existing = SurveyAnswer.objects.filter(survey=survey, phone=phone).first()
    if existing is not None:
        return existing, False
    shared = bool(client_ip) and (
        SurveyAnswer.objects.filter(survey=survey, client_ip=client_ip[:45]).count()
        >= SHARED_ADDRESS_REVIEW
    )
    try:
        with transaction.atomic():
            answer = SurveyAnswer.objects.create(
                survey=survey, org=org, town_id=access.org_town_id(org), group=group,
                categories=sorted(set(categories or [])), classroom=classroom,
                time_preference=time_preference, comment=comment, phone=phone,
                client_ip=(client_ip or "")[:45], is_flagged=shared,
            )  # fmt: skip
            answer.topics.set([offered[t] for t in dict.fromkeys(topics)])
    except IntegrityError:  # the same phone, a moment earlier
        return SurveyAnswer.objects.get(survey=survey, phone=phone), False
    return answer, True


def gap_assign(*, actor, gap: Gap, lecturer_id, note: str = "") -> GapAssignment:
    """Hand a wanted topic to a lecturer as a course to propose (their proposal page)."""
    county_id = _require_county_admin(actor)
    errors = FieldErrors()
    note = errors.check(clean_text, note, field="note", max_length=300, required=False)
    lecturer = Lecturer.objects.filter(
        pk=parse_id(lecturer_id), county_id=county_id, status=LecturerStatus.ACTIVE
    ).first()
    if lecturer is None:
        errors.add("lecturer_id", _("Choose an active lecturer of your county."))
    errors.raise_if_any()
    topic = SurveyTopic.objects.get(pk=gap.topic_id)
    try:
        with transaction.atomic():
            assignment = GapAssignment.objects.create(
                topic=topic, lecturer=lecturer, note=note, assigned_by=actor
            )
            audit(actor=actor, action="survey.gap_assign", obj=assignment, county_id=county_id,
                  after={"topic": topic.title, "lecturer": lecturer.pk})  # fmt: skip
            query = urlencode({"title": topic.title, "category": topic.category})
            notify(
                recipients=[lecturer.user],
                event=Event.COURSE_TO_DEVELOP,
                facts={"topic": topic.title, "wanted": gap.wanted, "note": note},
                url=f"/my/courses/?{query}",
                county_id=county_id,
            )
    except IntegrityError:
        raise InvalidInput.field(
            "lecturer_id", _("This topic is already with this lecturer.")
        ) from None
    return assignment


# --- Coordination meetings (G8a) ------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"}
# The owner is reminded this many days before the due date (and on it, if still open).
REMIND_DAYS_BEFORE = 3


def _clean_meeting(*, kind, title, held_at, place, agenda, attendees, minutes, attachments) -> dict:
    """The meeting's fields, cleaned, and its new attachments checked; InvalidInput naming
    every bad field otherwise."""
    errors = FieldErrors()
    if kind not in MeetingKind.values:
        errors.add("kind", _("Choose the kind of meeting."))
    fields = {
        "kind": kind,
        "title": errors.check(clean_text, title, field="title", max_length=200),
        "place": errors.check(clean_text, place, field="place", max_length=200, required=False),
        "agenda": errors.check(
            clean_text, agenda, field="agenda", max_length=4000, multiline=True
        ),
        "attendees": errors.check(
            clean_text, attendees, field="attendees", max_length=2000, required=False,
            multiline=True,
        ),
        "minutes": errors.check(
            clean_text, minutes, field="minutes", max_length=20000, required=False,
            multiline=True,
        ),
    }  # fmt: skip
    if not isinstance(held_at, datetime):
        errors.add("held_at", _("Enter a date and time."))
    else:
        fields["held_at"] = aware(held_at)
    for upload in attachments:
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in ATTACHMENT_TYPES:
            errors.add("attachments", _("Attach PDF, Word, Excel or photo files."))
        elif upload.size > MAX_ATTACHMENT_BYTES:
            errors.add("attachments", _("An attachment may be at most 10 MB."))
    errors.raise_if_any()
    return fields


def _attach(meeting: Meeting, attachments) -> None:
    for upload in attachments:
        MeetingAttachment.objects.create(meeting=meeting, file=upload, name=upload.name[:200])


def meeting_create(
    *, actor, kind: str, title: str, held_at, place: str = "", agenda: str, attendees: str = "",
    minutes: str = "", attachments=(),
) -> Meeting:  # fmt: skip
    county_id = _require_county_admin(actor)
    fields = _clean_meeting(
        kind=kind, title=title, held_at=held_at, place=place, agenda=agenda,
        attendees=attendees, minutes=minutes, attachments=attachments,
    )  # fmt: skip
    with transaction.atomic():
        meeting = Meeting.objects.create(county_id=county_id, created_by=actor, **fields)
        _attach(meeting, attachments)
        audit(actor=actor, action="meeting.create", obj=meeting, county_id=county_id,
              after={"kind": kind, "title": fields["title"]})  # fmt: skip
    return meeting


def meeting_update(
    *, actor, meeting: Meeting, kind: str, title: str, held_at, place: str = "", agenda: str,
    attendees: str = "", minutes: str = "", attachments=(),
) -> Meeting:  # fmt: skip
    """Change the meeting (the minutes are usually written after it) and add attachments."""
    county_id = _require_county_admin(actor)
    if meeting.county_id != county_id:
        raise NotFound()
    fields = _clean_meeting(
        kind=kind, title=title, held_at=held_at, place=place, agenda=agenda,
        attendees=attendees, minutes=minutes, attachments=attachments,
    )  # fmt: skip
    changed = [name for name, value in fields.items() if getattr(meeting, name) != value]
    with transaction.atomic():
        before = {name: str(getattr(meeting, name))[:200] for name in changed}
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.save(update_fields=[*fields, "updated_at"])
        _attach(meeting, attachments)
        audit(actor=actor, action="meeting.update", obj=meeting, county_id=county_id,
              before=before,
              after={**{n: str(fields[n])[:200] for n in changed},
                     "attachments_added": len(attachments)})  # fmt: skip
    return meeting


def meeting_issue_raise(*, actor, meeting: Meeting, title: str, owner_id, due_on) -> MeetingIssue:
    """An issue raised at the meeting, with the person who owns it and when it is due."""
    county_id = _require_county_admin(actor)
    if meeting.county_id != county_id:
        raise NotFound()
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=300)
    owner = None
    if owner_id in (None, ""):
        errors.add("owner_id", _("Every issue needs an owner."))
    else:
        owner = (
            Membership.objects.filter(user_id=parse_id(owner_id), org__county_id=county_id)
            .select_related("user")
            .first()
        )
        if owner is None:
            errors.add("owner_id", _("Choose a person of your county."))
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        errors.add("due_on", _("Enter a date."))
    elif due_on < local(meeting.held_at).date():
        errors.add("due_on", _("The due date cannot be before the meeting."))
    errors.raise_if_any()
    with transaction.atomic():
        issue = MeetingIssue.objects.create(
            meeting=meeting, county_id=county_id, title=title, owner=owner.user, due_on=due_on
        )
        audit(actor=actor, action="meeting_issue.raise", obj=issue, county_id=county_id,
              after={"title": title, "owner": owner.user_id, "due_on": due_on.isoformat()})  # fmt: skip
    return issue


def meeting_issue_resolve(*, actor, issue: MeetingIssue, resolution: str) -> MeetingIssue:
    """The owner or a county admin closes the issue with what was done (compare-and-set)."""
    scope = access.scope_for(actor)
    if not (
        issue.owner_id == actor.pk or (scope.is_county_admin and scope.county_id == issue.county_id)
    ):
        raise Forbidden(_("Only the issue's owner or the county can resolve it."))
    resolution = clean_text(resolution, field="resolution", max_length=1000, multiline=True)
    with transaction.atomic():
        now = timezone.now()
        updated = MeetingIssue.objects.filter(pk=issue.pk, status=IssueStatus.OPEN).update(
            status=IssueStatus.RESOLVED, resolution=resolution, resolved_at=now, updated_at=now
        )
        if updated != 1:
            raise Conflict(_("This issue is resolved already."), code="bad_state")
        issue.refresh_from_db()
        audit(actor=actor, action="meeting_issue.resolve", obj=issue, county_id=issue.county_id,
              before={"status": IssueStatus.OPEN}, after={"status": IssueStatus.RESOLVED})  # fmt: skip
    return issue


def issue_reminders_due(*, today: date | None = None) -> int:
    """Remind the owner of every open issue due within REMIND_DAYS_BEFORE days, once per
    issue and due date (the notification key); run by the scheduler. Returns how many."""
    today = today or local(timezone.now()).date()
    due = MeetingIssue.objects.filter(
        status=IssueStatus.OPEN,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related("owner", "meeting")
    sent = 0
    for issue in due[:500]:
        messages = notify(
            recipients=[issue.owner],
            event=Event.MEETING_ISSUE_DUE,
            facts={
                "issue": issue.title,
                "meeting": issue.meeting.title,
                "due": f"{issue.due_on:%Y-%m-%d}",
            },
            url=f"/classrooms/issues/#issue-{issue.pk}",
            key=f"meeting_issue:{issue.pk}:due:{issue.due_on:%Y%m%d}",
            county_id=issue.county_id,
        )
        sent += bool(messages)
    return sent
