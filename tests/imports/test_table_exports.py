"""The one door of every export (imports.exports.table_response): a cell a spreadsheet would run
as a formula is made harmless in CSV and XLSX alike; numbers, dates and names stay as they are."""

import datetime
from decimal import Decimal

import pytest

from imports.exports import table_response
from tests.export_files import csv_rows, filename_of, xlsx_cells, xlsx_rows

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "=1+1"]
HEADER = ["名称", "金额"]


def test_csv_prefixes_formula_like_text_with_an_apostrophe():
    response = table_response("t", HEADER, [[text, None] for text in FORMULAS], "csv")
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == ["'" + text for text in FORMULAS]


def test_csv_leaves_numbers_dates_and_plain_text_alone():
    row = [-2, Decimal("-1234.50"), Decimal("0.00"), datetime.date(2024, 3, 1), "合肥-钢铁", "a=b", "", None, True]
    rows = csv_rows(table_response("t", HEADER, [row], "csv"))
    assert rows[1] == ["-2", "-1234.50", "0.00", "2024-03-01", "合肥-钢铁", "a=b", "", "", "1"]


def test_xlsx_writes_formula_like_text_as_plain_strings():
    response = table_response("t", HEADER, [[text, Decimal("-5.00")] for text in FORMULAS], "xlsx")
    cells = xlsx_cells(response)
    # Read back from the saved workbook: no cell anywhere is a formula.
    assert all(cell.data_type != "f" for row in cells for cell in row)
    # (XML reads a carriage return back as a line feed.)
    assert [row[0].value for row in cells[1:]] == [text.replace("\r", "\n") for text in FORMULAS]
    assert [row[0].data_type for row in cells[1:]] == ["s"] * len(FORMULAS)
    # A negative amount is a number, not text nor a formula.
    assert {(row[1].value, row[1].data_type) for row in cells[1:]} == {(-5, "n")}


def test_xlsx_keeps_decimals_exact_and_shows_their_places():
    cells = xlsx_cells(table_response("t", HEADER, [[Decimal("12345678901234.56"), Decimal("33.3"), 7]], "xlsx"))
    money, share, count = cells[1]
    assert str(money.value) == "12345678901234.56" and money.number_format == "#,##0.00"
    assert share.number_format == "#,##0.0" and count.value == 7


def test_xlsx_writes_dates_as_dates_and_drops_characters_a_workbook_cannot_hold():
    rows = xlsx_rows(table_response("t", HEADER, [[datetime.date(2024, 3, 1), "a\x00b\x07c"]], "xlsx"))
    assert rows[1] == [datetime.datetime(2024, 3, 1), "abc"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_chinese_file_name_is_offered_as_such(fmt):
    response = table_response("客户清单_2024-06-30", HEADER, [], fmt)
    assert filename_of(response) == f"客户清单_2024-06-30.{fmt}"
