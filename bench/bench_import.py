"""The `metrics` import against a bare COPY of the same file (issue 7, `import_ratio`).

    DATABASE_URL=postgres://… python bench/bench_import.py MONTH.csv [--fresh] [--runs N]

MONTH.csv is a `metrics` file (INTERFACES.md) of clients the database has. The script times a
bare COPY of the file into a plain table (client_no and month as text, six numeric figures, no
index), then `manage.py import metrics MONTH.csv` as a separate process (a new month: with
--fresh, the file's months are deleted first), then the same import again (unchanged), and
prints one JSON object per figure: seconds, the ratio to the COPY (the best of --runs), and the
import's peak memory (ru_maxrss of the process). Unlike the other benchmarks it does not empty
the database: it measures the one it is given, and writes to it only the file's month.
"""

import argparse
import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankops.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from marketing import partitions  # noqa: E402

PLAIN = """CREATE TEMPORARY TABLE bench_plain_copy (client_no text, month text, deposits_avg numeric,
    loans numeric, intermediate_income numeric, product_sales numeric, aum numeric, annual_contribution numeric)"""


def copy_seconds(path):
    """A bare COPY of the file into a plain table (a logged one, as `\\copy` into a table is)."""
    with open(path, "rb") as file, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_copy")
        cursor.execute(PLAIN.replace("TEMPORARY ", ""))
        columns = file.readline().decode("utf-8-sig").strip()
        start = time.perf_counter()
        with cursor.copy(f"COPY bench_plain_copy ({columns}) FROM STDIN (FORMAT csv)") as copy:
            while data := file.read(1024 * 1024):
                copy.write(data)
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_plain_copy")
    return seconds


def import_run(path):
    """`manage.py import metrics` in its own process: (seconds, peak RSS in MiB, its report)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import", "metrics", str(path)], stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(child.pid, 0)  # the child's own rusage
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            sys.exit(f"the import failed ({child.returncode}): {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read().strip()


def file_months(path):
    with open(path, encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        position = next(reader).index("month")
        months = set()
        for row in reader:
            months.add(row[position])
    return sorted(months)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--fresh", action="store_true", help="delete the file's months first (a new month)")
    parser.add_argument("--runs", type=int, default=1, help="COPY runs (the best is kept)")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to the PostgreSQL database to measure")
    if options.fresh:
        with connection.cursor() as cursor:
            for month in file_months(options.file):
                cursor.execute("DELETE FROM marketing_clientmetric WHERE month = %s", [f"{month}-01"])
                # and its partition (marketing.partitions): the month is new again
                partitions.drop(cursor, datetime.date.fromisoformat(f"{month}-01"))
            cursor.execute("VACUUM ANALYZE marketing_clientmetric")
    copy = min(copy_seconds(options.file) for _run in range(options.runs))
    print(json.dumps({"figure": "copy_s", "value": round(copy, 2)}))
    summary = {"copy_s": round(copy, 2)}
    for label in ("new", "again"):
        seconds, peak, report = import_run(options.file)
        figures = {
            f"import_{label}_s": round(seconds, 2),
            f"import_{label}_ratio": round(seconds / copy, 2),
            f"import_{label}_peak_mib": round(peak),
        }
        for name, value in figures.items():
            print(json.dumps({"figure": name, "value": value, "report": report}, ensure_ascii=False))
        summary.update(figures)
    summary["import_ratio"] = summary["import_new_ratio"]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
