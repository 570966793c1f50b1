"""What must hold at S = 1 (issue 7), measured on an already generated PostgreSQL database.

    .venv/bin/python bench/run.py --scale S [--database URL] [--seconds N]

One JSON object per figure on stdout, one line each, and a summary object last; progress on
stderr. The figures:

- pages: the project served by gunicorn (2 sync workers, production settings) on loopback and
  loaded by Locust (bench/locustfile.py), 20 users per persona (a province analyst, an outlet
  manager): first the trivial view /ping/ alone, then the main pages mixed. page_p95_ratio is the
  worse persona's p95 over all its page requests divided by its /ping/ p95. A page that does not
  answer 200 fails the run.
- queries: each page's SQL queries, in-process (Django's test Client, force_login).
- export: the province-wide CSV export of the client list as the analyst, streamed over HTTP.
- compliance: the whole province's staffing compliance report (rules O3, S1–S9, A1–A10) on the
  day after the last month of metrics, `manage.py compliance --format json` as a child process
  (compliance_s, goal 30 s at S = 1), its breaches per rule; each rule's evaluator alone,
  in-process; the compliance page at its default per persona, in-process and through the server.
- import: one new month of metrics for every client, as a file; a bare COPY of it into a plain
  (logged) table against `manage.py import metrics` of it, then the same import again
  (unchanged). The month is deleted afterwards, so the database is left as generated.
- appraisal (issue 9): the quarterly appraisal batch end to end through Celery, a real worker
  (2 prefork processes) on a Redis database of its own, started by `manage.py appraise QUARTER
  --wait`: the run's seconds against one hand-written SQL statement computing every manager's
  credited quarter sums (appraisal_ratio, goal 1.5 at S = 1), and the worker's peak memory
  (worker_peak_rss_mb, goal < 1024). The run's rows are deleted afterwards (--keep-appraisal
  keeps them).

Nothing is written to the database but sessions, django-axes' login records, the imported month
(deleted again), the appraisal run (deleted again) and, with --set-passwords, the personas'
passwords.
"""

import argparse
import contextlib
import csv
import datetime
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/bankops_bench"
PAGE_USERS = 20  # concurrent users per persona, as the issue asks
CLIENT_SAMPLE = 10  # client pages per persona, half corporate and half individual
PAST_DATE = "2026-03-15"
GOALS = {
    "page_p95_ratio": 5,
    "max_queries_per_page": 20,
    "import_ratio": 3,
    "import_peak_mib": 1024,
    "compliance_s": 30,
    "appraisal_ratio": 1.5,
    "worker_peak_rss_mb": 1024,
}
COMPLIANCE_PAGE = "/staffing/compliance/"


def default_database():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else BENCH_DATABASE


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, required=True, help="the S the database was generated at (recorded)")
    parser.add_argument("--database", default=default_database(), help="PostgreSQL URL (default: %(default)s)")
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds of each page mix (default 60)")
    parser.add_argument("--trivial-seconds", type=int, default=20, help="measured seconds of /ping/ (default 20)")
    parser.add_argument("--analyst", help="username of the province analyst (default: bench.common.ANALYST)")
    parser.add_argument("--outlet-manager", help="username of the outlet manager (default: common.OUTLET_MANAGER)")
    parser.add_argument("--password", help="the personas' password (default: bench.common.PASSWORD)")
    parser.add_argument(
        "--set-passwords", action="store_true", help="give the personas the password first (e.g. on the demo bank)"
    )
    parser.add_argument("--month", default="2026-12", help="the new month the import figure writes and deletes")
    parser.add_argument("--import-timeout", type=int, default=900, help="seconds one import may take (default 900)")
    parser.add_argument("--export-timeout", type=int, default=600, help="seconds the export may take (default 600)")
    parser.add_argument("--port", type=int, default=0, help="loopback port of the server (default: a free one)")
    parser.add_argument(
        "--compliance-on",
        help="the compliance report's date, YYYY-MM-DD (default: the day after the last month of metrics)",
    )
    parser.add_argument(
        "--compliance-timeout", type=int, default=900, help="seconds the compliance report may take (default 900)"
    )
    parser.add_argument(
        "--load-compliance",
        action="store_true",
        help=f"put the analyst's {COMPLIANCE_PAGE} in the page mix under load too (default: measured alone)",
    )
    parser.add_argument("--quarter", default="2026Q3", help="the quarter the appraisal step runs (default %(default)s)")
    parser.add_argument(
        "--appraisal-timeout", type=int, default=1800, help="seconds the appraisal run may take (default 1800)"
    )
    parser.add_argument(
        "--appraisal-broker",
        default="redis://127.0.0.1:6379/5",
        help="the Celery broker of the appraisal step's worker, a Redis database of its own: it is emptied first "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--keep-appraisal", action="store_true", help="keep the appraisal run's results and credits (default: deleted)"
    )
    parser.add_argument(
        "--steps",
        default="queries,compliance,pages,export,import,appraisal",
        help="which figures, comma-separated (default: %(default)s)",
    )
    args = parser.parse_args()
    args.steps = set(args.steps.split(","))
    return args


ARGS = parse_args()
# Django is set up by bench/common.py on import: the database to measure must be known first.
os.environ["DATABASE_URL"] = ARGS.database

import common  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg import sql  # noqa: E402

from accounts.scoping import scoped  # noqa: E402
from marketing import partitions  # noqa: E402
from marketing.models import Client, ClientKind, ClientMetric, TierEntry  # noqa: E402
from marketing.selectors import readable_list_owners  # noqa: E402
from marketing.views import default_list_owner  # noqa: E402
from staffing import compliance as staffing_compliance  # noqa: E402
from staffing import rules as staffing_rules  # noqa: E402
from staffing.models import StaffingPolicy  # noqa: E402

