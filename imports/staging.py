"""Staged imports (issue 7): the rows of a big file in a temporary table, for set-based SQL.

A staged KIND (Importer.staged, e.g. a month of metrics: millions of rows) is not parsed into
Python objects. Its file goes, as it is read, into a temporary table of text columns, one per
column of the file, with each row's number. Its cells are checked there against their canonical
forms (parsers.Canonical): the cells a bank system exports, which the parsers would take as they
are. A row whose cells are not all canonical goes through the parsers one cell at a time, as in
any import: the parsers refuse it with their messages, by row and column, or answer values that
are staged in canonical form instead. So the staged rows are exactly the rows that parse, and
what they hold is what the parsers answer; bad rows are not staged.

How the rows reach the table:

- On PostgreSQL, a CSV file whose records are plain lines (no quotes, one line ending
  throughout): its bytes go to COPY as they are, a chunk at a time, once one regular expression
  per chunk has matched every line as canonical. A line that is not takes the other road, and
  its canonical form (or an empty line, for a bad or blank row, deleted afterwards) goes in its
  place, so that COPY numbers the rows as the file does.
- Otherwise (an XLSX, a CSV with quotes, SQLite) row by row from the engine's reader: COPY rows
  on PostgreSQL, batched INSERTs on SQLite.

Either way memory holds a chunk of the file, never the file. The table is dropped at the end.
"""

import codecs
import contextlib
import itertools
import queue
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from . import engine

BATCH_ROWS = 10_000  # rows per INSERT batch (SQLite)
QUEUED_BUFFERS = 16  # buffers (of at most 128 KiB) waiting to go to COPY
# The memory of a session's temporary tables (PostgreSQL): settable only before the session
# first uses one, which is the import's first staged table in a fresh worker or command.
TEMP_BUFFERS = "256MB"


class NotPlain(Exception):
    """The CSV file cannot go to COPY as it is from byte `offset` on (row `number`): the rest
    is staged row by row."""

    def __init__(self, offset=0, number=2):
        super().__init__(offset, number)
        self.offset, self.number = offset, number


class _Lines:
    """The lines of a plain chunk that are not all canonical, as COPY is to take them: each line
    as it is when canonical, else parsed (engine.parse_cells) and in canonical form, or an
    empty line for a bad or blank row (deleted once copied), so that COPY numbers the rows as
    the file does."""

    def __init__(self, stage, rows, canonical, encoding, crlf):
        self.stage, self.rows, self.canonical, self.crlf = stage, rows, canonical, crlf
        # Data lines are decoded without a BOM: only the file's first bytes may hold one.
        self.decode = codecs.getdecoder("utf-8" if encoding == "utf-8-sig" else encoding)
        self.eol = b"\r\n" if crlf else b"\n"
        self.placeholder = b"," * (len(stage.header) - 1) + self.eol
        self.columns = engine.plan(stage.importer, stage.header)

    def __call__(self, chunk, number):
        try:
            texts = self.decode(chunk)[0].split("\n")  # before anything is counted or reported
        except UnicodeDecodeError:
            raise NotPlain from None  # the row-by-row reader says where
        lines = chunk.split(b"\n")
        if chunk.endswith(b"\n"):
            del lines[-1], texts[-1]  # (what follows the last line end)
        stage, rows, out = self.stage, self.rows, []
        for line, text in zip(lines, texts, strict=True):
            if self.canonical.fullmatch(line):
                rows.advance(1)
                out.append(line + b"\n")
                stage.rows += 1
            else:
                if self.crlf and text.endswith("\r"):
                    text = text[:-1]
                raw = text.split(",") if text else []  # what csv reads of a line without quotes
                values = None
                if rows.take(number, raw):
                    values = engine.parse_cells(stage.importer, number, raw, self.columns, True)
                if values is None:
                    out.append(self.placeholder)
                    stage.placeholders += 1
                else:
                    out.append(",".join(text or "" for text in stage._texts(values)).encode() + self.eol)
                    stage.rows += 1
            number += 1
        return b"".join(out)


