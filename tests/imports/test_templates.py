"""The XLSX template of each import KIND (issue 6): Chinese headers the import accepts, the contract
name in each header's comment, drop-downs, a sheet of instructions and one of allowed values."""

import csv
import io

import pytest
from openpyxl import load_workbook

from accounts.actors import SYSTEM
from accounts.models import Unit, User
from imports.engine import REGISTRY, UsageError, run_import
from imports.workbooks import template_workbook
from marketing.models import Client

from .support import load

KINDS = sorted(REGISTRY)


def workbook(kind):
    return load_workbook(io.BytesIO(template_workbook(kind)))


@pytest.mark.parametrize("kind", KINDS)
def test_the_template_of_every_kind_reimports_as_an_empty_file(db, kind):
    report = run_import(kind, template_workbook(kind), f"{kind}.xlsx", actor=SYSTEM)
    assert report.rows == 0


@pytest.mark.parametrize("kind", KINDS)
def test_the_template_names_every_column_in_chinese_with_its_contract_name(kind):
    book = workbook(kind)
    assert book.sheetnames == [kind, "填写说明", "可选值"]
    header = list(book[kind][1])
    importer = REGISTRY[kind]
    assert [cell.value for cell in header] == [importer.column_label(name) for name in importer.column_names()]
    for cell, column in zip(header, importer.columns, strict=True):
        assert cell.comment.text.splitlines()[:2] == [column.name, "必填" if column.required else "选填"]
        assert bool(cell.font.b) == column.required
    assert book[kind].max_row == 1  # the header only
    instructions = list(book["填写说明"].values)
    assert instructions[0] == ("列名", "导入列名", "必填", "格式")
    assert [row[1] for row in instructions[1 : len(header) + 1]] == importer.column_names()
    assert all(row[3] for row in instructions[1 : len(header) + 1])  # every column says its format


def test_the_instructions_give_each_format_in_chinese():
    rows = {row[1]: row for row in workbook("employees")["填写说明"].values if row[1]}
    assert rows["employee_no"][:3] == ("工号", "employee_no", "是")
    assert rows["birth_date"][2:] == ("否", "日期 YYYY-MM-DD，如 2026-01-31")
    assert rows["credit_manager"][3].startswith("是/否")
    assert rows["name"][3] == "文本，最多 50 个字符"
    metrics = {row[1]: row for row in workbook("metrics")["填写说明"].values if row[1]}
    assert metrics["month"][3].startswith("月份 YYYY-MM") and metrics["aum"][3].startswith("金额（元），最多两位小数")


def test_the_allowed_values_sheet_lists_every_choice_with_its_chinese_name():
    values = list(workbook("employees")["可选值"].values)
    assert values[0] == ("列名", "导入列名", "值", "中文名称")
    assert ("岗位", "position", "CUSTOMER_MANAGER", "客户经理") in values
    assert ("客户经理等级", "grade", "PRINCIPAL", "资深") in values
    assert ("职称", "title_level", "JUNIOR", "初级职称") in values
    tiers = [row[2:] for row in workbook("tiers")["可选值"].values if row[1] == "tier"]
    assert tiers == [("HEAD_OFFICE", "总行级"), ("PROVINCE", "省行级"), ("CITY", "二级分行级")]


def test_choice_and_yes_no_columns_have_drop_downs():
    sheet = workbook("employees")["employees"]
    by_range = {str(validation.sqref): validation.formula1 for validation in sheet.data_validations.dataValidation}
    assert by_range["D2:D1048576"] == "'可选值'!$D$2:$D$10"  # position: its nine Chinese names
    assert by_range["H2:H1048576"] == '"是,否"'  # credit_manager
    assert "A2:A1048576" not in by_range  # a code is typed


def test_an_unknown_kind_has_no_template():
    with pytest.raises(UsageError):
        template_workbook("planets")


def test_a_filled_template_imports(bank):
    book = workbook("employees")
    sheet = book["employees"]
    sheet.append(
        [
            "E1",
            "张三",
            "HF0101",
            "客户经理",
            None,
            "对公",
            "高级",
            "是",
            "否",
            "1985-03-02",
            "本科",
            "中级职称",
            "2008-07-01",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    load("employees", buffer.getvalue(), name="employees.xlsx")
    person = User.objects.get(username="E1")
    assert (
        person.name,
        person.position,
        person.manager_kind,
        person.grade,
        person.credit_manager,
        person.vip_area,
        str(person.birth_date),
        person.education,
        person.title_level,
    ) == ("张三", "CUSTOMER_MANAGER", "CORPORATE", "SENIOR", True, False, "1985-03-02", "BACHELOR", "MID")


def test_a_filled_template_saved_as_excels_gbk_csv_imports(bank):
    # What Excel on Chinese Windows writes for "CSV (逗号分隔)" from the template: its Chinese
    # header row and the rows typed under it, in GBK with CRLF line ends.
    header = [cell.value for cell in workbook("clients")["clients"][1]]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["C1", "合肥钢铁有限公司", "对公", "HF0101", "钢铁", "是", "否", "", "", "", "", ""])
    load("clients", buffer.getvalue().encode("gbk"), name="clients.csv")
    client = Client.objects.get(client_no="C1")
    assert (client.name, client.kind, client.has_loan, client.real_estate) == (
        "合肥钢铁有限公司",
        "CORPORATE",
        True,
        False,
    )


def test_a_units_template_with_the_tree_filled_in_imports(db):
    book = workbook("units")
    for row in (["AH", "安徽省分行", "省行", None, None, None], ["HF", "合肥分行", "二级分行", "AH", "否", "是"]):
        book["units"].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    load("units", buffer.getvalue(), name="units.xlsx")
    assert Unit.objects.get(code="HF").credit_authority
