"""A run's progress, written where other requests see it at once and never where it could wait.

The import engine calls `progress(done, total, phase)` while it parses (before its transaction
starts), at each phase change, and possibly inside its transaction. A write of progress inside
that transaction would stay invisible until the import commits, and on SQLite a second
connection would wait for the write lock the import itself holds. So `ProgressWriter` writes:

- through the default connection when it is not inside the import's transaction (at the atomic
  depth the run started at): autocommit in a worker or an eager request, visible at once;
- inside the import's transaction, on PostgreSQL, through the `progress` alias, a second
  connection to the same database (settings): it commits at once, and it never waits, because
  the import's transaction does not touch the run's row (the run is marked RUNNING before the
  import and finished after it, both outside it). It is used only when the run started outside
  any transaction, so that its row is committed and visible to that second connection;
- otherwise (SQLite, whose one write lock the import's transaction holds; or a run executed
  inside an outer transaction, as in tests) it keeps the figures and writes them at the next
  call outside the transaction. Progress is advisory: a write that fails (SQLite busy with
  another writer) is skipped, never the run's failure.
"""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

from .models import Run, RunStatus

log = logging.getLogger(__name__)

PROGRESS_ALIAS = "progress"
# Within one phase, write at most this often (seconds): a big import reports thousands of steps.
THROTTLE = 0.5


class ProgressWriter:
    def __init__(self, run_id):
        self.run_id = run_id
        self.base_depth = len(connections[DEFAULT_DB_ALIAS].atomic_blocks)
        self.second_connection = self.base_depth == 0 and PROGRESS_ALIAS in settings.DATABASES
        self.pending = None
        self.written_phase = None
        self.written_at = 0.0

    def __call__(self, done, total, phase):
        self.pending = {"done": done or 0, "total": total, "phase": phase or ""}
        if phase == self.written_phase and time.monotonic() - self.written_at < THROTTLE:
            return
        self.flush()

    def alias(self):
        """Where a write may go now, or None to keep it for later."""
        if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) <= self.base_depth:
            return DEFAULT_DB_ALIAS
        return PROGRESS_ALIAS if self.second_connection else None

    def flush(self):
        if self.pending is None:
            return
        alias = self.alias()
        if alias is None:
            return
        try:
            Run.objects.using(alias).filter(pk=self.run_id, status=RunStatus.RUNNING).update(**self.pending)
        except OperationalError as exc:
            log.warning("progress of run %s not written: %s", self.run_id, exc)
            return
        self.written_phase = self.pending["phase"]
        self.written_at = time.monotonic()
        self.pending = None
