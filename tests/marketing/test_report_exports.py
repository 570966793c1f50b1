"""The exports of the client pages are reports for people: Chinese headers, names beside codes,
labels, 是/否, the page's figures in the unit the header states, a file name saying what and
when; streamed in a few queries and scoped to the person (rule O5)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from marketing import services
from marketing.models import ClientKind
from tests.export_files import csv_rows, filename_of, xlsx_cells, xlsx_rows
from tests.helpers import grant

from .conftest import add_clients, month

D = datetime.date
ON = "2010-08-01"  # C1 and C4 on the province list, C3 on the head office's, C2 on Wuhu's city list

CLIENT_HEADER = [
    "客户号",
    "客户名称",
    "客户类型",
    "账户行代码",
    "账户行",
    "行业",
    "有贷",
    "房地产",
    "机构或同业",
    "进出口",
    "供应链、集群或市场中小企业",
    "成长潜力",
    "集团母公司客户号",
    "集团母公司",
    "层级",
    "细分",
    "负责部门代码",
    "负责部门",
    "存款负责部门代码",
    "存款负责部门",
    "AUM（万元）",
    "年贡献度（万元）",
    "日均存款（万元）",
]


@pytest.fixture
def figures(registry):
    """Months of 2010-07 in yuan; C4 in the group of C1."""
    month(registry["C1"], D(2010, 7, 1), deposits_avg=Decimal("1234567.89"), annual_contribution=Decimal("3000000"))
    month(registry["C2"], D(2010, 7, 1), deposits_avg=Decimal("300000"))
    month(
        registry["I1"],
        D(2010, 7, 1),
        aum=Decimal("1500000"),
        annual_contribution=Decimal("12345.67"),
        deposits_avg=Decimal("400000"),
    )
    month(registry["I2"], D(2010, 7, 1), aum=Decimal("300000"), deposits_avg=Decimal("50000"))
    services.clients_save(
        [
            services.ClientData(
                client_no="C4",
                name="C4",
                kind=ClientKind.CORPORATE,
                account_unit=registry["C4"].account_unit,
                group_parent_no="C1",
            )
        ],
        actor=SYSTEM,
    )
    return registry


def export(client, name, fmt="csv", **params):
    response = client.get(reverse(name), {**params, "export": fmt})
    assert response.status_code == 200
    return response


# --- the client list -------------------------------------------------------------------------


def test_client_report_has_chinese_headers_names_beside_codes_labels_and_wan(login, province_analyst, figures):
    response = export(login(province_analyst), "client-list", on=ON)
    assert filename_of(response) == f"客户清单_{ON}.csv"
    rows = {row[0]: row for row in csv_rows(response)}
    assert rows["客户号"] == CLIENT_HEADER
    assert rows["C1"] == [
        "C1",
        "C1",
        "对公",
        "HF0101",
        "三孝口网点",
        "",
        "是",
        "否",
        "否",
        "是",
        "否",
        "否",
        "",
        "",
        "省行级",
        "",
        "INTERNATIONAL",
        "国际业务部",
        "CORP1",
        "公司业务一部",
        "",
        "300.00",
        "123.46",
    ]
    assert rows["C4"][12:15] == ["C1", "C1", "省行级"]  # the group parent by number and name
    assert rows["I1"] == [
        "I1",
        "I1",
        "个人",
        "HF0101",
        "三孝口网点",
        "",
        "否",
        "否",
        "否",
        "否",
        "否",
        "否",
        "",
        "",
        "",
        "高端客户",
        "PERSONAL",
        "个人金融业务部",
        "PERSONAL",
        "个人金融业务部",
        "150.00",
        "1.23",
        "40.00",
    ]
    assert rows["C2"][14:18] == ["二级分行级", "", "", ""]  # a city-tier client: the branches market it


def test_client_report_shows_the_figures_the_page_shows(login, province_analyst, figures):
    client = login(province_analyst)
    page = {c.client_no: c for c in client.get(reverse("client-list"), {"on": ON}).context["listing"].page.object_list}
    rows = csv_rows(export(client, "client-list", on=ON))
    columns = {name: rows[0].index(name) for name in ("AUM（万元）", "年贡献度（万元）", "层级", "细分")}
    for row in rows[1:]:
        shown = page[row[0]]
        assert row[columns["AUM（万元）"]] == str(shown.aum_wan or "")
        assert row[columns["年贡献度（万元）"]] == str(shown.contribution_wan or "")
        assert row[columns["细分"]] == shown.segment_label
        assert row[columns["层级"]] == (shown.tier_label if shown.kind == ClientKind.CORPORATE else "")


def test_client_report_in_excel_holds_numbers_and_no_formula(login, province_analyst, figures):
    services.clients_save(
        [
            services.ClientData(
                client_no="F1",
                name='=HYPERLINK("http://x","y")',
                kind=ClientKind.CORPORATE,
                account_unit=figures["C1"].account_unit,
            )
        ],
        actor=SYSTEM,
    )
    response = export(login(province_analyst), "client-list", "xlsx", on=ON)
    assert filename_of(response) == f"客户清单_{ON}.xlsx"
    cells = xlsx_cells(response)
    assert all(cell.data_type != "f" for row in cells for cell in row)
    rows = {row[0]: row for row in xlsx_rows(response)}
    assert rows["客户号"] == CLIENT_HEADER
    assert rows["F1"][1] == '=HYPERLINK("http://x","y")'
    assert rows["C1"][21:] == [300, 123.46] and rows["C1"][6] == "是"


def test_client_report_is_scoped_and_hides_a_parent_outside_the_subtree(login, wuhu_manager, figures):
    services.clients_save(
        [
            services.ClientData(
                client_no="C2",
                name="C2",
                kind=ClientKind.CORPORATE,
                real_estate=True,
                account_unit=figures["C2"].account_unit,
                group_parent_no="C1",
            )
        ],
        actor=SYSTEM,
    )
    rows = csv_rows(export(login(wuhu_manager), "client-list", on=ON))
    assert [row[0] for row in rows[1:]] == ["C2", "I2"]
    # C1 banks in Hefei: neither its number nor its name, as the client page says it.
    assert rows[1][12:14] == ["", "您管辖范围以外的客户"]


def test_client_report_follows_the_filters(login, province_analyst, figures):
    client = login(province_analyst)
    rows = csv_rows(export(client, "client-list", on=ON, segment="HIGH"))
    assert [row[0] for row in rows[1:]] == ["I1"]
    rows = csv_rows(export(client, "client-list", on=ON, tier="PROVINCE", has_loan="true"))
    assert [row[0] for row in rows[1:]] == ["C1"]


def test_a_refused_filter_exports_nothing_and_says_why_next_to_the_field(login, wuhu_manager, figures):
    # A Wuhu manager naming Hefei: the field is refused; a file of every client they see would
    # look filtered and not be.
    response = export(login(wuhu_manager), "client-list", on=ON, account_unit="HF")
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Nothing was exported" in html or "未导出" in html


def test_client_report_is_a_few_queries_whatever_the_rows(
    login, province_analyst, bank, figures, django_assert_max_num_queries
):
    add_clients(bank, *[(f"X{n:03d}", ClientKind.CORPORATE, "HF0101", {"group_parent_no": "C1"}) for n in range(80)])
    client = login(province_analyst)
    with django_assert_max_num_queries(6):
        assert len(csv_rows(export(client, "client-list", on=ON))) == 1 + 6 + 80


# --- named lists -----------------------------------------------------------------------------


def test_named_list_report_keeps_the_derived_flag_as_yes_no(login, province_analyst, figures):
    response = export(login(province_analyst), "tier-lists", unit="HF", on="2010-05-01")
    assert filename_of(response) == "名单_合肥分行_2010-05-01.csv"
    rows = csv_rows(response)
    assert rows[0] == [
        "客户号",
        "客户名称",
        "层级",
        "名单所属机构代码",
        "名单所属机构",
        "生效日期",
        "失效日期",
        "原因",
        "派生（C3）",
    ]
    assert rows[1][:7] == ["C1", "C1", "二级分行级", "HF", "合肥分行", "2010-01-01", "2010-12-31"]
    assert rows[1][8] == "是"
    assert rows[2] == ["C3", "C3", "二级分行级", "HF", "合肥分行", "2009-01-01", "2010-06-30", "test", "否"]
    assert rows[3][0] == "C3" and rows[3][8] == "是"
    assert len(rows) == 4


def test_named_list_report_is_scoped(login, wuhu_manager, figures):
    rows = csv_rows(export(login(wuhu_manager), "tier-lists", unit="AH", on=ON))
    assert [row[0] for row in rows[1:]] == []  # the province list holds Hefei clients only on that date
    rows = csv_rows(export(login(wuhu_manager), "tier-lists", unit="WH", on=ON))
    assert [row[0] for row in rows[1:]] == ["C2"]


def test_named_list_report_in_excel_has_dates(login, province_analyst, figures):
    rows = xlsx_rows(export(login(province_analyst), "tier-lists", "xlsx", unit="AH", on=ON))
    assert rows[1][:2] == ["C1", "C1"] and rows[1][5] == datetime.datetime(2010, 1, 1)


# --- deposit responsibility (rule C6) --------------------------------------------------------


def test_deposits_page_offers_a_report_with_names_wan_shares_and_a_total(login, province_analyst, figures):
    client = login(province_analyst)
    page = client.get(reverse("client-deposits"), {"on": ON}).content.decode()
    assert "export=xlsx" in page and "export=csv" in page
    response = export(client, "client-deposits", on=ON)
    assert filename_of(response) == f"存款负责部门_{ON}.csv"
    rows = csv_rows(response)
    assert rows[0] == ["存款负责部门代码", "存款负责部门", "客户数", "日均存款（万元）", "占比（%）"]
    # CORP1: C1 (loans); INSTITUTION: C3 (no figures); SETTLEMENT: C2, C4 (no loans); PERSONAL: I1, I2.
    assert rows[1:] == [
        ["CORP1", "公司业务一部", "1", "123.46", "62.2"],
        ["INSTITUTION", "机构业务部", "1", "", "0.0"],
        ["PERSONAL", "个人金融业务部", "2", "45.00", "22.7"],
        ["SETTLEMENT", "结算与现金管理部", "2", "30.00", "15.1"],
        ["", "合计", "6", "198.46", "100"],
    ]


def test_deposits_report_is_scoped(login, wuhu_manager, figures):
    rows = csv_rows(export(login(wuhu_manager), "client-deposits", on=ON))
    assert rows[1:] == [
        ["PERSONAL", "个人金融业务部", "1", "5.00", "14.3"],
        ["SETTLEMENT", "结算与现金管理部", "1", "30.00", "85.7"],
        ["", "合计", "2", "35.00", "100"],
    ]


# --- business requests (rule C8) -------------------------------------------------------------


@pytest.fixture
def requests(figures, hefei_person, wuhu_manager):
    on = D(2010, 8, 1)
    hefei_person, wuhu_manager = (
        grant(person, "marketing.add_businessrequest") for person in (hefei_person, wuhu_manager)
    )
    major = services.business_request_create(
        client=figures["C1"],
        nature="MAJOR",
        is_credit=True,
        amount=Decimal("8000000"),
        description="=竞争性需求",
        actor=hefei_person,
        on=on,
    )
    daily = services.business_request_create(
        client=figures["C2"], nature="DAILY", is_credit=False, description="芜湖日常", actor=wuhu_manager, on=on
    )
    return major, daily


def test_request_list_offers_a_report_with_labels_and_names(login, province_analyst, requests):
    client = login(province_analyst)
    page = client.get(reverse("request-list")).content.decode()
    assert "export=xlsx" in page and "export=csv" in page
    major, _daily = requests
    services.business_request_accept(request=major, actor=province_analyst)
    response = export(client, "request-list", q="C1")
    assert filename_of(response) == f"业务需求_{timezone.localdate().isoformat()}.csv"
    rows = csv_rows(response)
    assert rows[0] == [
        "接收时间",
        "接收人",
        "客户号",
        "客户名称",
        "当时客户层级",
        "需求性质",
        "信贷业务",
        "需求描述",
        "受理机构代码",
        "受理机构",
        "受理依据",
        "已受理",
        "受理人",
        "受理时间",
    ]
    major.refresh_from_db()
    received = timezone.localtime(major.received_at).strftime("%Y-%m-%d %H:%M")
    assert rows[1][:10] == [
        received,
        "李合肥",
        "C1",
        "C1",
        "省行级",
        "重大业务需求（竞争激烈、时效要求高）",
        "是",
        "'=竞争性需求",
        "AH",
        "安徽省分行",
    ]
    assert rows[1][10] == major.routing_reason
    assert rows[1][11:13] == ["是", "王省行"] and rows[1][13].startswith(timezone.localdate().isoformat()[:4])
    assert len(rows) == 2


def test_request_report_is_scoped_and_follows_the_filters(login, wuhu_manager, province_analyst, requests):
    rows = csv_rows(export(login(wuhu_manager), "request-list"))
    assert [row[2] for row in rows[1:]] == ["C2"]
    assert rows[1][4:7] == ["二级分行级", "日常性业务需求", "否"] and rows[1][11:] == ["否", "", ""]
    rows = csv_rows(export(login(province_analyst), "request-list", nature="MAJOR"))
    assert [row[2] for row in rows[1:]] == ["C1"]


def test_request_report_is_a_few_queries_whatever_the_rows(
    login, province_analyst, figures, django_assert_max_num_queries
):
    province_analyst = grant(province_analyst, "marketing.add_businessrequest")
    for n in range(30):
        services.business_request_create(
            client=figures["C1"], nature="DAILY", is_credit=False, description=f"日常{n}", actor=province_analyst
        )
    client = login(province_analyst)
    with django_assert_max_num_queries(6):
        assert len(csv_rows(export(client, "request-list"))) == 31


def test_reports_speak_english_when_the_person_chose_it(login, province_analyst, figures, settings):
    client = login(province_analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = export(client, "client-list", on=ON)
    assert filename_of(response) == f"clients_{ON}.csv"
    rows = {row[0]: row for row in csv_rows(response)}
    assert rows["Client no."][-3:] == [
        "AUM (10k yuan)",
        "Annual contribution (10k yuan)",
        "Daily-average deposits (10k yuan)",
    ]
    assert rows["C1"][2] == "Corporate" and rows["C1"][6:8] == ["Yes", "No"]
