"""The quarterly batch's Celery tasks (rule P4): ids in, one service call each; a task
delivered twice does nothing new (services.py says how)."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import services


def send(task, *args):
    """Queue `task`, or run it here when there is no broker (the embedded set-up, and tests that
    ask for it by the setting: it is read on each call, not once when Celery starts)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task.apply(args=args)
    else:
        task.delay(*args)


@shared_task(name="appraisal.prepare")
def prepare(run_id):
    """Freeze the run's inputs, then fan out its credit parts, sent once they are committed."""
    numbers = services.appraisal_prepare(run_id)
    for number in numbers or ():
        transaction.on_commit(lambda number=number: send(credit_part, run_id, number))


@shared_task(name="appraisal.credit_part")
def credit_part(run_id, number):
    """Write one part's credits; the part that completes them fans out one part per city branch."""
    for city_id in services.appraisal_credit_part(run_id, number):
        send(city_part, run_id, city_id)


@shared_task(name="appraisal.city_part")
def city_part(run_id, city_id):
    """Score one city branch's managers; the part that completes the run finishes it."""
    if services.appraisal_city_part(run_id, city_id):
        send(finish, run_id)


@shared_task(name="appraisal.finish")
def finish(run_id):
    """Rank, rate and switch the quarter to the run's results."""
    services.appraisal_finish(run_id)


@shared_task(name="appraisal.quarterly")
def quarterly():
    """Celery beat, after each quarter's end: the batch of the quarter just ended."""
    services.appraisal_scheduled()
