"""Reads of the back office, scoped to the caller's county (county admins only)."""

from datetime import MINYEAR, UTC, datetime

from django.db.models import Q, QuerySet

import access
from core.errors import Forbidden, NotFound
from core.models import AuditLog
from core.text import parse_id
from core.timeutil import aware
from orgs.models import Organisation

from .models import ImportJob


def back_office_county_id(user) -> int:
    """The county whose back office the caller runs: county admins only (403 for others)."""
    scope = access.scope_for(user)
    if not scope.is_county_admin:
        raise Forbidden()
    return scope.county_id


def back_office_county(user) -> Organisation:
    return Organisation.objects.get(pk=back_office_county_id(user))


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(county_id=back_office_county_id(user)).select_related("actor")


def import_job_for_user(user, job_id) -> ImportJob:
    """The county's import; another county's (or no) import is not found."""
    qs = import_jobs_for_user(user)
    number = parse_id(job_id)
    job = qs.filter(pk=number).first() if number is not None else None
    if job is None:
        raise NotFound()
    return job


def _utc_bound(value: datetime) -> datetime:
    """A filter's bound in UTC, which every database stores: an offset Python allows (up to
    a day) need not be one the database does (PostgreSQL: under 16 hours), and a time at the
    edge of the calendar may have no UTC equivalent, so it becomes that edge."""
    try:
        return aware(value).astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == MINYEAR else datetime.max
        return edge.replace(tzinfo=UTC)


def audit_list_for_user(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditLog]:
    """The county's audit trail, newest first. `actor` is a user's id, login or name."""
    qs = AuditLog.objects.filter(county_id=back_office_county_id(user)).select_related("actor")
    if actor:
        actor_id = parse_id(actor)
        q = Q(actor__username=actor) | Q(actor__name=actor)
        qs = qs.filter(q | Q(actor_id=actor_id) if actor_id else q)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(created_at__gte=_utc_bound(since))
    if until:
        qs = qs.filter(created_at__lt=_utc_bound(until))
    return qs


def audit_choices_for_user(user) -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the county's trail, for the filters."""
    qs = AuditLog.objects.filter(county_id=back_office_county_id(user))
    actions = sorted(set(qs.values_list("action", flat=True).distinct()))
    types = sorted(set(qs.values_list("object_type", flat=True).distinct()))
    return actions, types
