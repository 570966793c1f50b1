"""The export of the people list is a report for people: Chinese headers, unit and department
names beside their codes, labels of the choices, 是/否, dates; scoped (rule O5), a few queries."""

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.actors import SYSTEM
from accounts.models import Position
from tests.export_files import csv_rows, filename_of, xlsx_cells, xlsx_rows
from tests.helpers import make_person

HEADER = [
    "工号",
    "姓名",
    "机构代码",
    "机构",
    "部门代码",
    "部门",
    "岗位",
    "客户经理类别",
    "等级",
    "信贷客户经理",
    "贵宾专属区",
    "出生日期",
    "学历",
    "职称",
    "入职日期",
]


def export(client, fmt="csv", **params):
    response = client.get(reverse("employee-list"), {**params, "export": fmt})
    assert response.status_code == 200
    return response


def full_person(bank):
    market, _outcome = services.department_save(unit=bank["HF01"], code="MARKET", name="市场部", actor=SYSTEM)
    return make_person(
        "H0102",
        "-钱全面",
        bank["HF01"],
        Position.CUSTOMER_MANAGER,
        department=market,
        manager_kind="CORPORATE",
        grade="PRINCIPAL",
        credit_manager=True,
        vip_area=False,
        birth_date=datetime.date(1985, 3, 2),
        education="MASTER",
        title_level="MID",
        hired_on=datetime.date(2008, 7, 1),
    )


def test_people_report_has_chinese_headers_names_labels_and_yes_no(login, province_analyst, bank):
    full_person(bank)
    response = export(login(province_analyst))
    assert filename_of(response) == f"人员名单_{timezone.localdate().isoformat()}.csv"
    rows = {row[0]: row for row in csv_rows(response)}
    assert rows["工号"] == HEADER
    assert rows["H0102"] == [
        "H0102",
        "'-钱全面",
        "HF01",
        "合肥三孝口支行",
        "MARKET",
        "市场部",
        "客户经理",
        "对公",
        "资深",
        "是",
        "否",
        "1985-03-02",
        "硕士",
        "中级职称",
        "2008-07-01",
    ]
    assert rows["P0001"] == ["P0001", "王省行", "AH", "安徽省分行", "", "", "其他", "", "", "否", "否", "", "", "", ""]


def test_people_report_in_excel_has_dates_and_no_formula(login, province_analyst, bank):
    full_person(bank)
    response = export(login(province_analyst), "xlsx")
    assert all(cell.data_type != "f" for row in xlsx_cells(response) for cell in row)
    rows = {row[0]: row for row in xlsx_rows(response)}
    assert rows["工号"] == HEADER
    assert rows["H0102"][1] == "-钱全面" and rows["H0102"][11] == datetime.datetime(1985, 3, 2)


def test_people_report_is_scoped_and_follows_the_filters(login, wuhu_manager, hefei_manager, province_analyst):
    rows = csv_rows(export(login(wuhu_manager)))
    assert [row[0] for row in rows[1:]] == ["W0101"]
    rows = csv_rows(export(login(province_analyst), position="CUSTOMER_MANAGER"))
    assert sorted(row[0] for row in rows[1:]) == ["H0101", "W0101"]


def test_people_report_is_a_few_queries_whatever_the_rows(login, province_analyst, bank, django_assert_max_num_queries):
    services.employees_save(
        [
            services.EmployeeData(
                employee_no=f"E{n:04d}", name=f"员工{n}", unit=bank["HF0101"], position=Position.TELLER
            )
            for n in range(80)
        ],
        actor=SYSTEM,
    )
    client = login(province_analyst)
    with django_assert_max_num_queries(5):
        assert len(csv_rows(export(client))) == 1 + 1 + 80
