from django_tasks import task

from . import outbox


@task()
def deliver_outbox() -> dict:
    """Deliver what is due in the outbox; queued after every commit that adds messages."""
    return outbox.deliver_due()


def queue_delivery() -> None:
    """Periodic: let a worker pick up retries and expired leases even when nothing new came."""
    from .models import DeliveryStatus, OutboxMessage

    if OutboxMessage.objects.filter(
        status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    ).exists():
        deliver_outbox.enqueue()