ROOT = common.ROOT
WORK = ROOT / "var" / "bench"
STARTED = time.monotonic()


class Failed(Exception):
    """A figure that could not be measured honestly (a page not answering 200, a failed import)."""


def progress(message):
    print(f"[{time.monotonic() - STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


def emit(figure, **values):
    print(json.dumps({"figure": figure, **values}, ensure_ascii=False), flush=True)


def p95(values):
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def server_environment():
    """Production settings (DJANGO_DEBUG=0) on plain HTTP over loopback."""
    return {
        **os.environ,
        "DATABASE_URL": ARGS.database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


ENVIRONMENT = server_environment()


# --- the personas and their pages ------------------------------------------------------------


def persona(username, password):
    user = get_user_model().objects.select_related("unit").filter(username=username).first()
    if user is None:
        raise Failed(f"no user {username} in {database_name()}: generate the database, or name the persona")
    if not user.check_password(password):
        if not ARGS.set_passwords:
            raise Failed(f"{username} does not have the benchmark password: pass --set-passwords to give it")
        user.set_password(password)
        user.save(update_fields=["password"])
        progress(f"{username}: password set")
    return user


def spread_client_numbers(clients, count):
    """`count` client numbers spread evenly over `clients` in number order. A branch's few
    clients are read whole and picked from in Python: one query whatever its scope's shape (a
    scope widened by also_visible is an OR that no index serves, and each OFFSET probe of it
    would walk the province's clients in number order)."""
    ordered = clients.order_by("client_no").values_list("client_no", flat=True)
    total = ordered.count()
    if total <= 100_000:
        ordered = list(ordered)
    return [ordered[i * total // count] for i in range(min(count, total))]


def pages_of(user):
    """The main pages and endpoints as `user` would ask for them: client numbers and unit codes
    picked among what they may see."""
    visible = scoped(Client.objects.all(), user)
    numbers = spread_client_numbers(visible.filter(kind=ClientKind.CORPORATE), CLIENT_SAMPLE // 2)
    numbers += spread_client_numbers(visible.filter(kind=ClientKind.INDIVIDUAL), CLIENT_SAMPLE - len(numbers))
    if not numbers:
        raise Failed(f"{user.username} sees no clients")
    owners = list(readable_list_owners(user=user))
    own_list = default_list_owner(user, owners)
    if own_list is None:
        raise Failed(f"{user.username} may read no named list")
    # The other list: the longest one among those the persona may read besides their own.
    others = [unit for unit in owners if unit != own_list] or [own_list]
    entries = dict(
        TierEntry.objects.filter(owner_unit__in=others).values_list("owner_unit").annotate(Count("id")).order_by()
    )
    other_list = max(others, key=lambda unit: (entries.get(unit.pk, 0), unit.code))
    pages = [
        "/clients/",
        "/clients/?tier=PROVINCE",
        "/clients/?tier=CITY",
        "/clients/?segment=PRIVATE",
        "/clients/?segment=HIGH",
        f"/clients/?on={PAST_DATE}",
        ("/clients/<no>/", [f"/clients/{urllib.parse.quote(number)}/" for number in numbers]),
        "/clients/lists/",
        f"/clients/lists/?unit={urllib.parse.quote(other_list.code)}",
        "/people/",
        "/api/v1/clients/",
        "/api/v1/clients/?tier=PROVINCE",
        f"/api/v1/tiers/?unit={urllib.parse.quote(own_list.code)}",
    ]
    return [
        {"name": page, "urls": [page]} if isinstance(page, str) else {"name": page[0], "urls": page[1]}
        for page in pages
    ]


# --- queries per page, in-process ------------------------------------------------------------


def count_queries(label, user, pages):
    """Each page's SQL queries (the most over its URLs) for `user`; answers the largest count."""
    client = TestClient()
    client.force_login(user)
    largest = 0
    for page in pages:
        counts, seconds = [], []
        for url in page["urls"]:
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, secure=True)  # secure: no HTTPS redirect under DJANGO_DEBUG=0
            seconds.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise Failed(f"{label} {url}: HTTP {response.status_code} in-process")
            counts.append(len(queries))
        emit(
            "queries",
            persona=label,
            page=page["name"],
            queries=max(counts),
            urls=len(page["urls"]),
            single_request_ms=round(1000 * max(seconds), 1),
        )
        largest = max(largest, max(counts))
    return largest


# --- the server and the load -----------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*command, timeout=600):
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=ENVIRONMENT, check=True, timeout=timeout)


def collect_static():
    """DEBUG off serves the hashed, compressed files of var/staticfiles: collect them when a
    source is newer than the manifest (compressing takes more than a minute here)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = (storage.path(path) for finder in finders.get_finders() for path, storage in finder.list([]))
    newest = max(os.path.getmtime(source) for source in sources)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    progress("collectstatic into var/staticfiles")
    manage("collectstatic", "--noinput", "-v0")


@contextlib.contextmanager
def background(name, command, environment, ready, seconds):
    """Run `command` as a process group of its own, its output in var/bench/<name>.log; yield it
    once `ready()` answers true (Failed if it exits first or `seconds` pass); stop it whatever
    happens: TERM, then KILL of the group (children that outlive their parent too)."""
    log = open(WORK / f"{name}.log", "w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + seconds
        while not ready():
            if process.poll() is not None:
                raise Failed(f"{name} exited ({process.returncode}): see {WORK / f'{name}.log'}")
            if time.monotonic() > deadline:
                raise Failed(f"{name} did not answer within {seconds} s")
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):  # then killed, below
                process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


@contextlib.contextmanager
def gunicorn(port):
    collect_static()
    timeout = max(ARGS.export_timeout, 120) + 60  # a worker streaming the whole province is not hung
    command = [sys.executable, "-m", "gunicorn", "bankops.wsgi", "--workers", "2", "--worker-class", "sync"]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", str(timeout), "--log-level", "warning"]

    def answers():
        try:
            return Browser(port).get("/accounts/login/").status == 200
        except OSError:
            return False

    with background("gunicorn", command, ENVIRONMENT, answers, 60):
        progress(f"gunicorn serving on 127.0.0.1:{port} (2 sync workers)")
        yield


class Answer:
    def __init__(self, response, body):
        self.status, self.headers, self.body = response.status, response, body


class Browser:
    """A logged-in session over plain HTTP with the cookies kept by hand: under production
    settings they are Secure, which http.cookiejar would not send to http://127.0.0.1."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def open(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        conn.request(method, path, body=body, headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})})
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return conn, response

    def get(self, path, timeout=120):
        conn, response = self.open("GET", path, timeout=timeout)
        with contextlib.closing(conn):
            return Answer(response, response.read())

    def log_in(self, username, password):
        form = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if token is None:
            raise Failed(f"the login form answered {form.status} without a CSRF token")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        conn, response = self.open(
            "POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        with contextlib.closing(conn):
            response.read()
        if response.status != 302 or "sessionid" not in self.cookies:
            raise Failed(f"logging in as {username} answered {response.status}: wrong password or locked out?")
        return self


def check_pages_over_http(port, label, user, password, pages):
    """Every URL once through the server, each worker warmed up: all must answer 200."""
    browser = Browser(port).log_in(user.username, password)
    for url in ["/ping/", "/ping/"] + [url for page in pages for url in page["urls"]]:
        answer = browser.get(url)
        if answer.status != 200:
            raise Failed(f"{label} {url}: HTTP {answer.status} through the server")


def compliance_over_http(port, label, user, password):
    """The compliance page at its default (today, the persona's whole reach) through the server,
    three times, one request at a time: the first computes the report (each worker keeps it in
    its own cache under the version of its sources: staffing.compliance.report), the others
    are the cached report rendered, or the other worker computing it."""
    browser = Browser(port).log_in(user.username, password)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        answer = browser.get(COMPLIANCE_PAGE, timeout=ARGS.compliance_timeout)
        times.append(time.perf_counter() - start)
        if answer.status != 200:
            raise Failed(f"{label} {COMPLIANCE_PAGE}: HTTP {answer.status} through the server")
    emit(
        "compliance page",
        persona=label,
        page=COMPLIANCE_PAGE,
        how="through the server, one request at a time",
        ms=[round(1000 * seconds, 1) for seconds in times],
        kib=round(len(answer.body) / 1024),
    )
    return {f"{label}_compliance_page_http_ms": round(1000 * min(times), 1)}


def locust(label, phase, username, password, pages, seconds):
    """One Locust run; answers its requests of the measured window as {page: [ms, ...]}."""
    stem = WORK / f"locust-{label}-{phase}"
    plan = {
        "username": username,
        "password": password,
        "users": PAGE_USERS,
        "seconds": seconds,
        "out": str(stem) + ".json",
        "pages": pages,
    }
    plan_file = Path(str(stem) + "-plan.json")
    plan_file.write_text(json.dumps(plan))
    Path(plan["out"]).unlink(missing_ok=True)
    bound = seconds + 120  # logins first; the locustfile stops the run when the window closes
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
    command += ["-u", str(PAGE_USERS), "-r", str(PAGE_USERS), "-t", f"{bound}s", "--host", HOST]
    command += ["--csv", str(stem), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    with open(str(stem) + ".log", "w") as log:
        subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "BENCH_LOCUST_PLAN": str(plan_file)},
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=bound + 60,
            check=False,
        )
    try:
        record = json.loads(Path(plan["out"]).read_text())
    except FileNotFoundError:
        raise Failed(f"locust {label} {phase} wrote no samples: see {stem}.log") from None
    if record["errors"]:
        raise Failed(f"locust {label} {phase}: {'; '.join(record['errors'][:3])}")
    if record["start"] is None or record["end"] is None:
        raise Failed(f"locust {label} {phase}: only {record['logins']} of {PAGE_USERS} users logged in in time")
    failures = [sample for sample in record["samples"] if sample[2] != 200 or sample[3]]
    if failures:
        examples = sorted({f"{name} ({status or error})" for name, _, status, error in failures})[:5]
        raise Failed(f"locust {label} {phase}: {len(failures)} requests did not answer 200: {', '.join(examples)}")
    by_page = {}
    for name, ms, _, _ in record["samples"]:
        by_page.setdefault(name, []).append(ms)
    window = record["end"] - record["start"]
    missing = [page["name"] for page in pages if page["name"] not in by_page]
    if missing:
        raise Failed(f"locust {label} {phase}: no answer within {window:.0f} s for {', '.join(missing)}")
    return by_page, window


def load(label, user, password, pages):
    """The trivial view alone, then the pages mixed; answers the persona's summary figures."""
    progress(f"{label}: /ping/ alone, {PAGE_USERS} users, {ARGS.trivial_seconds} s")
    trivial_ping = {"name": "/ping/", "urls": ["/ping/"]}
    ping, ping_window = locust(label, "ping", user.username, password, [trivial_ping], ARGS.trivial_seconds)
    trivial = p95(ping["/ping/"])
    emit(
        "trivial",
        persona=label,
        page="/ping/",
        requests=len(ping["/ping/"]),
        per_s=round(len(ping["/ping/"]) / ping_window, 1),
        median_ms=round(statistics.median(ping["/ping/"]), 1),
        p95_ms=round(trivial, 1),
    )
    progress(f"{label}: {len(pages)} pages mixed, {PAGE_USERS} users, {ARGS.seconds} s")
    by_page, window = locust(label, "pages", user.username, password, pages, ARGS.seconds)
    for page in pages:
        times = by_page[page["name"]]
        emit(
            "page",
            persona=label,
            page=page["name"],
            requests=len(times),
            median_ms=round(statistics.median(times), 1),
            p95_ms=round(p95(times), 1),
            ratio=round(p95(times) / trivial, 2),
        )
    everything = [ms for times in by_page.values() for ms in times]
    overall = p95(everything)
    emit(
        "pages",
        persona=label,
        requests=len(everything),
        per_s=round(len(everything) / window, 1),
        median_ms=round(statistics.median(everything), 1),
        p95_ms=round(overall, 1),
        trivial_p95_ms=round(trivial, 1),
        ratio=round(overall / trivial, 2),
    )
    return {
        f"{label}_trivial_p95_ms": round(trivial, 1),
        f"{label}_page_p95_ms": round(overall, 1),
        f"{label}_page_p95_ratio": round(overall / trivial, 2),
    }


# --- the export --------------------------------------------------------------------------------


def export(port, user, password):
    """The whole province's client list as CSV through the server, read in chunks as it comes."""
    browser = Browser(port).log_in(user.username, password)
    expected = scoped(Client.objects.all(), user).count()
    start = time.perf_counter()
    conn, response = browser.open("GET", "/clients/?export=csv", timeout=ARGS.export_timeout)
    headers_s = time.perf_counter() - start
    first_byte_s = first_row_s = None
    newlines, size = 0, 0
    with contextlib.closing(conn):
        if response.status != 200:
            raise Failed(f"the export answered {response.status}")
        while chunk := response.read1(1 << 16):
            now = time.perf_counter() - start
            if first_byte_s is None:
                first_byte_s = now
            newlines += chunk.count(b"\n")
            size += len(chunk)
            if first_row_s is None and newlines >= 2:
                first_row_s = now
            if now > ARGS.export_timeout:
                raise Failed(f"the export took over {ARGS.export_timeout} s ({newlines - 1} rows by then)")
    seconds = time.perf_counter() - start
    rows = newlines - 1  # the header; the import refuses control characters, so no cell holds a newline
    chunked = response.getheader("Content-Length") is None
    # Streamed: sent without a length, its first bytes long before its end. (The first data row
    # may still wait for the query: first_row_s says how long.)
    streams = chunked and (first_byte_s or seconds) <= max(1.0, 0.1 * seconds)
    emit(
        "export",
        persona="analyst",
        url="/clients/?export=csv",
        rows=rows,
        visible_clients=expected,
        mib=round(size / 2**20, 1),
        headers_s=round(headers_s, 3),
        first_byte_s=round(first_byte_s or seconds, 3),
        first_row_s=round(first_row_s or seconds, 3),
        seconds=round(seconds, 2),
        rows_per_s=round(rows / seconds),
        content_length=response.getheader("Content-Length"),
        streams=streams,
    )
    if rows != expected:
        raise Failed(f"the export has {rows} rows, the analyst sees {expected} clients")
    return {"export_s": round(seconds, 2), "export_rows": rows, "export_first_row_s": round(first_row_s or seconds, 3)}


# --- the compliance report ---------------------------------------------------------------------


def compliance_day():
    """The report's date: --compliance-on, else the day after the last month of metrics (the first
    day of the month after it), the first day no month's figures have reached yet."""
    if ARGS.compliance_on:
        return datetime.date.fromisoformat(ARGS.compliance_on)
    latest = ClientMetric.objects.aggregate(latest=Max("month"))["latest"]
    if latest is None:
        return datetime.date.today()
    return (latest.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def compliance(personas):
    """The whole province's compliance report (rules O3, S1–S9, A1–A10) as `manage.py compliance
    --format json` computes it, in a child process under production settings (Django's start
    included); then each of its rules' evaluators alone, in-process, for where the time goes; then
    the compliance page at its default (today, the persona's whole reach) once per persona,
    in-process."""
    on = compliance_day()
    progress(f"manage.py compliance --format json --on {on} (the whole province)")
    seconds, peak, output = time_command(
        ["compliance", "--format", "json", "--on", on.isoformat()], ARGS.compliance_timeout, "the compliance report"
    )
    found = json.loads(output)
    evaluated = {rule for produced, _evaluate in staffing_compliance.EVALUATORS for rule in produced}
    counts = {rule: 0 for rule in staffing_rules.RULE_ORDER if rule in evaluated}
    for breach in found:
        counts[breach["rule"]] = counts.get(breach["rule"], 0) + 1
    emit(
        "compliance",
        how="manage.py compliance --format json, a child process (production settings)",
        on=on.isoformat(),
        seconds=round(seconds, 2),
        peak_mib=round(peak),
        breaches=len(found),
        overridden=sum(1 for breach in found if breach.get("overridden")),
        by_rule=counts,
    )
    figures = {
        "compliance_s": round(seconds, 2),
        "compliance_on": on.isoformat(),
        "compliance_breaches": len(found),
        "compliance_peak_mib": round(peak),
    }

    progress("each rule's evaluator alone, in-process")
    policy = StaffingPolicy.current()
    timings = []
    for produced, evaluate in staffing_compliance.EVALUATORS:
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            rows = evaluate("", on, policy=policy, clients=None, employees=None)
        elapsed = time.perf_counter() - start
        timings.append((elapsed, "/".join(produced)))
        emit(
            "compliance rule", rules=list(produced), seconds=round(elapsed, 2), queries=len(queries), breaches=len(rows)
        )
    figures["compliance_rules_s"] = round(sum(elapsed for elapsed, _ in timings), 2)
    figures["compliance_slowest"] = {name: round(elapsed, 2) for elapsed, name in sorted(timings, reverse=True)[:3]}

    for label, user in personas.items():
        progress(f"{label}: {COMPLIANCE_PAGE} in-process")
        client = TestClient()
        client.force_login(user)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(COMPLIANCE_PAGE, secure=True)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise Failed(f"{label} {COMPLIANCE_PAGE}: HTTP {response.status_code} in-process")
        emit(
            "compliance page",
            persona=label,
            page=COMPLIANCE_PAGE,
            how="in-process, one request, its default: today and the persona's whole reach",
            single_request_ms=round(1000 * elapsed, 1),
            queries=len(queries),
            kib=round(len(response.content) / 1024),
        )
        figures[f"{label}_compliance_page_ms"] = round(1000 * elapsed, 1)
    return figures


# --- the import --------------------------------------------------------------------------------


def database_name():
    return urllib.parse.urlsplit(ARGS.database).path.lstrip("/")


def pg():
    return psycopg.connect(ARGS.database, autocommit=True)


def write_month_file(path, month):
    """One row per client for `month` in the `metrics` format, its figures those of the latest
    month in the database (empty where a client has none)."""
    metrics, clients = ClientMetric._meta.db_table, Client._meta.db_table
    figures = ClientMetric.FIGURES
    with pg() as conn:
        latest = conn.execute(sql.SQL("SELECT max(month) FROM {}").format(sql.Identifier(metrics))).fetchone()[0]
        query = sql.SQL(
            "COPY (SELECT c.client_no, {month} AS month, {figures} FROM {clients} c"
            " LEFT JOIN {metrics} m ON m.client_id = c.id AND m.month = {latest} ORDER BY c.client_no)"
            " TO STDOUT WITH (FORMAT csv, HEADER)"
        ).format(
            month=sql.Literal(month),
            figures=sql.SQL(", ").join(sql.SQL("m.{0} AS {0}").format(sql.Identifier(f)) for f in figures),
            clients=sql.Identifier(clients),
            metrics=sql.Identifier(metrics),
            latest=sql.Literal(latest),
        )
        size = 0
        with open(path, "wb") as out, conn.cursor().copy(query) as copy:
            for block in copy:
                out.write(block)
                size += len(block)
    with open(path, newline="", encoding="utf-8") as check:
        header = next(csv.reader(check))
    if header != ["client_no", "month", *figures]:
        raise Failed(f"unexpected header {header}")
    return size, latest


def time_copy(path, repeats=3):
    """A bare COPY of the file into a plain logged table (created and committed beforehand, so
    that the COPY is WAL-logged like any write): the median of `repeats` runs."""
    table = sql.Identifier("bench_copy_metrics")
    columns = "client_no text, month text, " + ", ".join(f"{f} numeric" for f in ClientMetric.FIGURES)
    seconds = []
    with pg() as conn:
        for _ in range(repeats):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.execute(sql.SQL("CREATE TABLE {} (" + columns + ")").format(table))
            start = time.perf_counter()
            with (
                conn.transaction(),
                conn.cursor().copy(sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER)").format(table)) as copy,
                open(path, "rb") as source,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)
            seconds.append(time.perf_counter() - start)
            conn.execute(sql.SQL("DROP TABLE {}").format(table))
    return statistics.median(seconds), seconds


REBUILD_QUEUE = "redis://127.0.0.1:6379/14"


def rebuild_read_model():
    """Empty the queue the imports' rebuilds went to and rebuild the read model here, timed."""
    from accounts.actors import SYSTEM
    from marketing import standing

    subprocess.run(["redis-cli", "-n", REBUILD_QUEUE.rsplit("/", 1)[1], "flushdb"], check=False, capture_output=True)
    progress("rebuilding the registry's read model (marketing.standing)")
    start = time.perf_counter()
    if not standing.rebuild(actor=SYSTEM):
        raise Failed("the read model was written to while it was rebuilt")
    seconds = round(time.perf_counter() - start, 1)
    emit("rebuild", seconds=seconds)
    return seconds


def time_command(command, timeout, what, environment=None):
    """`manage.py COMMAND…` as a child process under production settings: its seconds, peak RSS
    (from wait4) and output. Killed, and Failed, after `timeout` seconds or on a non-zero exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment or ENVIRONMENT,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(child.pid, signal.SIGKILL)
                os.wait4(child.pid, 0)
                child.returncode = -9
                raise Failed(f"{what} took over {timeout} s (killed)")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        report, errors = out.read().decode(errors="replace").strip(), err.read().decode(errors="replace").strip()
    if child.returncode != 0:
        raise Failed(f"{what} exited {child.returncode}: {errors[-2000:] or report[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, report  # ru_maxrss is in KiB on Linux


def time_import(path, timeout):
    """`manage.py import metrics FILE` as a child process: its seconds, peak RSS and output."""
    # As in production, the read model's rebuild that a month queues is a worker's job, not the
    # import's: it goes to a Redis queue of its own here, emptied after (rebuild_s).
    return time_command(
        ["import", "metrics", str(path)],
        timeout,
        "the import",
        environment={**ENVIRONMENT, "CELERY_BROKER_URL": REBUILD_QUEUE},
    )


def imports(month):
    first_day = f"{month}-01"
    metrics = sql.Identifier(ClientMetric._meta.db_table)
    with pg() as conn:
        present = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE month = %s").format(metrics), [first_day])
        if present.fetchone()[0]:
            raise Failed(f"the database already has metrics of {month}: choose another --month, or delete them")
    path = WORK / f"metrics-{month}.csv"
    try:
        progress(f"writing the {month} file")
        start = time.perf_counter()
        size, latest = write_month_file(path, month)
        rows = sum(1 for _ in open(path, "rb")) - 1
        emit(
            "import file",
            month=month,
            figures_of=latest.isoformat() if latest else None,
            rows=rows,
            mib=round(size / 2**20, 1),
            seconds=round(time.perf_counter() - start, 2),
        )
        progress("bare COPY into a plain logged table (3 times)")
        copy_s, copies = time_copy(path)
        emit("copy", rows=rows, table="plain, logged", seconds=round(copy_s, 3), runs=[round(s, 3) for s in copies])
        # What the command costs whatever the file (Python, Django, the checks): it weighs on the
        # ratio of a small bank, not of a province.
        empty = WORK / "metrics-empty.csv"
        empty.write_text(",".join(["client_no", "month", *ClientMetric.FIGURES]) + "\n")
        try:
            fixed_s, fixed_peak, _ = time_import(empty, 300)
        finally:
            empty.unlink()
        emit("import of a header-only file", seconds=round(fixed_s, 2), peak_mib=round(fixed_peak))
        figures = {"import_fixed_s": round(fixed_s, 2)}
        try:
            for kind in ("import", "reimport"):
                progress(f"manage.py import metrics ({'new month' if kind == 'import' else 'unchanged'})")
                seconds, peak, report = time_import(path, ARGS.import_timeout)
                emit(
                    kind,
                    rows=rows,
                    seconds=round(seconds, 2),
                    ratio=round(seconds / copy_s, 2),
                    peak_mib=round(peak),
                    report=report,
                )
                figures.update(
                    {
                        f"{kind}_s": round(seconds, 2),
                        f"{kind}_ratio": round(seconds / copy_s, 2),
                        f"{kind}_peak_mib": round(peak),
                    }
                )
        finally:
            progress(f"deleting {month} and vacuuming")
            with pg() as conn:
                # The import wrote only this month's rows; the read model (marketing.standing)
                # went unread when it did and is rebuilt below, as a worker would.
                deleted = conn.execute(sql.SQL("DELETE FROM {} WHERE month = %s").format(metrics), [first_day])
                # The month's partition goes too (marketing.partitions), so that the next run
                # imports a new month again.
                partitions.drop(conn.cursor(), datetime.date.fromisoformat(first_day))
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(metrics))
                emit("cleanup", month=month, deleted=deleted.rowcount)
            figures["rebuild_s"] = rebuild_read_model()
        return {"copy_s": round(copy_s, 3), "import_rows": rows, **figures}
    finally:
        path.unlink(missing_ok=True)


# --- the appraisal (issue 9) -----------------------------------------------------------------


RSS_SAMPLE_S = 0.2


def process_tree(root):
    """`root` and every process descended from it (from /proc's parent links)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may hold spaces and parentheses: the fields after its last ")".
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def memory_kib(pid, field):
    """A /proc field of a process in KiB (VmRSS from status, Pss from smaps_rollup); 0 if gone."""
    name = "smaps_rollup" if field == "Pss" else "status"
    try:
        with open(f"/proc/{pid}/{name}") as source:
            for line in source:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeMemory:
    """Samples the RSS (and PSS) of a process and its children every RSS_SAMPLE_S in a thread:
    the peak of their sum, and the largest process."""

    def __init__(self, pid):
        import threading

        self.pid, self.samples = pid, 0
        self.peak_rss = self.peak_pss = self.peak_one = self.peak_processes = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="worker-memory", daemon=True)

    def run(self):
        while not self.stop.is_set():
            tree = process_tree(self.pid)
            rss = [memory_kib(pid, "VmRSS") for pid in tree]
            self.peak_rss = max(self.peak_rss, sum(rss))
            self.peak_one = max(self.peak_one, max(rss, default=0))
            self.peak_pss = max(self.peak_pss, sum(memory_kib(pid, "Pss") for pid in tree))
            self.peak_processes = max(self.peak_processes, len(tree))
            self.samples += 1
            self.stop.wait(RSS_SAMPLE_S)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def worker_environment():
    return {**ENVIRONMENT, "CELERY_BROKER_URL": ARGS.appraisal_broker, "CELERY_RESULT_BACKEND": ARGS.appraisal_broker}


@contextlib.contextmanager
def celery_worker():
    """A real Celery worker (`celery -A bankops worker -c 2`, prefork) on the appraisal broker,
    under production settings; stopped (TERM, then KILL of its process group) whatever happens."""
    database = ARGS.appraisal_broker.rsplit("/", 1)[1]
    subprocess.run(["redis-cli", "-n", database, "flushdb"], check=True, capture_output=True, timeout=30)
    environment = worker_environment()
    celery = [sys.executable, "-m", "celery", "-A", "bankops"]

    def pongs():
        ping = subprocess.run(
            [*celery, "inspect", "ping", "--timeout", "2"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            timeout=60,
            check=False,
        )
        return ping.returncode == 0 and b"pong" in ping.stdout

    with background(
        "celery-worker", [*celery, "worker", "-c", "2", "--loglevel=warning"], environment, pongs, 90
    ) as worker:
        progress(f"Celery worker ready (pid {worker.pid}, 2 prefork processes, broker {ARGS.appraisal_broker})")
        yield worker


def quarter_months(quarter):
    from appraisal import rules as appraisal_rules

    return appraisal_rules.Quarter.parse(quarter)


LOWER_BOUND_SQL = """
SELECT a.employee_id,
       sum(m.deposits_avg * a.split * d.days / (100 * q.month_days)) AS deposits,
       sum(m.loans * a.split * d.days / (100 * q.month_days)) AS loans,
       sum(m.intermediate_income * a.split * d.days / (100 * q.month_days)) AS intermediate,
       sum(m.product_sales * a.split * d.days / (100 * q.month_days)) AS products
  FROM staffing_assignment a
  JOIN accounts_user u ON u.id = a.employee_id
  JOIN (VALUES {months}) q(month_start, month_end, month_days)
    ON a.valid_from <= q.month_end AND (a.valid_to IS NULL OR a.valid_to >= q.month_start)
  JOIN marketing_clientmetric m ON m.client_id = a.client_id AND m.month = q.month_start
 CROSS JOIN LATERAL (SELECT LEAST(COALESCE(a.valid_to, q.month_end), q.month_end)
                            - GREATEST(a.valid_from, q.month_start) + 1 AS days) d
 WHERE u.position = 'CUSTOMER_MANAGER' AND u.is_active AND u.unit_id IS NOT NULL
   AND (u.hired_on IS NULL OR u.hired_on <= '{end}')
   AND m.month BETWEEN '{first}' AND '{last}'
 GROUP BY a.employee_id
"""


def lower_bound(quarter):
    """The least the batch's credit must cost: ONE statement computing every customer manager's
    credited quarter sums per indicator (rule P2: value × split/100 × days inside/days of the
    month, over their assignments and the quarter's three months of metrics), on a connection
    with the project's session options; run twice, the second timed (execute and fetch)."""
    from appraisal.rules import month_days

    months = quarter_months(quarter).months
    values = ", ".join(
        f"('{month}'::date, '{month.replace(day=month_days(month))}'::date, {month_days(month)})" for month in months
    )
    end = months[-1].replace(day=month_days(months[-1]))
    statement = LOWER_BOUND_SQL.format(months=values, first=months[0], last=months[-1], end=end)
    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options", "")
    seconds = []
    with psycopg.connect(ARGS.database, autocommit=True, options=options) as conn:
        for _ in range(2):
            start = time.perf_counter()
            rows = conn.execute(statement).fetchall()
            seconds.append(time.perf_counter() - start)
    (WORK / "appraisal-lower-bound.sql").write_text(statement)
    return seconds, rows


def appraisal(quarter):
    """The quarter's batch through a real worker, its run timed; the lower bound; the worker's
    peak memory. Then the run's rows are deleted (unless --keep-appraisal)."""
    from appraisal import partitions as appraisal_partitions
    from appraisal.models import Credit, CreditPart, CreditSum, QuarterResults, Result, ResultLine
    from runs.models import Run

    progress(f"lower bound: one SQL statement of every manager's credited {quarter} sums (twice)")
    bound_runs, bound_rows = lower_bound(quarter)
    bound_s = bound_runs[-1]
    emit(
        "appraisal lower bound",
        quarter=quarter,
        how="one hand-written SELECT, executed and fetched, the second of two runs",
        managers=len(bound_rows),
        seconds=round(bound_s, 3),
        runs=[round(s, 3) for s in bound_runs],
    )
    run_id = None
    before = Run.objects.aggregate(last=Max("pk"))["last"] or 0
    # The batch's plans depend on what the planner knows of the tables it fills: a database as
    # generated knows them empty; after a run, its statistics name that run's id (RESULTS.md,
    # Appraisal: a later run then meets nested loops sized for one row).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint, s.most_common_vals::text FROM pg_class c"
            " LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'run_id'"
            " WHERE c.relname IN ('appraisal_credit', 'appraisal_result') ORDER BY c.relname"
        )
        tables_before = {name: {"reltuples": rows, "run_ids_in_stats": runs} for name, rows, runs in cursor.fetchall()}
    try:
        with celery_worker() as worker:
            progress(f"manage.py appraise {quarter} --wait (the worker does the run)")
            with TreeMemory(worker.pid) as memory:
                wall_s, command_peak, output = time_command(
                    ["appraise", quarter, "--wait"], ARGS.appraisal_timeout, "the appraisal", worker_environment()
                )
        # The run the command started (its message may be translated: found in the table).
        started = Run.objects.filter(pk__gt=before, kind="appraisal", params__quarter=quarter).order_by("pk").first()
        run_id = started.pk if started else None
        if run_id is None:
            raise Failed(f"the appraise command started no run: {output[-500:]}")
        run = Run.objects.get(pk=run_id)
        run_s = (run.finished_at - run.started_at).total_seconds()
        credits = Credit.objects.filter(run_id=run_id).count()
        completions = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.indicator, count(l.completion),"
                " percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY l.completion)"
                " FROM appraisal_resultline l JOIN appraisal_result r ON r.id = l.result_id"
                " WHERE r.run_id = %s GROUP BY l.indicator ORDER BY l.indicator",
                [run_id],
            )
            for indicator, count, (p10, p50, p90) in cursor.fetchall():
                if count:
                    completions[indicator] = {
                        "lines": count,
                        "p10": round(p10, 2),
                        "median": round(p50, 2),
                        "p90": round(p90, 2),
                    }
        emit(
            "appraisal",
            quarter=quarter,
            run=run_id,
            status=run.status,
            how="manage.py appraise --wait in a child process; a Celery worker -c 2 (prefork) on Redis does the run",
            run_s=round(run_s, 2),
            command_wall_s=round(wall_s, 2),
            managers=run.total,
            credits=credits,
            counts=run.counts,
            review_missing=run.params.get("review_missing"),
            tables_before=tables_before,
            completion=completions,
            worker_peak_rss_mb=round(memory.peak_rss / 1024),
            worker_peak_pss_mb=round(memory.peak_pss / 1024),
            worker_largest_process_mb=round(memory.peak_one / 1024),
            worker_processes=memory.peak_processes,
            rss_samples=memory.samples,
            command_peak_mib=round(command_peak),
        )
        return {
            "appraisal_s": round(run_s, 2),
            "appraisal_command_s": round(wall_s, 2),
            "lower_bound_s": round(bound_s, 3),
            "appraisal_ratio": round(run_s / bound_s, 2),
            "worker_peak_rss_mb": round(memory.peak_rss / 1024),
            "appraisal_credits": credits,
        }
    finally:
        if run_id is None:  # the command failed or was killed: its run, if it made one (the worker is stopped)
            run_id = Run.objects.filter(pk__gt=before, kind="appraisal").values_list("pk", flat=True).first()
        if run_id is not None and not ARGS.keep_appraisal:
            progress(f"deleting run {run_id}'s results and credits")
            with pg() as conn:
                with conn.cursor() as cursor:  # the run's own partitions of the credits
                    if appraisal_partitions.is_partitioned(cursor):
                        appraisal_partitions.drop_runs(cursor, [run_id])
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE run_id = %s").format(sql.Identifier(Credit._meta.db_table)), [run_id]
                )
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE result_id IN (SELECT id FROM {} WHERE run_id = %s)").format(
                        sql.Identifier(ResultLine._meta.db_table), sql.Identifier(Result._meta.db_table)
                    ),
                    [run_id],
                )
                for model in (Result, QuarterResults, CreditPart, CreditSum):
                    conn.execute(
                        sql.SQL("DELETE FROM {} WHERE run_id = %s").format(sql.Identifier(model._meta.db_table)),
                        [run_id],
                    )
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(Run._meta.db_table)), [run_id]
                )
                # VACUUM, not ANALYZE: statistics of the emptied tables would steer the next run.
                for model in (Credit, ResultLine, Result):
                    conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(model._meta.db_table)))


