"""Reading exported files back in tests: the cells of a CSV or XLSX attachment."""

import csv
import io

from openpyxl import load_workbook


def response_bytes(response):
    """The file of an attachment (or the bytes given). A streamed one can be read only once."""
    if isinstance(response, bytes):
        return response
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response):
    """The rows of a CSV attachment (UTF-8 with BOM) or its bytes, as lists of cell texts."""
    text = response_bytes(response).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_cells(response):
    """The cells of an XLSX attachment's first sheet, row by row (openpyxl Cell objects)."""
    book = load_workbook(io.BytesIO(response_bytes(response)))
    return [list(row) for row in book.worksheets[0].iter_rows()]


def xlsx_rows(response):
    """The values of an XLSX attachment's first sheet, row by row."""
    return [[cell.value for cell in row] for row in xlsx_cells(response)]


def rows_of(response, fmt):
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response)


def filename_of(response):
    """The file name an attachment asks to be saved as (RFC 6266, UTF-8 names decoded)."""
    from urllib.parse import unquote

    disposition = response["Content-Disposition"]
    if "filename*=utf-8''" in disposition:
        return unquote(disposition.split("filename*=utf-8''", 1)[1])
    return disposition.split('filename="', 1)[1].rstrip('"')


def csv_lines(response):
    """The lines of a CSV attachment, without the byte-order mark."""
    return response_bytes(response).decode("utf-8-sig").strip().splitlines()
