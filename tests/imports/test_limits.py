"""Limits, the error cap, progress and the lock around check-and-write (issue 6)."""

import contextlib
import random
from typing import ClassVar

import pytest
from django.db import connection
from django.test import override_settings

from accounts.models import Unit
from imports import engine
from imports.engine import ErrorLog, Importer, ImportRejected, RowError, UsageError

from .support import Terminal, load, rejected, run

HEADER = "code,name,kind,parent_code\n"


def bad_units(count):
    """A units file whose every data row has a bad kind."""
    return HEADER + "".join(f"U{n},单位{n},BANK,\n" for n in range(count))


@override_settings(IMPORT_MAX_REPORTED_ERRORS=5)
def test_a_rejection_keeps_the_first_errors_and_counts_them_all(db):
    rejection = rejected("units", bad_units(12))
    assert [error.row for error in rejection.errors] == [2, 3, 4, 5, 6]
    assert (rejection.total, rejection.more) == (12, 7)
    assert not Unit.objects.exists()


def test_the_error_log_keeps_the_smallest_whatever_order_they_come_in():
    log = ErrorLog(limit=10)
    errors = [RowError(row, column, "x") for row in range(2, 1002) for column in ("b", "a")]
    random.Random(6).shuffle(errors)
    for error in errors:
        log.append(error)
    assert len(log) == log.total == 2000 and bool(log)
    assert [(error.row, error.column) for error in log.first()] == [
        (2, "a"),
        (2, "b"),
        (3, "a"),
        (3, "b"),
        (4, "a"),
        (4, "b"),
        (5, "a"),
        (5, "b"),
        (6, "a"),
        (6, "b"),
    ]
    assert len(log._kept) <= 2 * 10 + 100  # never more than that held at once


@override_settings(IMPORT_MAX_REPORTED_ERRORS=5)
def test_the_command_prints_the_first_errors_then_how_many_more(db, tmp_path):
    code, out, err = run(tmp_path, "units", bad_units(12))
    lines = err.strip().splitlines()
    assert code == 1 and out == ""
    assert [line.split(":")[0] for line in lines[:5]] == [f"row {n}, column kind" for n in range(2, 7)]
    assert lines[5:] == ["……另有 7 处错误", "file.csv：已拒绝，未写入任何数据（12 处错误）"]


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_file_over_the_row_limit_is_a_usage_error_naming_the_limit(db, tmp_path):
    content = HEADER + "AH,安徽省分行,PROVINCE,\n" + "".join(f"C{n},城市{n},CITY,AH\n" for n in range(3))
    with pytest.raises(UsageError) as caught:
        load("units", content)
    assert "3" in str(caught.value)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as command:
        run(tmp_path, "units", content)
    assert command.value.returncode == 2
    assert not Unit.objects.exists()
    load(
        "units", HEADER + "AH,安徽省分行,PROVINCE,\n\n\n" + "".join(f"C{n},城市{n},CITY,AH\n" for n in range(2))
    )  # blank lines are no rows


@override_settings(IMPORT_MAX_BYTES=1024 * 1024)
def test_a_file_over_the_size_limit_is_a_usage_error(db):
    content = HEADER + "AH,安徽省分行,PROVINCE,\n" * 60_000
    with pytest.raises(UsageError) as caught:
        load("units", content)
    assert "1 MiB" in str(caught.value)


def test_the_limits_admit_a_province_month_of_metrics():
    from django.conf import settings

    assert settings.IMPORT_MAX_ROWS >= 2_200_000 and settings.IMPORT_MAX_REPORTED_ERRORS >= 100
    assert settings.IMPORT_MAX_BYTES >= 2_200_000 * 80  # a metrics row is about 60 bytes


def test_progress_is_told_while_parsing_and_at_each_phase(db, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 2)
    calls = []
    content = HEADER + "AH,安徽省分行,PROVINCE,\n" + "".join(f"C{n},城市{n},CITY,AH\n" for n in range(4))
    load("units", content, progress=lambda done, total, phase: calls.append((done, total, phase)))
    phases = [phase for _done, _total, phase in calls]
    assert phases[0] == "parse" and phases[-3:] == ["check", "write", "done"]
    parsing = [(done, total) for done, total, phase in calls[1:] if phase == "parse"]
    assert [done for done, _total in parsing] == [2, 4]
    assert all(total is None or total >= done for done, total in parsing)
    assert calls[-1] == (5, 5, "done")


def test_the_command_is_quiet_off_a_terminal_and_shows_progress_on_one(db, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 1)
    content = HEADER + "AH,安徽省分行,PROVINCE,\nHF,合肥分行,CITY,AH\n"
    code, out, err = run(tmp_path, "units", content)
    assert code == 0 and err == "" and out.startswith("机构：2 行已导入")
    terminal = Terminal()
    code, out, err = run(tmp_path, "units", content, stderr=terminal)
    assert code == 0 and out.startswith("机构：2 行已导入") and "\r" not in out
    assert "\r读取：0 行" in err and "\r读取：2/2 行" in err and "\r完成：2/2 行" in err and err.endswith("\n")


def test_a_file_with_only_its_header_says_that_nothing_was_imported(db, tmp_path):
    code, out, err = run(tmp_path, "units", HEADER)
    assert code == 0 and out.startswith("机构：文件表头下没有数据行，未导入任何内容。")


def test_the_command_ends_the_progress_line_before_the_errors(db, tmp_path):
    code, out, err = run(tmp_path, "units", bad_units(2), stderr=Terminal())
    assert code == 1 and out == ""
    assert "\nrow 2, column kind:" in err and err.strip().endswith("（2 处错误）")


class Recorder(Importer):
    """A KIND that notes, at its check and its write, whether it holds the imports lock."""

    kind = "recorder"
    key = ("code",)
    columns: ClassVar = [engine.Column("code", engine.parsers.code)]
    seen: ClassVar = []

    def check(self, rows):
        Recorder.seen.append(("check", LOCK.held, connection.in_atomic_block))

    def write(self, rows, *, actor):
        Recorder.seen.append(("write", LOCK.held, connection.in_atomic_block))
        return len(rows)


class FakeLock:
    held, names = False, []

    @contextlib.contextmanager
    def exclusive(self, name):
        from django.db import transaction

        with transaction.atomic():
            self.names.append(name)
            self.held = True
            try:
                yield
            finally:
                self.held = False


LOCK = FakeLock()


def test_check_and_write_run_in_one_transaction_under_the_imports_lock(db, monkeypatch):
    monkeypatch.setitem(engine.REGISTRY, "recorder", Recorder)
    monkeypatch.setattr(engine.locks, "exclusive", LOCK.exclusive)
    Recorder.seen = []
    load("recorder", "code\nA\nB\n")
    assert Recorder.seen == [("check", True, True), ("write", True, True)]
    assert LOCK.names == ["imports"]


def test_a_rejected_check_writes_nothing_and_releases_the_lock(db, monkeypatch):
    class Refuser(Recorder):
        def check(self, rows):
            self.error(rows[0], "code", "no")

    monkeypatch.setitem(engine.REGISTRY, "recorder", Refuser)
    monkeypatch.setattr(engine.locks, "exclusive", LOCK.exclusive)
    Recorder.seen = []
    with pytest.raises(ImportRejected):
        load("recorder", "code\nA\n")
    assert Recorder.seen == [] and not LOCK.held
