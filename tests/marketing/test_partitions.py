"""Metrics by month (marketing.partitions, migration marketing 0008). On PostgreSQL a new
month's file becomes that month's own partition, attached whole; on SQLite the table stays one.
Either way the import answers, refuses and re-imports as it did, and the read model stops
answering once a month arrives."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery

from accounts.actors import SYSTEM
from imports.engine import ImportRejected, run_import
from marketing import partitions, selectors, standing
from marketing.models import Client, ClientMetric

D = datetime.date
AUGUST = D(2010, 8, 1)
FILE = "client_no,month,deposits_avg,aum\nI1,2010-08,1000.50,9000000\nI2,2010-08,,120000\n"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's partitions: SQLite keeps one plain table"
)


def load(text, **options):
    return run_import("metrics", text.encode(), "metrics.csv", actor=SYSTEM, **options)


def has_partition(month):
    """Whether `month` has its own partition, attached to the metrics (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(%s) AND inhrelid = to_regclass(%s)",
            [partitions.PARENT, partitions.name(month)],
        )
        return cursor.fetchone()[0] == 1


def figures(month):
    return dict(
        ClientMetric.objects.filter(month=month).values_list("client__client_no", "aum").order_by("client__client_no")
    )


def test_a_new_month_is_written_whole_then_read_updated_and_reimported_like_any(registry):
    assert load(FILE).counts.created == 2
    assert figures(AUGUST) == {"I1": Decimal("9000000.00"), "I2": Decimal("120000.00")}
    if connection.vendor == "postgresql":
        assert has_partition(AUGUST)
    assert load(FILE).counts.unchanged == 2
    assert load(FILE.replace("120000", "130000")).counts.updated == 1
    # A second month through the parent, the first untouched; ids stay unique across months.
    assert load(FILE.replace("2010-08", "2010-09")).counts.created == 2
    assert ClientMetric.objects.count() == 4
    assert len(set(ClientMetric.objects.values_list("id", flat=True))) == 4
    assert figures(AUGUST)["I2"] == Decimal("130000.00")


def test_a_month_with_earlier_rows_in_the_file_takes_the_usual_upsert(registry):
    load(FILE)
    both = FILE + "I1,2010-09,1,1\n"
    assert load(both).counts.created == 1
    assert sorted(ClientMetric.objects.values_list("month", flat=True).distinct()) == [AUGUST, D(2010, 9, 1)]
    if connection.vendor == "postgresql":
        assert has_partition(D(2010, 9, 1))


@pytest.mark.parametrize(
    "text",
    [FILE + "NOPE,2010-08,1,1\n", FILE + "I1,2010-08,2,2\n"],
    ids=["an unknown client", "a client twice"],
)
def test_a_refused_new_month_leaves_neither_rows_nor_a_partition(registry, text):
    with pytest.raises(ImportRejected):
        load(text)
    assert not ClientMetric.objects.exists()
    if connection.vendor == "postgresql":
        assert not has_partition(AUGUST)


def test_a_dry_run_of_a_new_month_leaves_nothing_behind(registry):
    assert load(FILE, dry_run=True).counts.created == 2
    assert not ClientMetric.objects.exists()
    if connection.vendor == "postgresql":
        assert not has_partition(AUGUST)


def test_a_new_month_stops_the_stored_standing_being_read_until_it_is_rebuilt(
    registry, province_analyst, monkeypatch, django_capture_on_commit_callbacks
):
    """An attached partition fires no INSERT trigger: the import counts the write itself
    (standing.bump), or the rows built before the month would still be read."""
    on = D(2010, 8, 10)
    assert standing.rebuild(actor=SYSTEM, as_of=on)
    monkeypatch.setattr(standing, "REFRESH_LIMIT", 0)  # a month of the province: rebuilt later
    with django_capture_on_commit_callbacks() as rebuilds:
        load(FILE)
    assert len(rebuilds) == 1  # queued for after the commit
    assert not selectors.stored_standing_covers(on)
    segments = dict(selectors.client_list(user=province_analyst, on=on).values_list("client_no", "segment"))
    assert segments["I1"] == "PRIVATE"
    assert standing.rebuild(actor=SYSTEM, as_of=on)  # what the queued task does, for `on`
    assert dict(selectors.client_list(user=province_analyst, on=on).values_list("client_no", "segment")) == segments


@postgresql_only
def test_a_month_is_loaded_as_a_partition_or_not_at_all(registry):
    client = Client.objects.get(client_no="I1")
    twice = f"SELECT {client.pk} AS client_id, DATE '2010-08-01' AS month FROM generate_series(1, 2)"
    with connection.cursor() as cursor:
        assert partitions.missing(cursor, [AUGUST]) == [AUGUST]
        with pytest.raises(IntegrityError), transaction.atomic():
            partitions.load_new_month(cursor, AUGUST, twice, [], fields=[])
        assert partitions.missing(cursor, [AUGUST]) == [AUGUST]
        with transaction.atomic():
            assert partitions.load_new_month(cursor, AUGUST, twice + " LIMIT 1", [], fields=[]) == 1
        assert partitions.missing(cursor, [AUGUST]) == []
    assert has_partition(AUGUST)


@postgresql_only
def test_latest_figures_are_read_from_the_latest_month_first(registry):
    """No DEFAULT partition: the months are read newest first and the search stops at the first
    row, so a client's latest figures cost one probe, not one per month."""
    for month in ("2010-06", "2010-07", "2010-08"):
        load(FILE.replace("2010-08", month))
    latest = selectors.latest_metrics(D(2010, 8, 31)).values("aum")[:1]
    query = Client.objects.filter(client_no="I1").annotate(aum=Subquery(latest))
    plan = query.explain(analyze=True, costs=False, timing=False)
    assert "Merge Append" not in plan and "never executed" in plan, plan
