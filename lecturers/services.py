import secrets

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

import access
from accounts.models import User
from core.audit import audit
from core.errors import FieldErrors, Forbidden, NotFound
from core.pinyin import pinyin_keys
from core.text import clean_coordinates, clean_mobile, clean_text
from orgs.models import Membership, Role

from .models import Lecturer, LecturerLevel, LecturerStatus, Like, Source

# Avoids characters people confuse when reading a password aloud (0/O, 1/l/I).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _initial_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))


def lecturer_create(
    *,
    actor,
    name: str,
    phone: str,
    source: str,
    level: str,
    org_id: int | None = None,
    specialties: str = "",
    bio: str = "",
    lat: float | None = None,
    lng: float | None = None,
    gender: str = "",
    birth_year: int | None = None,
    unit: str = "",
    post: str = "",
    teaching_style: str = "",
    status: str = LecturerStatus.ACTIVE,
) -> tuple[Lecturer, str]:
    """Create a lecturer and the login (username = phone); returns the initial password once."""
    if not access.may_manage_catalogue(actor):
        raise Forbidden()
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=32)
    phone = errors.check(clean_mobile, phone)
    specialties = errors.check(
        clean_text, specialties, field="specialties", max_length=300, required=False
    )
    bio = errors.check(
        clean_text, bio, field="bio", max_length=3000, required=False, multiline=True
    )
    unit = errors.check(clean_text, unit, field="unit", max_length=100, required=False)
    post = errors.check(clean_text, post, field="post", max_length=100, required=False)
    teaching_style = errors.check(
        clean_text, teaching_style, field="teaching_style", max_length=300, required=False
    )
    coords = errors.check(clean_coordinates, lat, lng)
    if source not in Source.values:
        errors.add("source", _("Unknown source."))
    if level not in LecturerLevel.values:
        errors.add("level", _("Unknown level."))
    if status not in LecturerStatus.values:
        errors.add("status", _("Unknown status."))
    if gender and gender not in ("female", "male"):
        errors.add("gender", _("Unknown gender."))
    if birth_year is not None and not (1920 <= birth_year <= 2010):
        errors.add("birth_year", _("Enter a year between 1920 and 2010."))
    org = None
    if org_id is not None:
        try:
            org = access.org_for_user(actor, org_id)
        except NotFound:
            errors.add("org_id", _("Unknown organisation."))
    if phone and User.objects.filter(Q(phone=phone) | Q(username=phone)).exists():
        errors.add("phone", _("This mobile number already has an account."))
    errors.raise_if_any()

    password = _initial_password()
    pinyin, initials = pinyin_keys(name)
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=phone,
                phone=phone,
                name=name,
                county_id=county_id,
                password=make_password(password),
                must_change_password=True,  # the generated password is changed at first use
            )
            lecturer = Lecturer.objects.create(
                county_id=county_id,
                user=user,
                org=org,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                phone=phone,
                source=source,
                level=level,
                status=status,
                specialties=specialties,
                teaching_style=teaching_style,
                bio=bio,
                lat=coords[0],
                lng=coords[1],
                gender=gender,
                birth_year=birth_year,
                unit=unit,
                post=post,
            )
            Membership.objects.create(user=user, org=org or lecturer.county, role=Role.LECTURER)
            audit(
                actor=actor,
                action="lecturer.create",
                obj=lecturer,
                county_id=lecturer.county_id,
                after={"name": name, "source": source, "level": level, "status": status},
            )
    except IntegrityError:
        # Another request took the same phone number between our check and our insert.
        errors.add("phone", _("This mobile number already has an account."))
        errors.raise_if_any()
    return lecturer, password


def lecturer_like(*, actor, lecturer: Lecturer) -> int:
    """Like a lecturer once; repeats (also concurrent ones) change nothing. Returns the count.
    A lecturer's like of the own résumé is not counted."""
    if lecturer.user_id is not None and lecturer.user_id == actor.pk:
        return Lecturer.objects.values_list("likes_count", flat=True).get(pk=lecturer.pk)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Like.objects.create(user=actor, lecturer=lecturer)
        except IntegrityError:
            pass
        else:
            Lecturer.objects.filter(pk=lecturer.pk).update(likes_count=F("likes_count") + 1)
    return Lecturer.objects.values_list("likes_count", flat=True).get(pk=lecturer.pk)
