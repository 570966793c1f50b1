"""Helpers shared by the import tests: run the command, build files, catch a rejection."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from accounts.actors import SYSTEM
from imports.engine import ImportRejected, run_import


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's stderr is."""

    def isatty(self):
        return True


def run(tmp_path, kind, text, *options, name="file.csv", encoding="utf-8", stderr=None):
    """Run `manage.py import`; answer (exit code, stdout, stderr)."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    try:
        call_command("import", kind, str(path), *options, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def xlsx(rows):
    """An XLSX file (bytes) whose first sheet holds `rows`."""
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load(kind, content, *, name="x.csv", actor=SYSTEM, **options):
    """run_import of `content` (text is encoded as UTF-8)."""
    if isinstance(content, str):
        content = content.encode()
    return run_import(kind, content, name, actor=actor, **options)


def rejected(kind, content, **options):
    """The ImportRejected that importing `content` raises."""
    with pytest.raises(ImportRejected) as caught:
        load(kind, content, **options)
    return caught.value


def messages(rejection):
    return [str(error) for error in rejection.errors]
