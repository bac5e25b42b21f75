from django_tasks import task

from . import services


@task()
def import_run_task(job_id: int) -> str:
    """Check an uploaded workbook and, if it is valid, write it (services.import_run)."""
    return services.import_run(job_id=job_id)
