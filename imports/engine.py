"""The bulk import engine (INTERFACES.md "Bulk import"), shared by every KIND.

A KIND is an `Importer` subclass declared in its app's importers.py: its columns, its natural
key, a set-based `check` of the parsed rows against the database, and a `write` that calls the
app's services. The engine reads CSV or XLSX, parses every cell, and imports the file whole or
not at all: one bad row rejects the file and the report names every bad row as
`row N, column C: message` (row 2 is the first data row).

Files are read as a stream (CSV through a text wrapper over the binary file, XLSX with
openpyxl's read-only reader), so memory grows with the rows that parse, compactly kept, never
with the file's text or its bad rows: a report keeps the first IMPORT_MAX_REPORTED_ERRORS errors
and counts the rest.
"""

import codecs
import csv
import io
import itertools
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bankops import locks

from . import parsers, staging

REGISTRY: dict[str, type["Importer"]] = {}

# The largest CSV cell read (Python's csv default is 128 KiB). No column takes anywhere near as
# much; a longer cell is a broken file (an unclosed quote) and is reported as such.
CSV_FIELD_LIMIT = 1024 * 1024
PROGRESS_EVERY = 10_000  # rows between two progress reports while parsing
CHUNK = 1024 * 1024

# How to save a file the engine reads, said in every message about an unreadable file (in the
# words of Excel's menus).
HOW_TO_SAVE = gettext_lazy('Save As "CSV UTF-8 (Comma delimited) (*.csv)" or "Excel Workbook (*.xlsx)"')
FORMULA = gettext_lazy("The cell holds a formula; paste its values instead (Paste Special → Values).")


def register(importer):
    REGISTRY[importer.kind] = importer
    return importer


EXCEL_DIGITS = 15  # the significant digits a spreadsheet keeps of a number


class UsageError(Exception):
    """The call was wrong (unknown kind, unreadable file, a file over the limits), not the data:
    exit code 2."""


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

    def for_people(self, importer_class=None):
        """The error for a page, in the active language, the column by its name for people:
        "第 5 行，「客户号」列：…"."""
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        label = importer_class.column_label(self.column) if importer_class else self.column
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": label,
            "message": self.message,
        }


def _error_order(error):
    return (error.row, error.column)


class ErrorLog:
    """The errors of one import: the first `limit` in (row, column) order are kept, all are
    counted. A file of a million bad rows costs the memory of `limit` errors.

    `len()` is the count of all, so `len(errors) == before` still tells whether a step added any."""

    def __init__(self, limit=None):
        self.limit = settings.IMPORT_MAX_REPORTED_ERRORS if limit is None else limit
        self.total = 0
        self._kept = []

    def append(self, error):
        self.total += 1
        self._kept.append(error)
        if len(self._kept) >= 2 * self.limit + 100:
            self._trim()

    def extend(self, errors, total):
        """Errors found in bulk (by SQL): `errors` are the first of them in (row, column) order,
        at least `limit` of them when there are as many; `total` is how many there are in all."""
        errors = list(errors)
        for error in errors:
            self.append(error)
        self.total += total - len(errors)

    def clear(self):
        self.total = 0
        self._kept = []

    def _trim(self):
        self._kept.sort(key=_error_order)
        del self._kept[self.limit :]

    def first(self):
        """The kept errors, sorted."""
        self._trim()
        return list(self._kept)

    def __len__(self):
        return self.total

    def __bool__(self):
        return self.total > 0

    def __iter__(self):
        return iter(self.first())


class ImportRejected(Exception):
    """The file was refused whole. `errors` are the bad rows reported (the first ones, sorted),
    `total` how many there were in all."""

    def __init__(self, errors, total=None):
        if isinstance(errors, ErrorLog):
            errors, total = errors.first(), errors.total
        self.errors = sorted(errors, key=_error_order)
        self.total = len(self.errors) if total is None else total
        super().__init__("\n".join(str(error) for error in self.errors))

    @property
    def more(self):
        """How many errors there are beyond those in `errors`."""
        return self.total - len(self.errors)


