"""Writes on the organisation tree and the county's rules. They live here, not in `orgs`,
because they ask the access module, which sits above `orgs`."""

from datetime import datetime
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.models import AuditLog
from core.prepared import Prepared
from core.text import clean_coordinates, clean_text, parse_digits, parse_id
from orgs.models import CountySettings, MemberGroup, Organisation, OrgLevel
from orgs.signals import star_thresholds_changed

# Which level a new organisation may hang under.
PARENT_LEVELS = {
    OrgLevel.TOWN: {OrgLevel.COUNTY},
    # Units directly under the county (government offices, firms) are branches too.
    OrgLevel.VILLAGE: {OrgLevel.TOWN, OrgLevel.COUNTY},
}


def _clean_org_fields(errors: FieldErrors, fields: dict) -> dict:
    """The editable fields of an organisation, checked into `errors`: each of `fields` that is
    given (name, group, address, and lat with lng as a pair)."""
    clean = {}
    if "name" in fields:
        clean["name"] = errors.check(clean_text, fields["name"], field="name", max_length=100)
    if "address" in fields:
        clean["address"] = errors.check(
            clean_text, fields["address"], field="address", max_length=200, required=False
        )
    if "group" in fields:
        group = fields["group"] or ""
        if group not in ("", *MemberGroup.values):
            errors.add("group", _("Unknown member group."))
        clean["group"] = group
    if "lat" in fields or "lng" in fields:
        coords = errors.check(clean_coordinates, fields.get("lat"), fields.get("lng"))
        clean["lat"], clean["lng"] = coords or (None, None)
    return clean


def _parent_for(actor, parent_id, *, level: str) -> Organisation:
    """The parent a new or moved organisation of `level` hangs under, if the caller may place
    it there: 422 on `parent_id` for an unknown, misplaced or deactivated parent, 403 outside
    the caller's area."""
    try:
        parent = access.org_for_user(actor, parent_id)
    except NotFound:
        raise InvalidInput.field("parent_id", _("Unknown parent organisation.")) from None
    if not access.may_create_org(actor, parent=parent):
        raise Forbidden()
    if parent.level not in PARENT_LEVELS[level]:
        raise InvalidInput.field(
            "parent_id", _("This organisation cannot be placed under that parent.")
        )
    if not parent.is_active:
        raise InvalidInput.field(
            "parent_id", _("The parent organisation is deactivated; reactivate it first.")
        )
    return parent


def _name_taken(parent_id: int, name: str, *, exclude_id: int | None = None) -> bool:
    qs = Organisation.objects.filter(parent_id=parent_id, name=name)
    return qs.exclude(pk=exclude_id).exists() if exclude_id else qs.exists()


NAME_TAKEN = gettext_lazy("An organisation with this name already exists there.")


def org_create(
    *,
    actor,
    name: str,
    level: str,
    parent_id: int | None,
    group: str = "",
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
) -> Organisation:
    """Add a town (county admins) or a branch (county admins anywhere in the county, town
    admins under their own town). 422 names each bad field; the name is unique under a parent."""
    errors = FieldErrors()
    fields = {"name": name, "address": address, "group": group, "lat": lat, "lng": lng}
    clean = _clean_org_fields(errors, fields)
    if level not in PARENT_LEVELS:
        errors.add("level", _("A new organisation is a town or a village/community/unit branch."))
    if parent_id is None:
        errors.add("parent_id", _("This field is required."))
    errors.raise_if_any()
    if level == OrgLevel.TOWN and not access.scope_for(actor).is_county_admin:
        raise Forbidden(_("Only the county adds towns."))
    parent = _parent_for(actor, parent_id, level=level)

    try:
        with transaction.atomic():
            if _name_taken(parent.pk, clean["name"]):
                raise InvalidInput.field("name", NAME_TAKEN)
            org = Organisation.objects.create(
                level=level, parent=parent, county_id=parent.county_id, **clean
            )
            audit(
                actor=actor,
                action="org.create",
                obj=org,
                county_id=parent.county_id,
                after={"name": clean["name"], "level": level, "parent_id": parent.pk},
            )
    except IntegrityError:  # the same name added under the same parent at the same moment
        raise InvalidInput.field("name", NAME_TAKEN) from None
    return org


