"""The KINDs clients, tiers and metrics (INTERFACES.md "Bulk import"): whole or nothing, natural
keys, the rules C1/C2/C7/P1 checked on the way in, scoped to the importing person (rule O5)."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from accounts.actors import SYSTEM
from imports.engine import ImportRejected, run_import
from marketing import selectors, services
from marketing.models import Client, ClientKind, ClientMetric, TierEntry
from tests.helpers import grant

D = datetime.date

CLIENTS = """client_no,name,kind,account_unit_code,industry,has_loan,real_estate,institution,import_export,sme_chain,group_parent_no,potential
C1,合肥钢铁子公司,CORPORATE,HF0101,钢铁,1,,,是,,G1,
G1,合肥钢铁集团,CORPORATE,HF01,钢铁,true,,,,,,
C2,芜湖置业,CORPORATE,WH0101,房地产,0,1,,,,,
I1,张先生,INDIVIDUAL,HF0101,,,,,,,,否
I2,李女士,INDIVIDUAL,WH0101,,,,,,,,1
"""

TIERS = """client_no,tier,owner_unit_code,valid_from,valid_to,reason,marketing_mode
G1,PROVINCE,AH,2010-01-01,2010-12-31,省行级名单,LEAD
G1,PROVINCE,AH,2011-01-01,,续列,DIRECT
C1,CITY,HF,2010-03-01,,二级分行名单,
C2,CITY,WH,2010-03-01,2010-06-30,二级分行名单,
"""

METRICS = """client_no,month,deposits_avg,loans,intermediate_income,product_sales,aum,annual_contribution
C1,2010-05,"1,000,000.50",2000000,1500.25,0,,12000000
I1,2010-05,50000,,,300,1200000,
I1,2010-06,51000,,,,1250000.10,
"""


def load(kind, text, *, actor=SYSTEM, dry_run=False, name="x.csv"):
    content = text.encode() if isinstance(text, str) else text
    return run_import(kind, content, name, actor=actor, dry_run=dry_run)


def refused(kind, text, **options):
    """The report of a rejected file, one line per error."""
    with pytest.raises(ImportRejected) as rejected:
        load(kind, text, **options)
    return str(rejected.value)


@pytest.fixture
def clients(bank):
    load("clients", CLIENTS)
    return {client.client_no: client for client in Client.objects.all()}


@pytest.fixture
def tiers(clients):
    load("tiers", TIERS)


# --- clients ----------------------------------------------------------------------------------


def test_rule_C1_clients_import_books_each_client_at_its_account_branch(clients):
    assert {no: client.account_unit.code for no, client in clients.items()} == {
        "C1": "HF0101",
        "G1": "HF01",
        "C2": "WH0101",
        "I1": "HF0101",
        "I2": "WH0101",
    }
    c1 = clients["C1"]
    assert (c1.kind, c1.industry, c1.has_loan, c1.import_export, c1.real_estate) == (
        ClientKind.CORPORATE,
        "钢铁",
        True,
        True,
        False,
    )
    assert clients["C2"].real_estate and not clients["C2"].has_loan
    assert clients["I2"].potential and not clients["I1"].potential


def test_a_group_parent_later_in_the_same_file_than_its_subsidiary_is_linked(clients):
    assert clients["C1"].group_parent == clients["G1"]
    assert clients["G1"].group_parent is None


def test_clients_reimport_changes_nothing(clients):
    history = Client.history.count()
    report = load("clients", CLIENTS)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 0, 5)
    assert Client.history.count() == history and Client.objects.count() == 5


def test_clients_reimport_updates_only_the_changed_client(clients):
    history = Client.history.count()
    report = load("clients", CLIENTS.replace("芜湖置业,CORPORATE,WH0101", "芜湖置业,CORPORATE,WH01"))
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 1, 4)
    assert Client.history.count() == history + 1
    assert Client.objects.get(client_no="C2").account_unit.code == "WH01"


def test_clients_file_with_one_bad_row_is_refused_whole_and_nothing_is_written(bank):
    text = CLIENTS.replace("I2,李女士,INDIVIDUAL,WH0101", "I2,李女士,INDIVIDUAL,NOPE")
    assert "row 6, column account_unit_code:" in refused("clients", text)
    assert not Client.objects.exists() and not Client.history.exists()


def test_clients_unknown_group_parent_and_own_group_parent_are_refused(clients):
    text = (
        "client_no,name,kind,account_unit_code,group_parent_no\n"
        "C3,某公司,CORPORATE,HF01,NOPE\n"
        "C4,另一公司,CORPORATE,HF01,C4\n"
        "C5,第三公司,CORPORATE,HF01,G1\n"  # a stored parent: fine
    )
    report = refused("clients", text)
    assert "row 2, column group_parent_no:" in report and "row 3, column group_parent_no:" in report
    assert "row 4" not in report


def test_clients_group_parents_cannot_loop_through_the_database(clients):
    # G1 stored as C1's parent; making C1 G1's parent would close a loop.
    report = refused(
        "clients", "client_no,name,kind,account_unit_code,group_parent_no\nG1,合肥钢铁集团,CORPORATE,HF01,C1\n"
    )
    assert "row 2, column group_parent_no:" in report


def test_clients_bad_cells_are_named(bank):
    text = "client_no,name,kind,account_unit_code,has_loan\nC1,某公司,BANK,HF01,maybe\nC2,,CORPORATE,HF01,\n"
    report = refused("clients", text)
    for expected in ("row 2, column kind:", "row 2, column has_loan:", "row 3, column name:"):
        assert expected in report


def test_rule_O5_a_wuhu_actor_cannot_import_clients_into_a_hefei_unit(bank, wuhu_manager):
    wuhu_manager = grant(wuhu_manager, "marketing.add_client", "marketing.change_client")
    report = refused("clients", "client_no,name,kind,account_unit_code\nC9,某公司,CORPORATE,HF01\n", actor=wuhu_manager)
    assert "row 2, column account_unit_code:" in report
    assert not Client.objects.exists()
    load("clients", "client_no,name,kind,account_unit_code\nC9,某公司,CORPORATE,WH0101\n", actor=wuhu_manager)
    assert Client.objects.get(client_no="C9").history.latest().history_user == wuhu_manager


def test_rule_O5_a_wuhu_actor_cannot_rebook_a_hefei_client(clients, wuhu_manager):
    report = refused(
        "clients", "client_no,name,kind,account_unit_code\nC1,合肥钢铁子公司,CORPORATE,WH0101\n", actor=wuhu_manager
    )
    assert "row 2, column client_no:" in report
    assert Client.objects.get(client_no="C1").account_unit.code == "HF0101"


def test_clients_dry_run_writes_nothing(bank):
    report = load("clients", CLIENTS, dry_run=True)
    assert report.dry_run and report.counts.created == 5
    assert not Client.objects.exists() and not Client.history.exists()


# --- tiers ------------------------------------------------------------------------------------


def test_rule_C2_tiers_import_dated_entries_with_who_and_why(tiers, province_analyst):
    assert TierEntry.objects.count() == 4
    first = TierEntry.objects.get(client__client_no="G1", valid_from=D(2010, 1, 1))
    assert (first.tier, first.owner_unit.code, first.valid_to, first.reason) == (
        "PROVINCE",
        "AH",
        D(2010, 12, 31),
        "省行级名单",
    )
    standing = {c.client_no: c.tier for c in selectors.client_list(user=province_analyst, on=D(2010, 7, 1))}
    assert standing == {"C1": "CITY", "G1": "PROVINCE", "C2": "SUB_BRANCH", "I1": "SUB_BRANCH", "I2": "SUB_BRANCH"}


def test_rule_C7_tiers_import_records_the_marketing_mode(tiers):
    modes = dict(TierEntry.objects.filter(client__client_no="G1").values_list("valid_from", "marketing_mode"))
    assert modes == {D(2010, 1, 1): "LEAD", D(2011, 1, 1): "DIRECT"}


def test_rule_C7_a_marketing_mode_on_a_city_entry_is_refused(clients):
    text = "client_no,tier,owner_unit_code,valid_from,reason,marketing_mode\nC1,CITY,HF,2010-01-01,x,LEAD\nG1,PROVINCE,AH,2010-01-01,x,PLANE\n"
    report = refused("tiers", text)
    assert "row 2, column marketing_mode:" in report and "row 3, column marketing_mode:" in report


def test_tiers_file_without_the_marketing_mode_column_imports(clients):
    load("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,HF,2010-01-01,x\n")
    assert TierEntry.objects.get().marketing_mode == ""


def test_tiers_reimport_changes_nothing(tiers):
    history = TierEntry.history.count()
    report = load("tiers", TIERS)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 0, 4)
    assert TierEntry.history.count() == history and TierEntry.objects.count() == 4


def test_rule_C2_ending_an_entry_by_reimport_keeps_its_history(tiers):
    load("tiers", TIERS.replace("C1,CITY,HF,2010-03-01,,", "C1,CITY,HF,2010-03-01,2011-03-31,"))
    entry = TierEntry.objects.get(client__client_no="C1")
    assert [record.valid_to for record in entry.history.order_by("history_id")] == [None, D(2011, 3, 31)]


def test_tiers_unknown_client_and_unknown_unit_are_refused(clients):
    text = "client_no,tier,owner_unit_code,valid_from,reason\nNOPE,PROVINCE,AH,2010-01-01,x\nG1,PROVINCE,XX,2010-01-01,x\nG1,SUB_BRANCH,AH,2010-01-01,x\n"
    report = refused("tiers", text)
    for expected in ("row 2, column client_no:", "row 3, column owner_unit_code:", "row 4, column tier:"):
        assert expected in report
    assert not TierEntry.objects.exists()


def test_rule_C2_city_list_owned_by_the_province_is_refused(clients):
    report = refused("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,AH,2010-01-01,x\n")
    assert "row 2, column owner_unit_code:" in report
    assert not TierEntry.objects.exists()


def test_rule_C2_province_list_owned_by_a_city_is_refused(clients):
    assert "row 2, column owner_unit_code:" in refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,reason\nG1,PROVINCE,HF,2010-01-01,x\n"
    )


def test_rule_C2_city_list_of_another_city_is_refused(clients):
    assert "row 2, column owner_unit_code:" in refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,WH,2010-01-01,x\n"
    )


def test_rule_C2_individuals_are_on_no_named_list(clients):
    assert "row 2, column client_no:" in refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,reason\nI1,CITY,HF,2010-01-01,x\n"
    )


def test_rule_C2_valid_to_before_valid_from_is_refused(clients):
    report = refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,valid_to,reason\nC1,CITY,HF,2010-06-01,2010-05-31,x\n"
    )
    assert "row 2, column valid_to:" in report


def test_rule_C2_overlapping_entries_of_one_client_on_one_list_in_one_file_are_refused(clients):
    text = (
        "client_no,tier,owner_unit_code,valid_from,valid_to,reason\n"
        "G1,PROVINCE,AH,2010-01-01,2010-12-31,x\n"
        "G1,PROVINCE,AH,2010-12-31,,y\n"  # meets the first on its last day (valid_to inclusive)
        "G1,HEAD_OFFICE,AH,2010-06-01,,z\n"  # another list: fine
    )
    report = refused("tiers", text)
    assert "row 3, column valid_from:" in report and "row 4" not in report
    assert not TierEntry.objects.exists()


def test_rule_C2_an_entry_overlapping_a_stored_entry_is_refused(tiers):
    history = TierEntry.history.count()
    report = refused("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,HF,2012-01-01,x\n")
    assert "row 2, column valid_from:" in report  # the stored entry from 2010-03-01 is open
    assert TierEntry.history.count() == history
    load("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nG1,PROVINCE,AH,2011-01-01,changed reason\n")


def test_rule_C2_every_entry_overlapping_a_long_stored_entry_is_named(clients):
    load("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nG1,PROVINCE,AH,2010-01-01,x\n")
    text = "client_no,tier,owner_unit_code,valid_from,valid_to,reason\nG1,PROVINCE,AH,2011-01-01,2011-03-31,x\nG1,PROVINCE,AH,2011-06-01,2011-09-30,y\n"
    report = refused("tiers", text)
    assert "row 2, column valid_from:" in report and "row 3, column valid_from:" in report


def test_rule_O5_a_wuhu_actor_cannot_list_hefei_clients(clients, wuhu_manager):
    report = refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,HF,2010-01-01,x\n", actor=wuhu_manager
    )
    assert "row 2, column client_no:" in report  # an unknown client, not a Hefei one


def test_rule_C2_a_city_branch_keeps_its_own_list_but_not_the_province_list(clients, hefei_person):
    hefei_person = grant(hefei_person, "marketing.add_tierentry", "marketing.change_tierentry")
    load("tiers", "client_no,tier,owner_unit_code,valid_from,reason\nC1,CITY,HF,2010-01-01,x\n", actor=hefei_person)
    assert TierEntry.objects.get().added_by == hefei_person
    report = refused(
        "tiers", "client_no,tier,owner_unit_code,valid_from,reason\nG1,PROVINCE,AH,2010-01-01,x\n", actor=hefei_person
    )
    assert "row 2, column owner_unit_code:" in report


def test_tiers_dry_run_writes_nothing(clients):
    assert load("tiers", TIERS, dry_run=True).counts.created == 4
    assert not TierEntry.objects.exists() and not TierEntry.history.exists()


# --- metrics ----------------------------------------------------------------------------------


def test_rule_P1_metrics_import_monthly_figures_in_yuan(clients):
    report = load("metrics", METRICS)
    assert report.counts.created == 3
    c1 = ClientMetric.objects.get(client__client_no="C1", month=D(2010, 5, 1))
    assert (c1.deposits_avg, c1.loans, c1.intermediate_income, c1.product_sales) == (
        Decimal("1000000.50"),
        Decimal("2000000.00"),
        Decimal("1500.25"),
        Decimal("0"),
    )
    assert c1.aum is None and c1.annual_contribution == Decimal("12000000")
    assert ClientMetric.objects.get(client__client_no="I1", month=D(2010, 6, 1)).aum == Decimal("1250000.10")


def test_metrics_empty_optional_figure_is_none(clients):
    load("metrics", "client_no,month,aum\nI1,2010-05,\n")
    assert ClientMetric.objects.get().aum is None and ClientMetric.objects.get().loans is None


def test_metrics_reimport_changes_nothing_and_a_changed_figure_updates(clients):
    load("metrics", METRICS)
    report = load("metrics", METRICS)
    assert (report.counts.created, report.counts.updated, report.counts.unchanged) == (0, 0, 3)
    report = load("metrics", METRICS.replace("1250000.10", "1250000.20"))
    assert (report.counts.updated, report.counts.unchanged) == (1, 2)
    assert ClientMetric.objects.count() == 3


def test_metrics_negative_aum_is_refused_and_nothing_is_written(clients):
    report = refused("metrics", METRICS.replace("1250000.10", "-1"))
    assert "row 4, column aum:" in report
    assert not ClientMetric.objects.exists()


def test_metrics_unknown_client_and_bad_cells_are_named(clients):
    text = "client_no,month,loans,aum\nNOPE,2010-05,,\nI1,2010-13,,\nI2,2010-05,1.234,abc\n"
    report = refused("metrics", text)
    for expected in ("row 2, column client_no:", "row 3, column month:", "row 4, column loans:", "row 4, column aum:"):
        assert expected in report


def test_metrics_key_twice_in_one_file_is_refused(clients):
    assert "row 3, column month:" in refused("metrics", "client_no,month,aum\nI1,2010-05,1\nI1,2010-05,2\n")


def test_rule_O5_a_wuhu_actor_cannot_load_figures_of_a_hefei_client(clients, wuhu_manager):
    report = refused("metrics", "client_no,month,aum\nI1,2010-05,1\nI2,2010-05,1\n", actor=wuhu_manager)
    assert "row 2, column client_no:" in report and "row 3" not in report


def test_metrics_xlsx_first_sheet_imports(clients):
    book = Workbook()
    sheet = book.active
    sheet.append(["client_no", "month", "deposits_avg", "aum"])
    sheet.append(["I1", "2010-05", 50000, 1200000.5])
    sheet.append(["C1", "2010-05", "1000.25", None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert load("metrics", buffer.getvalue(), name="metrics.xlsx").counts.created == 2
    assert ClientMetric.objects.get(client__client_no="I1").aum == Decimal("1200000.50")
    assert ClientMetric.objects.get(client__client_no="C1").deposits_avg == Decimal("1000.25")


def test_metrics_dry_run_writes_nothing(clients):
    assert load("metrics", METRICS, dry_run=True).counts.created == 3
    assert not ClientMetric.objects.exists()


def test_metrics_import_of_thousands_of_rows_runs_in_a_bounded_number_of_queries(bank, django_assert_max_num_queries):
    count = 3000
    services.clients_save(
        [
            services.ClientData(
                client_no=f"I{n:05d}", name="客户", kind=ClientKind.INDIVIDUAL, account_unit=bank["HF0101"]
            )
            for n in range(count)
        ],
        actor=SYSTEM,
    )
    text = "client_no,month,aum\n" + "".join(f"I{n:05d},2010-05,{n}.50\n" for n in range(count))
    # Far below one query per row: a lookup and a fetch per 2,000 numbers, and bulk INSERTs,
    # which SQLite cuts at 999 parameters (~120 rows of 8 columns) where PostgreSQL needs 2.
    with django_assert_max_num_queries(50):
        assert load("metrics", text).counts.created == count
    # A handful of set-based statements whatever the row count, with the read model's state row,
    # the ids of the clients whose standing is refreshed (marketing.standing) and, on PostgreSQL,
    # the file's months and whether they have their partitions (marketing.partitions).
    with django_assert_max_num_queries(16):
        assert load("metrics", text).counts.unchanged == count
    assert ClientMetric.objects.count() == count
