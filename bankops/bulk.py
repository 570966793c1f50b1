"""Set-based upsert by natural key: the write path of the imports and of the seed.

Rows are matched to stored ones by their key in a few queries, compared field by field, and
written with bulk statements; a row that changes nothing is not written and leaves no history.
"""

from dataclasses import dataclass

from django.db import connection
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
