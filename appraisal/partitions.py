"""A run's credits in partitions of their own (PostgreSQL; issue 9).

On PostgreSQL appraisal_credit (Credit) is partitioned by RANGE of (run_id, client_id)
(migration appraisal 0007): each credit part of a run (CreditPart) writes its rows into a table
of its own, `appraisal_credit_r<run>_p<part>`, with no key and no index, builds them once over
its rows, and attaches the table as the partition of its run's client numbers. Rows written into
an indexed table cost three times what they cost alone, and the parts build their indexes side
by side (bench/RESULTS.md). A run's credits go with its partitions (drop_runs). The embedded
SQLite default keeps one plain table.

The primary key is (id, run_id, client_id), since a partitioned table's unique keys hold its
partition key; Django still reads `id` as the key, and ids come from one sequence (IDS), so they
stay unique.

Locks: a part's partition is created in its transaction; attaching it takes a lock that lets
reads of the credits go on, and that a second part attaching at the same moment waits for.
Dropping a replaced run's partitions locks the whole table until its transaction ends (reads of
credits wait): once a run, in a short transaction of its own after the quarter has switched,
or while a run's inputs are frozen.
"""

from marketing.partitions import quote

PARENT = "appraisal_credit"
IDS = "appraisal_credit_ids"


def name(run_id, number):
    """The partition of a run's credit part."""
    return f"{PARENT}_r{int(run_id)}_p{int(number)}"


def is_partitioned(cursor):
    """Whether the credits are partitioned here (PostgreSQL, migrated forward)."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [PARENT])
    return cursor.fetchone()[0]


def create(cursor, run_id, number):
    """An empty table for a part's credits: the parent's columns, defaults (the id sequence) and
    CHECK constraints, no key, no index. Answers its name."""
    table = name(run_id, number)
    cursor.execute(f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    return table


def attach(cursor, run_id, number, client_from, client_to):
    """Attach a part's table as the partition of its run's clients from `client_from` to
    `client_to` (exclusive; None: no end). PostgreSQL builds the parent's key and index on it,
    and checks its rows against the bounds."""
    end = "MAXVALUE" if client_to is None else int(client_to)
    cursor.execute(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name(run_id, number)} "
        f"FOR VALUES FROM ({int(run_id)}, {int(client_from)}) TO ({int(run_id)}, {end})"
    )


def drop_runs(cursor, run_ids):
    """Drop the partitions of the runs `run_ids`, with their rows."""
    run_ids = [int(run_id) for run_id in run_ids]
    if not run_ids:
        return
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) AND substring(c.relname FROM %s)::bigint = ANY(%s)",
        [PARENT, f"^{PARENT}_r([0-9]+)_p[0-9]+$", run_ids],
    )
    for (table,) in cursor.fetchall():
        cursor.execute(f"DROP TABLE {quote(table)}")
