"""The KINDs qualifications, training, contracts and assignments (INTERFACES.md "Bulk import"):
whole or nothing, natural keys, rules A1–A10 checked on the way in, scoped (rule O5)."""

import datetime
from decimal import Decimal

import pytest

from accounts.actors import SYSTEM
from imports.exports import kind_export
from staffing.models import Assignment, Override, PerformanceContract, Qualification, Training
from tests.helpers import grant, make_person
from tests.marketing.test_imports import load, refused
from tests.staffing.conftest import D

HEAD = "client_no,employee_no,role,split,valid_from,valid_to,override_reason\n"


@pytest.fixture
def teams(staffing_bank):
    return staffing_bank


def test_qualifications_training_and_contracts_import_and_reimport_unchanged(teams):
    qualifications = "employee_no,kind,issued_on,expires_on\nCM3,AFP,2011-01-05,\nCM3,CFP,2010-01-01,2012-12-31\n"
    training = "employee_no,year,days\nCM3,2011,12.5\nLOBBY1,2010,3\n"
    contracts = 'employee_no,year,indicator,target\nCM3,2011,DEPOSITS,50000000\nCM3,2011,LOANS,"30,000,000.00"\n'
    for kind, text, rows in (
        ("qualifications", qualifications, 2),
        ("training", training, 2),
        ("contracts", contracts, 2),
    ):
        assert load(kind, text).counts.created == rows
        again = load(kind, text).counts
        assert (again.created, again.updated, again.unchanged) == (0, 0, rows)
    afp = Qualification.objects.get(employee__username="CM3", kind="AFP")
    assert (afp.valid_from, afp.valid_to) == (D(2011, 1, 5), None)
    assert Training.objects.get(employee__username="CM3", year=2011).days == Decimal("12.5")
    contract = PerformanceContract.objects.get(employee__username="CM3", indicator="LOANS")
    assert contract.target == Decimal("30000000.00")
    assert contract.signed_by.code == "WH01"  # rule A11: the manager's sub-branch signs


def test_staffing_files_name_every_bad_cell_and_write_nothing(teams):
    report = refused(
        "qualifications",
        "employee_no,kind,issued_on,expires_on\nNOBODY,AFP,2011-01-05,\nCM3,MBA,2011-01-05,\nCM3,AFP,2011-01-05,2010-01-01\n",
    )
    assert "row 2, column employee_no: " in report and "NOBODY" in report
    assert "row 3, column kind: " in report
    assert "row 4, column expires_on: " in report
    assert not Qualification.objects.filter(employee__username="CM3", kind="AFP").exists()
    assert "row 2, column days: " in refused("training", "employee_no,year,days\nCM3,2011,400\n")


def test_an_assignments_file_makes_a_team_in_one_batch(teams):
    text = HEAD + "C3,CM3,LEAD,60,2011-03-01,,\nC3,CM1,MEMBER,40,2011-03-01,,\n"
    # C3 (Wuhu, 4 million) needs an INTERMEDIATE lead (A2): CM3 is one.
    assert load("assignments", text).counts.created == 2
    assert load("assignments", text).counts.unchanged == 2
    team = Assignment.objects.filter(client__client_no="C3").order_by("-split")
    assert [(a.employee.username, a.role, a.split) for a in team] == [("CM3", "LEAD", 60), ("CM1", "MEMBER", 40)]


