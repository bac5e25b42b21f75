import secrets
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.images import clean_photo
from core.pinyin import pinyin_keys
from core.text import clean_coordinates, clean_mobile, clean_text
from orgs import rules as access_rules
from orgs.models import Membership, Role

from .models import (
    HonourTitle,
    Lecturer,
    LecturerHonour,
    LecturerLevel,
    LecturerStatus,
    Like,
    Source,
)

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
    user: User | None = None,
) -> tuple[Lecturer, str]:
    """Create a lecturer and the login (username = phone); returns the initial password once.
    County admins add any lecturer of the county; town admins the town-level lecturers of
    their town: whoever adds a lecturer must be one who manages them (may_manage_lecturer).
    With `user`, that existing login of the county (one without a lecturer profile) becomes
    the lecturer's instead, and no password is issued (the password returned is "")."""
    if not access_rules.manages_lecturers(actor):
        raise Forbidden()
    county_id = access_rules.scope_for(actor).county_id
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
            org = access_rules.org_for_user(actor, org_id)
        except NotFound:
            errors.add("org_id", _("Unknown organisation."))
    if not {"level", "org_id"} & errors.fields.keys() and not access_rules.may_manage_lecturer(
        actor, Lecturer(county_id=county_id, level=level, org=org)
    ):
        if level != LecturerLevel.TOWN:
            errors.add(
                "level", _("Town admins add town-level lecturers; the county adds the others.")
            )
        else:
            errors.add("org_id", _("Choose an organisation of your town."))
    if user is not None:
        if user.county_id != county_id or Lecturer.objects.filter(user=user).exists():
            errors.add("phone", _("This login is another county's or already a lecturer's."))
    elif phone and User.objects.filter(Q(phone=phone) | Q(username=phone)).exists():
        errors.add("phone", _("This mobile number already has an account."))
    errors.raise_if_any()

    password = "" if user is not None else _initial_password()
    pinyin, initials = pinyin_keys(name)
    try:
        with transaction.atomic():
            if user is None:
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
            Membership.objects.get_or_create(
                user=user, org=org or lecturer.county, role=Role.LECTURER
            )
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


# Who may change which résumé field through lecturer_update: the lecturer the own résumé text,
# town admins the rest of a town-level lecturer of their town, county admins also the level
# and the appointment terms. The status moves only through lifecycle.lecturer_status_change;
# the phone is the login's, and the photo is an upload that comes as `photo`, not a change.
OWN_FIELDS = frozenset({"bio", "specialties", "teaching_style"})
MANAGER_FIELDS = OWN_FIELDS | {
    "name", "gender", "birth_year", "unit", "post", "source", "org_id", "lat", "lng",
}  # fmt: skip
COUNTY_FIELDS = MANAGER_FIELDS | {"level", "appointed_from", "appointed_until"}
NOT_HERE = {
    "status": gettext_lazy("Change the status through the status endpoint, with a reason."),
    "phone": gettext_lazy("The mobile number is the login and cannot be changed here."),
    "photo": gettext_lazy("Upload the photo on the lecturer's edit page in the back office."),
}


def editable_fields(actor, lecturer: Lecturer) -> frozenset[str]:
    """The fields of `lecturer` the actor may change through lecturer_update."""
    if access_rules.may_set_county_terms(actor, lecturer):
        return COUNTY_FIELDS
    if access_rules.may_manage_lecturer(actor, lecturer):
        return MANAGER_FIELDS
    if access_rules.is_lecturer_self(actor, lecturer):
        return OWN_FIELDS
    return frozenset()


