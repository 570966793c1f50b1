"""The hand-worked staffing bank of the staffing tests (rules O3, S1–S9, A1–A10), on 2011-03-15.

Units (the shared bank, plus): HF0102 a second city-area outlet of Hefei; HFW a wealth centre
under Hefei; HFV a VIP centre under HF01. WH01 has its market department, HF01 has none (O3).
The policy asks an assistant per 2 managers (S9) and JUNIOR holds 2 clients (A8).

People and what they break:
- HF0101: CM1 (corporate, SENIOR, certified, 12 days), CM2 (personal, JUNIOR, certificate
  expired 2010-12-31: S7; 5 days: S8), LOBBY1. Two managers, no assistant: S9.
- HF0102: nobody; its corporate client C5 keeps 12 million of deposits: S3 and S4.
- WH0101: CM3 (personal, INTERMEDIATE, certified, 10 days); no lobby manager: S4.
- HFW: WM1 (wealth manager, CFP), WM2 (wealth manager, nothing: S5), PCM (personal CM,
  INTERMEDIATE, CFP, certified, 10 days); two advisers: S5.
- HFV: VCM (personal CM, SENIOR, AFP, certified, 10 days), MM1 (marketing manager, exclusive
  area): S6 (2 staff, 1 marketing and 0 wealth managers in the area, 1 qualified).
- HF01: HEAD1 (head), DEP1 (deputy head); HF: HFO1 (city officer); AH: PA1.
Staff 15, managers 5: the province holds S1 (33%); Hefei 14 staff, 4 managers (28.6%): holds;
Wuhu 1 of 1: holds.

Clients, with their February 2011 figures, and teams from 2011-01-01 (breaches that arose\nlater, when the figures came) unless said:
- C1 corporate HF0101, contribution 12 M, lead CM2 (JUNIOR) from 2011-03-01: A1, overridden;
  CM2 then has 3 clients: A8, overridden.
- C2 corporate HF0101, contribution 5 M, lead CM1 (SENIOR): fine.
- C3 corporate WH0101, contribution 4 M, no team: A2.
- C4 corporate HF0101, two leads written behind the services' back: A10.
- C5 corporate HF0102, deposits 12 M, contribution 0: no rule of its own.
- G1 group head HF0101 led by CM1 (an outlet); its subsidiary G2 (HF01) led by HFO1 of the
  city branch: A6 on G1.
- I1 individual HF0101, AUM 300,000 (MID), lead CM2 (personal, outlet): fine.
- I2 individual HF0101, AUM 1.5 M (HIGH), lead CM2 (an outlet, no AFP) from 2011-03-01: A4,
  and no deputy head: A9; both overridden when the team was made.
- I3 individual HFV, AUM 2.5 M (HIGH), lead VCM, members DEP1 and HEAD1: fine.
- I4 individual HFW, AUM 9 M (PRIVATE), lead PCM, members DEP1 and HEAD1, no city officer: A9.
"""

import datetime
from decimal import Decimal

import pytest

from accounts import services as org
from accounts.actors import SYSTEM
from accounts.models import Position, UnitKind
from marketing.models import ClientKind
from staffing import services
from staffing.models import Assignment, GradePolicy, StaffingPolicy
from tests.helpers import make_person, make_unit
from tests.marketing.conftest import add_clients, month
from tests.runs.conftest import media, start_run  # noqa: F401 - the import runs' fixtures, for dry runs

D = datetime.date
ON = D(2011, 3, 15)
CM, PERSONAL, CORPORATE = Position.CUSTOMER_MANAGER, "PERSONAL", "CORPORATE"


def qualify(people, *rows):
    services.qualifications_save(
        [{"employee": people[no], "kind": kind, "valid_from": start, "valid_to": end} for no, kind, start, end in rows],
        actor=SYSTEM,
    )


TEAMS_FROM = D(2011, 1, 1)


def team(clients, people, *members, start=TEAMS_FROM, reason="", actor=SYSTEM):
    """members: (client_no, employee_no, role, split), one batch."""
    return services.assignments_save(
        [
            services.AssignmentData(
                client=clients[client_no],
                employee=people[no],
                role=role,
                split=Decimal(split),
                valid_from=start,
                override_reason=reason,
            )
            for client_no, no, role, split in members
        ],
        actor=actor,
    )


def SENIOR_TEAM(lead):  # noqa: N802 - reads as the constant it stands for
    return [(lead, "LEAD", 100), ("DEP1", "MEMBER", 0), ("HEAD1", "MEMBER", 0)]


