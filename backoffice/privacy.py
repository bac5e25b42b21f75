"""A person's data on request (PIPL): the county exports everything it holds about one mobile
number, and erases it when the person asks.

A person is found by their mobile number, the one key every record carries: their login
(phone or login name), their lecturer profile, the sessions they rated as a trainee, the
needs surveys they answered, the nominations naming them or recommended by them. Only the
county admin's own county is searched.

Erasure keeps what the county's figures are made of and removes who it was: ratings and
survey answers keep their scores and choices with the name, number, device and address gone
(the number becomes a placeholder unique in its session or survey, so the one-per-phone rule
still holds); the login is deactivated with its names, number, address, password, tokens,
WeChat binding, messages and pending codes gone; a lecturer profile (only once the lecturer
has left the pool) and nominations lose name, number and photo. The audit log keeps that it
happened, by whom and why, with the number masked; its older entries never held the number
in full.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from accounts.models import ApiToken, User
from classrooms.models import SurveyAnswer
from core.audit import audit
from core.errors import Conflict, Forbidden
from core.text import clean_mobile, clean_text, mask_phone
from development.models import Nomination
from evaluation.models import TraineeRating
from lecturers.models import Lecturer, LecturerStatus
from notifications.models import (
    ContactChange,
    InboxMessage,
    NotificationPreference,
    OutboxMessage,
)

ERASED_NAME = "（已删除）"


def _county_of(actor) -> int:
    if not access.may_configure_county(actor):
        raise Forbidden()
    return access.scope_for(actor).county_id


def _records(county_id: int, phone: str) -> dict:
    return {
        "users": User.objects.filter(county_id=county_id).filter(
            Q(phone=phone) | Q(username=phone)
        ),
        "lecturers": Lecturer.objects.filter(county_id=county_id, phone=phone),
        "ratings": TraineeRating.objects.filter(booking__county_id=county_id, phone=phone)
        .select_related("booking__lecturer", "booking__course", "booking__org")
        .order_by("checked_in_at", "pk"),
        "survey_answers": SurveyAnswer.objects.filter(survey__county_id=county_id, phone=phone)
        .select_related("survey", "org")
        .prefetch_related("topics")
        .order_by("created_at", "pk"),
        "nominations": Nomination.objects.filter(county_id=county_id, phone=phone)
        .select_related("call", "org")
        .order_by("created_at", "pk"),
        "recommended": Nomination.objects.filter(county_id=county_id, referee_phone=phone)
        .select_related("call")
        .order_by("created_at", "pk"),
    }


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def person_data_export(*, actor, phone) -> dict:
    """Everything the county holds about the person with this number, as plain data; the
    export itself is audited (with the number masked)."""
    county_id = _county_of(actor)
    phone = clean_mobile(phone)
    found = _records(county_id, phone)
    data = {
        "phone": phone,
        "exported_at": _iso(timezone.now()),
        "accounts": [
            {
                "username": u.username,
                "name": u.name,
                "phone": u.phone,
                "email": u.email,
                "is_active": u.is_active,
                "date_joined": _iso(u.date_joined),
                "last_login": _iso(u.last_login),
            }
            for u in found["users"]
        ],
        "lecturer_profiles": [
            {
                "name": lec.name,
                "phone": lec.phone,
                "gender": lec.gender,
                "unit": lec.unit,
                "post": lec.post,
                "status": lec.status,
                "level": lec.level,
                "specialties": lec.specialties,
                "teaching_style": lec.teaching_style,
                "bio": lec.bio,
            }
            for lec in found["lecturers"]
        ],
        "ratings": [
            {
                "name": r.name,
                "session_start": _iso(r.booking.start_at),
                "organisation": r.booking.org.name,
                "lecturer": r.booking.lecturer.name,
                "course": r.booking.course.title if r.booking.course_id else "",
                "checked_in_at": _iso(r.checked_in_at),
                "rated_at": _iso(r.rated_at),
                "content": r.content,
                "method": r.method,
                "effect": r.effect,
                "comment": r.comment,
            }
            for r in found["ratings"]
        ],
        "survey_answers": [
            {
                "survey": a.survey.title,
                "organisation": a.org.name,
                "group": a.group,
                "topics": [str(t) for t in a.topics.all()],
                "categories": a.categories,
                "classroom": a.classroom,
                "time_preference": a.time_preference,
                "comment": a.comment,
                "answered_at": _iso(a.created_at),
            }
            for a in found["survey_answers"]
        ],
        "nominations": [
            {
                "call": str(n.call),
                "name": n.name,
                "phone": n.phone,
                "unit": n.org.name,
                "specialties": n.specialties,
                "reason": n.reason,
                "stage": n.stage,
                "referee_name": n.referee_name,
                "submitted_at": _iso(n.created_at),
            }
            for n in found["nominations"]
        ],
        "recommendations_made": [
            {
                "call": str(n.call),
                "referee_name": n.referee_name,
                "submitted_at": _iso(n.created_at),
            }
            for n in found["recommended"]
        ],
    }
    with transaction.atomic():
        audit(actor=actor, action="person.export", obj=actor, county_id=county_id,
              after={"phone": mask_phone(phone), "counts": _counts(data)})  # fmt: skip
    return data


def _counts(data: dict) -> dict:
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}


def _placeholder(pk: int) -> str:
    """Stands in for an erased number where one per session or survey must stay unique: 11
    characters, never a mobile number (it starts with a letter)."""
    return f"x{pk:010d}"[-11:] if pk < 10**10 else f"x{pk}"[:11]


def person_data_erase(*, actor, phone, reason) -> dict:
    """Erase the person with this number from the county's records (see the module's text);
    returns how many records of each kind changed. Refused for one's own login and for a
    lecturer still in the pool (remove them first, which keeps their history straight)."""
    county_id = _county_of(actor)
    phone = clean_mobile(phone)
    reason = clean_text(reason, field="reason", max_length=300)
    with transaction.atomic():
        found = _records(county_id, phone)
        users = list(found["users"].select_for_update())
        if any(u.pk == actor.pk for u in users):
            raise Conflict(_("You cannot erase your own account."), code="bad_state")
        lecturers = list(found["lecturers"].select_for_update())
        lecturers += list(
            Lecturer.objects.filter(user__in=users).exclude(pk__in=[x.pk for x in lecturers])
        )
        if any(lec.status in (LecturerStatus.ACTIVE, LecturerStatus.COLD_STORE) for lec in lecturers):  # fmt: skip
            raise Conflict(
                _("This person is a lecturer in the pool: remove them from the pool first, then erase their data."),
                code="bad_state",
            )  # fmt: skip
        counts = {"accounts": len(users), "lecturer_profiles": len(lecturers)}
        for user in users:
            _erase_user(user, actor=actor)
        for lecturer in lecturers:
            if lecturer.photo:
                lecturer.photo.delete(save=False)
            Lecturer.objects.filter(pk=lecturer.pk).update(
                name=ERASED_NAME, name_pinyin="", name_initials="", phone="", photo="",
                unit="", post="", bio="", specialties="", teaching_style="", gender="",
            )  # fmt: skip
        ratings = list(found["ratings"].values_list("pk", flat=True))
        for pk in ratings:
            TraineeRating.objects.filter(pk=pk).update(
                name="", phone=_placeholder(pk), device="", client_ip="", submission_key=""
            )
        answers = list(found["survey_answers"].values_list("pk", flat=True))
        for pk in answers:
            SurveyAnswer.objects.filter(pk=pk).update(phone=_placeholder(pk), client_ip="")
        nominations = list(found["nominations"].values_list("pk", flat=True))
        for pk in nominations:
            Nomination.objects.filter(pk=pk).update(name=ERASED_NAME, phone=_placeholder(pk))
        recommended = found["recommended"].update(referee_name="", referee_phone="")
        OutboxMessage.objects.filter(address=phone).update(address="", title="", body="", params={})
        counts.update(ratings=len(ratings), survey_answers=len(answers),
                      nominations=len(nominations), recommendations_made=recommended)  # fmt: skip
        audit(actor=actor, action="person.erase", obj=actor, county_id=county_id,
              after={"phone": mask_phone(phone), "reason": reason, "counts": counts})  # fmt: skip
    return counts


def _erase_user(user: User, *, actor) -> None:
    OutboxMessage.objects.filter(recipient=user).update(address="", title="", body="", params={})
    InboxMessage.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    ContactChange.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    user.username = f"erased-{user.pk}"
    user.name = user.first_name = user.last_name = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.changed_by = actor
    user.save()