@dataclass(frozen=True)
class Column:
    name: str  # the contract name of INTERFACES.md
    parse: Callable[[str], Any] = parsers.text
    required: bool = True
    label: Any = None  # the name for people (gettext_lazy; its zh-hans text is accepted as a header too)

    @property
    def format(self):
        """How to fill in the column's cells (for the templates), or None."""
        return getattr(self.parse, "format", None)

    @property
    def choices(self):
        """(value, label) pairs of a choice column, else None."""
        return getattr(self.parse, "choices", None)


class Row:
    """One parsed data row: `row[name]` is the parsed value of a column (None when empty).

    Millions of these are held at once for a month of metrics, so a row is a tuple of values
    (money kept as integer cents, a third of a Decimal's size) and a reference to its import's
    shared layout, not a dict."""

    __slots__ = ("cells", "layout", "number")
    parsed = True  # every cell parsed: rows with a bad cell are reported, not kept

    def __init__(self, number, cells, layout):
        self.number = number
        self.cells = cells
        self.layout = layout

    def __getitem__(self, name):
        position = self.layout.index.get(name)
        if position is None:
            return None
        value, unpack = self.cells[position], self.layout.unpack[position]
        return value if unpack is None or value is None else unpack(value)

    @property
    def values(self):
        return {name: self[name] for name in self.layout.index}

    def __repr__(self):
        return f"Row({self.number}, {self.values!r})"


class Layout:
    """What the rows of one import share: each column's position, and how to unpack a value
    that a parser's `compact` = (pack, unpack) stores compactly."""

    __slots__ = ("index", "pack", "unpack")

    def __init__(self, columns):
        self.index = {column.name: position for position, column in enumerate(columns)}
        compact = [getattr(column.parse, "compact", (None, None)) for column in columns]
        self.pack = tuple(pack for pack, _unpack in compact)
        self.unpack = tuple(unpack for _pack, unpack in compact)


@dataclass
class Consequence:
    """One kind of thing a dry run's file would change (DRY_RUN_PROBES): a title, the first
    lines, and how many more there are."""

    title: str
    lines: list
    more: int = 0

    def as_dict(self):
        return {"title": str(self.title), "lines": [str(line) for line in self.lines], "more": self.more}


@dataclass
class Report:
    kind: str
    rows: int
    counts: Any
    dry_run: bool
    consequences: list = field(default_factory=list)  # of Consequence, a dry run's

    def __str__(self):
        if not self.rows:
            return _("%(kind)s: the file has no data rows below its header; nothing was imported.") % {
                "kind": kind_name(self.kind)
            }
        verdict = _("checked, nothing written (dry run)") if self.dry_run else _("imported")
        return _("%(kind)s: %(rows)d rows %(verdict)s: %(counts)s") % {
            "kind": kind_name(self.kind),
            "rows": self.rows,
            "verdict": verdict,
            "counts": self.counts,
        }


def kind_name(kind):
    """A KIND by the name bank staff use (its importer's label), else as the contract spells it."""
    importer = REGISTRY.get(kind)
    return (importer and importer.label) or kind


# KIND → [probe]: what a dry run of the KIND reports besides its counts. `probe(importer, stage)`
# is called inside the import's transaction before the write (stage: the staged rows of a staged
# KIND, else None) and answers a function called after the write, before the rollback, that
# answers a list of Consequence. Apps register their probes (on_dry_run) in their ready().
DRY_RUN_PROBES = {}


def on_dry_run(kind, probe):
    """Let `probe` tell what a dry run of `kind` would change (DRY_RUN_PROBES)."""
    DRY_RUN_PROBES.setdefault(kind, []).append(probe)


def _probe(importer, stage, dry_run):
    """The dry run's probes of `importer`'s KIND, started before its write (none for a real run)."""
    if not dry_run:
        return []
    return [probe(importer, stage) for probe in DRY_RUN_PROBES.get(importer.kind, ())]


