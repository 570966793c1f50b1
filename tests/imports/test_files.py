"""What files the import reads (INTERFACES.md "Bulk import", issue 6): CSV in UTF-8 with or
without BOM or in GB18030/GBK as Excel on Chinese Windows saves it, XLSX; anything else is a
usage error saying how to save the file, never a traceback. Files are read as a stream."""

import io
import zipfile

import pytest

from accounts.actors import SYSTEM
from accounts.models import Unit
from imports import engine
from imports.engine import UsageError
from marketing.models import Client

from .support import load, rejected, run, xlsx

CHINESE_UNITS = "机构代码,机构名称,机构类型,上级机构代码\nAH,安徽省分行,省行,\nHF,合肥分行,二级分行,AH\n"
CLIENTS = "客户号,客户名称,客户类型,账户行代码,行业,有贷户\nC1,合肥钢铁有限公司,对公,HF0101,钢铁,是\nI1,张先生,个人,HF0101,,否\n"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_with_chinese_headers_imports_in_every_encoding_excel_writes(db, encoding):
    load("units", CHINESE_UNITS.encode(encoding))
    assert {unit.code: unit.name for unit in Unit.objects.all()} == {"AH": "安徽省分行", "HF": "合肥分行"}
    assert Unit.objects.get(code="HF").kind == "CITY"


def test_a_file_separated_by_semicolons_is_told_to_use_commas(db):
    error = rejected("units", CHINESE_UNITS.replace(",", ";")).errors[0]
    assert error.row == 1 and "以逗号分隔" in error.message


def test_a_gbk_clients_file_as_excel_saves_it_imports_names_and_flags(bank):
    load("clients", CLIENTS.replace("\n", "\r\n").encode("gbk"))
    steel = Client.objects.get(client_no="C1")
    assert (steel.name, steel.kind, steel.industry, steel.has_loan) == ("合肥钢铁有限公司", "CORPORATE", "钢铁", True)
    assert Client.objects.get(client_no="I1").kind == "INDIVIDUAL"


def test_gb18030_characters_outside_gbk_are_read(bank):
    # 䶮 (U+4DAE) is in GB18030 but not in GBK: a name in it must survive.
    load("clients", "client_no,name,kind,account_unit_code\nC9,刘䶮商贸,CORPORATE,HF0101\n".encode("gb18030"))
    assert Client.objects.get(client_no="C9").name == "刘䶮商贸"


