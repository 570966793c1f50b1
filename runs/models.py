"""A run: one piece of long work (a page import now, the quarterly appraisal batch later), its
progress while it works and its report when it ends. The run is its own record: no row history."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "QUEUED", _("Queued")
    RUNNING = "RUNNING", _("Running")
    SUCCEEDED = "SUCCEEDED", _("Succeeded")
    REJECTED = "REJECTED", _("Rejected")  # bad data: the report says what
    FAILED = "FAILED", _("Failed")  # a crash: the summary holds the error


FINISHED = (RunStatus.SUCCEEDED, RunStatus.REJECTED, RunStatus.FAILED)
IMPORT_PREFIX = "import:"


def run_file_path(run, filename):
    # The stored name is ours (the original name is kept in `filename`): no clash, no odd path.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"runs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Run(models.Model):
    kind = models.CharField(_("kind"), max_length=64)  # "import:clients", later "appraisal"
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # none: the system
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # the starter's unit when it started: who may see the run (rule O5)
    language = models.CharField(max_length=16, default=settings.LANGUAGE_CODE)  # of the starter: the report's
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The last sign of life of a run working in several tasks (the appraisal batch): a run not
    # finished and silent for long has died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    phase = models.CharField(max_length=16, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # created / updated / unchanged
    dry_run = models.BooleanField(_("only checked"), default=False)
    params = models.JSONField(default=dict, blank=True)  # {"kind": "clients"}; later the quarter
    errors = models.JSONField(default=list, blank=True)  # [{row, column, message}], the first RUNS_REPORT_ROWS
    error_total = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    # A dry run's consequences (imports.engine.Consequence.as_dict): what the file would change.
    consequences = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to=run_file_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)

    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-created_at"], name="run_unit_created"),
            models.Index(fields=["-created_at"], name="run_created"),
            models.Index(fields=["kind", "status"], name="run_kind_status"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self):
        return self.status in FINISHED

    @property
    def import_kind(self):
        """The import KIND of an import run ("clients"), None for other runs."""
        return self.kind.removeprefix(IMPORT_PREFIX) if self.kind.startswith(IMPORT_PREFIX) else None

    @property
    def percent(self):
        if self.finished:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def errors_left_off(self):
        return max(0, self.error_total - len(self.errors))
