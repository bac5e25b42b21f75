from django_tasks import task

from core.tasks import enqueue_unless_waiting

from . import outbox


@task()
def deliver_outbox() -> dict:
    """Deliver what is due in the outbox; queued after every commit that adds messages."""
    return outbox.deliver_due()


def deliver_soon() -> None:
    """Have a worker deliver what is due (`deliver_outbox`, unless one is waiting). Called
    after the commit that wrote the messages, so a waiting task sees them."""
    enqueue_unless_waiting(deliver_outbox)


def queue_delivery() -> None:
    """Periodic: let a worker pick up retries and expired leases even when nothing new came."""
    from .models import DeliveryStatus, OutboxMessage

    if OutboxMessage.objects.filter(
        status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    ).exists():
        deliver_soon()
