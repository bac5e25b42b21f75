"""Writes on the organisation tree and the county's rules. They live here, not in `orgs`,
because they ask the access module, which sits above `orgs`."""

from django.db import transaction
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import FieldErrors, Forbidden, InvalidInput, NotFound
from core.text import clean_coordinates, clean_text, parse_digits
from orgs.models import CountySettings, MemberGroup, Organisation, OrgLevel

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


def county_settings_update(*, actor, **changes) -> CountySettings:
    """County admins change their county's rules; every change is audited."""
    if not access.may_configure_county(actor):
        raise Forbidden()
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    unknown = set(changes) - set(SETTINGS_LIMITS) - {"town_lecturers_county_wide", "reminder_hours"}
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
    errors.raise_if_any()
    with transaction.atomic():
        rules, _created = CountySettings.objects.select_for_update().get_or_create(
            county_id=county_id
        )
        before = {name: getattr(rules, name) for name in changes}
        for name, value in changes.items():
            setattr(rules, name, value)
        rules.save()
        audit(
            actor=actor,
            action="county_settings.update",
            obj=rules,
            county_id=rules.county_id,
            before=before,
            after=changes,
        )
    return rules
