"""Set-based upsert by natural key: the write path of the imports and of the seed.

Rows are matched to stored ones by their key in a few queries, compared field by field, and
written with bulk statements; a row that changes nothing is not written and leaves no history.
"""

import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

BATCH_SIZE = 2000
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Counts:
    """What a write did, for reports: rows created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome, number=1):
        setattr(self, outcome, getattr(self, outcome) + number)

    def __iadd__(self, other):
        for outcome in (CREATED, UPDATED, UNCHANGED):
            self.add(outcome, getattr(other, outcome))
        return self

    def __str__(self):
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % vars(self)


@dataclass
class Upserted:
    counts: Counts
    created: list
    updated: list


def upsert(model, records, *, key, fields, defaults=None, history=True, actor=None, narrow=None):
    """Create or update `records` (dicts by attribute name, foreign keys as `<name>_id`).

    `key` names the attributes that identify a row, the first of them selective enough to fetch
    candidates with `IN` (`narrow`, more lookups, keeps out stored rows the batch cannot touch);
    `fields` are the attributes written; `defaults` are set on new rows only.
    With `history`, django-simple-history records each created and changed row (by `actor`).
    """
    records = list(records)
    stored = _stored(model, records, key=key, fields=fields, narrow=narrow, whole=history)

    counts, to_create, to_update = Counts(), [], []
    for record in records:
        current = stored.get(tuple(record[name] for name in key))
        if current is None:
            to_create.append({**(defaults or {}), **{name: record[name] for name in (*key, *fields)}})
        elif any(_value(current, name) != record[name] for name in fields):
            to_update.append(current if history else model(pk=current["pk"]))
            for name in fields:
                setattr(to_update[-1], name, record[name])
        else:
            counts.add(UNCHANGED)
    counts.add(CREATED, len(to_create))
    counts.add(UPDATED, len(to_update))

    if history:
        if to_create:
            # Answers the rows with their ids (re-read where the database cannot return them).
            to_create = bulk_create_with_history(
                [model(**values) for values in to_create],
                model,
                batch_size=BATCH_SIZE,
                default_user=actor,
            )
        if to_update:
            bulk_update_with_history(to_update, model, list(fields), batch_size=BATCH_SIZE, default_user=actor)
    else:
        insert_rows(model, to_create)
        model._default_manager.bulk_update(to_update, list(fields), batch_size=BATCH_SIZE)
        to_create = []  # rows without history are not read back
    return Upserted(counts, to_create, to_update)


def _stored(model, records, *, key, fields, narrow, whole):
    """The stored rows the records may match, by key, fetched `IN` chunks of the first key
    attribute: model instances when `whole` (history copies whole rows), else plain dicts of the
    compared columns (hundreds of thousands of rows read back cheaply)."""
    lead, stored = key[0], {}
    values = list({record[lead] for record in records})
    for start in range(0, len(values), BATCH_SIZE):
        candidates = model._default_manager.filter(
            **{f"{lead}__in": values[start : start + BATCH_SIZE]}, **(narrow or {})
        )
        if whole:
            stored.update({tuple(getattr(obj, name) for name in key): obj for obj in candidates})
        else:
            for row in candidates.values("pk", *key, *fields):
                stored[tuple(row[name] for name in key)] = row
    return stored


def _value(current, name):
    return current[name] if isinstance(current, dict) else getattr(current, name)


def insert_rows(model, records):
    """INSERT plain values (no model instances): the path of the large tables without history.

    The values are ready for the driver as they are: ints, strings, Decimals and dates (psycopg
    takes them, and Django registers SQLite adapters for Decimal and date), which spares Django's
    per-value preparation, the most of a bulk_create of hundreds of thousands of rows.
    """
    if not records:
        return
    names = list(records[0])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cursor:
        for start in range(0, len(records), BATCH_SIZE * 5):
            cursor.executemany(
                sql, [tuple(record[name] for name in names) for record in records[start : start + BATCH_SIZE * 5]]
            )


# --- set-based upsert of a query's rows (the staged imports) -----------------------------------

# What the database may use for the sorts and hashes of one upsert (PostgreSQL, for the rest of
# the transaction): a month of a province's clients is sorted and hashed in memory.
WORK_MEM = "256MB"


class Mismatch(Exception):
    """upsert_select refused its rows, having written nothing: the query answered fewer rows
    than expected (`missing`, rows it joined away), or two rows with one key (`duplicates`)."""

    def __init__(self, missing=0, duplicates=False):
        super().__init__(f"{missing} rows missing" if missing else "a key twice")
        self.missing, self.duplicates = missing, duplicates


def is_duplicate_key(error):
    """Whether an IntegrityError is PostgreSQL's unique_violation (a key written twice)."""
    return getattr(error.__cause__, "sqlstate", None) == "23505"


