"""Checks shared by the kinds: coordinates and organisation names."""

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.text import clean_coordinates
from orgs.models import Organisation, OrgLevel

from .cells import RowErrors
from .common import Row


def check_coordinates(row: Row, errors: RowErrors, lat_at, lng_at) -> bool:
    """Both or neither, inside China; on success the row holds the rounded pair."""
    lat, lng = row.values.get("lat"), row.values.get("lng")
    if lat is None and lng is None:
        return True
    if lat is None or lng is None:
        at, header = lng_at if lng is None else lat_at
        errors.add(row.number, at, header, _("Enter both latitude and longitude, or neither."))
        return False
    try:
        row.values["lat"], row.values["lng"] = clean_coordinates(lat, lng)
    except InvalidInput as exc:
        for name, message in exc.fields.items():
            at, header = lat_at if name == "lat" else lng_at
            errors.add(row.number, at, header, message)
        return False
    return True


class OrgIndex:
    """The county's organisations by name, to resolve "东镇" or "东镇/东村党支部"."""

    def __init__(self, county: Organisation):
        self.county = county
        self.by_id: dict[int, Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        for org in Organisation.objects.filter(county_id=county.pk).only(
            "id", "name", "level", "parent_id", "county_id"
        ):
            self.by_id[org.pk] = org
            self.by_name.setdefault(org.name, []).append(org)

    def towns_named(self, name: str) -> list[Organisation]:
        return [o for o in self.by_name.get(name, []) if o.level == OrgLevel.TOWN]

    def resolve(self, text: str) -> tuple[Organisation | None, str]:
        """(organisation, "") or (None, why not)."""
        parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
        if not parts:
            return None, _("Unknown organisation.")
        candidates = self.by_name.get(parts[-1], [])
        if len(parts) > 1:
            parent_name = parts[-2]
            candidates = [
                o
                for o in candidates
                if o.parent_id in self.by_id and self.by_id[o.parent_id].name == parent_name
            ]
        if len(candidates) == 1:
            return candidates[0], ""
        if not candidates:
            return (
                None,
                _(
                    "No organisation “%(name)s” in the county: add it first (import organisations) or check the name."
                )
                % {"name": text[:60]},
            )
        return (
            None,
            _(
                "Several organisations are called “%(name)s”: write it with its town, e.g. 东镇/%(name)s."
            )
            % {"name": parts[-1][:40]},
        )