def _consequences(finishes):
    return [consequence for finish in finishes for consequence in finish()]


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
    # The KIND by the name bank staff use (kind_name: the reports, the import page, the runs).
    label: ClassVar[Any] = None

    actor: Any  # the person importing, or accounts.actors.SYSTEM: the services check its rights
    errors: ErrorLog = field(default_factory=ErrorLog)
    present: set = field(default_factory=set)  # the columns the file has

    def error(self, row, column, message):
        self.errors.append(RowError(row.number if isinstance(row, Row) else row, column, str(message)))

    def check(self, rows):
        """Set-based checks of the parsed rows against each other and the database."""

    def write(self, rows, *, actor):
        """Write the rows through the app's services; answer the Counts."""
        raise NotImplementedError

    # A KIND of millions of rows is `staged`: its file is read into a temporary table
    # (imports.staging) and checked and written there with set-based SQL, in memory that does
    # not grow with the file; `check_staged` and `write_staged` then stand for check and write.
    # Every column's parser has a `canonical` form (parsers.Canonical), and the key's columns are
    # required.
    staged: ClassVar[bool] = False

    def check_staged(self, stage):
        """Report the staged rows the database refuses (set-based), as `error` does. The engine
        calls it only when `write_staged` refused the rows: the write checks them too, and
        reading millions of rows twice would double the import."""

    def write_staged(self, stage, *, actor):
        """Write the staged rows through the app's services; answer the Counts. Raises
        ValidationError, PermissionDenied or IntegrityError, having written nothing, when rows
        are refused; `check_staged` then says which."""
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
        """The column's name for people in the active language (Chinese by default), its
        contract name where it has none."""
        column = next((column for column in cls.columns if column.name == name), None)
        return str(getattr(column, "label", None) or name)

    @classmethod
    def header_names(cls):
        """What a header cell may say for each column, folded to lower case: its contract name
        or its Chinese label (whatever the active language)."""
        names = {column.name.casefold(): column.name for column in cls.columns}
        with translation.override("zh-hans"):
            for column in cls.columns:
                if column.label:
                    names.setdefault(str(column.label).strip().casefold(), column.name)
        return names


# ---------------------------------------------------------------------------------------------
# Reading files


class Formula(str):
    """A cell that holds a formula: an XLSX formula cell, or CSV text starting with `=`."""


class TableError(Exception):
    """The file cannot be read past data row `row` (a broken CSV record)."""

    def __init__(self, row, message):
        super().__init__(message)
        self.row, self.message = row, message


