"""The hand-worked client registry of the marketing tests (rules C2–C6).

Clients: C1 (Hefei outlet; loans, import/export; on the province list through 2010), C2 (Wuhu
outlet; real estate; on Wuhu's city list from 2010-03), C3 (Hefei sub-branch; institution, loans;
head-office list from 2009, and Hefei's own city list until 2010-06-30), C4 (Hefei outlet; no
flags; province list from 2010-07-01), I1 (Hefei individual), I2 (Wuhu individual, potential).
"""

import datetime

import pytest

from accounts.actors import SYSTEM
from marketing import services
from marketing.models import Client, ClientKind, ClientMetric, Tier

D = datetime.date


def add_clients(bank, *rows):
    services.clients_save(
        [
            services.ClientData(account_unit=bank[unit], client_no=no, name=no, kind=kind, **flags)
            for no, kind, unit, flags in rows
        ],
        actor=SYSTEM,
    )
    return {client.client_no: client for client in Client.objects.select_related("account_unit")}


def list_entry(clients, bank, client_no, tier, owner, start, end=None, **extra):
    return services.tier_entry_add(
        client=clients[client_no],
        tier=tier,
        owner_unit=bank[owner],
        valid_from=start,
        valid_to=end,
        reason="test",
        **extra,
        actor=SYSTEM,
    )


def month(client, when, **figures):
    services.metrics_save(
        [{"client_id": client.pk, "month": when, **{name: figures.get(name) for name in ClientMetric.FIGURES}}],
        actor=SYSTEM,
    )


@pytest.fixture
def registry(bank):
    clients = add_clients(
        bank,
        ("C1", ClientKind.CORPORATE, "HF0101", {"has_loan": True, "import_export": True}),
        ("C2", ClientKind.CORPORATE, "WH0101", {"real_estate": True}),
        ("C3", ClientKind.CORPORATE, "HF01", {"institution": True, "has_loan": True}),
        ("C4", ClientKind.CORPORATE, "HF0101", {}),
        ("I1", ClientKind.INDIVIDUAL, "HF0101", {}),
        ("I2", ClientKind.INDIVIDUAL, "WH0101", {"potential": True}),
    )
    list_entry(clients, bank, "C1", Tier.PROVINCE, "AH", D(2010, 1, 1), D(2010, 12, 31), marketing_mode="LEAD")
    list_entry(clients, bank, "C2", Tier.CITY, "WH", D(2010, 3, 1))
    list_entry(clients, bank, "C3", Tier.HEAD_OFFICE, "AH", D(2009, 1, 1))
    list_entry(clients, bank, "C3", Tier.CITY, "HF", D(2009, 1, 1), D(2010, 6, 30))
    list_entry(clients, bank, "C4", Tier.PROVINCE, "AH", D(2010, 7, 1))
    return clients