# --- the run -----------------------------------------------------------------------------------


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    password = ARGS.password or common.PASSWORD
    personas = {
        "analyst": persona(ARGS.analyst or common.ANALYST, password),
        "outlet_manager": persona(ARGS.outlet_manager or common.OUTLET_MANAGER, password),
    }
    with pg() as conn:
        clients = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(Client._meta.db_table)))
        emit(
            "database",
            database=database_name(),
            scale=ARGS.scale,
            clients=clients.fetchone()[0],
            personas={label: f"{user.username} ({user.unit})" for label, user in personas.items()},
        )
    progress("picking each persona's pages")
    pages = {label: pages_of(user) for label, user in personas.items()}
    summary, failures = {"scale": ARGS.scale}, []

    def step(name, action):
        if name not in ARGS.steps:
            return
        try:
            summary.update(action())
        except (Failed, subprocess.SubprocessError, psycopg.Error) as failure:
            progress(f"FAILED {name}: {failure}")
            emit("failure", step=name, error=str(failure))
            failures.append(f"{name}: {failure}")

    def queries():
        progress("queries per page, in-process")
        return {"max_queries_per_page": max(count_queries(label, personas[label], pages[label]) for label in personas)}

    step("queries", queries)
    step("compliance", lambda: compliance(personas))

    if {"pages", "export"} & ARGS.steps:
        port = ARGS.port or free_port()
        global HOST
        HOST = f"http://127.0.0.1:{port}"
        try:
            with gunicorn(port):

                def page_load():
                    figures = {}
                    for label, user in personas.items():
                        progress(f"{label}: every page once through the server")
                        check_pages_over_http(port, label, user, password, pages[label])
                        figures.update(compliance_over_http(port, label, user, password))
                        mix = pages[label]
                        if ARGS.load_compliance and label == "analyst":
                            mix = [*mix, {"name": COMPLIANCE_PAGE, "urls": [COMPLIANCE_PAGE]}]
                        figures.update(load(label, user, password, mix))
                    figures["page_p95_ratio"] = max(figures[f"{label}_page_p95_ratio"] for label in personas)
                    return figures

                step("pages", page_load)
                step("export", lambda: export(port, personas["analyst"], password))
        except (Failed, subprocess.SubprocessError) as failure:
            progress(f"FAILED server: {failure}")
            failures.append(f"server: {failure}")

    step("import", lambda: imports(ARGS.month))
    step("appraisal", lambda: appraisal(ARGS.quarter))

    for key in (
        "page_p95_ratio",
        "max_queries_per_page",
        "import_ratio",
        "import_peak_mib",
        "export_s",
        "compliance_s",
        "appraisal_s",
        "lower_bound_s",
        "appraisal_ratio",
        "worker_peak_rss_mb",
    ):
        summary.setdefault(key, None)  # not measured (or failed): null, never a flattering number
    summary["goals_met"] = {
        key: summary[key] is not None and summary[key] <= goal for key, goal in GOALS.items() if key in summary
    }
    summary["failures"] = failures
    summary["seconds"] = round(time.monotonic() - STARTED)
    emit("summary", **summary)
    return 1 if failures else 0


HOST = ""

if __name__ == "__main__":
    sys.exit(main())
