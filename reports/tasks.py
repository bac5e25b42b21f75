from django_tasks import task

from core.tasks import enqueue_unless_waiting

from . import province


@task()
def refresh_province_snapshots() -> None:
    """Every province's figures for the period chooser's presets, computed again."""
    province.refresh_snapshots()


def queue_province_refresh() -> None:
    """Periodic: a worker computes the provinces' figures again (seconds of aggregation each,
    so not in the scheduler's own loop)."""
    enqueue_unless_waiting(refresh_province_snapshots)