class Table:
    """A file's header and its rows as lists of cell texts, read as they are iterated.

    `rows` yields (row number, cells); `estimate(done)` guesses how many rows there are in all
    after `done` of them (None when it cannot tell); `text_formulas`: a cell's text starting with
    `=` reads as a formula (CSV)."""

    text_formulas = False
    header: list

    def estimate(self, done):
        return None

    def close(self):
        pass


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it and refuses more than `limit`."""

    def __init__(self, stream, limit):
        self.stream, self.limit, self.count = stream, limit, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.stream.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise UsageError(too_big_message())
        buffer[: len(data)] = data
        return len(data)


def too_big_message():
    return _("The file is larger than the limit of %(limit)s MiB; split it into smaller files.") % {
        "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)
    }


def not_text_message(detail):
    return _("%(detail)s In Excel, %(how)s.") % {"detail": detail, "how": HOW_TO_SAVE}


class CsvTable(Table):
    text_formulas = True

    def __init__(self, stream, size):
        self.size = size
        self.encoding = csv_encoding(stream)
        # Where the file starts in `stream`: a staged import may read its bytes again (staging).
        self.stream, self.start = stream, stream.tell()
        self.raw = CountingReader(stream, settings.IMPORT_MAX_BYTES)
        self.text = io.TextIOWrapper(io.BufferedReader(self.raw, CHUNK), encoding=self.encoding, newline="")
        csv.field_size_limit(CSV_FIELD_LIMIT)
        self.reader = csv.reader(self.text)
        self.header = self._next(1) or []
        if self.header:
            self.header[0] = self.header[0].lstrip("\ufeff")  # a BOM (UTF-8's, GB18030's)
        self.rows = self._rows()

    def _next(self, number):
        try:
            return next(self.reader, None)
        except csv.Error:
            raise TableError(
                number,
                _(
                    "A cell is longer than %(limit)d characters, or a quote is not closed; the file "
                    "cannot be read from this row on."
                )
                % {"limit": CSV_FIELD_LIMIT},
            ) from None
        except UnicodeDecodeError:
            raise UsageError(
                not_text_message(
                    _("The file is not text in UTF-8 or GB18030 (from data row %(row)d on).") % {"row": number}
                )
            ) from None

    def _rows(self, first=2):
        for number in itertools.count(first):
            cells = self._next(number)
            if cells is None:
                return
            yield number, cells

    def estimate(self, done):
        if not self.size or not self.raw.count or not done:
            return None
        return max(done, round(done * self.size / self.raw.count))

    def close(self):
        self.text.detach()

    def resume(self, offset, number):
        """Read the rows on from byte `offset` of the file (the start of a line), numbering the
        first of them `number`: a staged import has read the lines before as they are."""
        self.close()
        self.stream.seek(self.start + offset)
        self.raw = CountingReader(self.stream, settings.IMPORT_MAX_BYTES)
        self.raw.count = offset
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding  # a BOM only starts a file
        self.text = io.TextIOWrapper(io.BufferedReader(self.raw, CHUNK), encoding=encoding, newline="")
        self.reader = csv.reader(self.text)
        self.rows = self._rows(number)


def csv_encoding(stream):
    """UTF-8 (with or without BOM) when the whole file is UTF-8, else GB18030 (GBK's superset,
    what Excel on Chinese Windows writes as "CSV (逗号分隔)"). One pass over the bytes, a chunk
    at a time; the stream is rewound."""
    start = stream.tell()
    head = stream.read(64 * 1024)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UsageError(not_text_message(_('The file is UTF-16 text (Excel\'s "Unicode text").')))
    # A NUL in a cell is the cell's error; many of them make a binary file, not a table.
    if head.count(b"\0") > max(2, len(head) // 100):
        raise UsageError(not_text_message(_("The file is not a table of text (it holds binary data).")))
    decoder = codecs.getincrementaldecoder("utf-8")()
    # Non-ASCII characters read as UTF-8 so far. A GBK character now and then is valid UTF-8 by
    # chance, but not a run of them: after a few, a byte that is not UTF-8 is a damaged file.
    utf8_seen = UTF8_SURE if head.startswith(codecs.BOM_UTF8) else 0
    chunk = head
    while True:
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            utf8_seen += _non_ascii(chunk[: max(exc.start, 0)].decode("utf-8", "ignore"))
            if utf8_seen >= UTF8_SURE:
                raise UsageError(not_text_message(_("The file is UTF-8 text with a damaged byte."))) from None
            stream.seek(start)
            return "gb18030"
        if not chunk:
            stream.seek(start)
            return "utf-8-sig"
        if utf8_seen < UTF8_SURE:
            utf8_seen += _non_ascii(text)
        chunk = stream.read(CHUNK)


UTF8_SURE = 8


def _non_ascii(text):
    return len(text) - len(text.encode("ascii", "ignore"))


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW_TAG, CELL_TAG, VALUE_TAG, FORMULA_TAG = (SHEET_NS + tag for tag in ("row", "c", "v", "f"))
INLINE_TAG, TEXT_TAG, RUN_TEXT = SHEET_NS + "is", SHEET_NS + "t", f"{SHEET_NS}r/{SHEET_NS}t"
SHEET_DATA_TAG = SHEET_NS + "sheetData"


def _column_number(reference):
    """The column of a cell reference: A1 → 1, AB7 → 28."""
    number = 0
    for letter in reference:
        if letter <= "9":
            break
        number = number * 26 + ord(letter) - 64
    return number


class XlsxTable(Table):
    """The first sheet of a workbook. openpyxl opens the workbook (its parts, shared strings and
    date styles); the sheet's XML is then read here, one row at a time and each row dropped once
    read: openpyxl's own read-only cells cost several times as much per cell, which a million-row
    file feels. Uses openpyxl 3.1's read-only internals (the version is pinned)."""

    book = None

    def __init__(self, stream):
        from openpyxl import load_workbook

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it skips
                self.book = load_workbook(stream, read_only=True, data_only=False)
            sheet = self.book.worksheets[0]
            self.dimension = sheet.max_row
            self.shared_strings = sheet._shared_strings
            self.date_styles = self.book._date_formats
            self.source = sheet._get_source()
            self.iterator = self._sheet_rows()
            first = next(self.iterator, None)
        except Exception as exc:  # openpyxl and the zip reader raise many kinds for what is no workbook
            if self.book is not None:
                self.book.close()
            if isinstance(exc, UsageError):
                raise
            raise UsageError(not_text_message(_("The file is not a readable Excel workbook (.xlsx)."))) from None
        if first is not None and first[0] != 1:
            self.iterator = itertools.chain([first], self.iterator)  # row 1 is empty: no header
            first = None
        self.header = first[1] if first else []
        self.rows = self._rows()

    def _sheet_rows(self):
        from xml.etree.ElementTree import iterparse

        sheet_data = None
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == SHEET_DATA_TAG:
                    sheet_data = element
                continue
            if element.tag != ROW_TAG:
                continue
            number = int(element.get("r"))
            cells = []
            for cell in element.iterfind(CELL_TAG):
                reference = cell.get("r")
                column = _column_number(reference) if reference else len(cells) + 1
                while len(cells) < column - 1:
                    cells.append("")
                cells.append(self._value(cell))
            # The row is read: drop it, so the tree never holds more than one row.
            if sheet_data is not None:
                sheet_data.clear()
            else:
                element.clear()
            yield number, cells

    def _value(self, cell):
        """A cell as the text a CSV would hold; a formula as a Formula."""
        formula = cell.find(FORMULA_TAG)
        if formula is not None:
            # data_only=False: a formula is refused, not read as the value Excel last cached.
            return Formula("=" + (formula.text or ""))
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(INLINE_TAG)
            if inline is None:
                return ""
            text = inline.find(TEXT_TAG)
            return text.text or "" if text is not None else "".join(run.text or "" for run in inline.iterfind(RUN_TEXT))
        value = cell.findtext(VALUE_TAG)
        if value is None:
            return ""
        if kind == "s":
            return str(self.shared_strings[int(value)])
        if kind == "b":
            return "true" if value == "1" else "false"
        if kind == "n":
            style = cell.get("s")
            if style and int(style) in self.date_styles:
                from openpyxl.utils.datetime import from_excel

                try:
                    return parsers.cell_text(from_excel(float(value), self.book.epoch))
                except (OverflowError, ValueError):
                    return value
            if "." in value and "E" not in value and value.rstrip("0").endswith("."):
                return value.rstrip("0")[:-1]  # a whole number written as a float (5.0)
            if "E" not in value.upper() and sum(char.isdigit() for char in value) > EXCEL_DIGITS:
                # A binary double written out in full (691.1799999999999): Excel holds and shows
                # 15 significant digits, so that is the number the person sees and means.
                return format(float(value), f".{EXCEL_DIGITS}g")
        return value  # a number as written (1234.5, 1E+30), a formula's text (str), an error (#N/A)

    def _rows(self):
        try:
            yield from self.iterator
        except UsageError:
            raise
        except Exception:  # noqa: BLE001 - a broken zip or XML part shows only when it is read
            raise UsageError(not_text_message(_("The workbook is damaged and cannot be read to its end."))) from None

    def estimate(self, done):
        return max(done, self.dimension - 1) if self.dimension else None

    def close(self):
        self.source.close()
        self.book.close()