class Stage:
    """The staged rows of one import, in a temporary table that lives as long as the `with`.

    `table` is its (quoted) name, `column(name)` the column of one of the importer's columns,
    `value(name, alias)` the SQL of that column's value as the parser would give it (NULL when
    empty or absent); `count` is the data rows the file has, `rows` those staged (every cell
    parsed). Rows are numbered as the file's (`row`; 2 is the first data row)."""

    def __init__(self, importer, header):
        self.importer, self.header = importer, header
        self.vendor = connection.vendor
        quote = connection.ops.quote_name
        self.table = quote(f"import_stage_{uuid.uuid4().hex}")
        self.names = [name or f"unnamed_{position + 1}" for position, name in enumerate(header)]
        self.columns = [quote(name) for name in self.names]
        by_name = {column.name: column for column in importer.columns}
        # Each position's pattern: a column's canonical form (possibly empty when optional);
        # nothing at all in a column without a name.
        self.forms = [by_name[name].parse.canonical if name else None for name in header]
        self.patterns = [
            "" if name is None else form.pattern if by_name[name].required else f"(?:{form.pattern})?"
            for name, form in zip(header, self.forms, strict=True)
        ]
        self.count = self.rows = self.placeholders = 0

    # --- the table ---------------------------------------------------------------------------

    def __enter__(self):
        columns = ", ".join(
            f"{column} {form.column[self.vendor] if form else 'text'}"
            for column, form in zip(self.columns, self.forms, strict=True)
        )
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                _set_temp_buffers(cursor)
                row = "row bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2)"
            else:
                row = "row integer"
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({row}, {columns})")
        return self

    def __exit__(self, *exc_info):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        except DatabaseError:
            pass  # a broken transaction or connection takes its temporary table with it

    def column(self, name):
        """The table's column for the importer's column `name`, or None when the file lacks it."""
        return self.columns[self.header.index(name)] if name in self.header else None

    def value(self, name, alias):
        """SQL for the value of column `name` of the row `alias`: as its parser answers it,
        NULL when the cell is empty (staged as NULL) or the file lacks the column."""
        column = self.column(name)
        if column is None:
            return "NULL"
        return self.forms[self.header.index(name)].sql[self.vendor].format(f"{alias}.{column}")

    def limit(self):
        return self.importer.errors.limit

    # --- loading -----------------------------------------------------------------------------

    def load(self, table, progress):
        """Stage the data rows of `table` (an engine Table); bad cells are the importer's errors.

        A COPY is always ended cleanly, even when the file turns out to be over a limit (that
        is raised once it has ended): a COPY that fails aborts the transaction it runs in."""
        rows = engine.DataRows(self.importer, table, self.header, progress)
        stopped = None
        try:
            if self.vendor == "postgresql" and isinstance(table, engine.CsvTable):
                try:
                    self._copy_plain(table, rows)
                except NotPlain as exc:
                    # The lines before are staged; the rest is read row by row.
                    if exc.offset:
                        table.resume(exc.offset, exc.number)
                        rows.estimate = table.estimate
                    else:
                        table.resume(0, 1)
                        next(table.rows, None)  # the header, read already
                    self._insert_rows(table, rows)
            else:
                self._insert_rows(table, rows)
        except engine.UsageError as exc:
            stopped = exc
        if stopped is not None:
            raise stopped
        self.count = rows.count
        if self.placeholders:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {self.table} WHERE {self.column(self.importer.key[0])} IS NULL")
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.table}")

    def _insert_rows(self, table, rows):
        """Stage the rows of the engine's reader: canonical rows as they are, others parsed."""
        width, formulas = len(self.header), table.text_formulas
        canonical = re.compile("\x1f".join(self.patterns))  # \x1f: no cell holds it (parsers.HIDDEN)
        columns = engine.plan(self.importer, self.header)
        padding = [""] * width
        stopped = None
        with self._writer() as write:
            try:
                for number, raw in rows:
                    cells = raw if len(raw) == width else (raw + padding)[:width]
                    if canonical.fullmatch("\x1f".join(cells)):
                        write((number, *[cell or None for cell in cells]))  # an empty cell is NULL
                        self.rows += 1
                        continue
                    values = engine.parse_cells(self.importer, number, raw, columns, formulas)
                    if values is not None:
                        write((number, *self._texts(values)))
                        self.rows += 1
            except engine.UsageError as exc:
                stopped = exc  # raised once the COPY has ended
        if stopped is not None:
            raise stopped

    def _texts(self, values):
        """A parsed row's values as canonical cells, by the file's positions (None: empty)."""
        by_name = dict(zip((column.name for column in self.importer.columns), values, strict=True))
        return [
            None if name is None or by_name[name] is None else form.text(by_name[name])
            for name, form in zip(self.header, self.forms, strict=True)
        ]

    def _writer(self):
        columns = ", ".join(["row", *self.columns])
        if self.vendor == "postgresql":
            return _copy_rows(f"COPY {self.table} ({columns}) FROM STDIN")
        marks = ", ".join(["%s"] * (len(self.columns) + 1))
        return _insert_batches(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})")

    def _copy_plain(self, table, rows):
        """COPY the file's bytes as they are, checked a chunk at a time (PostgreSQL). Raises
        NotPlain at the first chunk that is not plain, the chunks before it staged."""
        table.stream.seek(table.start)
        reader = engine.CountingReader(table.stream, settings.IMPORT_MAX_BYTES)
        if table.size:
            rows.estimate = lambda done: max(done, round(done * table.size / reader.count)) if reader.count else None
        chunks = _line_chunks(reader)
        first = next(chunks, b"")
        end = first.find(b"\n") + 1
        header_line, first = first[:end], first[end:]
        if not end or b'"' in header_line:
            raise NotPlain(0, 2)
        crlf = header_line.endswith(b"\r\n")
        pattern = ",".join(self.patterns).encode() + (b"\r" if crlf else b"")
        every_line = re.compile(b"^" + pattern + b"$", re.MULTILINE)
        lines_of = _Lines(self, rows, re.compile(pattern), table.encoding, crlf)
        offset, number, stopped = len(header_line), 2, None
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN (FORMAT csv)"
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            # (psycopg's cursor: Django's debug wrapper of copy() takes no writer)
            cursor.cursor.copy(sql, writer=_QueuedWriter(cursor.cursor)) as copy,
        ):
            for chunk in itertools.chain([first], chunks):
                newlines = chunk.count(b"\n")
                lines = newlines + (not chunk.endswith(b"\n"))  # the last line may lack its end
                # One line end throughout, and no quotes: then a line is a record, read the same
                # by COPY and by the csv module; anything else is read row by row.
                returns = chunk.count(b"\r")
                if b'"' in chunk or (returns != newlines or chunk.count(b"\r\n") != newlines if crlf else returns):
                    stopped = NotPlain(offset, number)
                    break
                try:
                    if every_line.subn(b"", chunk)[1] == lines:
                        rows.advance(lines)
                        copy.write(chunk if lines == newlines else chunk + b"\n")
                        self.rows += lines
                    else:
                        copy.write(lines_of(chunk, number))
                except NotPlain:
                    stopped = NotPlain(offset, number)
                    break
                except engine.UsageError as exc:
                    stopped = exc  # raised once the COPY has ended
                    break
                offset, number = offset + len(chunk), number + lines
        if stopped is not None:
            raise stopped

    # --- checks ------------------------------------------------------------------------------

    def check_duplicates(self):
        """Report every row whose key an earlier row has (at the key's last column, as the
        engine does), and unstage it."""
        importer = self.importer
        keys = ", ".join(self.column(name) for name in importer.key)
        later = f"(SELECT row, min(row) OVER (PARTITION BY {keys}) AS first FROM {self.table}) AS keyed"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT row, first, count(*) OVER () FROM {later} WHERE row <> first ORDER BY row LIMIT %s",
                [self.limit()],
            )
            found = cursor.fetchall()
            if not found:
                return
            message = _("The same key as row %(row)d.")
            importer.errors.extend(
                (engine.RowError(row, importer.key[-1], message % {"row": first}) for row, first, _total in found),
                found[0][2],
            )
            cursor.execute(f"DELETE FROM {self.table} WHERE row IN (SELECT row FROM {later} WHERE row <> first)")
            self.rows -= cursor.rowcount

    def rows_where(self, condition, params=(), *, alias="s", columns=()):
        """The first rows (by number) that meet the SQL `condition` on the staged row `alias`,
        as (row, *columns), and how many there are in all: for errors in bulk."""
        selected = ", ".join([f"{alias}.row", *(self.value(name, alias) for name in columns)])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {selected}, count(*) OVER () FROM {self.table} AS {alias} WHERE {condition} "
                f"ORDER BY {alias}.row LIMIT %s",
                [*params, self.limit()],
            )
            found = cursor.fetchall()
        return [row[:-1] for row in found], (found[0][-1] if found else 0)


