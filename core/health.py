"""Liveness (/healthz: this process answers and reaches the database) and readiness (/readyz:
the database, the cache and the task workers each work).

The task workers' heartbeat is a task: the scheduler queues `core.tasks.heartbeat` every
WORKER_HEARTBEAT_SECONDS (one at a time: none is queued while one still waits), a worker
runs it like any other, and its finished result row is the beat. So a fresh beat proves the
whole path background work takes: the queue in the database, a worker claiming from it, the
scheduler. When every worker is dead, or stuck, the beat goes stale and /readyz says so."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

HEARTBEAT_TASK = "core.tasks.heartbeat"
UP, DOWN = "up", "down"


def _heartbeats():
    return DBTaskResult.objects.filter(task_path=HEARTBEAT_TASK)


def heartbeat_queue() -> None:
    """Periodic: queue the next heartbeat unless one is still waiting for a worker."""
    from . import tasks

    if not _heartbeats().filter(status=TaskResultStatus.READY).exists():
        tasks.heartbeat.enqueue()


def heartbeat_forget_old() -> None:
    """The heartbeat task keeps the table small: beats older than the stale limit prove
    nothing any more."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    _heartbeats().filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=cutoff).delete()


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure of the driver means the same: not usable
        return {"state": DOWN, "error": type(error).__name__}
    return {"state": UP}


def cache_state() -> dict:
    probe = secrets.token_hex(8)
    try:
        cache.set("readyz:probe", probe, timeout=10)
        if cache.get("readyz:probe") != probe:
            return {"state": DOWN, "error": "the value written was not read back"}
    except Exception as error:  # a refused connection, a timeout, a read-only replica …
        return {"state": DOWN, "error": type(error).__name__}
    return {"state": UP}


def worker_state() -> dict:
    try:
        last = (
            _heartbeats()
            .filter(status=TaskResultStatus.SUCCESSFUL)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except Exception as error:
        return {"state": DOWN, "error": type(error).__name__}
    if last is None:
        return {"state": DOWN, "error": "no heartbeat yet", "last_heartbeat_at": None}
    age = (timezone.now() - last).total_seconds()
    state = UP if age <= settings.WORKER_HEARTBEAT_STALE_SECONDS else DOWN
    report = {"state": state, "last_heartbeat_at": last.isoformat(), "age_seconds": round(age)}
    if state == DOWN:
        report["error"] = "heartbeat stale"
    return report


def readiness() -> tuple[bool, dict]:
    """(ready, report): each part's state, and the whole answer's."""
    parts = {"database": database_state(), "cache": cache_state(), "worker": worker_state()}
    ready = all(part["state"] == UP for part in parts.values())
    return ready, {"status": "ready" if ready else "unavailable", **parts}
