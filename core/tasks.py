from django_tasks import task

from . import health


@task()
def heartbeat() -> None:
    """Proof that a task worker takes work off the queue (`core.health`)."""
    health.heartbeat_forget_old()