# What a person may change on an organisation (its level and county never change; whether it
# is active, only backoffice.services.org_deactivate and org_reactivate).
EDITABLE = ("name", "parent_id", "group", "address", "lat", "lng")


def org_update(
    *, actor, org: Organisation, changes: dict, seen_at: datetime | None = None
) -> Organisation:
    """A partial update: county admins in their county, town admins the branches of their town.
    `seen_at` is the `updated_at` the caller's edit started from (the one just read when not
    given): if the organisation changed since, 409 `edit_conflict` and nothing is written, so
    that two people editing at once never lose an update. Audited with before and after."""
    if not access.may_edit_org(actor, org):
        raise Forbidden(_("You may not change this organisation."))
    errors = FieldErrors()
    for name in set(changes) - set(EDITABLE):
        errors.add(name, _("This field cannot be changed."))
    given = dict(changes)
    if "lat" in given or "lng" in given:
        # Coordinates come as a pair: the one not sent stays as it is.
        given.setdefault("lat", org.lat)
        given.setdefault("lng", org.lng)
    clean = _clean_org_fields(errors, given)
    errors.raise_if_any()
    if "parent_id" in changes and parse_id(changes["parent_id"]) != org.parent_id:
        if org.level == OrgLevel.COUNTY:
            raise InvalidInput.field("parent_id", _("A county has no parent."))
        clean["parent_id"] = _parent_for(actor, changes["parent_id"], level=org.level).pk
    clean = {k: v for k, v in clean.items() if getattr(org, k) != v}
    if not clean:
        return org
    before = {k: getattr(org, k) for k in clean}
    parent_id = clean.get("parent_id", org.parent_id)
    try:
        with transaction.atomic():
            if (
                parent_id
                and ("name" in clean or "parent_id" in clean)
                and _name_taken(parent_id, clean.get("name", org.name), exclude_id=org.pk)
            ):
                raise InvalidInput.field("name", NAME_TAKEN)
            written = Organisation.objects.filter(
                pk=org.pk, updated_at=seen_at or org.updated_at
            ).update(**clean, updated_at=timezone.now())
            if written != 1:
                raise Conflict(
                    _("Someone else changed this organisation meanwhile; reload and try again."),
                    code="edit_conflict",
                )
            audit(
                actor=actor,
                action="org.update",
                obj=org,
                county_id=org.county_id,
                before=before,
                after=clean,
            )
    except IntegrityError:
        raise InvalidInput.field("name", NAME_TAKEN) from None
    org.refresh_from_db()
    return org


def org_require_active(org: Organisation, *, lock: bool = False) -> None:
    """Refuse work for a deactivated organisation or a branch of a deactivated town (409
    `org_inactive`): booking and posting demands ask. With `lock`, inside the caller's
    transaction, the organisation's row (and its parent's) is locked first and read fresh, as
    backoffice.services.org_deactivate locks it while counting the open bookings and demands:
    a booking made at the same moment is either counted there or refused here."""
    read = _ACTIVE_LOCKED if lock else _ACTIVE
    if not all(active for (active,) in read.rows(org_id=org.pk, parent_id=org.parent_id or org.pk)):
        raise Conflict(access.ORG_INACTIVE, code="org_inactive")


def _org_and_parent(org_id: int, parent_id: int) -> QuerySet:
    return (
        Organisation.objects.filter(Q(pk=org_id) | Q(pk=parent_id))
        .order_by("pk")
        .values_list("is_active")
    )


# On the booking and demand write paths: built once (core.prepared; issue 18).
_ACTIVE = Prepared(_org_and_parent, org_id=int, parent_id=int)
_ACTIVE_LOCKED = Prepared(
    lambda org_id, parent_id: _org_and_parent(org_id, parent_id).select_for_update(),
    org_id=int,
    parent_id=int,
)


