"""The department appraisal (rules P7, C9, C10, C11), with figures worked out by hand.

The plan of 2010 (C9), imported as a file; tiers on 2010-01-01:
- P1 corporate at HF0101 with loans (rule C5: CORP1), province list from 2009. Months of 2010:
  Jan deposits 800,000 and intermediate income 3,000; Mar deposits 1,000,000 and income 6,000
  (a Dec 2009 and a Jan 2011 month lie outside the year). Mean deposits 900,000; income 9,000.
- P2 corporate at HF01 with loans (CORP1), head-office list from 2009-06. Feb 2010: deposits
  3,300,000, income 12,000.
- P3 corporate at WH0101 without loans (SETTLEMENT), province list from 2009. Loans Jan 400,000,
  Feb 500,000, Mar 600,000 (mean 500,000); product sales Jan 5,000.
Targets: P1 DEPOSITS 1,000,000 and INTERMEDIATE 10,000; P2 DEPOSITS 3,000,000 and INTERMEDIATE
20,000; P3 LOANS 500,000 and PRODUCTS 1,000.

CORP1: deposits 4,200,000 / 4,000,000 = 105.00 %; intermediate 21,000 / 30,000 = 70.00 %;
overall 4,221,000 / 4,030,000 = 104.74 %; score (0.4 × 100 × 1.05 + 0.2 × 100 × 0.70) / 0.6
= 56 / 0.6 = 93.33. SETTLEMENT: loans 100.00 %, products 5,000 / 1,000 = 500.00 % capped at 1.5;
overall 505,000 / 501,000 = 100.80 %; score (0.3 × 100 × 1 + 0.1 × 100 × 1.5) / 0.4 = 112.50.

Shadow credit of 2010Q1 (C10): Hefei's key-account centre (HF · KEYACC) has D1 on P1's team
(split 60, from 2010-01-01) and leading P2's (split 100, from 2010-02-15: 14 of February's 28
days). Deposits: Jan 800,000 × 0.6 = 480,000; Feb 3,300,000 × 14/28 = 1,650,000; Mar
1,000,000 × 0.6 = 600,000; quarter mean 2,730,000 / 3 = 910,000. Income: 3,000 × 0.6 + 12,000 ×
0.5 + 6,000 × 0.6 = 1,800 + 6,000 + 3,600 = 11,400. At the account branches the same results:
HF0101 (P1) deposits 1,080,000 / 3 = 360,000, income 5,400; HF01 (P2) deposits 550,000, income
6,000. Expense 0.10 × 11,400 = 1,140.00. D1's contracts of 2010: deposits 1,000,000 (quarter
target 1,000,000), income 40,000 (quarter target 10,000): score (0.4 × 100 × 0.91 + 0.2 × 100 ×
1.14) / 0.6 = 59.2 / 0.6 = 98.67. Wuhu's WHKEY has W1 leading P3: loans 500,000.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import include, path

import appraisal.department_admin  # noqa: F401 - the admin registrations of this part
from accounts import services as org
from accounts.actors import SYSTEM
from accounts.models import Position
from appraisal import departments
from appraisal.models import Milestone, MilestoneRecord, PlanTarget
from appraisal.rules import Quarter
from imports.engine import ImportRejected
from imports.exports import kind_export
from marketing.models import ClientKind, ClientMetric, Tier
from staffing import services as staffing
from tests.helpers import grant, make_person, make_staff
from tests.marketing.conftest import add_clients, list_entry, month
from tests.marketing.test_imports import load

D = datetime.date
pytestmark = pytest.mark.urls(__name__)
urlpatterns = [
    path("appraisal/departments/", include("appraisal.department_urls")),
    path("", include("bankops.urls")),
]

PLAN = (
    "year,client_no,indicator,target\n"
    "2010,P1,DEPOSITS,1000000\n"
    "2010,P1,INTERMEDIATE,10000\n"
    "2010,P2,DEPOSITS,3000000\n"
    "2010,P2,INTERMEDIATE,20000\n"
    "2010,P3,LOANS,500000\n"
    "2010,P3,PRODUCTS,1000\n"
)


@pytest.fixture
def plan_bank(bank):
    clients = add_clients(
        bank,
        ("P1", ClientKind.CORPORATE, "HF0101", {"has_loan": True}),
        ("P2", ClientKind.CORPORATE, "HF01", {"has_loan": True}),
        ("P3", ClientKind.CORPORATE, "WH0101", {}),
        ("S1", ClientKind.CORPORATE, "HF0101", {}),
        ("L1", ClientKind.CORPORATE, "HF0101", {}),
    )
    list_entry(clients, bank, "P1", Tier.PROVINCE, "AH", D(2009, 1, 1))
    list_entry(clients, bank, "P2", Tier.HEAD_OFFICE, "AH", D(2009, 6, 1))
    list_entry(clients, bank, "P3", Tier.PROVINCE, "AH", D(2009, 1, 1))
    list_entry(clients, bank, "L1", Tier.PROVINCE, "AH", D(2010, 2, 1))  # not yet on 2010-01-01
    month(clients["P1"], D(2009, 12, 1), deposits_avg=Decimal(5000000))
    month(clients["P1"], D(2010, 1, 1), deposits_avg=Decimal(800000), intermediate_income=Decimal(3000))
    month(clients["P1"], D(2010, 3, 1), deposits_avg=Decimal(1000000), intermediate_income=Decimal(6000))
    month(clients["P1"], D(2011, 1, 1), intermediate_income=Decimal(100000))
    month(clients["P2"], D(2010, 2, 1), deposits_avg=Decimal(3300000), intermediate_income=Decimal(12000))
    month(clients["P3"], D(2010, 1, 1), loans=Decimal(400000), product_sales=Decimal(5000))
    month(clients["P3"], D(2010, 2, 1), loans=Decimal(500000))
    month(clients["P3"], D(2010, 3, 1), loans=Decimal(600000))
    load("plans", PLAN)
    return clients


@pytest.fixture
def shadow_bank(bank, plan_bank, hefei_manager):
    key_account, _ = org.department_save(unit=bank["HF"], code="KEYACC", name="大客户营销中心", actor=SYSTEM)
    wuhu_key, _ = org.department_save(unit=bank["WH"], code="WHKEY", name="芜湖大客户营销团队", actor=SYSTEM)
    d1 = make_person("D1", "大客户经理", bank["HF"], Position.CUSTOMER_MANAGER, department=key_account, grade="SENIOR")
    w1 = make_person("W1", "芜湖大客户", bank["WH"], Position.CUSTOMER_MANAGER, department=wuhu_key, grade="SENIOR")

    def team(client_no, start, *members):
        staffing.assignments_save(
            [
                staffing.AssignmentData(
                    client=plan_bank[client_no],
                    employee=person,
                    role=role,
                    split=Decimal(split),
                    valid_from=start,
                    override_reason="test",
                )
                for person, role, split in members
            ],
            actor=SYSTEM,
        )

    team("P1", D(2010, 1, 1), (hefei_manager, "LEAD", 40), (d1, "MEMBER", 60))
    team("P2", D(2010, 2, 15), (d1, "LEAD", 100))
    team("P3", D(2010, 1, 1), (w1, "LEAD", 100))
    staffing.contracts_save(
        [
            {"employee": d1, "year": 2010, "indicator": "DEPOSITS", "target": Decimal(1000000)},
            {"employee": d1, "year": 2010, "indicator": "INTERMEDIATE", "target": Decimal(40000)},
        ],
        actor=SYSTEM,
    )
    return {"KEYACC": key_account, "WHKEY": wuhu_key}


# --- C9: the plan and its completion ------------------------------------------------------------


def test_rule_C9_plan_targets_go_to_the_responsible_department_on_january_first(plan_bank):
    stored = dict(PlanTarget.objects.filter(year=2010).values_list("client__client_no", "department").distinct())
    assert stored == {"P1": "CORP1", "P2": "CORP1", "P3": "SETTLEMENT"}


def test_rule_C9_completion_per_department_by_hand(plan_bank, province_analyst):
    plans = {plan.code: plan for plan in departments.plan_completion(user=province_analyst, year=2010)}
    assert set(plans) == {"CORP1", "SETTLEMENT"}
    corp1 = plans["CORP1"]
    assert corp1.clients == 2
    assert corp1.lines["DEPOSITS"].actual == Decimal("4200000.00")
    assert corp1.lines["DEPOSITS"].target == Decimal("4000000.00")
    assert corp1.lines["DEPOSITS"].percent == Decimal("105.00")
    assert corp1.lines["INTERMEDIATE"].actual == Decimal("21000.00")
    assert corp1.lines["INTERMEDIATE"].percent == Decimal("70.00")
    assert corp1.percent == Decimal("104.74")
    assert corp1.score == Decimal("93.33")
    settlement = plans["SETTLEMENT"]
    assert settlement.lines["LOANS"].actual == Decimal("500000.00")
    assert settlement.lines["LOANS"].percent == Decimal("100.00")
    assert settlement.lines["PRODUCTS"].percent == Decimal("500.00")
    assert settlement.percent == Decimal("100.80")
    assert settlement.score == Decimal("112.50")  # products capped at 1.5


def test_rule_C9_the_plan_page_shows_departments_and_the_drill_down(plan_bank, province_analyst, login):
    client = login(province_analyst)
    page = client.get("/appraisal/departments/?year=2010").content.decode()
    assert 'data-department="CORP1"' in page and "公司业务一部" in page and "93.33" in page
    assert "104.74" in page and "112.50" in page
    detail = client.get("/appraisal/departments/plans/CORP1/?year=2010").content.decode()
    assert 'data-client="P1"' in detail and 'data-client="P2"' in detail and 'data-client="P3"' not in detail
    assert "105.00" not in detail and "90.00" in detail  # P1's deposits: 900,000 / 1,000,000


def test_rule_C9_plan_completion_is_the_provinces(plan_bank, hefei_person, login):
    assert departments.plan_completion(user=hefei_person, year=2010) == []
    client = login(hefei_person)
    page = client.get("/appraisal/departments/?year=2010").content.decode()
    assert 'data-denied="plans"' in page and "CORP1" not in page
    assert client.get("/appraisal/departments/plans/CORP1/?year=2010").status_code == 403


def test_the_plans_import_refuses_a_client_below_the_province_tier_naming_row_and_column(plan_bank):
    before = list(PlanTarget.objects.order_by("pk").values_list("pk", "target"))
    text = "year,client_no,indicator,target\n2010,P1,LOANS,1\n2010,S1,DEPOSITS,100\n2010,L1,LOANS,5\n"
    with pytest.raises(ImportRejected) as rejected:
        load("plans", text)
    report = str(rejected.value)
    assert "row 3, column client_no: " in report and "S1" in report and "rule C9" in report
    assert "row 4, column client_no: " in report and "L1" in report
    assert "row 2" not in report
    assert list(PlanTarget.objects.order_by("pk").values_list("pk", "target")) == before


def test_the_plans_export_round_trips(plan_bank):
    header, rows = kind_export("plans", actor=SYSTEM)
    assert header == ["year", "client_no", "indicator", "target", "department"]
    rows = list(rows)
    assert [2010, "P1", "DEPOSITS", Decimal("1000000.00"), "CORP1"] in rows
    text = ",".join(header) + "\n" + "".join(",".join(str(cell) for cell in row) + "\n" for row in rows)
    counts = load("plans", text).counts
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 6)
    # A department named in the file replaces rule C5's; without the column it stays as stored.
    load("plans", "year,client_no,indicator,target,department\n2010,P3,LOANS,500000,CORP2\n")
    load("plans", "year,client_no,indicator,target\n2010,P3,LOANS,600000\n")
    assert PlanTarget.objects.get(client__client_no="P3", indicator="LOANS").department == "CORP2"


def test_plan_targets_save_needs_the_right(plan_bank, hefei_person):
    with pytest.raises(PermissionDenied):
        departments.plan_targets_save(
            [{"client": plan_bank["P1"], "year": 2010, "indicator": "LOANS", "target": Decimal(1), "department": None}],
            actor=hefei_person,
        )
    with pytest.raises(TypeError):
        departments.plan_targets_save([])  # no default actor


def test_the_plan_pages_open_on_the_latest_year_with_a_plan(plan_bank, province_analyst, login):
    assert departments.default_plan_year(user=province_analyst) == 2010
    client = login(province_analyst)
    page = client.get("/appraisal/departments/").content.decode()
    assert 'value="2010"' in page and 'data-department="CORP1"' in page
    detail = client.get("/appraisal/departments/plans/CORP1/").content.decode()
    assert 'data-client="P1"' in detail


def test_without_a_plan_the_plan_page_opens_on_the_latest_year_with_metrics_and_links_the_import(
    plan_bank, province_analyst, login
):
    PlanTarget.objects.all().delete()
    assert departments.default_plan_year(user=province_analyst) == 2011  # P1's January 2011
    page = login(province_analyst).get("/appraisal/departments/").content.decode()
    assert 'value="2011"' in page and 'href="/imports/?kind=plans"' in page and "“plans”" not in page


# --- C10: shadow credit ---------------------------------------------------------------------------


def test_the_shadow_page_opens_on_the_latest_complete_quarter_with_metrics(shadow_bank, province_analyst, login):
    # The latest metrics month is January 2011: its quarter is not complete, 2010Q4 is.
    assert departments.default_quarter(today=D(2026, 7, 1)) == Quarter(2010, 4)
    assert departments.default_quarter(today=D(2010, 11, 20)) == Quarter(2010, 3)  # 2010Q4 is not over
    ClientMetric.objects.filter(month__gte=D(2010, 4, 1)).delete()
    assert departments.default_quarter(today=D(2026, 7, 1)) == Quarter(2010, 1)
    page = login(province_analyst).get("/appraisal/departments/shadow/").content.decode()
    assert 'value="2010Q1"' in page and "910,000.00" in page


def test_rule_C10_without_metrics_in_the_quarter_there_is_no_score_not_a_zero(shadow_bank, province_analyst, login):
    shadows = {s.department.code: s for s in departments.shadow_credit(user=province_analyst, quarter=Quarter(2010, 2))}
    hefei = shadows["KEYACC"]  # D1's teams are in force and their contracts have targets: no metrics
    assert not hefei.has_data and hefei.has_target
    assert hefei.score is None and all(line.completion is None for line in hefei.ordered_lines)
    page = login(province_analyst).get("/appraisal/departments/shadow/?quarter=2010Q2").content.decode()
    section = page[page.index('data-department="HF:KEYACC"') :]
    section = section[: section.index("</section>")]
    assert "<strong data-score>—</strong>" in section and "data-no-score" in section
    assert "0.00" not in section.replace("1,000,000.00", "").replace("10,000.00", "")  # only the targets


def test_rule_C10_a_department_without_a_target_has_no_score_and_says_why(shadow_bank, province_analyst, login):
    shadows = {s.department.code: s for s in departments.shadow_credit(user=province_analyst, quarter=Quarter(2010, 1))}
    wuhu = shadows["WHKEY"]  # W1 has no contract
    assert wuhu.has_data and not wuhu.has_target and wuhu.score is None
    page = login(province_analyst).get("/appraisal/departments/shadow/?quarter=2010Q1").content.decode()
    section = page[page.index('data-department="WH:WHKEY"') :]
    section = section[: section.index("</section>")]
    assert "<strong data-score>—</strong>" in section and "data-no-score" in section


def test_the_shadow_page_names_departments_and_scrolls_its_tables(shadow_bank, province_analyst, login):
    page = login(province_analyst).get("/appraisal/departments/shadow/?quarter=2010Q1").content.decode()
    assert '大客户营销中心 <small class="code">KEYACC</small>' in page
    assert page.count('<div class="scroll">\n  <table class="grid">') == page.count('<table class="grid">') == 2


def test_rule_C10_shadow_credit_of_a_city_department_by_hand(shadow_bank, province_analyst):
    shadows = {s.department.code: s for s in departments.shadow_credit(user=province_analyst, quarter=Quarter(2010, 1))}
    assert set(shadows) == {"KEYACC", "WHKEY"}
    hefei = shadows["KEYACC"]
    assert hefei.clients == 2
    assert hefei.lines["DEPOSITS"].actual == Decimal("910000")
    assert hefei.lines["INTERMEDIATE"].actual == Decimal("11400")
    assert hefei.lines["LOANS"].actual == 0
    assert hefei.expense == Decimal("1140.00")
    assert hefei.score == Decimal("98.67")
    at_branches = {unit.code: figures for unit, _visible, figures in hefei.at_account_units}
    # [DEPOSITS, LOANS, INTERMEDIATE, PRODUCTS] as they stay at the account branch (rule C1)
    assert at_branches == {
        "HF0101": [Decimal("360000"), 0, Decimal("5400"), 0],
        "HF01": [Decimal("550000"), 0, Decimal("6000"), 0],
    }
    assert shadows["WHKEY"].lines["LOANS"].actual == Decimal("500000")


def test_rule_C10_the_shadow_page_says_no_money_is_added_and_a_city_sees_its_own(
    shadow_bank, hefei_person, wuhu_manager, login
):
    page = login(hefei_person).get("/appraisal/departments/shadow/?quarter=2010Q1").content.decode()
    assert 'data-department="HF:KEYACC"' in page and "WHKEY" not in page
    assert 'id="no-double-money"' in page
    assert "910,000.00" in page and "1,140.00" in page and "98.67" in page
    assert "10.00% × " in page  # the expense's arithmetic: share × shadow income
    wuhu = login(wuhu_manager).get("/appraisal/departments/shadow/?quarter=2010Q1").content.decode()
    assert "KEYACC" not in wuhu and "data-department=" not in wuhu


def test_rule_C10_a_wrong_quarter_is_answered_in_the_form(shadow_bank, province_analyst, login):
    response = login(province_analyst).get("/appraisal/departments/shadow/?quarter=2010Q9")
    assert response.status_code == 200 and 'class="error"' in response.content.decode()


# --- C11: the policy's timeline -------------------------------------------------------------------


@pytest.fixture
def timeline_bank(bank):
    departments.milestone_record_set(
        city=bank["HF"], year=2010, milestone=Milestone.SELECTION, done_on=D(2010, 3, 20), actor=SYSTEM
    )
    departments.milestone_record_set(
        city=bank["HF"], year=2010, milestone=Milestone.STRUCTURE, done_on=D(2010, 5, 10), note="晚了", actor=SYSTEM
    )
    departments.milestone_record_set(
        city=bank["HF"], year=2010, milestone=Milestone.REPORT, done_on=D(2010, 6, 30), actor=SYSTEM
    )
    return bank


def status_of(rows):
    return {(city.code, step.milestone): step.status for city, steps in rows for step in steps}


def test_rule_C11_milestones_are_due_by_default_and_late_ones_marked(timeline_bank, province_analyst):
    record = MilestoneRecord.objects.get(city__code="HF", milestone=Milestone.STRUCTURE)
    assert record.due_on == D(2010, 4, 30)
    statuses = status_of(departments.timeline(user=province_analyst, year=2010, today=D(2010, 5, 15)))
    assert statuses[("HF", "SELECTION")] == departments.DONE
    assert statuses[("HF", "STRUCTURE")] == departments.DONE_LATE
    assert statuses[("HF", "PLAN_FILED")] == departments.OVERDUE  # not done, past 04-30
    assert statuses[("HF", "REPORT")] == departments.DONE
    assert statuses[("WH", "REPORT")] == departments.OPEN  # not yet due on 2010-05-15


def test_rule_C11_the_province_sees_every_city_and_the_late_ones(timeline_bank, province_analyst, login):
    page = login(province_analyst).get("/appraisal/departments/timeline/?year=2010").content.decode()
    assert 'data-city="HF"' in page and 'data-city="WH"' in page
    assert 'data-milestone="STRUCTURE" data-status="DONE_LATE" class="error"' in page
    assert 'data-milestone="SELECTION" data-status="DONE"' in page


def test_rule_C11_a_city_branch_sees_its_own_timeline_only(timeline_bank, hefei_person, login):
    wuhu_person = make_person("W0001", "钱芜湖", timeline_bank["WH"])
    hefei = login(hefei_person).get("/appraisal/departments/timeline/?year=2010").content.decode()
    assert 'data-city="HF"' in hefei and 'data-city="WH"' not in hefei
    wuhu = login(wuhu_person).get("/appraisal/departments/timeline/?year=2010").content.decode()
    assert 'data-city="WH"' in wuhu and 'data-city="HF"' not in wuhu and "晚了" not in wuhu


def test_rule_C11_the_timeline_opens_on_the_latest_year_with_records(timeline_bank, province_analyst, login):
    assert departments.default_timeline_year(user=province_analyst) == 2010
    page = login(province_analyst).get("/appraisal/departments/timeline/").content.decode()
    assert 'value="2010"' in page and 'data-milestone="STRUCTURE" data-status="DONE_LATE"' in page
    MilestoneRecord.objects.all().delete()
    assert departments.default_timeline_year(user=province_analyst, today=D(2031, 2, 3)) == 2031


def test_rule_C11_recording_a_milestone_needs_the_right_and_the_reach(timeline_bank, login):
    wuhu_person = grant(make_person("W0001", "钱芜湖", timeline_bank["WH"]), *departments.MILESTONE_PERMISSIONS)
    with pytest.raises(PermissionDenied):
        departments.milestone_record_set(
            city=timeline_bank["HF"],
            year=2010,
            milestone=Milestone.PLAN_FILED,
            done_on=D(2010, 4, 1),
            actor=wuhu_person,
        )
    assert not MilestoneRecord.objects.filter(milestone=Milestone.PLAN_FILED).exists()
    client = login(wuhu_person)
    response = client.post(
        "/appraisal/departments/timeline/?year=2010",
        {"city": "WH", "milestone": "PLAN_FILED", "done_on": "2010-04-20", "note": ""},
    )
    assert response.status_code == 302
    record = MilestoneRecord.objects.get(city__code="WH", milestone=Milestone.PLAN_FILED)
    assert (record.due_on, record.done_on) == (D(2010, 4, 30), D(2010, 4, 20))
    refused = client.post(
        "/appraisal/departments/timeline/?year=2010",
        {"city": "HF", "milestone": "PLAN_FILED", "done_on": "2010-04-20"},
    )
    assert refused.status_code == 200 and not MilestoneRecord.objects.filter(city__code="HF", milestone="PLAN_FILED")


# --- admin ----------------------------------------------------------------------------------------


def test_the_admin_writes_through_the_services_and_reads_scoped(
    shadow_bank, bank, province_analyst, hefei_person, login
):
    admin = make_staff(province_analyst, "appraisal", "marketing")
    client = login(admin)
    response = client.post(
        "/admin/appraisal/milestonerecord/add/",
        {"city": bank["WH"].pk, "year": 2010, "milestone": "REPORT", "due_on": "", "done_on": "2010-07-02", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = MilestoneRecord.objects.get(city=bank["WH"], milestone="REPORT")
    assert (record.due_on, record.done_on) == (D(2010, 6, 30), D(2010, 7, 2))
    assert record.history.first().history_user == admin
    refused = client.post(
        "/admin/appraisal/plantarget/add/",
        {"year": 2010, "client": shadow_bank_client("S1").pk, "indicator": "LOANS", "target": "1", "department": ""},
    )
    assert refused.status_code == 200 and "C9" in refused.content.decode()
    hefei = login(make_staff(hefei_person, "appraisal"))
    listed = hefei.get("/admin/appraisal/plantarget/").content.decode()
    # Whole words: a page's CSRF token may hold "P3" by chance.
    assert re.search(r"\bP1\b", listed) and not re.search(r"\bP3\b", listed)


def shadow_bank_client(number):
    from marketing.models import Client

    return Client.objects.get(client_no=number)


# --- bounded pages ---------------------------------------------------------------------------------


def test_the_pages_make_a_bounded_number_of_queries(
    shadow_bank, timeline_bank, province_analyst, login, django_assert_max_num_queries
):
    client = login(province_analyst)
    for url in (
        "/appraisal/departments/?year=2010",
        "/appraisal/departments/plans/CORP1/?year=2010",
        "/appraisal/departments/shadow/?quarter=2010Q1",
        "/appraisal/departments/timeline/?year=2010",
        "/appraisal/departments/",
        "/appraisal/departments/plans/CORP1/",
        "/appraisal/departments/shadow/",
        "/appraisal/departments/timeline/",
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
