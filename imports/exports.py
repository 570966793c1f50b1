"""Exports for Excel users, through one door (`table_response`).

Two sorts of file go through it: the reports of the pages (Chinese headers, names beside codes,
是/否, figures in the unit the header states), built by each page; and the file of each import
KIND (`kind_export`), in exactly its INTERFACES.md format, so that re-importing it changes
nothing. Either way a cell that a spreadsheet would run as a formula is made harmless here.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); tab and
# carriage return start one too in some spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The CSV escape: a leading apostrophe makes Excel take the cell as text. The import strips
# exactly this apostrophe before = + - @, so a round trip keeps the value.
CSV_ESCAPE = "'"
CSV_ROWS_PER_WRITE = 500


def looks_like_formula(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """A value as the text of a CSV cell, never one a spreadsheet would run. Numbers are left as
    they are: a negative amount is a number, not a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, Decimal, float)):
        return value
    value = str(value)
    return CSV_ESCAPE + value if looks_like_formula(value) else value


class _Echo:
    def write(self, value):
        return value


def _xlsx_cell(sheet, value):
    """What the write-only sheet takes for `value`: the value itself where openpyxl stores it as
    it is (most cells: a cell object costs several times the value), else a cell."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif value is None or isinstance(value, (int, float, datetime.date)):
        return value
    elif not isinstance(value, Decimal):
        # Control characters cannot be stored in a workbook at all: dropped, not a failed export.
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if isinstance(value, str) and not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        # openpyxl takes a str starting with "=" for a formula: force a plain string cell.
        cell.data_type = "s"
    elif isinstance(value, Decimal):
        # Shown with the places it has (2 for money), grouped: as the pages show figures.
        places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
        cell.number_format = "#,##0" + ("." + "0" * places if places else "")
    return cell


def _xlsx(header, rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    bold = Font(bold=True)
    head = [WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", str(name))) for name in header]
    for cell in head:
        cell.data_type, cell.font = "s", bold
    sheet.append(head)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_response(filename, header, rows, fmt):
    """An attachment of `rows` under `header`: `xlsx`, or CSV (UTF-8 with BOM, which Excel reads),
    streamed. `filename` (without extension) may hold Chinese. Every exported file passes here."""
    if fmt == "xlsx":
        response = HttpResponse(_xlsx(header, rows), content_type=XLSX_TYPE)
    else:
        writer = csv.writer(_Echo())

        def lines():
            # In pieces of some hundred rows: one write to the socket per row costs more than the row.
            yield "\ufeff" + writer.writerow([csv_cell(str(name)) for name in header])
            piece = []
            for row in rows:
                piece.append(writer.writerow([csv_cell(value) for value in row]))
                if len(piece) == CSV_ROWS_PER_WRITE:
                    yield "".join(piece)
                    piece = []
            yield "".join(piece)

        fmt = "csv"
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return response


def requested_format(request, filters=None):
    """The format a report page is asked to export (?export=csv|xlsx), or None. None too when
    `filters`, the page's bound filterset, refused a value: the page then shows the refusal next
    to its field, instead of a file that looks filtered and is not."""
    fmt = request.GET.get("export")
    if fmt not in EXPORT_FORMATS:
        return None
    if filters is not None and not filters.is_valid():
        messages.error(request, _("Nothing was exported: correct the filters marked below first."))
        return None
    return fmt


def report_filename(what, when=None):
    """A report's file name: what it holds and the date it is as of (today when not given)."""
    when = when or timezone.localdate()
    return f"{what}_{when.isoformat()}"


def yes_no(value):
    """A boolean of a report, as people read it: 是/否."""
    return _("Yes") if value else _("No")


def label_of(choices):
    """code → its label (translated now) of a `choices` list or TextChoices; "" for none."""
    # Translated once, here: an export asks for them on each of millions of rows.
    labels = {code: str(name) for code, name in (choices.choices if hasattr(choices, "choices") else choices)}

    def label(code):
        return labels.get(code, code) if code else ""

    return label


# --- the files of the import KINDs ---------------------------------------------------------


def _importer(kind):
    from .engine import REGISTRY, UsageError

    try:
        return REGISTRY[kind]
    except KeyError:
        raise UsageError(
            _("Unknown import kind %(kind)s; the kinds are: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(sorted(REGISTRY))}
        ) from None


def kind_export(kind, *, actor):
    """The data of an import KIND that `actor` may see (rule O5), in exactly its INTERFACES.md
    format: (header, rows), so that re-importing the file changes nothing. The rows are a
    generator reading the database in a few streamed queries. `actor` is a person, or
    accounts.actors.SYSTEM for the whole bank."""
    if actor is None:
        raise TypeError("an export needs an actor: a person, or accounts.actors.SYSTEM")
    importer = _importer(kind)
    return importer.column_names(), importer.export_rows(actor)


def kind_export_response(kind, *, actor, fmt):
    """The file of `kind_export` as an attachment (`fmt` csv or xlsx), named by kind and date."""
    header, rows = kind_export(kind, actor=actor)
    return table_response(f"{kind}_{timezone.localdate().isoformat()}", header, rows, fmt)


def import_date(value):
    """A date of an import file (YYYY-MM-DD), None for none."""
    return value.isoformat() if value else None


def import_month(value):
    """A month of an import file (YYYY-MM), from the date of its first day."""
    return value.strftime("%Y-%m") if value else None


def import_boolean(value):
    return 1 if value else 0


def import_money(value):
    """Yuan with 2 decimals, None for none."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))
