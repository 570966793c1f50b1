"""A run's credits in partitions of their own (appraisal.partitions, migration appraisal 0007).
On PostgreSQL each credit part writes its table, then attaches it; a run that is replaced takes
its partitions with it. On SQLite the table stays one. Either way the results are the same."""

from django.db import connection

from appraisal import credit, partitions
from appraisal.models import Credit, CreditPart, CreditSum

from .test_batch import EXPECTED, figures, results


def run_partitions(run_id):
    """The names of the run's partitions attached to the credits (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) AND c.relname LIKE %s ORDER BY 1",
            [partitions.PARENT, f"{partitions.PARENT}_r{run_id}\\_p%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_each_credit_part_writes_its_own_partition_and_a_replaced_run_takes_them_along_rule_p4(
    quarter_bank, appraise, monkeypatch
):
    monkeypatch.setattr(credit, "SAMPLE_EVERY", 1)  # the small bank's credits in two parts
    first = appraise()
    assert CreditPart.objects.filter(run=first, written=True).count() == 2
    assert {no: figures(result) for no, result in results().items()} == EXPECTED
    credits, sums = Credit.objects.filter(run=first).count(), CreditSum.objects.filter(run=first).count()
    assert credits > 0 and sums > 0
    ids = list(Credit.objects.filter(run=first).values_list("id", flat=True))
    assert len(set(ids)) == len(ids)  # one sequence for every partition
    if connection.vendor == "postgresql":
        assert run_partitions(first.pk) == [partitions.name(first.pk, 0), partitions.name(first.pk, 1)]
    second = appraise()
    assert Credit.objects.filter(run=second).count() == credits
    assert not Credit.objects.filter(run=first).exists() and not CreditSum.objects.filter(run=first).exists()
    assert not CreditPart.objects.filter(run=first).exists()
    if connection.vendor == "postgresql":
        assert run_partitions(first.pk) == [] and len(run_partitions(second.pk)) == 2
