"""The hand-worked quarter of the appraisal tests (rules P2, P3, P9), 2026Q1.

Managers: M1 and M2 of Hefei (HF0101), M3 of Wuhu (WH0101). Clients and teams:
- C1 (HF0101): M1 lead 100% until 2026-02-14, handed over mid-month to M2 from 2026-02-15;
  deposits 1,000,000 / 1,400,000 / 1,000,000 and intermediate income 10,000 a month.
- C2 (HF0101): M1 lead 60%, M2 member 40%; deposits 500,000 and loans 2,000,000 a month,
  product sales 3,000 in January.
- C3 (WH0101): M3 lead 100%; deposits 300,000 and intermediate income 1,000 a month.
Contracts 2026 (DEPOSITS, LOANS, INTERMEDIATE, PRODUCTS): M1 2,000,000 / 1,000,000 / 100,000 /
10,000; M2 1,000,000 / 1,000,000 / 40,000 / none; M3 400,000 / 0 / 4,000 / 1,000.
Reviews: M1 80, M2 none, M3 90.

Worked by hand from SPEC.md P3 and INTERFACES.md:
- M1: deposits (1,300,000 + 1,000,000 + 300,000) / 3 = 866,666.67 of 2,000,000 → 17.3333 points;
  loans 1,200,000 of 1,000,000 → 36; intermediate 15,000 of 25,000 → 12; products 1,800 of
  2,500 → 7.2; quantitative 72.5333 → 72.53; total 0.8 × 72.5333 + 0.2 × 80 = 74.03.
- M2: deposits (200,000 + 900,000 + 1,200,000) / 3 = 766,666.67 of 1,000,000 → 30.6667; loans
  800,000 → 24; intermediate 15,000 of 10,000 → capped 1.5 → 30; products: no target, flagged;
  quantitative 84.67; no review, flagged, 0; total 67.73.
- M3: deposits 0.75 → 30; loans target 0, flagged; intermediate 3,000 of 1,000 → capped → 30;
  products 0; quantitative 60.00; total 48 + 18 = 66.00.
Province ranks 1, 2, 3; Hefei (2 managers: 0 excellent, 1 good place): M1 GOOD, M2 COMPETENT;
Wuhu (1 manager): M3 COMPETENT.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.actors import SYSTEM
from accounts.models import Position
from appraisal import services
from marketing.models import ClientKind
from staffing.models import Assignment, PerformanceContract
from tests.helpers import make_person
from tests.marketing.conftest import add_clients, month

D = datetime.date
QUARTER = "2026Q1"
JAN, FEB, MAR = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)


def contracts(person, deposits, loans, intermediate, products):
    for indicator, target in zip(
        ("DEPOSITS", "LOANS", "INTERMEDIATE", "PRODUCTS"), (deposits, loans, intermediate, products), strict=True
    ):
        if target is not None:
            start, end = PerformanceContract.period_of(2026)
            PerformanceContract.objects.create(
                employee=person, year=2026, indicator=indicator, target=Decimal(target), valid_from=start, valid_to=end
            )


def place(client, person, role, split, start, end=None):
    Assignment.objects.create(
        client=client, employee=person, role=role, split=Decimal(split), valid_from=start, valid_to=end
    )


@pytest.fixture(autouse=True)
def in_english():
    """Services answer in the active language (Chinese by default): the tests read English. The
    pages choose theirs per request."""
    with translation.override("en"):
        yield


@pytest.fixture
def quarter_bank(bank):
    cm = Position.CUSTOMER_MANAGER
    people = {
        "M1": make_person("M1", "经理一", bank["HF0101"], cm, grade="SENIOR", hired_on=D(2015, 1, 1)),
        "M2": make_person("M2", "经理二", bank["HF0101"], cm, grade="JUNIOR", hired_on=D(2020, 1, 1)),
        "M3": make_person("M3", "经理三", bank["WH0101"], cm, grade="INTERMEDIATE", hired_on=D(2018, 1, 1)),
    }
    clients = add_clients(
        bank,
        ("C1", ClientKind.CORPORATE, "HF0101", {}),
        ("C2", ClientKind.CORPORATE, "HF0101", {"has_loan": True}),
        ("C3", ClientKind.CORPORATE, "WH0101", {}),
    )
    c1, c2, c3 = clients["C1"], clients["C2"], clients["C3"]
    place(c1, people["M1"], "LEAD", 100, D(2025, 1, 1), D(2026, 2, 14))
    place(c1, people["M2"], "LEAD", 100, D(2026, 2, 15))
    place(c2, people["M1"], "LEAD", 60, D(2025, 1, 1))
    place(c2, people["M2"], "MEMBER", 40, D(2025, 1, 1))
    place(c3, people["M3"], "LEAD", 100, D(2025, 1, 1))
    for when, deposits in ((JAN, 1_000_000), (FEB, 1_400_000), (MAR, 1_000_000)):
        month(c1, when, deposits_avg=Decimal(deposits), intermediate_income=Decimal(10_000))
        month(
            c2,
            when,
            deposits_avg=Decimal(500_000),
            loans=Decimal(2_000_000),
            product_sales=Decimal(3_000) if when == JAN else None,
        )
        month(c3, when, deposits_avg=Decimal(300_000), intermediate_income=Decimal(1_000))
    contracts(people["M1"], 2_000_000, 1_000_000, 100_000, 10_000)
    contracts(people["M2"], 1_000_000, 1_000_000, 40_000, None)
    contracts(people["M3"], 400_000, 0, 4_000, 1_000)
    services.reviews_save(
        [
            {"employee": people["M1"], "quarter": QUARTER, "qualitative": Decimal(80)},
            {"employee": people["M3"], "quarter": QUARTER, "qualitative": Decimal(90)},
        ],
        actor=SYSTEM,
    )
    return {"people": people, "clients": clients, "units": bank}


@pytest.fixture
def appraise(django_capture_on_commit_callbacks, settings):
    """Run the batch of a quarter to its end, in the test's transaction (in-process even where a
    worker is set up: it could not see uncommitted rows; test_worker.py goes through it)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def run(quarter=QUARTER, actor=SYSTEM):
        with django_capture_on_commit_callbacks(execute=True):
            started = services.appraisal_run_start(quarter=quarter, actor=actor)
        started.refresh_from_db()
        return started

    return run