def file_size(stream):
    size = getattr(stream, "size", None)
    if size is None:
        position = stream.tell()
        size = stream.seek(0, io.SEEK_END)
        stream.seek(position)
    return size


def seekable(content):
    """A seekable binary stream of `content` (bytes or a file object). A stream that cannot seek
    is spooled to a temporary file (on disk past a few MiB), stopping at the size limit."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return io.BytesIO(content)
    if content.seekable():
        return content
    spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - it is the answer; the table closes it
    copied = 0
    while chunk := content.read(CHUNK):
        copied += len(chunk)
        if copied > settings.IMPORT_MAX_BYTES:
            raise UsageError(too_big_message())
        spool.write(chunk)
    spool.seek(0)
    return spool


def open_table(content, filename):
    """The table of a CSV (UTF-8 with or without BOM, or GB18030) or XLSX (first sheet) file,
    told apart by their first bytes as much as by the file's name."""
    stream = seekable(content)
    size = file_size(stream)
    if size > settings.IMPORT_MAX_BYTES:
        raise UsageError(too_big_message())
    start = stream.tell()
    magic = stream.read(8)
    stream.seek(start)
    name = filename.lower()
    if magic.startswith(b"PK\x03\x04"):
        return XlsxTable(stream)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise UsageError(not_text_message(_("The file is an old Excel workbook (.xls).")))
    if magic.startswith(b"%PDF") or name.endswith((".xls", ".xlsb", ".pdf", ".zip", ".doc", ".docx")):
        raise UsageError(not_text_message(_("%(name)s is not a table the import reads.") % {"name": filename}))
    if name.endswith(".xlsx"):
        raise UsageError(not_text_message(_("The file is not a readable Excel workbook (.xlsx).")))
    if name.endswith((".csv", ".txt")):
        return CsvTable(stream, size)
    raise UsageError(_("Unsupported file type %(name)s: give a .csv or .xlsx file.") % {"name": filename})


