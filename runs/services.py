"""Writes of runs: start an import run, execute it (the Celery task's one call).

Two runs that would write the same rows do not interleave: the second WAITS. The import engine
runs its check and write under one lock (bankops.locks.exclusive); in front of it, a run waits
before it begins while an earlier-started run of the same kind is still running (on SQLite, any
import: it has one writer at a time), its phase "wait" shown on the run page as waiting for the
import before it. Runs are so executed in the order they started, and none waits for a later
one, so there is no deadlock; a run that has been running longer than RUNS_WAIT_SECONDS is taken
for dead and no longer waited for (the engine's lock still keeps the writes apart).
"""

import datetime
import logging
import threading
import time
from dataclasses import asdict, is_dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.actors import SYSTEM, is_system, require
from imports.access import may_import
from imports.engine import REGISTRY, ImportRejected, UsageError, run_import

from .models import IMPORT_PREFIX, Run, RunStatus
from .progress import ProgressWriter
from .selectors import conflicting_runs

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 0.5


def import_run_start(*, actor, kind, upload, dry_run=False):
    """Keep the uploaded file and queue a run that imports it as `kind` (INTERFACES.md); the
    task is sent when the transaction commits. Refuses an actor without the KIND's permissions."""
    require(actor)
    if kind not in REGISTRY:
        raise ValidationError({"kind": _("Unknown import kind %(kind)s.") % {"kind": kind}})
    if not may_import(actor, kind):
        raise PermissionDenied(_("You do not have the right to import %(kind)s.") % {"kind": kind})
    person = None if is_system(actor) else actor
    filename = (upload.name or "upload").rsplit("/", 1)[-1][:255]
    with transaction.atomic():
        run = Run(
            kind=IMPORT_PREFIX + kind,
            started_by=person,
            unit=person.unit if person else None,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            dry_run=bool(dry_run),
            params={"kind": kind},
            filename=filename,
        )
        run.file.save(filename, upload, save=False)
        run.save()
        transaction.on_commit(lambda: enqueue(run.pk))
    return run


def enqueue(run_id):
    """Send the run to Celery. In the embedded set-up (no broker, tasks run in-process) the task
    runs in a thread of the web process, so the upload answers at once and the run page shows the
    progress bar, as with a real worker; tests run it in the request (RUNS_IN_THREAD off)."""
    from .tasks import execute

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.RUNS_IN_THREAD:
        threading.Thread(target=_execute_in_thread, args=[run_id], name=f"run-{run_id}", daemon=True).start()
    else:
        execute.delay(run_id)


def _execute_in_thread(run_id):
    from .tasks import execute

    try:
        execute.apply(args=[run_id])
    finally:
        connections.close_all()  # the thread's own database connections


def run_execute(run_id):
    """Execute a queued run: claim it (QUEUED → RUNNING, a conditional UPDATE, so a task
    delivered twice does nothing the second time), import its file as its starter, and record
    the outcome. Never raises for the import's sake: bad data ends REJECTED, a crash FAILED.
    Answers the run, or None when there was nothing to do."""
    claimed = Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        phase="",
    )
    if not claimed:
        return None
    run = Run.objects.select_related("started_by").get(pk=run_id)
    actor = run.started_by or SYSTEM
    progress = ProgressWriter(run.pk)
    with translation.override(run.language or settings.LANGUAGE_CODE):
        try:
            wait_for_earlier_runs(run, progress)
            with run.file.open("rb") as content:
                report = run_import(
                    run.import_kind,
                    content,
                    run.filename,
                    actor=actor,
                    dry_run=run.dry_run,
                    progress=progress,
                )
        except ImportRejected as exc:
            outcome = rejected(exc)
        except (UsageError, PermissionDenied) as exc:
            outcome = {"status": RunStatus.REJECTED, "summary": str(exc) or _("You do not have the right to do this.")}
        except Exception as exc:  # a crash must end the run, not leave it running
            log.exception("run %s failed", run_id)
            outcome = {
                "status": RunStatus.FAILED,
                "summary": _("The import stopped on an error: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"},
            }
        else:
            outcome = {
                "status": RunStatus.SUCCEEDED,
                "counts": counts_json(report.counts),
                "summary": str(report),
                "consequences": [consequence.as_dict() for consequence in report.consequences],
                "done": report.rows,
                "total": report.rows,
            }
    Run.objects.filter(pk=run_id).update(finished_at=timezone.now(), phase="", **outcome)
    run.refresh_from_db()
    return run


def rejected(exc):
    cap = settings.RUNS_REPORT_ROWS
    errors = [{"row": error.row, "column": error.column, "message": str(error.message)} for error in exc.errors[:cap]]
    total = max(exc.total, len(exc.errors))
    return {
        "status": RunStatus.REJECTED,
        "errors": errors,
        "error_total": total,
        "summary": _("The file was rejected, nothing was written: %(count)d errors.") % {"count": total},
    }


def counts_json(counts):
    """The created/updated/unchanged counts of a report as plain JSON."""
    if is_dataclass(counts):
        return asdict(counts)
    if isinstance(counts, dict):
        return {str(name): counts_json(value) for name, value in counts.items()}
    return {"text": str(counts)}


def wait_for_earlier_runs(run, progress):
    """Wait while a run of the same kind that started before `run` is still running."""
    deadline = time.monotonic() + settings.RUNS_WAIT_SECONDS
    alive_since = timezone.now() - datetime.timedelta(seconds=settings.RUNS_WAIT_SECONDS)
    earlier = conflicting_runs(run).filter(
        Q(started_at__lt=run.started_at) | Q(started_at=run.started_at, pk__lt=run.pk),
        status=RunStatus.RUNNING,
        started_at__gte=alive_since,
    )
    told = False
    while earlier.exists() and time.monotonic() < deadline:
        if not told:
            progress(0, None, "wait")
            told = True
        time.sleep(WAIT_POLL_SECONDS)
