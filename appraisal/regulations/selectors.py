"""Reads of the county's rules documents: everyone logged in of the county reads them."""

from django.db.models import QuerySet
from django.utils import timezone

import access
from core.errors import NotFound

from ..models import Regulation, RegulationKind


def regulations_of_county(user) -> QuerySet[Regulation]:
    county_id = access.scope_for(user).county_id
    if county_id is None:
        raise NotFound()
    return Regulation.objects.filter(county_id=county_id).select_related("published_by")


def regulation_for_user(user, regulation_id) -> Regulation:
    return access.get_visible(regulations_of_county(user), regulation_id)


def current_versions(user) -> list[Regulation]:
    """Per kind, the newest version in force (effective today or before); a kind whose only
    versions take effect later shows the earliest of those."""
    today = timezone.localdate()
    chosen: dict[str, Regulation] = {}
    for doc in regulations_of_county(user).order_by("kind", "-version"):
        held = chosen.get(doc.kind)
        if held is None or (held.effective_from > today and doc.effective_from <= today):
            chosen[doc.kind] = doc
    order = list(RegulationKind.values)
    return sorted(chosen.values(), key=lambda d: order.index(d.kind))


def current_of_kind(user, kind: str) -> Regulation | None:
    """The current version of one kind for the caller's county (None outside a county)."""
    if access.scope_for(user).county_id is None:
        return None
    return next((d for d in current_versions(user) if d.kind == kind), None)


def paragraphs(text: str) -> list[list[str]]:
    """The body as paragraphs (blank-line separated), each a list of lines: the template
    escapes every piece and joins lines with <br>, so no markup of the text ever runs."""
    blocks = [b.strip("\n") for b in text.replace("\r\n", "\n").split("\n\n")]
    return [[line.strip() for line in b.split("\n")] for b in blocks if b.strip()]