def _clean_date(errors: FieldErrors, field: str, value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    errors.add(field, _("Enter a date such as 2027-01-01."))
    return None


def _clean_changes(actor, lecturer: Lecturer, changes: dict, errors: FieldErrors) -> dict:
    """Every sent field checked; returns the model fields to write."""
    clean: dict = {}
    texts = {
        "name": (32, False), "unit": (100, False), "post": (100, False),
        "specialties": (300, False), "teaching_style": (300, False), "bio": (3000, True),
    }  # fmt: skip
    for field, value in changes.items():
        if field in texts:
            max_length, multiline = texts[field]
            cleaned = errors.check(
                clean_text, value, field=field, max_length=max_length,
                required=field == "name", multiline=multiline,
            )  # fmt: skip
            if cleaned is not None:
                clean[field] = cleaned
        elif field == "source":
            if value not in Source.values:
                errors.add("source", _("Unknown source."))
            else:
                clean["source"] = value
        elif field == "level":
            if value not in LecturerLevel.values:
                errors.add("level", _("Unknown level."))
            else:
                clean["level"] = value
        elif field == "gender":
            if value not in ("", "female", "male"):
                errors.add("gender", _("Unknown gender."))
            else:
                clean["gender"] = value
        elif field == "birth_year":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 1920 <= value <= 2010
            ):
                errors.add("birth_year", _("Enter a year between 1920 and 2010."))
            else:
                clean["birth_year"] = value
        elif field in ("appointed_from", "appointed_until"):
            clean[field] = _clean_date(errors, field, value)
        elif field == "org_id":
            clean["org"] = _clean_org(actor, lecturer, value, errors)
    if "lat" in changes or "lng" in changes:
        coords = errors.check(
            clean_coordinates, changes.get("lat", lecturer.lat), changes.get("lng", lecturer.lng)
        )
        if coords is not None:
            clean["lat"], clean["lng"] = coords
    start = clean.get("appointed_from", lecturer.appointed_from)
    end = clean.get("appointed_until", lecturer.appointed_until)
    if start and end and end < start:
        errors.add("appointed_until", _("The appointment ends before it starts."))
    return clean


def _clean_org(actor, lecturer: Lecturer, value, errors: FieldErrors):
    if value is None:
        if not access_rules.may_set_county_terms(actor, lecturer):
            errors.add("org_id", _("Choose an organisation of your town."))
        return None
    try:
        org = access_rules.org_for_user(actor, value)
    except NotFound:
        errors.add("org_id", _("Unknown organisation."))
        return None
    if not access_rules.may_set_county_terms(actor, lecturer) and (
        access_rules.org_town_id(org) not in access_rules.scope_for(actor).town_ids
    ):
        errors.add("org_id", _("Choose an organisation of your town."))
        return None
    return org


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def lecturer_update(
    *, actor, lecturer: Lecturer, changes: dict, version: int | None = None, photo=None
) -> Lecturer:
    """A partial update of the résumé, and with `photo` (an uploaded file) a new photo.
    `version` is the one the caller's edit started from (the one just read when not given):
    if the lecturer changed since, 409 `edit_conflict` and nothing is written, so that two
    people editing at once never lose an update."""
    allowed = editable_fields(actor, lecturer)
    if not allowed:
        raise Forbidden(_("You may not edit this lecturer."))
    errors = FieldErrors()
    for field in changes:
        if field in NOT_HERE:
            errors.add(field, NOT_HERE[field])
        elif field not in COUNTY_FIELDS:
            errors.add(field, _("Unknown field."))
        elif field not in allowed:
            errors.add(field, _("You may not change this field."))
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        errors.add("version", _("Enter a whole number."))
    errors.raise_if_any()
    clean = _clean_changes(actor, lecturer, changes, errors)
    picture = errors.check(clean_photo, photo) if photo is not None else None
    errors.raise_if_any()
    if not clean and picture is None:
        raise InvalidInput(_("Send at least one field to change."), code="nothing_to_change")
    expected = lecturer.version if version is None else version
    if "name" in clean:
        clean["name_pinyin"], clean["name_initials"] = pinyin_keys(clean["name"])
    before = {
        name: _jsonable(getattr(lecturer, name))
        for name in clean
        if name not in ("name_pinyin", "name_initials")
    }
    old_photo = lecturer.photo.name
    if picture is not None:
        # The file is written first and named in the same conditional update as the fields;
        # a refused update removes it again.
        clean["photo"] = lecturer.photo.storage.save(
            lecturer.photo.field.generate_filename(lecturer, picture.name), picture
        )
        before["photo"] = old_photo
    with transaction.atomic():
        written = Lecturer.objects.filter(pk=lecturer.pk, version=expected).update(
            **clean, version=F("version") + 1, updated_at=timezone.now()
        )
        if written != 1:
            if picture is not None:
                lecturer.photo.storage.delete(clean["photo"])
            raise Conflict(
                _(
                    "Someone else changed this lecturer meanwhile; reload and make your change again."
                ),
                code="edit_conflict",
            )
        if "name" in clean and lecturer.user_id:
            User.objects.filter(pk=lecturer.user_id).update(name=clean["name"])
        audit(
            actor=actor,
            action="lecturer.update",
            obj=lecturer,
            county_id=lecturer.county_id,
            before=before,
            after={name: _jsonable(clean[name]) for name in before},
        )
        if picture is not None and old_photo:
            storage = lecturer.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    lecturer.refresh_from_db()
    return lecturer


