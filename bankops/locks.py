"""Locks around check-and-write: two writers of the same rows never interleave.

A service that checks rows against the database and then writes (a named list's overlaps, an
import) runs its check and its write inside `exclusive(name)`, in one transaction. On PostgreSQL
it is a transaction-level advisory lock: a second writer waits at the lock, then checks against
what the first one committed. SQLite runs every transaction as BEGIN IMMEDIATE (settings), so a
write transaction already holds the database's single write lock from its first statement.
"""

import zlib
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def exclusive(name):
    """Hold the lock `name` until the end of the (outermost) transaction; waits for it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
        yield
