from django_tasks import task

from . import outbox


@task()
def deliver_outbox() -> dict:
    """Deliver what is due in the outbox; queued after every commit that adds messages."""
    return outbox.deliver_due()


def deliver_soon() -> None:
    """Have a worker deliver what is due: queue `deliver_outbox` unless one is queued already
    and not started. Called after the commit that wrote the messages (so a waiting task, which
    claims when it starts, sees them); a busy hour writes one task row, not one per message."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = deliver_outbox.get_backend()
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.ready().filter(
            backend_name=backend.alias,
            queue_name=deliver_outbox.queue_name,
            task_path=deliver_outbox.module_path,
        )
        if waiting.exists():
            return
    deliver_outbox.enqueue()


def queue_delivery() -> None:
    """Periodic: let a worker pick up retries and expired leases even when nothing new came."""
    from .models import DeliveryStatus, OutboxMessage

    if OutboxMessage.objects.filter(
        status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    ).exists():
        deliver_soon()
