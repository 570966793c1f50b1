"""The monthly metrics in one partition a month (PostgreSQL; issue 7).

On PostgreSQL, marketing_clientmetric (ClientMetric) is partitioned by RANGE of its month
(migration marketing 0008): one partition per month, `marketing_clientmetric_yYYYYmMM`. Its
primary key is (id, month), since a partitioned table's unique keys hold its partition key;
Django still reads `id` as the key, and ids come from one sequence, so they stay unique. The
embedded SQLite default keeps one plain table.

There is no DEFAULT partition, on purpose: with one, PostgreSQL could no longer read the
partitions in month order, and "the latest month on or before a date" of a client (rule C4,
selectors.latest_metrics) would probe every month instead of stopping at the first it finds.
So a month's partition must exist before its rows are written: the services that write metrics
(marketing.services.metrics_save, metrics_save_staged) make it (ensure), and so does
bench/generate.py. A write behind their back into a month without one is refused by PostgreSQL
("no partition of relation found for row").

Why partitions: a month of the province is 2.2 million new rows. Inserted into one table of 26
million, each row lands in the middle of the (client, month) index and is checked against its
client one at a time (the foreign key, at commit), which costs several times the rows' own
writing. A month that has no rows yet is instead written as a table of its own, its keys built
once over the sorted rows, then attached: PostgreSQL checks the foreign key of the whole month
in one join and trusts the month's bounds from a CHECK constraint (load_new_month; the figures
are in bench/RESULTS.md). An existing month takes the usual upsert, into its own partition.

Locks: creating a partition (ensure) locks the whole table until the transaction ends, as any
CREATE TABLE … PARTITION OF does; attaching one (load_new_month) takes a lock that lets reads
go on. Both happen once a month.

Nothing here imports Django: bench/generate.py uses these functions over its own connection. A
cursor is any DB-API cursor on PostgreSQL.
"""

import datetime

PARENT = "marketing_clientmetric"
# The server memory of a new month's load: a hash of the province's 2.2 million client numbers
# (~140 MB) and a key's sort fit in it.
LOAD_MEMORY = "256MB"


def quote(identifier):
    return '"' + identifier.replace('"', '""') + '"'


def name(month):
    """The partition of `month` (any day of it)."""
    return f"{PARENT}_y{month:%Y}m{month:%m}"


def bounds(month):
    """The partition's range: the first day of `month` (inclusive) to that of the next."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


def literal_bounds(month):
    """bounds() as SQL literals: DDL takes no parameters."""
    return tuple(f"DATE '{day.isoformat()}'" for day in bounds(month))


def create(cursor, month):
    """An empty, attached partition for `month`, unless it has one."""
    first, following = literal_bounds(month)
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {quote(name(month))} PARTITION OF {PARENT} "
        f"FOR VALUES FROM ({first}) TO ({following})"
    )


def drop(cursor, month):
    """Drop `month`'s partition, with its rows, if it has one (the benchmarks, to import a month
    anew). Not for the application: it writes no history and moves no version."""
    cursor.execute(f"DROP TABLE IF EXISTS {quote(name(month))}")


def missing(cursor, months):
    """The months among `months` (first days) that need a partition before their rows are
    written: none where the table is not partitioned (migrated back, or not PostgreSQL's).
    One query."""
    months = sorted(set(months))
    cursor.execute(
        "SELECT t.month FROM unnest(%s::date[], %s::text[]) AS t(month, name) "
        "WHERE to_regclass(quote_ident(t.name)) IS NULL "
        "AND EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)) ORDER BY t.month",
        [months, [name(month) for month in months], PARENT],
    )
    return [row[0] for row in cursor.fetchall()]


def ensure(cursor, months):
    """A partition for each of `months` that needs one, before rows of them are written."""
    for month in missing(cursor, months):
        create(cursor, month)


def ensure_months(months):
    """ensure() on Django's connection, where it is PostgreSQL's: what the services that write
    metrics call first."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            ensure(cursor, months)


def load_new_month(cursor, month, select, params, *, fields):
    """Write the rows of the SQL query `select` (columns client_id, month and `fields`, all of
    `month`) as the new partition of a month that has none (missing), in the caller's transaction:
    a table of its own filled in the file's order, its keys and indexes built once, then
    attached. Answers the rows written. A client twice breaks the (client, month) key
    (IntegrityError 23505); a client that does not exist, the foreign key (23503)."""
    table = quote(name(month))
    first, following = literal_bounds(month)
    columns = ", ".join(map(quote, ["client_id", "month", *fields]))
    # Defaults and CHECK constraints of the parent; no keys, no indexes (built below, once).
    cursor.execute(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    # Memory for this transaction's join of a month to the clients (a hash of every client
    # number; at the default the join spills to disk in 32 batches) and for the key builds.
    cursor.execute(f"SET LOCAL work_mem = '{LOAD_MEMORY}'")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{LOAD_MEMORY}'")
    # Ids from the parent's own sequence, as an INSERT through the parent would take them (its
    # name looked up once, not per row).
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
    sequence = "'" + cursor.fetchone()[0].replace("'", "''") + "'"
    cursor.execute(
        f"INSERT INTO {table} (id, {columns}) SELECT nextval({sequence}::regclass), {columns} FROM ({select}) AS s",
        params,
    )
    written = cursor.rowcount
    for statement in (
        f"ALTER TABLE {table} ADD PRIMARY KEY (id, month)",
        f"ALTER TABLE {table} ADD UNIQUE (client_id, month)",
        f"CREATE INDEX ON {table} (month)",
        # The bounds as a constraint: ATTACH then trusts them instead of reading the rows again.
        f"ALTER TABLE {table} ADD CHECK (month >= {first} AND month < {following})",
        f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES FROM ({first}) TO ({following})",
    ):
        cursor.execute(statement)
    return written