def read_table(content, filename):
    """The header and the data rows (lists of cell texts) of a CSV or XLSX file, all read: for
    small files and tests. The import itself streams (open_table)."""
    table = open_table(content, filename)
    try:
        return table.header, [cells for _number, cells in table.rows]
    finally:
        table.close()


# ---------------------------------------------------------------------------------------------
# Parsing


def _header(importer, names):
    """The file's columns by position (None for an unnamed one); header errors go to the importer."""
    known = importer.header_names()
    header = []
    for name in names:
        name = name.strip()
        if not name:
            header.append(None)
            continue
        column = known.get(name.casefold())
        if column is None and len(names) == 1 and any(mark in name for mark in (";", "\t")):
            importer.error(
                1,
                "",
                _("The header is one column holding ; or tabs: save the file as CSV separated by commas."),
            )
        elif column is None:
            importer.error(
                1,
                name,
                _("Unknown column; the columns of %(kind)s are: %(names)s.")
                % {
                    "kind": kind_name(importer.kind),
                    "names": ", ".join(f"{c.name} ({importer.column_label(c.name)})" for c in importer.columns),
                },
            )
        elif column in header:
            importer.error(1, column, _("This column appears more than once."))
        header.append(column)
    if not any(header) and not importer.errors:
        importer.error(1, "", _("The header row is missing."))
    for column in importer.columns:
        if column.required and column.name not in header and any(header):
            importer.error(1, column.name, _("This required column is missing."))
    importer.present = {name for name in header if name}
    return header


def _refusal(cell, formula, text_formulas):
    """Why a cell (stripped, not empty) cannot be read at all, or None; and its text."""
    if formula or (text_formulas and cell[0] == "="):
        return str(FORMULA), cell
    if cell[0] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        cell = cell[1:]  # the exports' guard against a spreadsheet running the cell
    character = parsers.hidden_character(cell)
    if character is not None:
        return parsers.hidden_character_message(character), cell
    return None, cell


