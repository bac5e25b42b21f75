from django_tasks import task

from . import services


@task()
def appraisal_compute_task(run_id: int, attempt: int) -> str:
    """Compute an attempt of a year's appraisal (services.appraisal_compute)."""
    return services.appraisal_compute(run_id=run_id, attempt=attempt)
