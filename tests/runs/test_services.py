"""Runs: starting an import run, executing it once, its outcome and its progress."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone

from accounts.actors import SYSTEM
from marketing.models import Client
from runs import services, tasks
from runs.models import Run, RunStatus
from runs.progress import PROGRESS_ALIAS, ProgressWriter
from runs.selectors import run_is_waiting

from .conftest import clients_csv, grant_imports, upload

pytestmark = pytest.mark.usefixtures("media")


def test_a_good_file_ends_succeeded_with_its_counts_and_its_file_kept(hefei_importer, start_run):
    run = start_run(
        hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), name="我的客户.csv"
    )
    assert run.status == RunStatus.SUCCEEDED
    assert run.counts == {"created": 1, "updated": 0, "unchanged": 0}
    assert (run.kind, run.params, run.started_by) == ("import:clients", {"kind": "clients"}, hefei_importer)
    assert run.unit.code == "HF"
    assert run.started_at and run.finished_at and run.finished_at >= run.started_at
    assert run.filename == "我的客户.csv" and run.file.read().startswith(b"client_no")
    assert Client.objects.get(client_no="C9").history.latest().history_user == hefei_importer


def test_a_dry_run_checks_and_writes_nothing(hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), dry_run=True)
    assert run.status == RunStatus.SUCCEEDED and run.dry_run and run.counts["created"] == 1
    assert not Client.objects.filter(client_no="C9").exists()


def test_bad_rows_end_rejected_with_the_report_and_nothing_written(hefei_importer, start_run):
    text = clients_csv(
        ("C9", "新客户", "CORPORATE", "HF0101"),
        ("C10", "坏客户", "NOPE", "HF0101"),
        ("C11", "外客户", "CORPORATE", "WH0101"),
    )
    run = start_run(hefei_importer, "clients", text)
    assert run.status == RunStatus.REJECTED
    assert [(error["row"], error["column"]) for error in run.errors] == [(3, "kind"), (4, "account_unit_code")]
    assert run.error_total == 2 and "2" in run.summary
    assert not Client.objects.filter(client_no__in=["C9", "C10", "C11"]).exists()


def test_the_report_is_capped_and_counts_every_bad_row(hefei_importer, start_run, settings):
    settings.RUNS_REPORT_ROWS = 3
    run = start_run(hefei_importer, "clients", clients_csv(*[(f"C{n}", "x", "NOPE", "HF0101") for n in range(10)]))
    assert run.status == RunStatus.REJECTED and len(run.errors) == 3 and run.error_total == 10
    assert run.errors_left_off == 7


def test_the_report_is_in_the_starters_language(hefei_importer, start_run):
    from django.utils import translation

    with translation.override("en"):
        english = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "")))
    chinese = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "")))
    assert (english.language, chinese.language) == ("en", "zh-hans")
    assert english.errors[0]["message"] == "A value is required."
    assert chinese.errors[0]["message"] != english.errors[0]["message"]


def test_an_unreadable_file_ends_rejected_with_its_message(hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", b"not a workbook", name="clients.xlsx")
    assert run.status == RunStatus.REJECTED and run.summary and run.errors == []
    run = start_run(hefei_importer, "clients", b"x", name="clients.pdf")
    assert run.status == RunStatus.REJECTED and ".pdf" in run.summary


def test_a_crashing_import_ends_failed_with_the_error(hefei_importer, start_run, monkeypatch):
    from imports.engine import REGISTRY

    def crash(self, rows, *, actor):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(REGISTRY["clients"], "write", crash)
    run = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")))
    assert run.status == RunStatus.FAILED and "disk on fire" in run.summary and run.finished_at
    assert not Client.objects.filter(client_no="C9").exists()


def test_starting_needs_the_kinds_permissions(hefei_manager, bank):
    with pytest.raises(PermissionDenied):
        services.import_run_start(actor=hefei_manager, kind="clients", upload=upload("x"), dry_run=False)
    clients_only = grant_imports(hefei_manager, "add_client", "change_client")
    with pytest.raises(PermissionDenied):
        services.import_run_start(actor=clients_only, kind="units", upload=upload("x"), dry_run=False)
    with pytest.raises(TypeError):
        services.import_run_start(actor=None, kind="clients", upload=upload("x"), dry_run=False)
    assert not Run.objects.exists()
    assert services.import_run_start(actor=clients_only, kind="clients", upload=upload("x"), dry_run=False).pk


def test_the_system_may_start_a_run_of_any_kind(bank, start_run):
    run = start_run(SYSTEM, "units", "code,name,kind,parent_code\n", execute=False)
    assert run.status == RunStatus.QUEUED and run.started_by is None and run.unit is None


def test_the_task_is_sent_when_the_start_commits(hefei_importer, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.execute, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.import_run_start(actor=hefei_importer, kind="clients", upload=upload("x"), dry_run=False)
        assert sent == []
    assert len(callbacks) == 1 and sent == [run.pk]
    assert Run.objects.get(pk=run.pk).status == RunStatus.QUEUED


def test_executing_a_run_twice_does_nothing_the_second_time(hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")))
    before = Run.objects.filter(pk=run.pk).values().get()
    assert services.run_execute(run.pk) is None
    tasks.execute.apply(args=[run.pk])  # a second delivery of the task, run here whatever the broker
    assert Run.objects.filter(pk=run.pk).values().get() == before
    assert Client.objects.get(client_no="C9").history.count() == 1


def test_two_runs_of_the_same_rows_both_end_in_the_order_they_started(hefei_importer, start_run):
    first = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), execute=False)
    second = start_run(hefei_importer, "clients", clients_csv(("C9", "改名客户", "CORPORATE", "HF0101")), execute=False)
    assert not run_is_waiting(first) and run_is_waiting(second)  # shown as waiting for the one before it
    services.run_execute(first.pk)
    services.run_execute(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED)
    assert (first.counts["created"], second.counts["updated"]) == (1, 1)
    assert first.finished_at <= second.started_at
    assert Client.objects.get(client_no="C9").name == "改名客户"


def test_a_run_waits_while_an_earlier_run_of_its_kind_is_running(hefei_importer, start_run, settings):
    settings.RUNS_WAIT_SECONDS = 1
    first = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), execute=False)
    Run.objects.filter(pk=first.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    second = start_run(hefei_importer, "clients", clients_csv(("C8", "新客户", "CORPORATE", "HF0101")), execute=False)
    Run.objects.filter(pk=second.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    second.refresh_from_db()
    told = []
    started = timezone.now()
    services.wait_for_earlier_runs(second, lambda done, total, phase: told.append(phase))
    assert told == ["wait"] and (timezone.now() - started).total_seconds() >= 1
    # The first does not wait for the later one.
    first.refresh_from_db()
    told.clear()
    services.wait_for_earlier_runs(first, lambda done, total, phase: told.append(phase))
    assert told == []


def test_progress_is_written_outside_the_imports_transaction(hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", "x", execute=False)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    writer = ProgressWriter(run.pk)
    writer(0, 10, "parse")
    assert Run.objects.values_list("done", "total", "phase").get(pk=run.pk) == (0, 10, "parse")
    with transaction.atomic():  # the import's transaction: here (in a test transaction) kept for later
        writer(5, 10, "write")
        assert Run.objects.values_list("phase", flat=True).get(pk=run.pk) == "parse"
    writer(10, 10, "done")
    assert Run.objects.values_list("done", "total", "phase").get(pk=run.pk) == (10, 10, "done")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_progress_inside_the_imports_transaction_is_seen_at_once_or_kept(bank, hefei_person, media):
    person = grant_imports(hefei_person)
    run = services.import_run_start(actor=person, kind="clients", upload=upload("x"), dry_run=True)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)  # whatever the eager task did
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, phase="parse")
    writer = ProgressWriter(run.pk)
    with transaction.atomic():
        writer(5, 10, "write")
        if PROGRESS_ALIAS in connections:
            # PostgreSQL: the second connection has committed it; other requests see it now.
            assert Run.objects.using(PROGRESS_ALIAS).values_list("done", "phase").get(pk=run.pk) == (5, "write")
            assert writer.pending is None
        else:
            # SQLite: the import holds the one write lock; kept until the transaction ends.
            assert writer.pending == {"done": 5, "total": 10, "phase": "write"}
    writer(10, 10, "done")
    assert Run.objects.values_list("done", "phase").get(pk=run.pk) == (10, "done")