# --- Many at once: the back office's Excel import ------------------------------------------
# The import checks its whole file first (backoffice.imports.orgs) and then writes it a chunk
# at a time through these two, so that the organisation tree keeps one home for its writes.
# Each call is one transaction (a savepoint inside the import's, which records its progress
# with the rows); one audit entry per organisation, `note` added to each entry's `after`.

# What a re-import may change on an organisation that exists.
BULK_EDITABLE = ("group", "address", "lat", "lng")


def orgs_create_many(*, actor, rows: list[dict], note: dict | None = None) -> dict:
    """Create organisations the caller has checked: each row gives name, level, parent_id,
    group, address, lat and lng. Returns the new ids by (parent id, name)."""
    if not rows:
        return {}
    parents = access.orgs_visible_to(actor).in_bulk({v["parent_id"] for v in rows})
    for v in rows:
        parent = parents.get(v["parent_id"])
        if parent is None or not access.may_create_org(actor, parent=parent):
            raise Forbidden()
        if v["level"] not in PARENT_LEVELS or parent.level not in PARENT_LEVELS[v["level"]]:
            raise InvalidInput.field(
                "parent_id", _("This organisation cannot be placed under that parent.")
            )
    with transaction.atomic():
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=v["name"],
                    level=v["level"],
                    parent_id=v["parent_id"],
                    county_id=parents[v["parent_id"]].county_id,
                    group=v["group"] or "",
                    address=v["address"] or "",
                    lat=v["lat"],
                    lng=v["lng"],
                )
                for v in rows
            ]
        )
        # Read back rather than trust bulk_create to fill in the ids on every database.
        made = {
            (o.parent_id, o.name): o.pk
            for o in Organisation.objects.filter(
                parent_id__in=list(parents), name__in=[v["name"] for v in rows]
            ).only("id", "parent_id", "name")
        }
        now = timezone.now()
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    created_at=now,
                    actor=actor,
                    county_id=parents[v["parent_id"]].county_id,
                    action="org.create",
                    object_type=Organisation._meta.label_lower,
                    object_id=str(made[(v["parent_id"], v["name"])]),
                    after={
                        "name": v["name"],
                        "level": v["level"],
                        "parent_id": v["parent_id"],
                        **(note or {}),
                    },
                )
                for v in rows
            ]
        )
    return made


def orgs_update_many(
    *, actor, updates: list[tuple[int, datetime, dict, dict]], note: dict | None = None
) -> None:
    """Change organisations the caller has read: each update is (id, the `updated_at` it was
    read with, the fields before, the fields after), written compare-and-set; an organisation
    changed since is a conflict and nothing of the call is written."""
    if not updates:
        return
    orgs = access.orgs_visible_to(actor).in_bulk([org_id for org_id, *_rest in updates])
    for org_id, _seen_at, _before, changes in updates:
        org = orgs.get(org_id)
        if org is None or not access.may_edit_org(actor, org):
            raise Forbidden()
        if set(changes) - set(BULK_EDITABLE):
            raise ValueError(f"not changed in bulk: {sorted(set(changes) - set(BULK_EDITABLE))}")
    with transaction.atomic():
        now = timezone.now()
        entries = []
        for org_id, seen_at, before, changes in updates:
            done = Organisation.objects.filter(pk=org_id, updated_at=seen_at).update(
                **changes, updated_at=now
            )
            if done != 1:
                raise Conflict(
                    _(
                        "An organisation of this file was changed by someone else while the import ran; import the file again."
                    ),
                    code="bad_state",
                )
            entries.append(
                AuditLog(
                    created_at=now,
                    actor=actor,
                    county_id=orgs[org_id].county_id,
                    action="org.update",
                    object_type=Organisation._meta.label_lower,
                    object_id=str(org_id),
                    before=before,
                    after={**changes, **(note or {})},
                )
            )
        AuditLog.objects.bulk_create(entries)


