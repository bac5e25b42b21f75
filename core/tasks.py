from django_tasks import task

from . import health


@task()
def heartbeat() -> None:
    """Proof that a task worker takes work off the queue (`core.health`)."""
    health.heartbeat_forget_old()


def enqueue_unless_waiting(queued_task) -> None:
    """Queue `queued_task` unless a run of it is queued already and not started: a busy
    hour writes one task row, not one per reason to run it. A waiting run claims its work
    when it starts, so it also covers what was committed after it was queued."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = queued_task.get_backend()
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.ready().filter(
            backend_name=backend.alias,
            queue_name=queued_task.queue_name,
            task_path=queued_task.module_path,
        )
        if waiting.exists():
            return
    queued_task.enqueue()
