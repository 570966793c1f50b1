"""Rule P2 written twice: the SQL of appraisal/credit.py and the plain Python of
appraisal/oracle.py agree on generated teams and months (hand-overs mid-month, splits, ends
inside the quarter, months without figures)."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.actors import SYSTEM
from accounts.models import Position
from appraisal import credit, oracle, services
from appraisal.models import CreditPart, Result
from appraisal.rules import Quarter
from marketing.models import ClientKind
from staffing.models import Assignment
from tests.helpers import make_person
from tests.marketing.conftest import add_clients
from tests.marketing.conftest import month as metrics_month

D = datetime.date
QUARTER = Quarter(2026, 1)


def generated_bank(bank, seed):
    draw = random.Random(seed)
    units = [bank["HF0101"], bank["HF01"], bank["WH0101"]]
    people = [
        make_person(f"G{n}", f"经理{n}", draw.choice(units), Position.CUSTOMER_MANAGER, hired_on=D(2020, 1, 1))
        for n in range(6)
    ]
    clients = add_clients(
        bank, *[(f"K{n}", ClientKind.CORPORATE, draw.choice(["HF0101", "WH0101"]), {}) for n in range(12)]
    )
    for client in clients.values():
        for month in (*QUARTER.months, D(2025, 12, 1), D(2026, 4, 1)):
            if draw.random() < 0.85:
                figures = ("deposits_avg", "loans", "intermediate_income", "product_sales")
                metrics_month(
                    client,
                    month,
                    **{
                        name: Decimal(draw.randint(0, 10**9)) / 100 if draw.random() < 0.8 else None for name in figures
                    },
                )
        for person in draw.sample(people, draw.randint(1, 3)):
            start = D(2025, 6, 1) if draw.random() < 0.6 else D(2026, draw.randint(1, 3), draw.randint(1, 28))
            end = start + datetime.timedelta(days=draw.randint(0, 80)) if draw.random() < 0.5 else None
            Assignment.objects.create(
                client=client,
                employee=person,
                role="MEMBER",
                split=Decimal(draw.randint(0, 10000)) / 100,
                valid_from=start,
                valid_to=end,
            )
    return people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_credit_sql_agrees_with_the_python_oracle_rule_p2(
    bank, seed, django_capture_on_commit_callbacks, monkeypatch
):
    people = generated_bank(bank, seed)
    # Credits are written in parts of a run, by client numbers: prepare one and write them in
    # three parts, then read them back per city branch.
    with django_capture_on_commit_callbacks(execute=False):
        run = services.appraisal_run_start(quarter=str(QUARTER), actor=SYSTEM)
    services.appraisal_prepare(run.pk)
    CreditPart.objects.filter(run=run).delete()  # the test's own parts, below
    monkeypatch.setattr(credit, "SAMPLE_EVERY", 1)  # a small bank: every assignment in the sample
    parts = credit.part_bounds(QUARTER, 3)
    assert len(parts) == 3 and parts[0][0] == 0 and parts[-1][1] is None
    for number, (client_from, client_to) in enumerate(parts):
        part = CreditPart.objects.create(run=run, number=number, client_from=client_from, client_to=client_to)
        with transaction.atomic():
            credit.credits_write(run.pk, QUARTER, part)
    read_back = {}
    for city_id in set(Result.objects.filter(run=run).values_list("city_id", flat=True)):
        read_back.update(credit.credited_months(credit.monthly_sums(run.pk, city_id)))
    expected = oracle.credited_months(QUARTER, [person.pk for person in people])

    def plain(table):
        return {
            (employee, figure, month): value
            for employee, figures in table.items()
            for figure, months in figures.items()
            for month, value in months.items()
            if value
        }

    assert plain(read_back) == plain(expected)
    assert len(plain(expected)) > 20  # the generated bank credits something
