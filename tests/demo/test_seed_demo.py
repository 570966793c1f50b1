import io
from collections import Counter

import pytest
from django.core.management import call_command

from demo import org as demo
from accounts.models import Department, LeadershipMember, Position, Unit, UnitKind, User
from accounts.rules import ALLOWED_PARENT_KINDS


def seed():
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


def snapshot():
    return [
        model.objects.count() for model in (Unit, Department, User, LeadershipMember)
    ] + [model.history.count() for model in (Unit, Department, User, LeadershipMember)]


@pytest.fixture
def seeded(db):
    return seed()


def test_small_seed_builds_one_province_tree(seeded):
    roots = Unit.objects.get_root_nodes()
    assert [(root.code, root.kind) for root in roots] == [("AH", UnitKind.PROVINCE)]
    units = list(Unit.objects.all())
    by_path = {unit.path: unit for unit in units}
    cities = [unit for unit in units if unit.kind == UnitKind.CITY]
    assert {city.name for city in cities} == {"合肥分行", "芜湖分行", "淮北分行"}
    assert all(by_path[city.parent_path].code == "AH" for city in cities)
    for unit in units:  # rule O1
        if unit.parent_path:
            assert by_path[unit.parent_path].kind in ALLOWED_PARENT_KINDS[unit.kind]


def test_small_seed_leaves_work_for_the_compliance_report(seeded):
    sub_branches = Unit.objects.filter(kind=UnitKind.SUB_BRANCH)
    with_market = sub_branches.filter(departments__code="MARKET").count()
    assert 0 < with_market < sub_branches.count()  # rule O3: most, not all
    lobby = Counter(User.objects.filter(position=Position.LOBBY_MANAGER).values_list("unit__code", flat=True))
    outlets = list(Unit.objects.filter(kind=UnitKind.OUTLET).values_list("code", flat=True))
    assert 0 < sum(lobby[code] == 1 for code in outlets) < len(outlets)  # rule S4
    assert set(LeadershipMember.objects.values_list("unit__kind", flat=True)) == {UnitKind.PROVINCE, UnitKind.CITY}


def test_second_run_changes_nothing(seeded):
    before = snapshot()
    seed()
    assert snapshot() == before


def test_demo_users_have_the_demo_password(seeded):
    numbers = [employee_no for _, employee_no in demo.build_bank("small").logins]
    people = {user.username: user for user in User.objects.filter(username__in=numbers + ["admin"])}
    assert len(people) == 4
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in people.values())
    assert people["admin"].is_superuser
    analyst, hefei, wuhu = (people[number] for number in numbers)
    assert analyst.unit.code == "AH" and hefei.unit.code == "HF"
    assert wuhu.position == Position.CUSTOMER_MANAGER and wuhu.unit.kind == UnitKind.OUTLET
    assert wuhu.unit.path.startswith(Unit.objects.get(code="WH").path)


def test_full_bank_is_deterministic_and_plausible():
    bank = demo.build_bank()
    assert bank.csv("employees") == demo.build_bank().csv("employees")
    assert 5000 <= len(bank.employees) <= 7000
    kinds = Counter(row["kind"] for row in bank.units)
    assert kinds[UnitKind.CITY] == 17 and kinds[UnitKind.WEALTH_CENTRE] == 1 and kinds[UnitKind.VIP_CENTRE] >= 5
    parents = {row["code"]: row["parent_code"] for row in bank.units}

    def city_of(code):
        while parents[code] not in ("", "AH"):
            code = parents[code]
        return code

    staff, managers = Counter(), Counter()
    for row in bank.employees:
        staff[city_of(row["unit_code"])] += 1
        managers[city_of(row["unit_code"])] += row["position"] == Position.CUSTOMER_MANAGER
    shares = {city: managers[city] / staff[city] for city in staff if city != "AH"}
    assert sorted(city for city, share in shares.items() if share < 0.2) == sorted(demo.LEAN_CITIES)  # rule S1
    assert all(share <= 0.25 for share in shares.values())
