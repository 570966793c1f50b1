"""The bulk import engine (INTERFACES.md "Bulk import"), shared by every KIND.

A KIND is an `Importer` subclass declared in its app's importers.py: its columns, its natural
key, a set-based `check` of the parsed rows against the database, and a `write` that calls the
app's services. The engine reads CSV or XLSX, parses every cell, and imports the file whole or
not at all: one bad row rejects the file and the report names every bad row as
`row N, column C: message` (row 2 is the first data row).
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import parsers

REGISTRY: dict[str, type["Importer"]] = {}


def register(importer):
    REGISTRY[importer.kind] = importer
    return importer


class UsageError(Exception):
    """The call was wrong (unknown kind, unreadable file), not the data: exit code 2."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        # The "row N, column C:" prefix is the contract of INTERFACES.md, in every language.
        if self.column:
            return f"row {self.row}, column {self.column}: {self.message}"
        return f"row {self.row}: {self.message}"


class ImportRejected(Exception):
    """The file was refused whole. `errors` are the bad rows reported (the first ones, sorted),
    `total` how many there were in all."""

    def __init__(self, errors, total=None):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        self.total = len(self.errors) if total is None else total


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = parsers.text
    required: bool = True


@dataclass
class Row:
    number: int
    values: dict
    parsed: bool = True  # every cell parsed; only such rows go on to the importer's check

    def __getitem__(self, name):
        return self.values.get(name)


@dataclass
class Report:
    kind: str
    rows: int
    counts: Any
    dry_run: bool

    def __str__(self):
        verdict = _("checked, nothing written (dry run)") if self.dry_run else _("imported")
        return _("%(kind)s: %(rows)d rows %(verdict)s: %(counts)s") % {
            "kind": self.kind, "rows": self.rows, "verdict": verdict, "counts": self.counts,
        }


@dataclass
class Importer:
    """One KIND of import. Subclasses declare `kind`, `columns`, `key`; override check and write."""

    kind: ClassVar[str]
    columns: ClassVar[list[Column]]
    key: ClassVar[tuple[str, ...]]
    # Model field names a service may name in a ValidationError, mapped to the file's columns.
    field_columns: ClassVar[dict[str, str]] = {}
    # What a person needs to run this import from the admin panel.
    permissions: ClassVar[tuple[str, ...]] = ()

    actor: Any = None  # the person importing; None for the shell, which may touch everything
    errors: list = field(default_factory=list)
    present: set = field(default_factory=set)  # the columns the file has

    def error(self, row, column, message):
        self.errors.append(RowError(row.number if isinstance(row, Row) else row, column, str(message)))

    def check(self, rows):
        """Set-based checks of the parsed rows against each other and the database."""

    def write(self, rows, *, actor):
        """Write the rows through the app's services; answer the Counts."""
        raise NotImplementedError

    def given(self, row, name, stored):
        """The row's value of an optional column, or `stored`'s when the file lacks the column:
        an absent column changes nothing, an empty cell means none."""
        if name in self.present or stored is None:
            return row[name]
        return getattr(stored, name)

    def kept_attributes(self, renamed=None):
        """The attributes an upsert leaves as stored: those of the optional columns the file does
        not have (`renamed` maps a column to its attribute, e.g. unit_code → unit_id)."""
        renamed = renamed or {}
        absent = {column.name for column in self.columns if not column.required} - self.present
        return {renamed.get(name, name) for name in absent}

    def service_errors(self, row, exc):
        """Turn a service's ValidationError into row errors, column named where it can be."""
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                column = self.field_columns.get(name, name if name in self.column_names() else "")
                for message in messages:
                    self.error(row, column, message)
        else:
            for message in exc.messages:
                self.error(row, "", message)

    @classmethod
    def column_names(cls):
        return [column.name for column in cls.columns]

    @classmethod
    def column_label(cls, name):
        """The column's name for people (Chinese by default), its contract name where it has none."""
        column = next((column for column in cls.columns if column.name == name), None)
        return str(getattr(column, "label", None) or name)