def test_a_file_object_is_read_in_chunks_not_whole(db):
    class Watched(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            Watched.largest = max(Watched.largest, size if size >= 0 else 1 << 60)
            return super().read(size)

    # Clients nobody has: the whole file is read and checked in a few queries, nothing written
    # (60,000 rows written one unit at a time would time a write, not the reading).
    lines = ["client_no,month,aum"] + [f"N{n:05d},2010-01,{n}.50" for n in range(80_000)]  # about 1.9 MB
    content = ("\n".join(lines) + "\n").encode()
    assert len(content) > 1.5 * engine.CHUNK
    with pytest.raises(engine.ImportRejected) as rejected:
        engine.run_import("metrics", Watched(content), "metrics.csv", actor=SYSTEM)
    assert rejected.value.total == 80_000
    assert Watched.largest <= engine.CHUNK


def test_a_stream_that_cannot_seek_is_read(db):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    engine.run_import("units", Pipe(CHINESE_UNITS.encode("gbk")), "units.csv", actor=SYSTEM)
    assert Unit.objects.count() == 2


def zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


NOT_TABLES = {
    "old Excel": ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    "pdf": ("units.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    "zip renamed xlsx": ("units.xlsx", zip_without_workbook()),
    "text renamed xlsx": ("units.xlsx", b"code,name,kind\n"),
    "pdf renamed csv": ("units.csv", b"%PDF-1.4\n"),
    "binary renamed csv": ("units.csv", bytes(range(256)) * 40),
    "UTF-16 text": ("units.csv", "code,name,kind\nAH,安徽,PROVINCE\n".encode("utf-16")),
    "UTF-8 with a damaged byte": ("units.csv", "code,name,kind\nAH,安徽,PROVINCE\n".encode() + b"HF,\xff\xfe,CITY\n"),
    "unknown extension": ("units.json", b'{"code": "AH"}'),
}


@pytest.mark.parametrize("case", NOT_TABLES)
def test_a_file_that_is_not_csv_or_xlsx_is_a_usage_error_exit_2(db, tmp_path, case):
    from django.core.management.base import CommandError

    name, content = NOT_TABLES[case]
    with pytest.raises(UsageError):
        load("units", content, name=name)
    with pytest.raises(CommandError) as caught:
        run(tmp_path, "units", content, name=name)
    assert caught.value.returncode == 2
    assert not Unit.objects.exists()


@pytest.mark.parametrize("case", ["old Excel", "zip renamed xlsx", "UTF-16 text", "UTF-8 with a damaged byte"])
def test_the_message_says_how_to_save_the_file(db, case):
    name, content = NOT_TABLES[case]
    with pytest.raises(UsageError) as caught:
        load("units", content, name=name)
    assert "CSV UTF-8 (逗号分隔)" in str(caught.value) and "Excel 工作簿 (*.xlsx)" in str(caught.value)


def test_an_xlsx_named_csv_is_read_as_the_workbook_it_is(db):
    load("units", xlsx([["code", "name", "kind"], ["AH", "安徽省分行", "PROVINCE"]]), name="units.csv")
    assert Unit.objects.filter(code="AH").exists()


def test_xlsx_rows_keep_their_sheet_numbers_across_empty_rows(db):
    content = xlsx([["code", "name", "kind"], ["AH", "安徽省分行", "PROVINCE"], [], [], ["HF", "合肥", "NOPE"]])
    with pytest.raises(engine.ImportRejected) as caught:
        load("units", content, name="units.xlsx")
    assert [str(error).split(":")[0] for error in caught.value.errors] == ["row 5, column kind"]


def test_xlsx_dates_numbers_and_booleans_read_as_their_text(bank):
    import datetime

    from marketing.models import ClientMetric

    load("clients", "client_no,name,kind,account_unit_code\nC1,甲,CORPORATE,HF0101\n")
    content = xlsx(
        [
            ["client_no", "month", "deposits_avg", "loans", "aum"],
            ["C1", datetime.datetime(2026, 1, 1), 1234.5, 2000000, None],
        ]
    )
    load("metrics", content, name="metrics.xlsx")
    metric = ClientMetric.objects.get()
    assert (metric.month, str(metric.deposits_avg), str(metric.loans), metric.aum) == (
        datetime.date(2026, 1, 1),
        "1234.50",
        "2000000.00",
        None,
    )


@pytest.mark.parametrize("name", ["谁是张三", "刘䶮商贸"])
def test_a_gbk_name_that_starts_like_utf8_is_still_read_as_gbk(bank, name):
    # 谁 is CB AD in GBK, which is also a valid UTF-8 sequence (U+02ED): one such character
    # must not make the file read as damaged UTF-8.
    load("clients", f"client_no,name,kind,account_unit_code\nC1,{name},CORPORATE,HF0101\n".encode("gb18030"))
    assert Client.objects.get(client_no="C1").name == name


def test_a_stream_not_at_its_start_is_read_from_where_it_stands(db):
    stream = io.BytesIO(b"ignored preamble|" + CHINESE_UNITS.encode("gbk"))
    stream.seek(len(b"ignored preamble|"))
    engine.run_import("units", stream, "units.csv", actor=SYSTEM)
    assert Unit.objects.count() == 2


def test_an_xlsx_amount_written_as_a_full_double_reads_as_the_spreadsheet_shows_it(bank):
    """691.18 written out as 691.1799999999999 (a double in full, as exports and Excel's
    paste-values write it) is the 691.18 the person sees."""
    from marketing.models import ClientMetric

    load("clients", "client_no,name,kind,account_unit_code\nC1,甲,CORPORATE,HF01\n")
    load(
        "metrics",
        xlsx([["client_no", "month", "intermediate_income"], ["C1", "2010-01", 691.1799999999999]]),
        name="m.xlsx",
    )
    assert str(ClientMetric.objects.get(client__client_no="C1").intermediate_income) == "691.18"