SETTINGS_LIMITS = {
    "booking_notice_hours": (0, 720),
    "cancel_notice_hours": (0, 720),
    "request_expiry_hours": (1, 720),
    "quiet_hours_start": (0, 23),
    "quiet_hours_end": (0, 23),
    "publish_reminder_day": (1, 28),
    "rate_reminder_hours": (0, 72),
    "rating_burst_per_minute": (1, 1000),
    "api_token_days": (1, 365),
    "rating_open_hours": (1, 168),
    "login_max_failures": (3, 20),
    "login_lockout_minutes": (1, 1440),
    "session_idle_minutes": (5, 1440),
}


def _clean_reminder_hours(value) -> str:
    """ "24,2": up to three distinct hours between 1 and 168, largest first."""
    parts = (
        [parse_digits(p, max_length=3) for p in value.replace("，", ",").split(",")]
        if isinstance(value, str)
        else []
    )
    if not parts or len(parts) > 3 or not all(p is not None and 1 <= p <= 168 for p in parts):
        raise InvalidInput.field(
            "reminder_hours",
            _("Enter up to three hours from 1 to 168, separated by commas, e.g. 24,2."),
        )
    return ",".join(str(h) for h in sorted(set(parts), reverse=True))


def _clean_star_thresholds(value) -> str:
    """ "90,80,70,60": the lowest scores for 5, 4, 3 and 2 stars, from 0 to 100, falling."""
    parts = (
        [parse_digits(p, max_length=3) for p in value.replace("，", ",").split(",")]
        if isinstance(value, str)
        else []
    )
    if (
        len(parts) != 4
        or not all(p is not None and 0 <= p <= 100 for p in parts)
        or not all(a > b for a, b in pairwise(parts))
    ):
        raise InvalidInput.field(
            "star_thresholds",
            _(
                "Enter four scores from 100 down to 0, each lower than the one before, e.g. 90,80,70,60."
            ),
        )
    return ",".join(str(p) for p in parts)


def county_settings_update(*, actor, **changes) -> CountySettings:
    """County admins change their county's rules; every change is audited."""
    if not access.may_configure_county(actor):
        raise Forbidden()
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    unknown = (
        set(changes)
        - set(SETTINGS_LIMITS)
        - {"town_lecturers_county_wide", "reminder_hours", "star_thresholds"}
    )
    for name in unknown:
        errors.add(name, _("Unknown setting."))
    for name, (low, high) in SETTINGS_LIMITS.items():
        if name in changes:
            value = changes[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors.add(
                    name,
                    _("Enter a whole number from %(low)d to %(high)d.")
                    % {"low": low, "high": high},
                )
    if "town_lecturers_county_wide" in changes and not isinstance(
        changes["town_lecturers_county_wide"], bool
    ):
        errors.add("town_lecturers_county_wide", _("Enter true or false."))
    if "reminder_hours" in changes:
        changes["reminder_hours"] = errors.check(_clean_reminder_hours, changes["reminder_hours"])
    if "star_thresholds" in changes:
        changes["star_thresholds"] = errors.check(
            _clean_star_thresholds, changes["star_thresholds"]
        )
    errors.raise_if_any()
    with transaction.atomic():
        rules, _created = CountySettings.objects.select_for_update().get_or_create(
            county_id=county_id
        )
        before = {name: getattr(rules, name) for name in changes}
        for name, value in changes.items():
            setattr(rules, name, value)
        rules.save()
        if before.get("star_thresholds", rules.star_thresholds) != rules.star_thresholds:
            # Every star of the county follows at once, not at each one's next rating.
            star_thresholds_changed.send(sender=CountySettings, county_id=county_id)
        audit(
            actor=actor,
            action="county_settings.update",
            obj=rules,
            county_id=rules.county_id,
            before=before,
            after=changes,
        )
    return rules
