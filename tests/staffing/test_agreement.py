"""The compliance report's SQL (staffing.compliance) against its plain-Python oracle
(staffing.oracle) on generated banks: every rule, every breach and its words, on several
dates, for the whole bank and for subtrees. The banks are drawn at random (a seed each) and
written behind the services' back, so that every rule has breaches and holds somewhere."""

import datetime
import random
from decimal import Decimal

import pytest

from accounts import services as org
from accounts.actors import SYSTEM
from accounts.models import Department, Education, Grade, ManagerKind, Position, TitleLevel, UnitKind, User
from marketing import services as registry
from marketing.models import Client, ClientKind, ClientMetric
from staffing import compliance, oracle
from staffing.models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    Override,
    Qualification,
    QualificationKind,
    StaffingPolicy,
    TeamRole,
    Training,
)
from tests.helpers import make_unit

D = datetime.date
MONTHS = [D(2011, 1, 1), D(2011, 2, 1), D(2011, 3, 1)]
DATES = [D(2010, 12, 31), D(2011, 1, 15), D(2011, 2, 20), D(2011, 3, 31)]


def generate(seed):
    """A bank of two cities: sub-branches with outlets, centres, people, clients, teams."""
    draw = random.Random(seed)
    province = make_unit("P", "省行", UnitKind.PROVINCE)
    units = [province]
    for c in range(2):
        city = make_unit(f"C{c}", f"分行{c}", UnitKind.CITY, province)
        units.append(city)
        if c == 0 or draw.random() < 0.5:
            units.append(make_unit(f"C{c}W", "财富中心", UnitKind.WEALTH_CENTRE, city))
        for s in range(2):
            sub = make_unit(f"C{c}S{s}", "支行", UnitKind.SUB_BRANCH, city)
            units.append(sub)
            if draw.random() < 0.7:
                org.department_save(unit=sub, code="MARKET", name="市场部", actor=SYSTEM)
            if draw.random() < 0.5:
                units.append(make_unit(f"C{c}S{s}V", "贵宾中心", UnitKind.VIP_CENTRE, sub))
            for o in range(2):
                units.append(make_unit(f"C{c}S{s}O{o}", "网点", UnitKind.OUTLET, sub, city_area=draw.random() < 0.5))
    positions = list(Position.values)
    people = []
    for n in range(90):
        unit = draw.choice(units)
        position = draw.choice(
            [Position.CUSTOMER_MANAGER] * 4 + [Position.HEAD, Position.DEPUTY_HEAD, Position.LOBBY_MANAGER] + positions
        )
        manager = position == Position.CUSTOMER_MANAGER
        people.append(
            User(
                username=f"E{seed}{n:03d}",
                name=f"员工{n}",
                unit=unit,
                position=position,
                manager_kind=draw.choice(ManagerKind.values) if manager else "",
                grade=draw.choice(Grade.values) if manager or draw.random() < 0.1 else "",
                credit_manager=draw.random() < 0.3,
                vip_area=draw.random() < 0.4,
                education=draw.choice(Education.values),
                title_level=draw.choice(TitleLevel.values),
                hired_on=draw.choice([None, D(2005, 1, 1), D(2010, 6, 1), D(2011, 2, 1)]),
                is_active=draw.random() < 0.95,
            )
        )
    # A third city of tellers and one manager: below S1's 20%.
    thin = make_unit("C9", "分行9", UnitKind.CITY, province)
    people += [User(username=f"E{seed}T{n}", unit=thin, position=Position.TELLER) for n in range(6)]
    people.append(User(username=f"E{seed}T9", unit=thin, position=Position.CUSTOMER_MANAGER, grade=Grade.JUNIOR))
    User.objects.bulk_create(people)
    people = list(User.objects.filter(username__startswith=f"E{seed}"))
    held = {}
    for person in people:
        for _ in range(draw.choice([0, 1, 2, 3])):
            start = draw.choice([D(2008, 1, 1), D(2011, 2, 1)])
            end = draw.choice([None, D(2010, 12, 31), D(2011, 3, 1)])
            if end is None or end >= start:
                held[(person.pk, draw.choice(QualificationKind.values), start)] = end
    Qualification.objects.bulk_create(
        Qualification(employee_id=person, kind=kind, valid_from=start, valid_to=end)
        for (person, kind, start), end in held.items()
    )
    Training.objects.bulk_create(
        Training(employee=person, year=year, days=Decimal(draw.choice([0, 5, 9.5, 10, 12])))
        for person in people
        for year in (2009, 2010)
        if draw.random() < 0.8
    )
    clients = []
    for n in range(160):
        kind = draw.choice([ClientKind.CORPORATE, ClientKind.INDIVIDUAL])
        clients.append(
            Client(
                client_no=f"K{seed}{n:03d}",
                name=f"客户{n}",
                kind=kind,
                account_unit=draw.choice(units),
                potential=draw.random() < 0.2,
            )
        )
    Client.objects.bulk_create(clients)
    clients = list(Client.objects.filter(client_no__startswith=f"K{seed}"))
    corporates = [client for client in clients if client.kind == ClientKind.CORPORATE]
    for client in draw.sample(corporates, 12):
        client.group_parent = draw.choice(corporates[:5])
        if client.group_parent != client:
            client.save(update_fields=["group_parent"])
    amounts = [
        None,
        Decimal(0),
        Decimal(300000),
        Decimal(1500000),
        Decimal(2500000),
        Decimal(4000000),
        Decimal(12000000),
    ]
    registry.metrics_save(
        [
            {
                "client_id": client.pk,
                "month": month,
                "deposits_avg": draw.choice(amounts),
                "loans": None,
                "intermediate_income": None,
                "product_sales": None,
                "aum": draw.choice(amounts),
                "annual_contribution": draw.choice(amounts),
            }
            for client in clients
            for month in MONTHS
            if draw.random() < 0.8
        ],
        actor=SYSTEM,
    )
    assignments = []
    for client in clients:
        if draw.random() < 0.15:
            continue
        members = draw.sample(people, draw.choice([1, 1, 2, 3]))
        starts = draw.choice([D(2010, 1, 1), D(2011, 2, 1)])
        for index, person in enumerate(members):
            lead = index == 0 if draw.random() < 0.9 else draw.random() < 0.5
            assignments.append(
                Assignment(
                    client=client,
                    employee=person,
                    role=TeamRole.LEAD if lead else TeamRole.MEMBER,
                    split=Decimal(100 if index == 0 else 0)
                    if draw.random() < 0.9
                    else Decimal(draw.choice([30, 50, 70])),
                    valid_from=starts,
                    valid_to=draw.choice([None, None, D(2011, 1, 31) if starts.year == 2010 else D(2011, 3, 10)]),
                )
            )
    Assignment.objects.bulk_create(assignments)
    for assignment in draw.sample(list(Assignment.objects.all()), 10):
        Override.objects.create(
            rule=draw.choice(["A1", "A2", "A3", "A4", "A5", "A6", "A8", "A9"]),
            client=assignment.client,
            employee=assignment.employee,
            assignment=assignment,
            message="…",
            reason="测试",
        )
    centres = [unit for unit in units if unit.kind == UnitKind.VIP_CENTRE]
    if centres:  # rule A5: a VIP centre designated for private banking
        DesignatedCentre.objects.create(unit=draw.choice(centres))
    StaffingPolicy.objects.update_or_create(pk=1, defaults={"managers_per_assistant": draw.choice([1, 2, 3])})
    for grade in Grade.values:  # small capacities, so that A8 has work at this size
        GradePolicy.objects.filter(grade=grade).update(capacity=draw.choice([1, 2, 3]))
    return units


def full(breaches):
    return [(b.rule, b.unit_code, b.employee_no, b.client_no, str(b.message), b.overridden) for b in breaches]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_reports_sql_and_its_oracle_agree_on_generated_banks(db, seed):
    units = generate(seed)
    rules_seen = set()
    for on in DATES:
        for prefix in ("", units[1].path, units[3].path):
            expected = full(oracle.report(prefix, on))
            assert full(compliance.breaches(prefix, on)) == expected, (seed, on, prefix)
            rules_seen |= {row[0] for row in expected}
    # The generated banks give most rules work (O3, S1, S3–S9, A1–A10 across the seeds).
    assert len(rules_seen) >= 15, rules_seen
    assert Department.objects.exists()
    assert ClientMetric.objects.exists()