def read_table(content: bytes, filename: str):
    """The header and the data rows of a CSV (UTF-8, BOM or not) or XLSX (first sheet) file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(content)
    raise UsageError(_("Unsupported file type %(name)s: give a .csv or .xlsx file.") % {"name": filename})


def _read_csv(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(_("The file is not UTF-8 text (byte %(pos)d).") % {"pos": exc.start}) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return (rows[0], rows[1:]) if rows else ([], [])


def _read_xlsx(content):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UsageError(_("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}) from None
    sheet = book.worksheets[0]
    rows = [[parsers.cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return (rows[0], rows[1:]) if rows else ([], [])


def parse(importer, header, raw_rows):
    """Check the header and parse every cell; answer the rows (errors go to the importer)."""
    header = [name.strip().lower() for name in header]
    known = {column.name: column for column in importer.columns}
    if not any(header):
        importer.error(1, "", _("The header row is missing."))
        return []
    # Unnamed columns with nothing in them (a trailing comma, a formatted spreadsheet column).
    for index in [index for index, name in enumerate(header) if not name]:
        if any(index < len(raw) and raw[index].strip() for raw in raw_rows):
            importer.error(1, f"#{index + 1}", _("This column has values but no name."))
    header = [name if name else None for name in header]
    importer.present = {name for name in header if name}
    for name in filter(None, header):
        if name not in known:
            importer.error(1, name, _("Unknown column; the columns of %(kind)s are: %(names)s.") % {
                "kind": importer.kind, "names": ", ".join(known)})
    for name in {name for name in header if name and header.count(name) > 1}:
        importer.error(1, name, _("This column appears more than once."))
    for column in importer.columns:
        if column.required and column.name not in header:
            importer.error(1, column.name, _("This required column is missing."))
    if importer.errors:
        return []

    rows, seen_keys = [], {}
    for offset, raw in enumerate(raw_rows):
        number = offset + 2
        if not any(cell.strip() for cell in raw):
            continue  # a blank line is no row
        if len(raw) > len(header) and any(cell.strip() for cell in raw[len(header) :]):
            importer.error(number, "", _("This row has more cells than the header has columns."))
            continue
        cells = {name: cell.strip() for name, cell in zip(header, raw, strict=False) if name}
        values, errors_before = {}, len(importer.errors)
        for name, column in known.items():
            cell = cells.get(name, "")
            if cell == "":
                if column.required:
                    importer.error(number, name, _("A value is required."))
                values[name] = None
                continue
            try:
                values[name] = column.parse(cell)
            except ValidationError as exc:
                importer.error(number, name, exc.messages[0])
        row = Row(number, values, parsed=len(importer.errors) == errors_before)
        key = tuple(values.get(name) for name in importer.key)
        if None not in key:
            if key in seen_keys:
                importer.error(number, importer.key[-1], _("The same key as row %(row)d.") % {"row": seen_keys[key]})
            seen_keys.setdefault(key, number)
        rows.append(row)
    return rows


def run_import(kind, content, filename, *, actor, dry_run=False, progress=None):
    """Import a whole file or nothing of it. Raises UsageError or ImportRejected.

    `content` is the file's bytes or a binary file object; `progress(done, total, phase)`, when
    given, is told how far the import has come."""
    if hasattr(content, "read"):
        content = content.read()
    progress = progress or (lambda done, total, phase: None)
    try:
        importer = REGISTRY[kind](actor=actor)
    except KeyError:
        raise UsageError(_("Unknown import kind %(kind)s; the kinds are: %(kinds)s.") % {
            "kind": kind, "kinds": ", ".join(sorted(REGISTRY))}) from None
    header, raw_rows = read_table(content, filename)
    progress(0, len(raw_rows), "parse")
    rows = parse(importer, header, raw_rows)
    progress(len(raw_rows), len(raw_rows), "check")
    # The rows that parsed are checked even when others did not, so that the report names
    # every bad row at once. (A header error gives no rows at all.)
    importer.check([row for row in rows if row.parsed])
    if importer.errors:
        raise ImportRejected(importer.errors)
    with transaction.atomic():
        counts = importer.write(rows, actor=actor)
        if importer.errors:
            raise ImportRejected(importer.errors)  # rolls the transaction back
        if dry_run:
            transaction.set_rollback(True)
    progress(len(raw_rows), len(raw_rows), "done")
    return Report(kind=kind, rows=len(rows), counts=counts, dry_run=dry_run)