# --- Honours (L17: 名师 and the others) ----------------------------------------------------

FIRST_HONOUR_YEAR = 2000
MAX_HONOUR_REASON = 200


def lecturer_honour_grant(
    *, actor, lecturer: Lecturer, title: str, year: int, note: str = ""
) -> LecturerHonour:
    """Grant an honour for a year, once per lecturer, title and year (the database holds it);
    the county's to decide."""
    if not access_rules.may_set_county_terms(actor, lecturer):
        raise Forbidden(_("Only the county grants honours."))
    errors = FieldErrors()
    if title not in HonourTitle.values:
        errors.add("title", _("Unknown honour."))
    this_year = timezone.localdate().year
    if (
        isinstance(year, bool)
        or not isinstance(year, int)
        or not (FIRST_HONOUR_YEAR <= year <= this_year)
    ):
        errors.add(
            "year",
            _("Enter a year between %(first)d and %(last)d.")
            % {"first": FIRST_HONOUR_YEAR, "last": this_year},
        )
    note = errors.check(
        clean_text, note, field="note", max_length=MAX_HONOUR_REASON, required=False
    )
    errors.raise_if_any()
    duplicate = InvalidInput.field(
        "title", _("The lecturer already holds this honour for %(year)d.") % {"year": year}
    )
    if LecturerHonour.objects.filter(lecturer=lecturer, title=title, year=year).exists():
        raise duplicate
    try:
        with transaction.atomic():
            honour = LecturerHonour.objects.create(
                lecturer=lecturer, title=title, year=year, note=note
            )
            audit(
                actor=actor,
                action="lecturer.honour.grant",
                obj=lecturer,
                county_id=lecturer.county_id,
                after={"honour": honour.pk, "title": title, "year": year, "note": note},
            )
    except IntegrityError:
        raise duplicate from None  # granted by someone else between the check and the insert
    return honour


def lecturer_honour_withdraw(*, actor, honour: LecturerHonour, reason: str) -> None:
    """Withdraw an honour; the audit log keeps what it was and why it went."""
    lecturer = honour.lecturer
    if not access_rules.may_set_county_terms(actor, lecturer):
        raise Forbidden(_("Only the county grants honours."))
    reason = clean_text(reason, field="reason", max_length=MAX_HONOUR_REASON)
    with transaction.atomic():
        deleted, _rows = LecturerHonour.objects.filter(pk=honour.pk).delete()
        if not deleted:
            raise Conflict(_("This honour has been withdrawn already."), code="bad_state")
        audit(
            actor=actor,
            action="lecturer.honour.withdraw",
            obj=lecturer,
            county_id=lecturer.county_id,
            before={"honour": honour.pk, "title": honour.title, "year": honour.year,
                    "note": honour.note},
            after={"reason": reason},
        )  # fmt: skip