def plan(importer, header, packs=None):
    """For each column of the importer: its position in the file (None: the file lacks it), its
    parser, how its value is packed (`packs`, else as parsed), whether it is required, its name."""
    packs = packs or [None] * len(importer.columns)
    return [
        (header.index(column.name) if column.name in header else None, column.parse, pack, column.required, column.name)
        for column, pack in zip(importer.columns, packs, strict=True)
    ]


class DataRows:
    """The data rows of `table` that are worth parsing, as (number, cells), read as iterated.

    A blank line is no row. Every other row counts (`count`) against IMPORT_MAX_ROWS and for
    progress; a row with values beyond the header's columns, and values in a column without a
    name, are errors said here. A broken CSV record ends the rows with its error."""

    def __init__(self, importer, table, header, progress):
        self.importer, self.table, self.progress = importer, table, progress
        self.width = len(header)
        self.unnamed = [position for position, name in enumerate(header) if name is None]
        self.flagged = set()
        self.count = 0
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.estimate = table.estimate  # how many rows there are, after so many (progress)

    def __iter__(self):
        try:
            for number, raw in self.table.rows:
                if self.take(number, raw):
                    yield number, raw
        except TableError as exc:
            self.importer.error(exc.row, "", exc.message)

    def take(self, number, raw):
        """Count the row; whether its cells are to be parsed."""
        if not any(cell.strip() for cell in raw):
            return False  # a blank line is no row
        self.advance(1)
        width = self.width
        if len(raw) > width and any(cell.strip() for cell in raw[width:]):
            self.importer.error(number, "", _("This row has more cells than the header has columns."))
            return False
        for position in self.unnamed:
            # Unnamed columns with nothing in them are harmless (a trailing comma, a formatted
            # spreadsheet column); a value there has no column to go to.
            if position not in self.flagged and position < len(raw) and raw[position].strip():
                self.flagged.add(position)
                self.importer.error(1, f"#{position + 1}", _("This column has values but no name."))
        return True

    def advance(self, rows):
        """Count `rows` more rows read (staging counts whole chunks of good rows at once)."""
        before, self.count = self.count, self.count + rows
        if self.count > self.max_rows:
            raise UsageError(
                _("The file has more than %(limit)d rows; split it into smaller files.") % {"limit": self.max_rows}
            )
        if self.count // PROGRESS_EVERY != before // PROGRESS_EVERY:
            self.progress(self.count, self.estimate(self.count), "parse")


def parse_cells(importer, number, raw, plan, text_formulas):
    """The values of one data row's cells by `plan`, or None when a cell is bad (its errors go to
    the importer, with row and column)."""
    values, errors, hidden = [], importer.errors, parsers.HIDDEN.search
    errors_before, length = errors.total, len(raw)
    for position, parse_cell, pack, required, name in plan:
        given = raw[position] if position is not None and position < length else ""
        cell = given.strip()  # (a plain str, even of a Formula)
        if not cell:
            if required:
                importer.error(number, name, _("A value is required."))
            values.append(None)
            continue
        # The common cell goes straight to its parser; the rare one is looked at closely.
        if cell[0] in "='" or hidden(cell) or type(given) is Formula:
            refusal, cell = _refusal(cell, type(given) is Formula, text_formulas)
            if refusal is not None:
                importer.error(number, name, refusal)
                values.append(None)
                continue
        try:
            value = parse_cell(cell)
        except ValidationError as exc:
            importer.error(number, name, exc.messages[0])
            values.append(None)
            continue
        values.append(value if pack is None else pack(value))
    return None if errors.total != errors_before else values


def parse(importer, table, progress=None):
    """Check the header and parse every cell of `table`; answer the rows that parsed (errors go
    to the importer) and the count of data rows read."""
    progress = progress or (lambda done, total, phase: None)
    header = _header(importer, table.header)
    if importer.errors:
        return [], 0
    layout = Layout(importer.columns)
    columns = plan(importer, header, layout.pack)
    key_positions = [layout.index[name] for name in importer.key]
    data, text_formulas = DataRows(importer, table, header, progress), table.text_formulas
    rows, seen_keys = [], {}
    for number, raw in data:
        values = parse_cells(importer, number, raw, columns, text_formulas)
        if values is None:
            continue  # a row with a bad cell goes no further; its errors are reported
        row = Row(number, tuple(values), layout)
        key = tuple(values[position] for position in key_positions)
        if None not in key:
            first = seen_keys.setdefault(key, row)
            if first is not row:
                importer.error(number, importer.key[-1], _("The same key as row %(row)d.") % {"row": first.number})
                continue
        rows.append(row)
    return rows, data.count


