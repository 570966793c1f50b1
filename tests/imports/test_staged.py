"""Staged imports (issue 7): the `metrics` file goes to a temporary table and is checked and
written there set-based, and says and stores exactly what the row-by-row import said and stored.

The expected reports below are those of the row-by-row import before staging (the same on SQLite
and PostgreSQL); on PostgreSQL a plain CSV goes to COPY as it is, otherwise rows are staged one
by one, and both roads are driven here."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from accounts.actors import SYSTEM
from imports import engine
from imports.engine import UsageError
from marketing import services
from marketing.models import ClientMetric
from tests.helpers import grant

from .support import load, messages, rejected, xlsx

H = "client_no,month,deposits_avg,aum\n"
NOPE = "row {row}, column client_no: 没有编号为 {no} 的客户。"
TWICE = "row {row}, column month: 与第 {first} 行的键重复。"
FORMULA = "该单元格是公式，请改为粘贴数值（选择性粘贴 → 数值）。"


@pytest.fixture
def clients(bank):
    load(
        "clients",
        "client_no,name,kind,account_unit_code\nC1,合肥钢铁,CORPORATE,HF0101\nI1,张先生,INDIVIDUAL,HF0101\n"
        "I2,李女士,INDIVIDUAL,WH0101\n",
    )


def stored():
    """client_no, month, deposits_avg, aum of every stored month (figures as text)."""
    rows = ClientMetric.objects.select_related("client").order_by("client__client_no", "month")
    return [(m.client.client_no, f"{m.month:%Y-%m}", _text(m.deposits_avg), _text(m.aum)) for m in rows]


def _text(amount):
    return None if amount is None else str(amount)


def counts(report):
    return (report.counts.created, report.counts.updated, report.counts.unchanged)


# --- what is read, and said, as before ----------------------------------------------------------

ACCEPTED = {
    "plain": (
        H + "C1,2026-01,1,2\nI1,2026-01,3,\n",
        [("C1", "2026-01", "1.00", "2.00"), ("I1", "2026-01", "3.00", None)],
    ),
    "CRLF line ends": (
        H.replace("\n", "\r\n") + "C1,2026-01,1,2\r\nI1,2026-01,3,\r\n",
        [("C1", "2026-01", "1.00", "2.00"), ("I1", "2026-01", "3.00", None)],
    ),
    "no line end at the end": (
        H + "C1,2026-01,1,2\nI1,2026-01,3,4",
        [("C1", "2026-01", "1.00", "2.00"), ("I1", "2026-01", "3.00", "4.00")],
    ),
    "carriage returns only": (
        H.replace("\n", "\r") + "C1,2026-01,1,1\rI1,2026-01,1,1\r",
        [("C1", "2026-01", "1.00", "1.00"), ("I1", "2026-01", "1.00", "1.00")],
    ),
    "a row of blanks": (H + "   ,  , ,\nC1,2026-01,1,1\n", [("C1", "2026-01", "1.00", "1.00")]),
    "cells the parsers normalise": (
        H + "C1,2026-01-01,007, 12.5 \nI1, 2026-02 ,0.1,\n",
        [("C1", "2026-01", "7.00", "12.50"), ("I1", "2026-02", "0.10", None)],
    ),
    "quoted and grouped amounts": (
        H + 'C1,2026-01,"1,000,000.50",2\nI1,2026-01,"12",\n',
        [("C1", "2026-01", "1000000.50", "2.00"), ("I1", "2026-01", "12.00", None)],
    ),
    "a BOM": ("\ufeffclient_no,month,aum\nC1,2026-04,5\n", [("C1", "2026-04", None, "5.00")]),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_file_is_stored_as_the_parsers_read_it_and_a_reimport_changes_nothing(clients, case):
    content, expected = ACCEPTED[case]
    assert counts(load("metrics", content)) == (len(expected), 0, 0)
    assert stored() == expected
    assert counts(load("metrics", content)) == (0, 0, len(expected))
    assert stored() == expected


REFUSED = {
    "blank lines keep the numbering": (
        H + "\nC1,2026-01,1,2\n\n,,,\nI1,2026-13,3,\nNOPE,2026-01,,\n",
        ["row 6, column month: 2026-13 不是 YYYY-MM 格式的月份。", NOPE.format(row=7, no="NOPE")],
    ),
    "bad cells of every kind": (
        H + "C1,2026-01,1e5,-1\nC1,0000-01,1,1\nC1,2026-01,1,1\nI1,2026-01,1.234,1\nX Y,2026-01,1,1\n"
        "NOPE,2026-01,1,1\nI1,2026-01,=1+1,1\nI1,2026-02,'=1,\u202e1\n",
        [
            "row 2, column aum: -1：金额不能为负。",
            "row 2, column deposits_avg: 1e5 不是金额。",
            "row 3, column month: 0000-01：年份须在 1900 至 2100 之间。",
            "row 5, column deposits_avg: 1.234：金额最多保留 2 位小数。",
            "row 6, column client_no: 代码为 1 至 32 位字母、数字或 _ . @ + -。",
            NOPE.format(row=7, no="NOPE"),
            f"row 8, column deposits_avg: {FORMULA}",
            "row 9, column aum: 单元格含有不可见的控制字符（U+202E），请重新输入。",
            "row 9, column deposits_avg: =1 不是金额。",
        ],
    ),
    "keys twice, as written or as read": (
        H + "C1,2026-01,1,1\nI1,2026-01,1,1\nC1,2026-01,2,2\nC1,2026-01-01,3,3\nNOPE,2026-01,1,1\nNOPE,2026-01,1,1\n",
        [
            TWICE.format(row=4, first=2),
            TWICE.format(row=5, first=2),
            NOPE.format(row=6, no="NOPE"),
            TWICE.format(row=7, first=6),
        ],
    ),
    "cells beyond the header": (H + "C1,2026-01,1,1,,\nI1,2026-01,1,1,5\n", ["row 3: 该行的单元格多于表头的列数。"]),
    "a column without a name": (
        "client_no,month,,aum\nC1,2026-01,,1\nI1,2026-01,x,1\n",
        ["row 1, column #3: 该列有数据但缺少列名。"],
    ),
    "short rows": (H + "C1,2026-01\nI1\n", ["row 3, column month: 必须填写。"]),
    "a NUL byte": (
        H + "C1,2026-01,1\x00,1\n",
        ["row 2, column deposits_avg: 单元格含有不可见的控制字符（U+0000），请重新输入。"],
    ),
    "a quote inside a cell": (H + 'C1,2026-01,1"2,3\nI1,2026-01,1,1\n', ['row 2, column deposits_avg: 1"2 不是金额。']),
    "COPY's end-of-data line": (
        H + "C1,2026-01,1,1\n\\.\nI1,2026-01,1,1\n",
        ["row 3, column client_no: 代码为 1 至 32 位字母、数字或 _ . @ + -。", "row 3, column month: 必须填写。"],
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_bad_rows_are_named_as_before_and_nothing_is_written(clients, case):
    content, expected = REFUSED[case]
    rejection = rejected("metrics", content)
    assert messages(rejection) == expected and rejection.total == len(expected)
    assert not ClientMetric.objects.exists()


def test_a_figure_column_the_file_lacks_is_left_as_stored_and_an_empty_cell_clears(clients):
    load("metrics", H + "C1,2026-01,1,2\nI1,2026-01,3,4\n")
    assert counts(load("metrics", "client_no,month,aum\nC1,2026-01,9\nI1,2026-01,4\n")) == (0, 1, 1)
    assert stored() == [("C1", "2026-01", "1.00", "9.00"), ("I1", "2026-01", "3.00", "4.00")]
    assert counts(load("metrics", "client_no,month,deposits_avg\nC1,2026-01,\nI1,2026-01,3.00\n")) == (0, 1, 1)
    assert stored() == [("C1", "2026-01", None, "9.00"), ("I1", "2026-01", "3.00", "4.00")]


def test_a_file_of_keys_only_creates_empty_months_and_changes_none(clients):
    # (the row-by-row import failed on such a file: an update of no column)
    assert counts(load("metrics", "client_no,month\nC1,2026-05\nI1,2026-05\n")) == (2, 0, 0)
    load("metrics", H + "C1,2026-05,1,1\n")
    assert counts(load("metrics", "client_no,month\nC1,2026-05\nI1,2026-05\n")) == (0, 0, 2)
    assert stored() == [("C1", "2026-05", "1.00", "1.00"), ("I1", "2026-05", None, None)]


def test_new_changed_and_unchanged_months_in_one_file(clients):
    load("metrics", H + "C1,2026-01,1,2\nI1,2026-01,3,4\n")
    report = load("metrics", H + "C1,2026-01,1,2\nI1,2026-01,3,5\nC1,2026-02,6,\n")
    assert counts(report) == (1, 1, 1) and report.rows == 3
    assert stored() == [
        ("C1", "2026-01", "1.00", "2.00"),
        ("C1", "2026-02", "6.00", None),
        ("I1", "2026-01", "3.00", "5.00"),
    ]


def test_a_stored_key_twice_in_the_file_is_refused(clients):
    load("metrics", H + "C1,2026-01,1,2\n")
    assert messages(rejected("metrics", "client_no,month,aum\nC1,2026-01,9\nC1,2026-01,8\n")) == [
        TWICE.format(row=3, first=2)
    ]
    assert stored() == [("C1", "2026-01", "1.00", "2.00")]


def test_rule_O5_clients_out_of_reach_are_named_like_unknown_ones(clients, wuhu_manager):
    wuhu = grant(wuhu_manager, "marketing.add_clientmetric", "marketing.change_clientmetric")
    content = H + "I2,2026-01,1,1\nI1,2026-01,1,1\nC1,2026-02,1,1\n"
    assert messages(rejected("metrics", content, actor=wuhu)) == [
        NOPE.format(row=3, no="I1"),
        NOPE.format(row=4, no="C1"),
    ]
    assert not ClientMetric.objects.exists()
    assert counts(load("metrics", H + "I2,2026-01,1,1\n", actor=wuhu)) == (1, 0, 0)


@override_settings(IMPORT_MAX_REPORTED_ERRORS=3)
def test_errors_found_in_bulk_keep_the_first_and_count_them_all(clients):
    content = (
        H + "I1,2026-13,1,1\n" + "".join(f"N{n},2026-01,1,1\n" for n in range(7)) + "C1,2026-01,1,1\nC1,2026-01,1,1\n"
    )
    rejection = rejected("metrics", content)
    assert messages(rejection) == [
        "row 2, column month: 2026-13 不是 YYYY-MM 格式的月份。",
        NOPE.format(row=3, no="N0"),
        NOPE.format(row=4, no="N1"),
    ]
    assert (rejection.total, rejection.more) == (9, 6)


# --- the files: encodings, workbooks, and where COPY stops --------------------------------------


def test_a_gb18030_file_with_chinese_headers_and_crlf_is_staged(clients):
    content = "客户号,月份,日均存款,个人金融资产\r\nC1,2026-03,5,\r\nI1,2026-03, 6 ,7\r\n".encode("gb18030")
    assert counts(load("metrics", content)) == (2, 0, 0)
    assert stored() == [("C1", "2026-03", "5.00", None), ("I1", "2026-03", "6.00", "7.00")]
    assert counts(load("metrics", content)) == (0, 0, 2)


def test_an_xlsx_workbook_is_staged_row_by_row_with_its_formulas_refused(clients):
    rows = [
        ["client_no", "month", "deposits_avg", "aum"],
        ["C1", "2026-06", 1234.5, None],
        ["I2", "2026-06", " 7 ", "1,234"],
    ]
    assert counts(load("metrics", xlsx(rows), name="m.xlsx")) == (2, 0, 0)
    assert stored() == [("C1", "2026-06", "1234.50", None), ("I2", "2026-06", "7.00", "1234.00")]
    rows.append(["I1", "2026-06", "=SUM(1,2)", 5])
    assert messages(rejected("metrics", xlsx(rows), name="m.xlsx")) == [f"row 4, column deposits_avg: {FORMULA}"]


def test_a_plain_file_that_turns_quoted_is_read_row_by_row_from_there(clients, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 64)  # chunks of a line or two
    plain = "".join(f"C1,2026-{month:02d},{month},\n" for month in range(1, 10))
    content = H + plain + 'I1,2026-01,"1,000",\n' + "I1,2026-02,2,\n\nI1,2026-13,3,\nNOPE,2026-03,4,\n"
    assert messages(rejected("metrics", content)) == [
        "row 14, column month: 2026-13 不是 YYYY-MM 格式的月份。",
        NOPE.format(row=15, no="NOPE"),
    ]
    good = content.rsplit("\n\n", 1)[0] + "\n"
    assert counts(load("metrics", good)) == (11, 0, 0)
    assert stored()[-3:] == [
        ("C1", "2026-09", "9.00", None),
        ("I1", "2026-01", "1000.00", None),
        ("I1", "2026-02", "2.00", None),
    ]


def test_a_long_plain_file_keeps_its_row_numbers_across_chunks(clients, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 100)
    lines = [f"C1,{year}-{month:02d},{month}.5,\n" for year in range(2001, 2011) for month in range(1, 13)]
    lines[50] = "C1,2005-03,bad,\n"
    lines[99] = f" {lines[99].strip()} \n"  # normalised where it stands
    assert messages(rejected("metrics", H + "".join(lines))) == ["row 52, column deposits_avg: bad 不是金额。"]
    lines[50] = "C1,2005-03,3,\n"
    assert counts(load("metrics", H + "".join(lines))) == (120, 0, 0)
    assert ClientMetric.objects.get(month=datetime.date(2005, 3, 1)).deposits_avg == Decimal("3.00")


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_staged_file_over_the_row_limit_is_a_usage_error_and_leaves_nothing(clients):
    with pytest.raises(UsageError):
        load("metrics", H + "".join(f"C1,2026-{month:02d},1,1\n" for month in range(1, 5)))
    assert not ClientMetric.objects.exists()  # the connection is still usable
    assert not staged_tables()
    assert counts(load("metrics", H + "\n".join(f"C1,2026-{month:02d},1,1\n" for month in range(1, 4)))) == (3, 0, 0)


def staged_tables():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'import_stage_%%' AND relpersistence = 't'")
        else:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'import_stage_%'")
        return cursor.fetchall()


def test_the_staging_table_is_dropped_whatever_the_outcome(clients):
    load("metrics", H + "C1,2026-01,1,1\n")
    rejected("metrics", H + "NOPE,2026-01,1,1\n")
    load("metrics", H + "C1,2026-01,1,1\n", dry_run=True)
    assert not staged_tables()


def test_a_staged_import_tells_its_progress(clients, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 2)
    calls = []
    load(
        "metrics",
        H + "".join(f"C1,2026-{month:02d},1,1\n" for month in range(1, 6)),
        progress=lambda *call: calls.append(call),
    )
    phases = [phase for _done, _total, phase in calls]
    assert phases[0] == "parse" and phases[-3:] == ["check", "write", "done"]
    # every PROGRESS_EVERY rows read row by row; a plain file copied as it is tells it by chunk
    parsing = [done for done, _total, phase in calls[1:] if phase == "parse"]
    assert parsing in ([2, 4], [5])
    assert calls[-1] == (5, 5, "done")


def test_a_dry_run_checks_and_counts_but_writes_nothing(clients):
    load("metrics", H + "C1,2026-01,1,1\n")
    report = load("metrics", H + "C1,2026-01,1,2\nI1,2026-01,1,1\n", dry_run=True)
    assert counts(report) == (1, 1, 0) and report.dry_run
    assert stored() == [("C1", "2026-01", "1.00", "1.00")]


# --- the service ------------------------------------------------------------------------------


def test_the_staged_service_refuses_unknown_clients_and_keys_twice_writing_nothing(clients):
    from tests.marketing.test_write_door import staged_metrics

    with pytest.raises(ValidationError):
        staged_metrics(H + "C1,2026-01,1,1\nNOPE,2026-01,1,1\n", services.metrics_save_staged, actor=SYSTEM)
    with pytest.raises(ValidationError):
        staged_metrics(H + "C1,2026-01,1,1\nC1,2026-01,2,2\n", services.metrics_save_staged, actor=SYSTEM)
    assert not ClientMetric.objects.exists()
    report = staged_metrics(H + "C1,2026-01,1,1\n", services.metrics_save_staged, actor=SYSTEM, figures=["aum"])
    assert (report.created, stored()) == (1, [("C1", "2026-01", None, "1.00")])


@pytest.mark.parametrize(
    ("name", "content", "roads"),
    [
        ("plain.csv", H + "C1,2026-01,1,1\n I1 ,2026-01,1,1\n", {"postgresql": ["copy"], "sqlite": ["rows"]}),
        ("quoted.csv", H + 'C1,2026-01,1,1\nI1,2026-01,"1",1\n', {"postgresql": ["copy", "rows"], "sqlite": ["rows"]}),
        ("book.xlsx", xlsx([["client_no", "month"], ["C1", "2026-01"]]), {"postgresql": ["rows"], "sqlite": ["rows"]}),
    ],
)
def test_a_plain_csv_goes_to_copy_as_it_is_on_postgresql_and_the_rest_row_by_row(
    clients, monkeypatch, name, content, roads
):
    from imports import staging

    taken = []
    for road, method in (("copy", "_copy_plain"), ("rows", "_insert_rows")):
        original = getattr(staging.Stage, method)
        monkeypatch.setattr(
            staging.Stage,
            method,
            lambda self, *args, road=road, original=original: taken.append(road) or original(self, *args),
        )
    load("metrics", content, name=name)
    assert taken == roads[connection.vendor]
    assert ClientMetric.objects.filter(client__client_no="C1").exists()
