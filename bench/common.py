"""What the benchmarks share: Django set up on a scratch database, and a timer that counts queries."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The personas of the generated province (bench/generate.py gives them this password) that
# bench/run.py logs in as: a province analyst and the head of an outlet.
ANALYST = "B900001"
OUTLET_MANAGER = "B900002"
PASSWORD = "bankops2026"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankops.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def fresh_database():
    """Migrate and empty the benchmark database (a scratch one: it is flushed)."""
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(f"database: {connection.vendor}")


def timed(label, action):
    """Run `action`, print its time and query count, answer its result."""
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        result = action()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s {queries:8d} queries   {result or ''}")
    return result