@transaction.atomic
def upsert_select(model, select, params=(), *, key, fields, expected, narrow=None):
    """Create or update, set-based, the rows the SQL query `select` answers: its columns are named
    after the attributes of `key` and `fields` (foreign keys as `<name>_id`), as in `upsert`.

    A row whose key is stored updates that row when one of `fields` differs (other attributes are
    left as stored), else is unchanged and not written; the other rows are created, in key order
    (which keeps the inserts into the key's index sequential). `narrow` ({attribute: SQL query})
    gives, for a key attribute whose values few rows share (the month of metrics), a query of
    the values the rows have: only the stored rows with those values are read, by their index.

    Raises Mismatch, having written nothing, when `select` answers other than `expected` rows or
    two rows with one key. Millions of rows take one statement on PostgreSQL (a few on SQLite),
    and no memory here."""
    quote = connection.ops.quote_name
    plan = _Plan(
        table=quote(model._meta.db_table),
        pk=quote(model._meta.pk.column),
        keys=[quote(model._meta.get_field(name).column) for name in key],
        values=[quote(model._meta.get_field(name).column) for name in fields],
        narrow=[(quote(model._meta.get_field(name).column), values) for name, values in (narrow or {}).items()],
        select=select,
        params=list(params),
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            counts = _upsert_select_postgresql(cursor, plan, expected)
        else:
            counts = _upsert_select_portable(cursor, plan, expected)
    return counts


@dataclass
class _Plan:
    table: str
    pk: str
    keys: list
    values: list
    narrow: list  # (column, SQL query of its values, without parameters)
    select: str
    params: list

    def narrowing(self, vendor):
        """SQL that keeps the stored rows `t` to the narrowed values. On PostgreSQL an ARRAY of
        them: a value the planner takes to the column's index (and to a partition's pruning)."""
        if vendor == "postgresql":
            return "".join(f" AND t.{column} = ANY(ARRAY({query}))" for column, query in self.narrow)
        return "".join(f" AND t.{column} IN ({query})" for column, query in self.narrow)

    @property
    def columns(self):
        return ", ".join(self.keys + self.values)

    @property
    def matches(self):
        """Stored row `t` has the key of row `s`."""
        return " AND ".join(f"t.{name} = s.{name}" for name in self.keys)


def _upsert_select_postgresql(cursor, plan, expected):
    """One statement: each row is joined once to the stored row of its key (if any) and kept
    (materialised); the changed ones are updated and the new ones inserted, and the counts come
    with it. A key twice among new rows breaks the unique constraint; among stored rows it shows
    in the counts."""
    changed = " OR ".join(f"t.{name} IS DISTINCT FROM s.{name}" for name in plan.values) or "false"
    updated, counted = "", "0"
    if plan.values:
        assignments = ", ".join(f"{name} = m.{name}" for name in plan.values)
        updated = f"""updated AS (
            UPDATE {plan.table} AS t SET {assignments} FROM matched AS m WHERE t.{plan.pk} = m.target AND m.changed
            RETURNING 1
        ),"""
        counted = "(SELECT count(*) FROM updated)"
    kept = ", ".join(f"s.{name}" for name in plan.keys + plan.values)
    narrow = plan.narrowing("postgresql")
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    sql = f"""
        WITH matched AS MATERIALIZED (
            SELECT {kept}, t.{plan.pk} AS target, t.{plan.pk} IS NOT NULL AND ({changed}) AS changed
            FROM ({plan.select}) AS s LEFT JOIN {plan.table} AS t ON {plan.matches}{narrow}
        ),
        {updated}
        created AS (
            INSERT INTO {plan.table} ({plan.columns})
            SELECT {plan.columns} FROM matched WHERE target IS NULL ORDER BY {", ".join(plan.keys)}
            RETURNING 1
        )
        SELECT count(*), count(target), count(DISTINCT target), {counted}, (SELECT count(*) FROM created)
        FROM matched
    """
    try:
        # No savepoint of its own: a failure rolls back upsert_select's.
        with transaction.atomic(savepoint=False):
            cursor.execute(sql, plan.params)
            total, existing, targets, updated, created = cursor.fetchone()
    except IntegrityError as exc:
        if is_duplicate_key(exc):  # a new key twice
            raise Mismatch(duplicates=True) from exc
        raise
    if total != expected:
        raise Mismatch(missing=expected - total)  # (and upsert_select's savepoint is rolled back)
    if targets != existing:
        raise Mismatch(duplicates=True)
    return Counts(created=created, updated=updated, unchanged=existing - updated)


def _upsert_select_portable(cursor, plan, expected):
    """The same in a few statements, each reading the query (SQLite has no data-modifying WITH):
    the counts and checks in one, then an UPDATE and an INSERT where there is anything to do."""
    source = f"({plan.select}) AS s"
    keys, narrow = ", ".join(plan.keys), plan.narrowing(connection.vendor)
    cursor.execute(
        f"""SELECT (SELECT count(*) FROM {source}),
            (SELECT count(*) FROM (SELECT 1 FROM {source} GROUP BY {keys} HAVING count(*) > 1) AS twice),
            (SELECT count(*) FROM {source} JOIN {plan.table} AS t ON {plan.matches}{narrow})""",
        plan.params * 3,
    )
    total, twice, existing = cursor.fetchone()
    if total != expected:
        raise Mismatch(missing=expected - total)
    if twice:
        raise Mismatch(duplicates=True)
    updated = created = 0
    if plan.values and existing:
        assignments = ", ".join(f"{name} = s.{name}" for name in plan.values)
        changed = " OR ".join(f"t.{name} IS NOT s.{name}" for name in plan.values)
        cursor.execute(
            f"UPDATE {plan.table} AS t SET {assignments} FROM {source} WHERE {plan.matches}{narrow} AND ({changed})",
            plan.params,
        )
        updated = cursor.rowcount
    if existing < total:
        cursor.execute(
            f"INSERT INTO {plan.table} ({plan.columns}) SELECT {plan.columns} FROM {source} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {plan.table} AS t WHERE {plan.matches}) ORDER BY {keys}",
            plan.params,
        )
        created = cursor.rowcount
    return Counts(created=created, updated=updated, unchanged=existing - updated)


def update_fields(model, objects, fields):
    """Write `fields` of `objects` (instances of `model` with their primary key) back in one
    statement: on PostgreSQL an UPDATE … FROM unnest(arrays), since Django's bulk_update builds
    a CASE expression per row and field in Python (seconds for thousands of rows); elsewhere
    bulk_update."""
    objects = list(objects)
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=500)
        return
    table, pk = model._meta.db_table, model._meta.pk
    arrays, params, assignments = [f"%s::{pk.db_type(connection)}[]"], [[obj.pk for obj in objects]], []
    for name in fields:
        field = model._meta.get_field(name)
        column = field.column
        if isinstance(field, models.JSONField):
            arrays.append("%s::text[]")
            params.append([json.dumps(field.get_prep_value(getattr(obj, field.attname))) for obj in objects])
            assignments.append(f"{column} = v.{column}::jsonb")
        else:
            arrays.append(f"%s::{field.db_type(connection)}[]")
            params.append([field.get_db_prep_value(getattr(obj, field.attname), connection) for obj in objects])
            assignments.append(f"{column} = v.{column}")
    columns = ", ".join([pk.column, *(model._meta.get_field(name).column for name in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} t SET {', '.join(assignments)} "
            f"FROM unnest({', '.join(arrays)}) AS v({columns}) WHERE t.{pk.column} = v.{pk.column}",
            params,
        )
