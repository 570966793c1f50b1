"""Benchmark of the client registry at province scale: the demo's imports and the reads.

    .venv/bin/python bench/bench_clients.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankops.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from demo import clients as demo_clients  # noqa: E402
from demo import org as demo  # noqa: E402
from imports.engine import run_import  # noqa: E402


def timed(label, action):
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


def main():
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(f"database: {connection.vendor}")
    bank = demo.build_bank("full")
    for kind in ("units", "departments", "employees"):
        run_import(kind, bank.csv(kind), f"{kind}.csv")
    book = demo_clients.build_clients(bank, "full")
    for kind in ("clients", "tiers", "metrics"):
        content = book.csv(kind)
        timed(f"import {kind} (new)", lambda kind=kind, content=content: run_import(kind, content, "f.csv"))
    timed("import metrics again (unchanged)", lambda: run_import("metrics", book.csv("metrics"), "f.csv"))

    client = Client()
    client.force_login(User.objects.filter(unit__depth=1).first())

    def get(url):
        return lambda: client.get(url).status_code

    timed("GET /api/v1/clients/?on=2025-06-30 (first page)", get("/api/v1/clients/?on=2025-06-30"))
    timed("GET /api/v1/clients/?tier=PROVINCE&on=2025-06-30", get("/api/v1/clients/?tier=PROVINCE&on=2025-06-30"))
    timed("GET /api/v1/clients/?segment=PRIVATE&on=2025-12-31", get("/api/v1/clients/?segment=PRIVATE&on=2025-12-31"))
    timed("GET /api/v1/tiers/?unit=HF&on=2025-06-30", get("/api/v1/tiers/?unit=HF&on=2025-06-30"))
    timed("GET /clients/?on=2025-12-31 (page)", get("/clients/?on=2025-12-31"))
    timed("GET /clients/deposits/?on=2025-12-31", get("/clients/deposits/?on=2025-12-31"))
    timed("GET /clients/?export=csv (the whole province)", lambda: len(b"".join(
        client.get("/clients/?export=csv&on=2025-12-31").streaming_content)))


if __name__ == "__main__":
    main()