# ---------------------------------------------------------------------------------------------
# The import


def run_import(kind, content, filename, *, actor, dry_run=False, progress=None):
    """Import a whole file or nothing of it. Raises UsageError or ImportRejected.

    `content` is the file's bytes or a binary file object (read as a stream, never whole);
    `progress(done, total, phase)`, when given, is told how far the import has come: every
    10,000 rows while parsing (`total` an estimate, or None when it cannot be told yet), and at
    each phase: "parse", "check", "write", "done".

    The importer's check and its write run in one transaction under the lock
    `bankops.locks.exclusive("imports")`: two imports never interleave; a second one waits at
    the lock, then checks its rows against what the first committed. Reading and parsing the
    file happen before, outside the lock."""
    progress = progress or (lambda done, total, phase: None)
    try:
        importer = REGISTRY[kind](actor=actor)
    except KeyError:
        raise UsageError(
            _("Unknown import kind %(kind)s; the kinds are: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(sorted(REGISTRY))}
        ) from None
    progress(0, None, "parse")
    table = open_table(content, filename)
    try:
        if importer.staged:
            return _import_staged(importer, table, dry_run=dry_run, actor=actor, progress=progress)
        rows, count = parse(importer, table, progress)
    finally:
        table.close()
    progress(count, count, "check")
    with locks.exclusive("imports"):
        # The rows that parsed are checked even when others did not, so that the report names
        # every bad row at once. (A header error gives no rows at all.)
        importer.check(rows)
        if importer.errors:
            raise ImportRejected(importer.errors)
        progress(count, count, "write")
        finishes = _probe(importer, None, dry_run)
        counts = importer.write(rows, actor=actor)
        if importer.errors:
            raise ImportRejected(importer.errors)  # rolls the transaction back
        if dry_run:
            consequences = _consequences(finishes)
            transaction.set_rollback(True)
    progress(count, count, "done")
    return Report(
        kind=kind, rows=len(rows), counts=counts, dry_run=dry_run, consequences=consequences if dry_run else []
    )


def _import_staged(importer, table, *, dry_run, actor, progress):
    """run_import of a staged KIND: the file's rows go to a temporary table as they are read, and
    only those in canonical form or that parsed (staging.Stage); the write is set-based SQL.

    The write checks the rows it writes (clients unknown or out of reach, a key twice) and
    refuses them whole, so a good file is read once: the checks that name the bad rows run only
    when the write refused (or when cells were bad, to report everything at once)."""
    header = _header(importer, table.header)
    if importer.errors:
        raise ImportRejected(importer.errors)
    with staging.Stage(importer, header) as stage:
        stage.load(table, progress)
        progress(stage.count, stage.count, "check")
        with locks.exclusive("imports"):
            counts, refusal, consequences = None, None, []
            if not importer.errors:
                progress(stage.count, stage.count, "write")
                finishes = _probe(importer, stage, dry_run)
                try:
                    counts = importer.write_staged(stage, actor=actor)
                except (ValidationError, PermissionDenied, IntegrityError) as exc:
                    refusal = exc
            if counts is None:
                stage.check_duplicates()
                importer.check_staged(stage)
                if importer.errors:
                    raise ImportRejected(importer.errors)
                raise refusal
            if dry_run:
                consequences = _consequences(finishes)
                transaction.set_rollback(True)
    progress(stage.count, stage.count, "done")
    return Report(kind=importer.kind, rows=stage.rows, counts=counts, dry_run=dry_run, consequences=consequences)