@pytest.fixture
def staffing_bank(bank):
    bank["HF0102"] = make_unit("HF0102", "四牌楼网点", UnitKind.OUTLET, bank["HF01"], city_area=True)
    bank["HFW"] = make_unit("HFW", "合肥财富管理中心", UnitKind.WEALTH_CENTRE, bank["HF"])
    bank["HFV"] = make_unit("HFV", "三孝口贵宾理财中心", UnitKind.VIP_CENTRE, bank["HF01"])
    org.department_save(unit=bank["WH01"], code="MARKET", name="市场部", actor=SYSTEM)
    StaffingPolicy.objects.update_or_create(pk=1, defaults={"managers_per_assistant": 2})
    GradePolicy.objects.filter(grade="JUNIOR").update(capacity=2)

    people = {}
    for no, unit, position, extra in [
        ("PA1", "AH", Position.OTHER, {}),
        ("HFO1", "HF", Position.OTHER, {}),
        ("HEAD1", "HF01", Position.HEAD, {}),
        ("DEP1", "HF01", Position.DEPUTY_HEAD, {}),
        ("CM1", "HF0101", CM, {"manager_kind": CORPORATE, "grade": "SENIOR"}),
        ("CM2", "HF0101", CM, {"manager_kind": PERSONAL, "grade": "JUNIOR"}),
        ("LOBBY1", "HF0101", Position.LOBBY_MANAGER, {}),
        ("CM3", "WH0101", CM, {"manager_kind": PERSONAL, "grade": "INTERMEDIATE"}),
        ("WM1", "HFW", Position.WEALTH_MANAGER, {}),
        ("WM2", "HFW", Position.WEALTH_MANAGER, {}),
        ("PCM", "HFW", CM, {"manager_kind": PERSONAL, "grade": "INTERMEDIATE"}),
        ("VCM", "HFV", CM, {"manager_kind": PERSONAL, "grade": "SENIOR"}),
        ("MM1", "HFV", Position.MARKETING_MANAGER, {"vip_area": True}),
    ]:
        people[no] = make_person(no, no, bank[unit], position, **extra)
    # Three more Hefei people: Hefei's staff reaches 14 with 4 managers (S1 holds at 28.6%).
    for index in range(3):
        people[f"T{index}"] = make_person(f"T{index}", "柜员", bank["HF01"], Position.TELLER)

    qualify(
        people,
        ("CM1", "CM_CERT", D(2009, 6, 1), None),
        ("CM2", "CM_CERT", D(2008, 6, 1), D(2010, 12, 31)),
        ("CM3", "CM_CERT", D(2009, 6, 1), None),
        ("PCM", "CM_CERT", D(2009, 6, 1), None),
        ("PCM", "CFP", D(2009, 6, 1), None),
        ("VCM", "CM_CERT", D(2009, 6, 1), None),
        ("VCM", "AFP", D(2009, 6, 1), D(2012, 6, 1)),
        ("WM1", "CFP", D(2010, 1, 1), None),
    )
    services.training_save(
        [
            {"employee": people[no], "year": 2010, "days": Decimal(days)}
            for no, days in [("CM1", 12), ("CM2", 5), ("CM3", 10), ("PCM", 10), ("VCM", 10)]
        ],
        actor=SYSTEM,
    )

    clients = add_clients(
        bank,
        ("C1", ClientKind.CORPORATE, "HF0101", {}),
        ("C2", ClientKind.CORPORATE, "HF0101", {}),
        ("C3", ClientKind.CORPORATE, "WH0101", {}),
        ("C4", ClientKind.CORPORATE, "HF0101", {}),
        ("C5", ClientKind.CORPORATE, "HF0102", {}),
        ("G1", ClientKind.CORPORATE, "HF0101", {}),
        ("I1", ClientKind.INDIVIDUAL, "HF0101", {}),
        ("I2", ClientKind.INDIVIDUAL, "HF0101", {}),
        ("I3", ClientKind.INDIVIDUAL, "HFV", {}),
        ("I4", ClientKind.INDIVIDUAL, "HFW", {}),
    )
    from marketing import services as registry

    registry.clients_save(
        [
            registry.ClientData(
                client_no="G2", name="G2", kind=ClientKind.CORPORATE, account_unit=bank["HF01"], group_parent_no="G1"
            )
        ],
        actor=SYSTEM,
    )
    clients = {client.client_no: client for client in type(clients["C1"]).objects.select_related("account_unit")}
    february = D(2011, 2, 1)
    for no, figures in {
        "C1": {"annual_contribution": Decimal("12000000")},
        "C2": {"annual_contribution": Decimal("5000000")},
        "C3": {"annual_contribution": Decimal("4000000")},
        "C5": {"deposits_avg": Decimal("12000000"), "annual_contribution": Decimal("0")},
        "I1": {"aum": Decimal("300000")},
        "I2": {"aum": Decimal("1500000")},
        "I3": {"aum": Decimal("2500000")},
        "I4": {"aum": Decimal("9000000")},
    }.items():
        month(clients[no], february, **figures)

    team(clients, people, ("C2", "CM1", "LEAD", 100))
    team(clients, people, ("G1", "CM1", "LEAD", 100))
    team(clients, people, ("G2", "HFO1", "LEAD", 100))
    team(clients, people, ("I1", "CM2", "LEAD", 100))
    team(clients, people, *[("I3", no, role, split) for no, role, split in SENIOR_TEAM("VCM")])
    team(clients, people, *[("I4", no, role, split) for no, role, split in SENIOR_TEAM("PCM")])
    # Made after February's figures: A1 (C1), A4 and A9 (I2), A8 (CM2's third client) are
    # refused unless overridden, and are.
    team(
        clients,
        people,
        ("C1", "CM2", "LEAD", 100),
        ("I2", "CM2", "LEAD", 100),
        start=D(2011, 3, 1),
        reason="客户指定由该经理维护",
    )
    for no in ("CM1", "CM2"):  # behind the services' back: a breach that arises later (A10)
        Assignment.objects.create(
            client=clients["C4"], employee=people[no], role="LEAD", split=Decimal(50), valid_from=D(2011, 1, 1)
        )
    return {"units": bank, "people": people, "clients": clients}
