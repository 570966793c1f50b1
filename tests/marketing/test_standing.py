"""The read model (marketing.standing): the stored standing answers exactly what the computed
one does, and stops answering the moment it might not (entries ending, months arriving,
thresholds changing, writes behind the services' back, dates past its window)."""

import datetime
import random
from decimal import Decimal

import pytest

from accounts.actors import SYSTEM
from marketing import partitions, selectors, services, standing
from marketing.models import Client, ClientKind, ClientMetric, ClientStanding, Tier, TierEntry

from .conftest import add_clients, list_entry, month

D = datetime.date
COLUMNS = ("client_no", *selectors.STANDING_COLUMNS)


def computed(user, on):
    clients = selectors.scoped(Client.objects.all(), user)
    return list(selectors.with_standing(clients, on=on).order_by("client_no").values_list(*COLUMNS))


def listed(user, on):
    return list(selectors.client_list(user=user, on=on).values_list(*COLUMNS))


def build(as_of):
    assert standing.rebuild(actor=SYSTEM, as_of=as_of)


@pytest.fixture
def generated(bank):
    """A generated registry: clients of every kind and flag, entries starting and ending, months
    of AUM across every band (the C4 agreement test's data, wider)."""
    generator = random.Random(7)
    flags = ("has_loan", "real_estate", "institution", "import_export", "sme_chain")
    rows = []
    for n in range(60):
        kind = ClientKind.CORPORATE if n % 2 else ClientKind.INDIVIDUAL
        chosen = {flag: generator.random() < 0.3 for flag in flags} if kind == ClientKind.CORPORATE else {}
        if kind == ClientKind.INDIVIDUAL:
            chosen["potential"] = generator.random() < 0.3
        rows.append((f"G{n:03d}", kind, generator.choice(["HF0101", "WH0101", "HF01"]), chosen))
    clients = add_clients(bank, *rows)
    for number, client in clients.items():
        if client.kind == ClientKind.CORPORATE and generator.random() < 0.6:
            tier = generator.choice([Tier.HEAD_OFFICE, Tier.PROVINCE, Tier.CITY])
            owner = "AH" if tier != Tier.CITY else ("WH" if client.account_unit.code.startswith("WH") else "HF")
            start = D(2010, generator.randrange(1, 12), 1)
            end = start + datetime.timedelta(days=generator.randrange(20, 400)) if generator.random() < 0.5 else None
            list_entry(clients, bank, number, tier, owner, start, end)
        for m in range(1, 13):
            if generator.random() < 0.9:
                aum = Decimal(generator.choice([0, 150_000, 200_000, 900_000, 1_000_000, 9_000_000]))
                month(client, D(2010, m, 1), aum=aum, deposits_avg=aum / 2, annual_contribution=Decimal(m))
        if client.kind == ClientKind.CORPORATE and generator.random() < 0.2:
            services.responsible_override_set(client=client, department="SME", reason="test", actor=SYSTEM)
    return clients


def test_the_stored_standing_answers_what_the_computed_one_does(generated, province_analyst, hefei_person):
    on = D(2010, 12, 15)
    build(on)
    assert selectors.stored_standing_covers(on)
    for user in (province_analyst, hefei_person):
        assert listed(user, on) == computed(user, on)
    for tier in Tier.values:
        stored = selectors.client_list(user=province_analyst, on=on).filter(tier=tier)
        assert [row[0] for row in stored.values_list(*COLUMNS)] == [
            row[0] for row in computed(province_analyst, on) if row[1] == tier
        ]


def test_dates_outside_the_window_are_computed_and_exact(generated, province_analyst):
    build(D(2010, 12, 15))
    state = standing.state()
    for on in (D(2009, 6, 1), D(2010, 3, 15), D(2010, 7, 1), D(2011, 6, 1), D(2012, 1, 1)):
        inside = (state.valid_from is None or state.valid_from <= on) and (
            state.valid_until is None or on < state.valid_until
        )
        assert selectors.stored_standing_covers(on) == inside
        assert listed(province_analyst, on) == computed(province_analyst, on)


def test_the_window_ends_where_an_entry_ends_or_a_month_arrives(registry, province_analyst):
    month(registry["I1"], D(2010, 8, 1), aum=Decimal("300000"))
    build(D(2010, 8, 10))
    state = standing.state()
    # Entries: C1's province entry ended 2010-12-31, so the standing changes on 2011-01-01.
    assert (state.valid_from, state.valid_until) == (D(2010, 8, 1), D(2011, 1, 1))
    assert not selectors.stored_standing_covers(D(2011, 1, 1))


