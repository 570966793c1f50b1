"""Columns and values in bank staff's own words (issue 6): a header may be the INTERFACES.md name
or the column's Chinese name, a choice cell the code or its Chinese name; errors keep the
contract `row N, column C` and read for people as 第 N 行，「中文列名」列."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import Position, User
from imports import parsers
from imports.engine import REGISTRY, RowError
from marketing.models import Client, TierEntry

from .support import load, messages, rejected


def test_every_column_of_every_kind_has_a_chinese_label_unique_in_its_kind():
    for kind, importer in REGISTRY.items():
        with translation.override("zh-hans"):
            labels = [str(column.label) for column in importer.columns]
        assert all(labels), kind
        assert all(any("\u4e00" <= character <= "\u9fff" for character in label) for label in labels), (kind, labels)
        assert len(set(labels)) == len(labels), kind
        assert not {label.casefold() for label in labels} & set(importer.column_names()), kind


def test_labels_are_the_ones_staff_know():
    with translation.override("zh-hans"):
        clients, tiers = REGISTRY["clients"], REGISTRY["tiers"]
        assert [clients.column_label(name) for name in ("client_no", "name", "account_unit_code")] == [
            "客户号",
            "客户名称",
            "账户行代码",
        ]
        assert [tiers.column_label(name) for name in ("tier", "valid_from", "valid_to")] == [
            "层级",
            "有效期起",
            "有效期止",
        ]
    with translation.override("en"):
        assert clients.column_label("client_no") == "Client number"
    assert clients.column_label("colour") == "colour"  # an unknown column keeps its name


def test_a_header_may_mix_contract_names_and_chinese_labels_in_any_language(bank):
    with translation.override("en"):
        load("clients", "客户号,name,客户类型,ACCOUNT_UNIT_CODE,有贷户\nC1,合肥钢铁,对公,HF0101,是\n")
    client = Client.objects.get(client_no="C1")
    assert (client.name, client.kind, client.has_loan, client.account_unit.code) == (
        "合肥钢铁",
        "CORPORATE",
        True,
        "HF0101",
    )


def test_a_column_named_twice_by_its_two_names_is_an_error(bank):
    rejection = rejected("clients", "client_no,客户号,name,kind,account_unit_code\nC1,C1,甲,CORPORATE,HF0101\n")
    assert messages(rejection) == ["row 1, column client_no: 该列重复出现。"]
    assert not Client.objects.exists()


def test_an_unknown_column_lists_the_columns_with_their_chinese_names(bank):
    rejection = rejected("clients", "客户号,客户名,kind,account_unit_code\nC1,甲,CORPORATE,HF0101\n")
    missing, unknown = messages(rejection)  # sorted by column: "name" before "客户名"
    assert missing == "row 1, column name: 缺少必填列。"
    assert (
        unknown.startswith("row 1, column 客户名: 未知的列")
        and "client_no (客户号)" in unknown
        and "name (客户名称)" in unknown
    )


def test_errors_read_for_people_with_the_chinese_column_name(bank):
    rejection = rejected("clients", "客户号,客户名称,客户类型,账户行代码\nC1,甲,合伙,HF0101\nC2,乙,CORPORATE,NOPE\n")
    assert [str(error).split(":")[0] for error in rejection.errors] == [
        "row 2, column kind",
        "row 3, column account_unit_code",
    ]
    clients = REGISTRY["clients"]
    assert rejection.errors[0].for_people(clients).startswith("第 2 行，「客户类型」列：合伙 不在可选值")
    assert rejection.errors[1].for_people(clients) == "第 3 行，「账户行代码」列：没有代码为 NOPE 的机构。"
    with translation.override("en"):
        assert RowError(5, "client_no", "x").for_people(clients) == "Row 5, column “Client number”: x"
        assert RowError(5, "", "x").for_people(clients) == "Row 5: x"
    assert str(RowError(5, "client_no", "x")) == "row 5, column client_no: x"


def test_choice_cells_take_the_code_in_any_case_or_the_chinese_name(bank):
    content = (
        "工号,姓名,机构代码,岗位,客户经理类别,客户经理等级,学历,职称\n"
        "E1,张三,HF0101,客户经理,对公,资深,硕士,中级职称\n"
        "E2,李四,HF0101,teller,personal,junior,bachelor,none\n"
        "E3,王五,HF0101,Wealth manager,,,,\n"
    )
    load("employees", content)
    people = {user.username: user for user in User.objects.all()}
    assert (
        people["E1"].position,
        people["E1"].manager_kind,
        people["E1"].grade,
        people["E1"].education,
        people["E1"].title_level,
    ) == ("CUSTOMER_MANAGER", "CORPORATE", "PRINCIPAL", "MASTER", "MID")
    assert (people["E2"].position, people["E2"].grade, people["E2"].title_level) == ("TELLER", "JUNIOR", "NONE")
    assert people["E3"].position == "WEALTH_MANAGER"


def test_tiers_and_marketing_modes_take_their_chinese_names(bank):
    load("clients", "client_no,name,kind,account_unit_code\nG1,合肥钢铁集团,CORPORATE,HF01\n")
    load(
        "tiers",
        "客户号,层级,名单所属机构代码,有效期起,原因,营销方式\nG1,省行级,AH,2026-01-01,省行名单,牵头营销\n".replace(
            "原因", "列入原因"
        ),
    )
    entry = TierEntry.objects.get()
    assert (entry.tier, entry.marketing_mode) == ("PROVINCE", "LEAD")


def test_the_sub_branch_tier_is_no_list_in_any_name(bank):
    load("clients", "client_no,name,kind,account_unit_code\nG1,合肥钢铁集团,CORPORATE,HF01\n")
    for tier in ("SUB_BRANCH", "支行级"):
        rejection = rejected("tiers", f"client_no,tier,owner_unit_code,valid_from,reason\nG1,{tier},HF,2026-01-01,x\n")
        assert [str(error).split(":")[0] for error in rejection.errors] == ["row 2, column tier"]


def test_a_choice_parser_lists_its_values_with_their_names():
    parse = parsers.choice(Position)
    assert [value for value, _label in parse.choices] == list(Position.values)
    with translation.override("zh-hans"):
        assert {value: str(label) for value, label in parse.choices}["CUSTOMER_MANAGER"] == "客户经理"
    limited = parsers.choice(Position, only=["HEAD", "OTHER"])
    assert [value for value, _label in limited.choices] == ["HEAD", "OTHER"]
    with pytest.raises(ValidationError):
        limited("客户经理")
    legacy = parsers.choice(type("Values", (), {"values": ["A", "B"]}))
    assert legacy("a") == "A" and legacy.choices == [("A", "A"), ("B", "B")]


def test_a_refused_choice_lists_the_allowed_values_with_their_chinese_names():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from imports import parsers
    from marketing.models import ClientKind

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        parsers.choice(ClientKind)("公司")
    assert "CORPORATE（对公）" in refused.value.messages[0]
