"""Reads of runs, scoped to the person (rule O5): a person sees the runs of their subtree."""

from django.db import connection
from django.db.models import Q

from accounts.scoping import get_scoped_or_404, scoped

from .models import FINISHED, IMPORT_PREFIX, Run, RunStatus


def run_list(*, user, kind=None, status=None):
    runs = scoped(Run.objects.select_related("started_by", "unit"), user)
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    return runs.order_by("-created_at", "-id")


def run_get(*, user, pk):
    return get_scoped_or_404(Run.objects.select_related("started_by", "unit"), user, pk=pk)


def run_is_waiting(run):
    """Whether `run` waits for an earlier run of the same kind that has not finished (the second
    of two imports waits, services.py)."""
    if run.status == RunStatus.RUNNING and run.phase == "wait":
        return True
    if run.status != RunStatus.QUEUED:
        return False
    earlier = conflicting_runs(run).filter(created_at__lte=run.created_at, pk__lt=run.pk)
    return earlier.exclude(status__in=FINISHED).exists()


def conflicting_runs(run):
    """Runs whose writes `run` must not interleave with: of the same kind; on SQLite, every
    import (its one write lock is held for a whole import)."""
    if connection.vendor == "sqlite" and run.kind.startswith(IMPORT_PREFIX):
        same = Q(kind__startswith=IMPORT_PREFIX)
    else:
        same = Q(kind=run.kind)
    return Run.objects.filter(same).exclude(pk=run.pk)
