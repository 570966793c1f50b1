"""Exports for Excel users: the same columns as the import formats, so a file round-trips."""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value):
        return value


def table_response(filename, header, rows, fmt):
    """An attachment of `rows` under `header`: `xlsx`, or CSV (UTF-8 with BOM, which Excel reads)."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response

    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(["" if value is None else value for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def kind_export(kind, *, actor):
    """The data of an import KIND that `actor` may see, in exactly its INTERFACES.md format:
    (header, rows), so that re-importing the file changes nothing."""
    raise NotImplementedError("built by the exports work of issue 6")
