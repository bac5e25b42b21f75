from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import health
from .prepared import Prepared


@task()
def heartbeat() -> None:
    """Proof that a task worker takes work off the queue (`core.health`)."""
    health.heartbeat_forget_old()


def enqueue_unless_waiting(queued_task) -> None:
    """Queue `queued_task` unless a run of it is queued already and not started: a busy
    hour writes one task row, not one per reason to run it. A waiting run claims its work
    when it starts, so it also covers what was committed after it was queued."""
    from django_tasks_db.backend import DatabaseBackend

    backend = queued_task.get_backend()
    if isinstance(backend, DatabaseBackend):
        waiting = _WAITING.first(
            backend=backend.alias,
            queue=queued_task.queue_name,
            path=queued_task.module_path,
            now=timezone.now(),
        )
        if waiting is not None:
            return
    queued_task.enqueue()


def _waiting(backend: str, queue: str, path: str, now: datetime):
    """A run of the task that is queued, ready (as `DBTaskResult.objects.ready()` says) and
    not started."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus, get_date_max

    return (
        DBTaskResult.objects.filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=now),
            status=TaskResultStatus.READY,
            backend_name=backend,
            queue_name=queue,
            task_path=path,
        )
        .order_by()
        .values_list("pk")[:1]
    )


# On every write that notifies: built once (core.prepared; issue 18).
_WAITING = Prepared(_waiting, backend=str, queue=str, path=str, now=datetime)
