from celery import shared_task

from . import services


@shared_task(name="runs.execute")
def execute(run_id):
    """Execute a queued run; a second delivery of the same run does nothing."""
    services.run_execute(run_id)
