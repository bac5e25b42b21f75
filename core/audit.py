"""The audit log: written by every service, never changed, pruned only after its retention.

The database holds the rule (migration core.0003): a trigger refuses every UPDATE of an entry
and every DELETE of one younger than AUDIT_MIN_RETENTION_DAYS (six months), on PostgreSQL and
on SQLite, whatever code or SQL console asks. `prune` deletes what is older than
settings.AUDIT_RETENTION_DAYS (never less than the minimum). On SQLite alone a connection may
lift the rule for `manage.py flush` (core's flush command, which empties every table; on
PostgreSQL flush truncates, which row triggers do not see)."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import AuditLog

# Also written into the trigger of migration core.0003: changing it needs a migration.
AUDIT_MIN_RETENTION_DAYS = 183

_unlocked = ContextVar("audit_log_unlocked", default=False)


def audit(
    *,
    actor,
    action: str,
    obj: models.Model,
    county_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    result: str = "ok",
) -> AuditLog:
    """Write one audit entry; call it inside the service's transaction so both land together."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        county_id=county_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        result=result,
    )


def retention() -> timedelta:
    days = max(AUDIT_MIN_RETENTION_DAYS, int(settings.AUDIT_RETENTION_DAYS))
    return timedelta(days=days)


def prune() -> int:
    """Delete the entries older than the retention; returns how many. The scheduler runs it."""
    deleted, _by_model = AuditLog.objects.filter(
        created_at__lt=timezone.now() - retention()
    ).delete()
    return deleted


@contextmanager
def sqlite_unlocked():
    """Inside, this thread's SQLite connections may change and delete audit entries: only for
    emptying the whole database (`manage.py flush`, which the test suite runs between tests)."""
    token = _unlocked.set(True)
    try:
        yield
    finally:
        _unlocked.reset(token)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: the function the SQLite triggers ask whether the rule is lifted."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "jiangtai_audit_unlocked", 0, lambda: 1 if _unlocked.get() else 0
        )