@pytest.mark.parametrize(
    ("rows", "where", "rule"),
    [
        ("C3,CM3,LEAD,60,2011-03-01,,\nC3,CM1,LEAD,40,2011-03-01,,\n", "column role", "A10"),  # two leads
        ("C3,CM3,LEAD,60,2011-03-01,,\nC3,CM1,MEMBER,30,2011-03-01,,\n", "column split", "A10"),  # 90%
        ("C3,CM3,LEAD,100,2011-03-01,2011-02-01,\n", "row 3, column valid_to", ""),  # dates out of order
        ("C2,CM1,LEAD,100,2011-02-01,,\n", "row 3, column valid_from", "A10"),  # CM1 is on C2 from 2011-01-01
        ("C3,NOBODY,LEAD,100,2011-03-01,,\n", "row 3, column employee_no", ""),  # outside the bank
    ],
)
def test_a_bad_team_refuses_the_whole_file(teams, rows, where, rule):
    before = Assignment.objects.count()
    report = refused("assignments", HEAD + "C1,CM1,MEMBER,0,2011-03-01,,\n" + rows)
    assert where in report and rule in report
    assert Assignment.objects.count() == before  # the good first row is not written either


def test_rule_A2_refuses_a_junior_lead_unless_overridden_by_someone_with_the_right(teams):
    people = teams["people"]
    junior = HEAD + "C3,CM2,LEAD,100,2011-03-01,,\n"
    assert "row 2, column employee_no: A2: " in refused("assignments", junior)
    # A reason alone is not enough: the person must hold the right.
    clerk = grant(
        make_person("HFADM", "合肥管理员", teams["units"]["AH"]),
        "staffing.add_assignment",
        "staffing.change_assignment",
    )
    report = refused("assignments", junior.replace(",\n", ",熟悉客户\n"), actor=clerk)
    assert "row 2, column override_reason: " in report
    boss = grant(clerk, "staffing.override_assignment")
    assert load("assignments", junior.replace(",\n", ",熟悉客户\n"), actor=boss).counts.created == 1
    override = Override.objects.get(rule="A2", client__client_no="C3")
    assert (override.reason, override.by, override.employee) == ("熟悉客户", boss, people["CM2"])


def test_rule_O5_an_actor_cannot_assign_outside_their_subtree(teams):
    wuhu = grant(
        make_person("WHADM", "芜湖管理员", teams["units"]["WH"]),
        "staffing.add_assignment",
        "staffing.change_assignment",
    )
    # A Hefei client, and a Hefei person onto a Wuhu client: neither exists for Wuhu.
    report = refused("assignments", HEAD + "C2,CM3,MEMBER,0,2011-03-01,,\nC3,CM1,LEAD,100,2011-03-01,,\n", actor=wuhu)
    assert "row 2, column client_no: " in report
    assert "row 3, column employee_no: " in report


def test_an_assignments_dry_run_reports_refusals_and_writes_nothing(teams):
    assert "A2" in refused("assignments", HEAD + "C3,CM2,LEAD,100,2011-03-01,,\n", dry_run=True)
    report = load("assignments", HEAD + "C3,CM3,LEAD,100,2011-03-01,,\n", dry_run=True)
    assert report.dry_run and not Assignment.objects.filter(client__client_no="C3").exists()


def test_an_exported_team_file_reimports_unchanged(teams):
    """Unchanged rows are no new assignments: not judged again, C4's two leads included (a
    breach that arose behind the services' back is reported, not refused)."""
    header, rows = kind_export("assignments", actor=SYSTEM)
    text = (
        ",".join(header) + "\n" + "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\n"
    )
    counts = load("assignments", text).counts
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, Assignment.objects.count())


def test_a_contract_is_a_dated_record_of_its_whole_year_rule_a11(staffing_bank):
    from io import BytesIO

    from imports.engine import run_import
    from staffing.models import PerformanceContract

    run_import("contracts", BytesIO(b"employee_no,year,indicator,target\nCM1,2012,LOANS,100\n"), "c.csv", actor=SYSTEM)
    contract = PerformanceContract.objects.get(employee__username="CM1", year=2012)
    assert (contract.valid_from.isoformat(), contract.valid_to.isoformat()) == ("2012-01-01", "2012-12-31")
    assert contract.is_in_force(datetime.date(2012, 6, 30)) and not contract.is_in_force(datetime.date(2013, 1, 1))