def test_ending_an_entry_refreshes_the_client_and_keeps_the_rows_in_use(registry, province_analyst):
    on = D(2010, 8, 10)
    build(on)
    entry = TierEntry.objects.get(client=registry["C4"], tier=Tier.PROVINCE)
    services.tier_entry_end(entry=entry, valid_to=D(2010, 7, 31), reason="降级", actor=SYSTEM)
    assert selectors.stored_standing_covers(on)
    assert ClientStanding.objects.get(client=registry["C4"]).tier == Tier.SUB_BRANCH
    assert listed(province_analyst, on) == computed(province_analyst, on)


def test_a_new_entry_and_an_override_are_refreshed_too(registry, bank, province_analyst):
    on = D(2010, 8, 10)
    build(on)
    list_entry(registry, bank, "C2", Tier.PROVINCE, "AH", D(2010, 8, 1))
    services.responsible_override_set(client=registry["C2"], department="SME", reason="集群", actor=SYSTEM)
    assert selectors.stored_standing_covers(on)
    row = ClientStanding.objects.get(client=registry["C2"])
    assert (row.tier, row.responsible_department) == (Tier.PROVINCE, "SME")
    assert listed(province_analyst, on) == computed(province_analyst, on)


def test_a_month_arriving_refreshes_its_clients(registry, province_analyst):
    on = D(2010, 8, 10)
    build(on)
    month(registry["I1"], D(2010, 8, 1), aum=Decimal("9000000"))
    assert selectors.stored_standing_covers(on)
    assert ClientStanding.objects.get(client=registry["I1"]).segment == "PRIVATE"
    assert listed(province_analyst, on) == computed(province_analyst, on)


def test_a_large_write_leaves_the_rows_unread_and_rebuilds_after_commit(
    registry, province_analyst, monkeypatch, django_capture_on_commit_callbacks
):
    on = D(2010, 8, 10)
    build(on)
    monkeypatch.setattr(standing, "REFRESH_LIMIT", 0)
    with django_capture_on_commit_callbacks() as rebuilds:
        month(registry["I1"], D(2010, 8, 1), aum=Decimal("9000000"))
    assert not selectors.stored_standing_covers(on)
    assert {row[0]: row[2] for row in listed(province_analyst, on)}["I1"] == "PRIVATE"  # computed meanwhile
    assert len(rebuilds) == 1


def test_new_thresholds_leave_the_rows_unread_until_rebuilt(
    registry, province_analyst, django_capture_on_commit_callbacks
):
    month(registry["I1"], D(2010, 7, 1), aum=Decimal("900000"))
    on = D(2010, 8, 10)
    build(on)
    assert ClientStanding.objects.get(client=registry["I1"]).segment == "MID"
    with django_capture_on_commit_callbacks(execute=True):
        services.segment_thresholds_set(
            valid_from=D(2010, 1, 1),
            private_min=Decimal("5000000"),
            high_min=Decimal("800000"),
            mid_min=Decimal("100000"),
            actor=SYSTEM,
        )
    # The queued rebuild ran for today, whose window may not hold 2010: the rows are right either way.
    assert {row[0]: row[2] for row in listed(province_analyst, on)}["I1"] == "HIGH"
    build(on)
    assert ClientStanding.objects.get(client=registry["I1"]).segment == "HIGH"


def test_a_write_behind_the_services_back_stops_the_rows_being_read(registry, province_analyst):
    on = D(2010, 8, 10)
    partitions.ensure_months([D(2010, 8, 1)])  # as the services do first (PostgreSQL)
    build(on)
    ClientMetric.objects.create(client=registry["I2"], month=D(2010, 8, 1), aum=Decimal("9000000"))
    assert not selectors.stored_standing_covers(on)
    assert {row[0]: row[2] for row in listed(province_analyst, on)}["I2"] == "PRIVATE"
    build(on)
    Client.objects.filter(pk=registry["C1"].pk).update(institution=True)  # an ORM update, say in a shell
    assert not selectors.stored_standing_covers(on)


def test_a_rebuild_overtaken_by_a_write_leaves_the_rows_unread(registry, monkeypatch):
    real_refresh = standing.refresh

    def refresh_then_someone_writes(clients, as_of):
        real_refresh(clients, as_of)
        Client.objects.filter(pk=registry["C1"].pk).update(name="改名")

    monkeypatch.setattr(standing, "refresh", refresh_then_someone_writes)
    assert not standing.rebuild(actor=SYSTEM, as_of=D(2010, 8, 10))
    assert not selectors.stored_standing_covers(D(2010, 8, 10))


def test_the_nightly_task_rebuilds_for_today(registry):
    from marketing.tasks import standing_rebuild

    assert standing_rebuild.apply().get()
    assert standing.state().as_of == datetime.date.today() or standing.state().as_of is not None
