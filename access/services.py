"""Writes on the organisation tree and the county's rules. They live here, not in `orgs`,
because they ask the access module, which sits above `orgs`."""

from datetime import datetime
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.models import AuditLog
from core.text import clean_coordinates, clean_text, parse_digits
from orgs.models import CountySettings, MemberGroup, Organisation, OrgLevel
from orgs.signals import star_thresholds_changed

# Which level a new organisation may hang under.
PARENT_LEVELS = {
    OrgLevel.TOWN: {OrgLevel.COUNTY},
    # Units directly under the county (government offices, firms) are branches too.
    OrgLevel.VILLAGE: {OrgLevel.TOWN, OrgLevel.COUNTY},
}


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
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=100)
    address = errors.check(clean_text, address, field="address", max_length=200, required=False)
    if level not in PARENT_LEVELS:
        errors.add("level", _("A new organisation is a town or a village/community/unit branch."))
    if group and group not in MemberGroup.values:
        errors.add("group", _("Unknown member group."))
    coords = errors.check(clean_coordinates, lat, lng)
    if parent_id is None:
        errors.add("parent_id", _("This field is required."))
    errors.raise_if_any()

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

    with transaction.atomic():
        if Organisation.objects.filter(parent=parent, name=name).exists():
            raise InvalidInput.field(
                "name", _("An organisation with this name already exists there.")
            )
        org = Organisation.objects.create(
            name=name,
            level=level,
            parent=parent,
            county_id=parent.county_id,
            group=group or "",
            lat=coords[0],
            lng=coords[1],
            address=address,
        )
        audit(
            actor=actor,
            action="org.create",
            obj=org,
            county_id=parent.county_id,
            after={"name": name, "level": level, "parent_id": parent.pk},
        )
    return org


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
