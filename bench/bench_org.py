"""Benchmark of the organisation at province scale: imports, and the pages' query counts.

    .venv/bin/python bench/bench_org.py --copies 5
"""

import argparse
import csv
import io
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

from demo import org as demo  # noqa: E402
from accounts.models import User  # noqa: E402
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
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s {queries:8d} queries   {result or ''}")
    return result


def employees_file(bank, copies):
    """The demo employees `copies` times over, with fresh employee numbers."""
    rows = list(csv.DictReader(io.StringIO(bank.csv("employees").decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows[0].keys())
    writer.writeheader()
    for copy in range(1, copies + 1):
        for row in rows:
            writer.writerow({**row, "employee_no": f"B{copy}{row['employee_no']}"})
    return out.getvalue().encode(), len(rows) * copies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=5)
    copies = parser.parse_args().copies

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(f"database: {connection.vendor}")
    bank = demo.build_bank("full")
    for kind in ("units", "departments", "employees"):
        timed(f"import demo {kind}", lambda kind=kind: run_import(kind, bank.csv(kind), f"{kind}.csv"))
    content, count = employees_file(bank, copies)
    timed(f"import {count} more employees (new)", lambda: run_import("employees", content, "e.csv"))
    timed(f"import {count} employees again (unchanged)", lambda: run_import("employees", content, "e.csv"))
    timed(f"dry run of {count} employees", lambda: run_import("employees", content, "e.csv", dry_run=True))

    client = Client()
    analyst = User.objects.filter(unit__depth=1).first()
    client.force_login(analyst)
    print(f"employees now: {User.objects.count()}")
    timed("GET /org/AH/ (province tree page)", lambda: client.get("/org/AH/").status_code)
    timed("GET /people/ (first page)", lambda: client.get("/people/").status_code)
    timed("GET /people/?page=200", lambda: client.get("/people/?page=200").status_code)
    timed("GET /api/v1/units/?page=5", lambda: client.get("/api/v1/units/?page=5").status_code)
    timed("GET /people/?export=csv (whole province)", lambda: len(b"".join(client.get("/people/?export=csv").streaming_content)))


if __name__ == "__main__":
    main()
