"""Reads of organisations that the pages share."""

from core.pinyin import is_latin, normalise_query, pinyin_keys

from .models import Membership, Organisation, OrgLevel, Role


def org_label(org: Organisation) -> str:
    """The name with its town, as people tell 建设社区党委 of one town from another's."""
    town = org.parent if org.level == OrgLevel.VILLAGE else None
    return f"{org.name} · {town.name}" if town and town.level == OrgLevel.TOWN else org.name


def org_matches(org: Organisation, query: str) -> bool:
    """Does the name, or its town's name, hold the query (characters, full pinyin or initials)?"""
    names = [org.name]
    if org.parent is not None and org.parent.level == OrgLevel.TOWN:
        names.append(org.parent.name)
    if is_latin(query):
        return any(query in key for name in names for key in pinyin_keys(name))
    return any(query in name for name in names)


def org_search(
    orgs: list[Organisation], q: str = "", *, selected_id: int | None = None, limit: int = 12
) -> tuple[list[Organisation], bool]:
    """The organisations of `orgs` (already those the caller may use) to offer in a picker:
    the selected one first, then the matches of `q` in order, at most `limit`. Also says
    whether more matched than are shown."""
    query = normalise_query(q or "")[:50]
    selected = [org for org in orgs if org.pk == selected_id]
    rest = [org for org in orgs if org.pk != selected_id and (not query or org_matches(org, query))]
    return (selected + rest)[:limit], len(selected) + len(rest) > limit


def county_admins(county_id: int) -> list:
    """The users who administer the county: they hear of what awaits the county's decision."""
    members = Membership.objects.filter(org_id=county_id, role=Role.COUNTY_ADMIN)
    return [m.user for m in members.select_related("user")]
