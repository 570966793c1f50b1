"""Benchmark of the client registry at province scale: the demo's imports and the reads.

.venv/bin/python bench/bench_clients.py
"""

from common import fresh_database, timed  # sets Django up first, so the imports below come after it
from django.test import Client  # noqa: E402

from accounts.actors import SYSTEM  # noqa: E402
from accounts.models import User  # noqa: E402
from demo import clients as demo_clients  # noqa: E402
from demo import org as demo  # noqa: E402
from imports.engine import run_import  # noqa: E402


def main():
    fresh_database()
    bank = demo.build_bank("full")
    for kind in ("units", "departments", "employees"):
        run_import(kind, bank.csv(kind), f"{kind}.csv", actor=SYSTEM)
    book = demo_clients.build_clients(bank, "full")
    for kind in ("clients", "tiers", "metrics"):
        content = book.csv(kind)
        timed(
            f"import {kind} (new)", lambda kind=kind, content=content: run_import(kind, content, "f.csv", actor=SYSTEM)
        )
    timed("import metrics again (unchanged)", lambda: run_import("metrics", book.csv("metrics"), "f.csv", actor=SYSTEM))

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
    timed(
        "GET /clients/?export=csv (the whole province)",
        lambda: len(b"".join(client.get("/clients/?export=csv&on=2025-12-31").streaming_content)),
    )


if __name__ == "__main__":
    main()
