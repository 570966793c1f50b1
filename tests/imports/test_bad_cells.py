"""Bad cells (issue 6): each is a clean `row N, column C: message`, the file is refused whole
and nothing is written; never a traceback."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Unit
from imports import engine, parsers
from marketing.models import Client, ClientMetric

from .support import load, messages, rejected, run, xlsx

UNITS_HEADER = "code,name,kind\n"


@pytest.fixture
def client_c1(bank):
    load("clients", "client_no,name,kind,account_unit_code\nC1,合肥钢铁,CORPORATE,HF0101\n")
    return Client.objects.get(client_no="C1")


@pytest.mark.parametrize(
    "character",
    [
        "\x00",
        "\x01",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9b",
        "\u202e",
        "\u202a",
        "\u2066",
        "\u2069",
        "\u200e",
        "\u200f",
        "\t",
        "\n",
    ],
)
def test_control_and_bidi_characters_in_a_text_cell_are_refused(db, character):
    content = UNITS_HEADER + f'AH,安徽省分行,PROVINCE\nHF,"合肥{character}分行",CITY\n'
    rejection = rejected("units", content)
    assert messages(rejection) == [
        f"row 3, column name: 单元格含有不可见的控制字符（U+{ord(character):04X}），请重新输入。"
    ]
    assert not Unit.objects.exists()


def test_a_nul_byte_in_a_cell_is_the_cells_error(db, tmp_path):
    code, _out, err = run(tmp_path, "units", (UNITS_HEADER + "AH,安徽\x00省分行,PROVINCE\n").encode())
    assert code == 1 and "row 2, column name:" in err and "Traceback" not in err
    assert not Unit.objects.exists()


def test_a_cell_over_the_csv_field_limit_names_its_row(db, tmp_path):
    huge = "x" * (engine.CSV_FIELD_LIMIT + 1)
    content = UNITS_HEADER + f'AH,安徽省分行,PROVINCE\nHF,"{huge}",CITY\n'
    assert messages(rejected("units", content))[0].startswith("row 3: ")
    code, _out, err = run(tmp_path, "units", content)
    assert code == 1 and "row 3: " in err
    assert not Unit.objects.exists()


def test_a_long_cell_under_the_field_limit_gets_its_columns_length_error(db):
    content = UNITS_HEADER + f'AH,"{"长" * 200_000}",PROVINCE\n'
    assert messages(rejected("units", content)) == ["row 2, column name: 最多 100 个字符。"]


BAD_MONEY = [
    "1e30",
    "1E5",
    "1,,,0",
    "1_000",
    "Infinity",
    "NaN",
    "-Infinity",
    "10000000000000000",
    "1234,567",
    "1,23",
    "１２",
    "+5",
    ".5",
    "5.",
    "0x10",
    "1 000",
    "12.345",
    "-5",
]


@pytest.mark.parametrize("cell", BAD_MONEY)
def test_money_other_than_plain_decimals_is_refused(client_c1, cell):
    rejection = rejected("metrics", f'client_no,month,aum\nC1,2026-01,"{cell}"\n')
    assert [str(error).split(":")[0] for error in rejection.errors] == ["row 2, column aum"]
    assert not ClientMetric.objects.exists()


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1,234,567.89", "1234567.89"),
        ("1234567.8", "1234567.80"),
        ("0", "0.00"),
        ("999,999,999,999.99", "999999999999.99"),
        ("007", "7.00"),
    ],
)
def test_plain_and_correctly_grouped_money_is_read(client_c1, cell, amount):
    load("metrics", f'client_no,month,aum\nC1,2026-01,"{cell}"\n')
    assert ClientMetric.objects.get().aum == Decimal(amount)


def test_money_says_why_it_is_refused():
    for cell, message in [
        ("1e30", "1e30 不是金额。"),
        ("10000000000000000", "10000000000000000：金额须小于 10^16 元。"),
        ("1.234", "1.234：金额最多保留 2 位小数。"),
        ("-5", "-5：金额不能为负。"),
    ]:
        with pytest.raises(ValidationError) as caught:
            parsers.money(cell)
        assert caught.value.messages == [message]
    assert parsers.money("-5", allow_negative=True) == Decimal("-5.00")


@pytest.mark.parametrize("cell", ["1_000", "１２", "1e3", "1,,000", "1.0", "9" * 19, "", "--1"])
def test_whole_numbers_are_plain_digits(cell):
    with pytest.raises(ValidationError):
        parsers.integer()(cell)


def test_whole_numbers_may_be_grouped_and_bounded():
    parse = parsers.integer(0, 5000)
    assert parse("1,000") == 1000 and parse("+12") == 12 and parse("0") == 0
    with pytest.raises(ValidationError):
        parse("5001")


@pytest.mark.parametrize("cell", ["0000-01", "1899-12", "2101-01", "9999-12", "2026-13", "２０２６-01", "2026-1"])
def test_months_outside_1900_to_2100_or_malformed_are_refused(client_c1, cell):
    rejection = rejected("metrics", f"client_no,month,aum\nC1,{cell},1\n")
    assert [str(error).split(":")[0] for error in rejection.errors] == ["row 2, column month"]
    assert not ClientMetric.objects.exists()


def test_a_year_outside_the_range_says_so():
    with pytest.raises(ValidationError) as caught:
        parsers.month("0000-01")
    assert caught.value.messages == ["0000-01：年份须在 1900 至 2100 之间。"]
    for cell in ["0001-01-01", "1899-12-31", "2101-01-01", "2026-02-30"]:
        with pytest.raises(ValidationError):
            parsers.date(cell)
    assert str(parsers.date("2100-12-31")) == "2100-12-31" and str(parsers.month("1900-01")) == "1900-01-01"
    with pytest.raises(ValidationError):
        parsers.quarter("0000Q1")


def test_a_csv_cell_starting_with_equals_is_refused_as_a_formula(bank):
    rejection = rejected(
        "clients", 'client_no,name,kind,account_unit_code\nC1,"=HYPERLINK(""http://x"")",CORPORATE,HF0101\n'
    )
    assert messages(rejection) == ["row 2, column name: 该单元格是公式，请改为粘贴数值（选择性粘贴 → 数值）。"]
    assert not Client.objects.exists()


def test_an_apostrophe_before_a_formula_sign_is_the_exports_guard_and_is_dropped(bank):
    content = (
        "client_no,name,kind,account_unit_code,industry\n"
        "C1,'=合肥钢铁,CORPORATE,HF0101,'+86\n"
        "C2,'@芜湖,CORPORATE,HF0101,'-\n"
        "C3,'普通名称,CORPORATE,HF0101,it's\n"
    )
    load("clients", content)
    stored = {client.client_no: (client.name, client.industry) for client in Client.objects.all()}
    assert stored == {"C1": ("=合肥钢铁", "+86"), "C2": ("@芜湖", "-"), "C3": ("'普通名称", "it's")}


def test_an_xlsx_formula_cell_is_refused(db, tmp_path):
    content = xlsx(
        [["code", "name", "kind"], ["AH", "安徽省分行", "PROVINCE"], ["HF", '=CONCAT("合肥","分行")', "CITY"]]
    )
    rejection = rejected("units", content, name="units.xlsx")
    assert messages(rejection) == ["row 3, column name: 该单元格是公式，请改为粘贴数值（选择性粘贴 → 数值）。"]
    code, _out, err = run(tmp_path, "units", content, name="units.xlsx")
    assert code == 1 and "row 3, column name:" in err
    assert not Unit.objects.exists()


def test_an_xlsx_text_cell_with_control_characters_is_refused(db):
    content = xlsx([["code", "name", "kind"], ["AH", "安徽\u202e省分行", "PROVINCE"]])
    assert [str(error).split(":")[0] for error in rejected("units", content, name="u.xlsx").errors] == [
        "row 2, column name"
    ]


def test_every_bad_row_is_named_and_good_rows_are_not_written(client_c1):
    content = "client_no,month,deposits_avg,aum\nC1,2026-01,1,2\nC1,0000-01,1e30,1\nC1,2026-02,1_000,NaN\n"
    rejection = rejected("metrics", content)
    assert [str(error).split(":")[0] for error in rejection.errors] == [
        "row 3, column deposits_avg",
        "row 3, column month",
        "row 4, column aum",
        "row 4, column deposits_avg",
    ]
    assert not ClientMetric.objects.exists()


@pytest.mark.parametrize("cell", ["0", "0.05", "-0.5", "12", "1,234,567.89", "-9999999999999999.99"])
def test_a_parsed_amount_comes_back_exactly_as_two_decimals(cell):
    pack, unpack = parsers.money.compact
    value = parsers.money(cell, allow_negative=True)
    assert str(unpack(pack(value))) == str(value) and unpack(pack(value)).as_tuple().exponent == -2


def test_a_date_as_excel_on_chinese_windows_saves_it_in_csv_is_read():
    from imports import parsers

    assert parsers.date("2026/12/1") == parsers.date("2026-12-01")
    for bad in ("2026/13/1", "2026/2/30", "26/12/1", "2026/12/1/1"):
        with pytest.raises(ValidationError):
            parsers.date(bad)