def _set_temp_buffers(cursor):
    """Give the session's temporary tables TEMP_BUFFERS of memory, when it may still be set (before
    the session's first temporary table). Not inside a transaction, which a refused SET would
    abort: a command or a worker imports outside any."""
    if connection.in_atomic_block:
        return
    try:
        cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass  # the session has had temporary tables: it keeps the memory it has


def _line_chunks(reader):
    """The bytes of `reader` in chunks of whole lines (the last one perhaps without its end)."""
    carry = b""
    while block := reader.read(engine.CHUNK):
        block = carry + block
        cut = block.rfind(b"\n") + 1
        if not cut:
            if len(block) > engine.CSV_FIELD_LIMIT:
                raise NotPlain  # a line longer than any cell: the row-by-row reader says why
            carry = block
            continue
        carry = block[cut:]
        yield block[:cut]
    if carry:
        yield carry


class _QueuedWriter(QueuedLibpqWriter):
    """psycopg's writer that sends the data from a thread of its own, so that the next chunk is
    checked while the database reads this one, with a short queue: memory holds a few chunks,
    never the file (psycopg's own queue would take a thousand)."""

    def __init__(self, cursor):
        super().__init__(cursor)
        self._queue = queue.Queue(maxsize=QUEUED_BUFFERS)


@contextlib.contextmanager
def _copy_rows(sql):
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        yield copy.write_row


@contextlib.contextmanager
def _insert_batches(sql):
    batch = []
    with connection.cursor() as cursor:

        def write(row):
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                cursor.executemany(sql, batch)
                batch.clear()

        yield write
        if batch:
            cursor.executemany(sql, batch)
