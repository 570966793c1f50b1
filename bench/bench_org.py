"""Benchmark of the organisation at province scale: imports, and the pages' query counts.

.venv/bin/python bench/bench_org.py --copies 5
"""

import argparse
import csv
import io

from common import fresh_database, timed  # sets Django up first, so the imports below come after it
from django.test import Client  # noqa: E402

from accounts.actors import SYSTEM  # noqa: E402
from accounts.models import User  # noqa: E402
from demo import org as demo  # noqa: E402
from imports.engine import run_import  # noqa: E402


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

    fresh_database()
    bank = demo.build_bank("full")
    for kind in ("units", "departments", "employees"):
        timed(f"import demo {kind}", lambda kind=kind: run_import(kind, bank.csv(kind), f"{kind}.csv", actor=SYSTEM))
    content, count = employees_file(bank, copies)
    timed(f"import {count} more employees (new)", lambda: run_import("employees", content, "e.csv", actor=SYSTEM))
    timed(
        f"import {count} employees again (unchanged)", lambda: run_import("employees", content, "e.csv", actor=SYSTEM)
    )
    timed(
        f"dry run of {count} employees", lambda: run_import("employees", content, "e.csv", actor=SYSTEM, dry_run=True)
    )

    client = Client()
    analyst = User.objects.filter(unit__depth=1).first()
    client.force_login(analyst)
    print(f"employees now: {User.objects.count()}")
    timed("GET /org/AH/ (province tree page)", lambda: client.get("/org/AH/").status_code)
    timed("GET /people/ (first page)", lambda: client.get("/people/").status_code)
    timed("GET /people/?page=200", lambda: client.get("/people/?page=200").status_code)
    timed("GET /api/v1/units/?page=5", lambda: client.get("/api/v1/units/?page=5").status_code)
    timed(
        "GET /people/?export=csv (whole province)",
        lambda: len(b"".join(client.get("/people/?export=csv").streaming_content)),
    )


if __name__ == "__main__":
    main()
