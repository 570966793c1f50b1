import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Department, LeadershipMember, Position, Unit, UnitKind, User
from accounts.rules import ALLOWED_PARENT_KINDS
from demo import clients as demo_clients
from demo import org as demo
from marketing.models import Client, ClientKind, ClientMetric, Tier, TierEntry


def seed():
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


def snapshot():
    return (
        [model.objects.count() for model in (Unit, Department, User, LeadershipMember, Client, TierEntry, ClientMetric)]
        + [model.history.count() for model in (Unit, Department, User, LeadershipMember, Client, TierEntry)]
        + [
            sorted(ClientMetric.objects.values_list("client__client_no", "month", *ClientMetric.FIGURES)),
        ]
    )


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


def test_demo_users_have_the_demo_password(seeded, client):
    bank = demo.build_bank("small")
    numbers = [employee_no for _, employee_no in bank.logins]
    people = {user.username: user for user in User.objects.filter(username__in=numbers + ["admin"])}
    assert len(people) == 5
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in people.values())
    assert people["admin"].is_superuser
    analyst, keeper, hefei, wuhu = (people[number] for number in numbers)
    assert analyst.unit.code == "AH" and hefei.unit.code == "HF"
    # The tier-list administrator: a province person with the admin and the tier_admin role, no more.
    assert bank.tier_admins == [keeper.username] and keeper.unit.code == "AH"
    assert keeper.is_staff and not keeper.is_superuser
    assert "tier_admin" in set(keeper.groups.values_list("name", flat=True))
    assert (
        client.post(
            "/admin/login/?next=/admin/", {"username": keeper.username, "password": demo.DEMO_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/admin/marketing/tierentry/").status_code == 200
    assert client.get("/admin/marketing/tierentry/export/csv/").status_code == 200
    assert client.get("/admin/accounts/unit/").status_code == 403  # the tier lists, not the organisation
    printed = [line.split() for line in seeded.splitlines()]
    assert ["tier-list", "administrator", keeper.username, keeper.name, "安徽省分行", demo.DEMO_PASSWORD] in printed
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


# --- clients, named lists, metrics (demo.clients) --------------------------------------------


def test_small_seed_has_clients_lists_and_metrics(seeded):
    kinds = Counter(Client.objects.values_list("kind", flat=True))
    assert 50 <= kinds[ClientKind.CORPORATE] and 200 <= kinds[ClientKind.INDIVIDUAL]
    assert kinds.total() < 1000  # --scale small: a few hundred
    assert TierEntry.objects.exists()
    assert ClientMetric.objects.count() == 12 * kinds.total()  # twelve months for every client
    assert Client.objects.filter(kind=ClientKind.CORPORATE, subsidiaries__isnull=False).exists()  # groups
    assert f"clients: {kinds[ClientKind.CORPORATE]} corporate, {kinds[ClientKind.INDIVIDUAL]} individual" in seeded


def test_small_seed_named_lists_at_every_level(seeded):
    """Rule C2: the province keeps the head-office and province lists, each city branch its own."""
    province = TierEntry.objects.filter(tier=Tier.PROVINCE)
    assert province.exists() and set(province.values_list("owner_unit__code", flat=True)) == {"AH"}
    assert all(province.values_list("marketing_mode", flat=True))  # rule C7
    assert TierEntry.objects.filter(tier=Tier.HEAD_OFFICE, owner_unit__code="AH").exists()
    hefei = Unit.objects.get(code="HF")
    city_entries = TierEntry.objects.filter(tier=Tier.CITY, owner_unit=hefei).select_related("client__account_unit")
    assert city_entries.exists()
    assert all(entry.client.account_unit.path.startswith(hefei.path) for entry in city_entries)
    assert set(TierEntry.objects.values_list("client__kind", flat=True)) == {ClientKind.CORPORATE}
    assert TierEntry.objects.filter(valid_to__isnull=False).exists()  # lists change over time


def test_full_client_book_is_deterministic_and_plausible():
    bank = demo.build_bank()
    book = demo_clients.build_clients(bank)
    again = demo_clients.build_clients(demo.build_bank())
    assert all(book.csv(kind) == again.csv(kind) for kind in ("clients", "tiers", "metrics"))

    counts = book.counts()
    assert 2800 <= counts["corporate"] <= 3200 and 19000 <= counts["individual"] <= 21000
    corporates = [row for row in book.clients if row["kind"] == ClientKind.CORPORATE]
    assert 0.3 < sum(row["has_loan"] == "1" for row in corporates) / len(corporates) < 0.5
    for flag in ("real_estate", "institution", "import_export", "sme_chain"):
        assert 0 < sum(row[flag] == "1" for row in corporates) < len(corporates) * 0.1
    assert len({row["name"] for row in corporates}) == len(corporates)

    units = {row["code"]: row for row in bank.units}
    kinds = Counter(
        units[row["account_unit_code"]]["kind"] for row in book.clients if row["kind"] == ClientKind.INDIVIDUAL
    )
    assert (
        kinds[UnitKind.OUTLET] + kinds[UnitKind.VIP_CENTRE] + kinds[UnitKind.WEALTH_CENTRE] > 0.9 * counts["individual"]
    )
    assert kinds[UnitKind.WEALTH_CENTRE] > 0 and kinds[UnitKind.VIP_CENTRE] > 0

    tiers = Counter(row["tier"] for row in book.tiers)
    assert 20 <= tiers[Tier.HEAD_OFFICE] <= 60 and 120 <= tiers[Tier.PROVINCE] <= 200 and tiers[Tier.CITY] >= 200
    # Never two entries of one list at once; entries end and the client is listed again later.
    periods = {}
    for row in book.tiers:
        periods.setdefault((row["client_no"], row["tier"]), []).append((row["valid_from"], row["valid_to"] or "9999"))
    for spans in periods.values():
        spans.sort()
        assert all(end < start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    assert (
        sum(
            len({row["tier"] for row in book.tiers if row["client_no"] == no}) > 1
            for no in {r["client_no"] for r in book.tiers}
        )
        > 10
    )

    months = sorted({row[1] for row in book.metrics})
    assert months == [f"2025-{month:02d}" for month in range(1, 13)]
    latest = {row[0]: row for row in book.metrics if row[1] == months[-1]}
    contributions = [Decimal(row[7]) for row in latest.values() if row[7]]
    assert sum(value > 10_000_000 for value in contributions) >= 5  # rule A1
    assert sum(value > 3_000_000 for value in contributions) >= 50  # rule A2
    aum = [Decimal(row[6]) for row in latest.values() if row[6]]
    assert sum(value < 200_000 for value in aum) > 0.7 * len(aum)  # rule C4: most are ordinary
    assert sum(value >= 8_000_000 for value in aum) >= 5  # PRIVATE
    assert sum(1_000_000 <= value < 5_000_000 for value in aum) >= 50  # HIGH; rule A9's bands
    assert all(cell == "" or Decimal(cell) >= 0 for row in book.metrics for cell in row[2:])


@pytest.mark.django_db
def test_if_empty_leaves_a_bank_alone_and_does_not_crash_on_its_own_people(bank):
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", "--if-empty", stdout=out)
    assert "nothing loaded" in out.getvalue() and "bankops2026" not in out.getvalue()
    assert Unit.objects.count() == 7  # the fixture's bank, untouched
