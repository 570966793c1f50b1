"""The generated province (issue 7): a PostgreSQL database filled at S × a province's size.

    .venv/bin/python bench/generate.py --scale S [--seed N] [--database postgres://…/bankops_bench]

It DROPs and re-CREATEs the database, runs `migrate`, then fills it at S × FULL_SIZE:
- one province, 17 city branches, about 680 units (sub-branches, outlets, wealth and VIP
  centres; never fewer than MIN_UNITS), as treebeard materialised-path rows, with the
  departments of rules O2/O3 and the leadership groups of rule O4;
- 15,000 employees, 3,000 of them customer managers, in the role groups of their post, all with
  the one password PASSWORD (hashed once), and the two persona logins of bench/common.py;
- 200,000 corporate and 2,000,000 individual clients, banking unevenly over the units;
- named lists at every level with their history (rule C2);
- twelve months of metrics, 2025-12 … 2026-11 (about 26 million rows at S = 1), generated in SQL,
  one partition a month (marketing.partitions);
- staffing (SPEC.md §3): the customer managers' certificates, AFP/CFP and training, and a
  relationship team for every corporate client and every MID, HIGH and PRIVATE individual (about
  940,000 assignments at S = 1), drawn to keep rules A1–A10 but for a share of BREACHES;
- the appraisal's inputs (SPEC.md §4): every customer manager's performance contract of each
  year the metrics touch (2025, 2026), a target per indicator drawn against their credited book
  so that completions come out about 0.6–1.4; a qualitative review per manager and quarter
  (about 3% missing); every employee's base pay of each year, the back office (TELLER, OTHER)
  paid less than the managers.

Everything enters by COPY or set-based SQL, never one ORM save per row. The same seed gives the
same data: Python draws from `random.Random` streams seeded by (seed, phase), SQL from
`hashint8extended(…, seed)`. Simple-history tables are not filled for the bulk rows.
"""

import argparse
import datetime
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bankops_bench"
FULL_SIZE = {"units": 680, "employees": 15_000, "managers": 3_000, "corporates": 200_000, "individuals": 2_000_000}
MIN_UNITS = 70  # 17 city branches need a sub-branch and an outlet each, whatever S
FIRST_MONTH, MONTH_COUNT = datetime.date(2025, 12, 1), 12
AS_OF = datetime.date(2026, 11, 30)  # the last day of the metrics: ages, hire dates and lists count from it
COPY_BLOCK = 20_000  # rows per write to a COPY
REPORT_DAY, ONE_DAY = AS_OF + datetime.timedelta(days=1), datetime.timedelta(days=1)  # the compliance report's day
# Staffing (SPEC.md §3). A manager's book is drawn up to FILL of their grade's capacity (rule A8)
# while a nearer manager has room. The shares of the breaches made on purpose: each of them
# (a person, a client, a team) breaks its rule with about this probability.
FILL = 0.9
BREACHES = {
    "S7 none": 0.008,  # a customer manager never certified (besides new hires not yet certified)
    "S7 lapsed": 0.012,  # … whose certificate lapsed before the report's day
    "S8 short": 0.02,  # a customer manager's year with fewer than ten days of training
    "S5 none": 0.03,  # a centre's marketing, wealth or lobby manager without AFP, CFP or recognised
    "A4 lapsed": 0.015,  # a VIP centre's manager whose AFP lapsed (their high-end clients' A4)
    "A5 lapsed": 0.03,  # a wealth centre's manager whose CFP lapsed (their private clients' A5)
    "A1/A2": 0.015,  # a client of ≥ 3 million a year led by a JUNIOR manager
    "A3": 0.01,  # a MID individual led by the sub-branch's own personal manager, not an outlet's
    "A4": 0.012,  # a HIGH individual left with their outlet's personal manager
    "A5": 0.02,  # a PRIVATE individual led from a VIP centre
    "A6": 0.02,  # a group head led locally while a subsidiary is led by the city branch's desk
    "A8": 0.015,  # a customer manager over their grade's capacity
    "A9": 0.012,  # each senior co-maintainer an individual's AUM calls for, missing
    "A10 split": 0.002,  # splits adding up to 90 or 110
    "A10 leads": 0.002,  # a second lead
    "hand-over": 0.03,  # not a breach: the lead changed once (history)
}
A1_FLOOR, A2_FLOOR = 10_000_000, 3_000_000  # rules A1, A2: annual contribution
A9_FLOORS = (1_000_000, 2_000_000, 5_000_000)  # rule A9: the deputy head, the head, a city officer
REQUIRED_DELAY = (-700, 20)  # days from the hire to the first issue of what the post requires
ADVISERS = ("MARKETING_MANAGER", "WEALTH_MANAGER", "LOBBY_MANAGER")  # rules S5, S6
QUALIFICATION_START = {  # kind: (issued from, days after the hire of the first issue)
    "CM_CERT": (datetime.date(2008, 1, 1), (0, 200)),  # (a post that requires it: REQUIRED_DELAY)
    "AFP": (datetime.date(2004, 1, 1), (365, 2900)),
    "CFP": (datetime.date(2006, 1, 1), (700, 3600)),
    "RECOGNISED": (datetime.date(2005, 1, 1), (365, 3600)),
}
CLIENT_COLUMNS = [
    "id",
    "client_no",
    "name",
    "kind",
    "industry",
    "has_loan",
    "real_estate",
    "institution",
    "import_export",
    "sme_chain",
    "potential",
    "responsible_override",
    "responsible_override_reason",
    "account_unit_id",
    "group_parent_id",
]


# --- the run ------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, required=True, help="S: 1 is a full province (2.2 million clients)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default 1)")
    parser.add_argument("--database", default=default_database(), help=f"PostgreSQL URL (default {DEFAULT_DATABASE})")
    parser.add_argument(
        "--appraisal-only",
        action="store_true",
        help="fill only the appraisal inputs (contracts, reviews, base pay) of a database generated before, "
        "replacing those it has; the same rows as a whole generation with that seed",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.appraisal_only:
        started = time.perf_counter()
        print(f"appraisal inputs for seed={args.seed} into {args.database}")
        with psycopg.connect(args.database) as conn:
            load_appraisal(conn, args.seed)
        print(f"done in {time.perf_counter() - started:.0f} s")
        return 0

    started = time.perf_counter()
    sizes = scaled_sizes(args.scale)
    print(f"generating S={args.scale:g} seed={args.seed} into {args.database}")
    print("  " + ", ".join(f"{key} {value:,}" for key, value in sizes.items()))

    with phase("database dropped, created, migrated"):
        recreate_database(args.database)
        os.environ["DATABASE_URL"] = args.database
        django_migrate()

    generator = Generator(args.seed, sizes)
    with psycopg.connect(args.database) as conn:
        with conn.cursor() as cur:
            # Sorts of index builds in memory; the profile temp table (2.2 million rows) in memory.
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("SET temp_buffers = '512MB'")
            cur.execute("SET synchronous_commit = off")
        with phase("org: units, departments") as done:
            generator.build_org()
            generator.load_org(conn)
            done(f"{len(generator.units):,} units, {len(generator.departments):,} departments")
        with phase("clients: drawn") as done:
            generator.build_clients()
            done(f"{generator.corporates:,} corporate, {generator.individuals:,} individual")
        with phase("clients: COPY (indexes and keys dropped)") as done:
            statements = generator.load_clients(conn)
            done(f"{generator.corporates + generator.individuals:,} rows, and as many profiles")
        with phase("clients: indexes and keys rebuilt") as done:
            generator.restore_clients(conn, statements)
            done(f"{len(statements)} indexes and constraints")
        with phase("named lists") as done:
            ended = generator.build_tiers()
            generator.load_tiers(conn)
            done(f"{len(generator.tiers):,} entries, {ended:,} ended")
        with phase("people, roles, leadership groups, personas") as done:
            generator.build_people()
            generator.load_people(conn)
            done(
                f"{len(generator.people):,} employees ({generator.managers:,} customer managers), "
                f"{generator.role_rows:,} role memberships, {len(generator.seats):,} seats"
            )
        generator.reset_sequences(conn)
        month_partitions(conn)
        load_metrics(conn, args.seed)
        with phase("vacuum analyze"):
            vacuum_analyze(conn)

    check_with_django()
    with phase("the registry's read model built (marketing.standing)"):
        build_read_model()
    with psycopg.connect(args.database) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        generator.load_staffing(conn)
    with psycopg.connect(args.database) as conn:
        load_appraisal(conn, args.seed)
    with psycopg.connect(args.database) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    print(f"done in {time.perf_counter() - started:.0f} s; database size {size}")
    print_personas(generator)


def default_database():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_DATABASE


def scaled_sizes(scale):
    sizes = {key: max(1, round(value * scale)) for key, value in FULL_SIZE.items()}
    sizes["units"] = max(MIN_UNITS, sizes["units"])
    return sizes


@contextmanager
def phase(label):
    """Time a phase and print it with what it wrote (`done(text)` says what)."""
    said = []
    start = time.perf_counter()
    yield said.append
    print(f"{label:<48} {time.perf_counter() - start:8.1f} s   {said[0] if said else ''}", flush=True)


def recreate_database(url):
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        # FORCE ends the sessions left on it (a benchmark server): the database is scratch.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_migrate():
    # bench/common sets Django up on DATABASE_URL, which main() has just pointed at our database.
    import common  # noqa: F401
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    connections.close_all()


def month_partitions(conn):
    """A partition for each month of metrics, as the metrics import makes one for a new month
    (marketing.partitions, migration marketing 0008)."""
    from marketing import partitions

    with conn.cursor() as cur:
        for month in months():
            partitions.create(cur, month)
    conn.commit()


def check_with_django():
    """The tree is what treebeard would have built (paths, depths, child counts)."""
    from accounts.models import Unit

    problems = Unit.objects.find_problems()
    if any(problems):
        raise SystemExit(f"the unit tree is broken: {problems}")


def build_read_model():
    """What the nightly rebuild does: every client's standing for today, so that the lists read it."""
    from accounts.actors import SYSTEM
    from marketing import standing

    if not standing.rebuild(actor=SYSTEM):
        raise SystemExit("the read model was written to while it was built")


def print_personas(generator):
    import common

    print(f"\npersona logins (password {common.PASSWORD}):")
    for username, label in ((common.ANALYST, "province analyst"), (common.OUTLET_MANAGER, "outlet head")):
        person = generator.persona[username]
        unit = person.unit
        sees = sum(
            count
            for unit_id, count in generator.unit_clients.items()
            if generator.units[unit_id - 1].path.startswith(unit.path)
        )
        roles = ", ".join(sorted(person.roles))
        print(f"  {username}  {label:<17} {person.name}  {unit.name} ({unit.code}; sees {sees:,} clients)  [{roles}]")


# --- the rows -----------------------------------------------------------------------------------


@dataclass(eq=False)
class UnitRow:
    id: int
    code: str
    name: str
    kind: str
    parent: "UnitRow | None"
    path: str
    depth: int
    city: "UnitRow | None" = None
    city_area: bool = False
    credit_authority: bool = False
    size: float = 1.0  # how much business it draws, relative to its kind
    place: str = ""  # the place name in its clients' company names
    district: bool = False  # a sub-branch of a city district (its outlets are city-area, rule S3)
    numchild: int = 0
    departments: dict = field(default_factory=dict)  # code → DepartmentRow
    children: list = field(default_factory=list)


@dataclass(eq=False)
class DepartmentRow:
    id: int
    unit: UnitRow
    code: str
    name: str
    parent: "DepartmentRow | None" = None


@dataclass(eq=False)
class Hire:
    """A post to fill: where, what, and what the person's draws lean on."""

    unit: UnitRow
    position: str
    department: str = ""
    manager_kind: str = ""
    ages: tuple = (23, 56)
    senior: bool = False
    vip_area: bool = False
    seat: str = ""  # a leadership-group role (rule O4)


@dataclass(eq=False)
class Person:
    id: int
    username: str
    name: str
    unit: UnitRow
    position: str
    department: "DepartmentRow | None"
    manager_kind: str
    grade: str
    credit_manager: bool
    vip_area: bool
    birth_date: datetime.date
    education: str
    title_level: str
    hired_on: datetime.date
    roles: set = field(default_factory=set)


def text(value):
    """A value in COPY's text format (the generated text holds no tab, newline or backslash)."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def copy_rows(cur, table, columns, rows):
    """COPY `rows` (tuples, or ready lines ending in a newline) into `table`; answer how many."""
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(statement) as copy:
        block = []
        for row in rows:
            block.append(row if isinstance(row, str) else "\t".join(map(text, row)) + "\n")
            if len(block) >= COPY_BLOCK:
                copy.write("".join(block))
                count += len(block)
                block.clear()
        if block:
            copy.write("".join(block))
            count += len(block)
    return count


def apportion(total, weights):
    """`total` split in integers in proportion to `weights` (largest remainders; ties by order)."""
    weight = sum(weights)
    if total <= 0 or weight <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight for w in weights]
    shares = [int(q) for q in quotas]
    for index in sorted(range(len(weights)), key=lambda i: shares[i] - quotas[i])[: total - sum(shares)]:
        shares[index] += 1
    return shares


def sub_branch_of(unit):
    """The sub-branch a unit is or lies under (None above the sub-branches)."""
    while unit is not None and unit.kind != "SUB_BRANCH":
        unit = unit.parent
    return unit


def outlets_of(sub):
    return [unit for unit in sub.children if unit.kind == "OUTLET"]


def centre_levels(unit, centres):
    """The centres that serve a client of `unit`, nearest first (rules A4, A5): its own, those of
    its sub-branch, of its city, then all of them."""
    sub = sub_branch_of(unit)
    return [
        [unit] if unit in centres else [],
        [centre for centre in centres if centre.parent is sub],
        [centre for centre in centres if centre.city is unit.city],
        centres,
    ]


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def months():
    year, month = FIRST_MONTH.year, FIRST_MONTH.month
    for _ in range(MONTH_COUNT):
        yield datetime.date(year, month, 1)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


class Generator:
    """Draws the province in Python (org, people, clients, lists) and COPYs it in."""

    def __init__(self, seed, sizes):
        self.seed = seed
        self.sizes = sizes
        self.units, self.departments, self.people, self.seats, self.tiers = [], [], [], [], []
        self.persona = {}
        self.unit_clients = {}

    def rng(self, stream):
        """A random stream of its own per phase: changing one phase's draws leaves the others."""
        return random.Random(f"{self.seed}:{stream}")

    # --- org (rules O1–O4) -----------------------------------------------------------------------

    def add_unit(self, code, name, kind, parent=None, **extra):
        from accounts.models import Unit

        depth = parent.depth + 1 if parent else 1
        if parent:
            parent.numchild += 1
        # treebeard's own path arithmetic: the parent's path, then the child's rank in steplen
        # characters of Unit.alphabet (0001, 0002, … for a root's children).
        path = Unit._get_path(parent.path if parent else None, depth, parent.numchild if parent else 1)
        unit = UnitRow(len(self.units) + 1, code, name, kind, parent, path, depth, **extra)
        unit.city = unit if kind == "CITY" else (parent.city if parent else None)
        if parent:
            parent.children.append(unit)
        self.units.append(unit)
        return unit

    def add_department(self, unit, code, name, parent=""):
        department = DepartmentRow(len(self.departments) + 1, unit, code, name, unit.departments.get(parent))
        unit.departments[code] = department
        self.departments.append(department)

    def build_org(self):
        from accounts.models import UnitKind
        from accounts.rules import MARKET_DEPARTMENT_CODE, PROVINCE_MARKETING_DEPARTMENTS
        from demo import org as demo

        rng = self.rng("org")
        target = self.sizes["units"]
        factor = target / FULL_SIZE["units"]
        province = self.add_unit(demo.PROVINCE_CODE, demo.PROVINCE_NAME, UnitKind.PROVINCE, place="安徽")
        for code, name in {**PROVINCE_MARKETING_DEPARTMENTS, **demo.PROVINCE_OTHER_DEPARTMENTS}.items():
            self.add_department(province, code, name)

        cities, subs = [], []
        for code, name, prefix, districts, counties in demo.CITIES:
            place = "合肥" if name.startswith(demo.PROVINCE_NAME) else name[: -len("分行")]
            city = self.add_unit(code, name, UnitKind.CITY, province, place=place, size=rng.lognormvariate(0, 0.3))
            for department, (department_name, parent) in demo.CITY_DEPARTMENTS.items():
                self.add_department(city, department, department_name, parent)
            districts, counties = districts.split(), counties.split()
            count = max(1, round((len(districts) + len(counties)) * factor))
            in_city = min(
                len(districts),
                max(1 if districts else 0, round(count * len(districts) / (len(districts) + len(counties)))),
            )
            places = [(district, True) for district in districts[:in_city]]
            places += [(county, False) for county in counties[: count - in_city]]
            places += [(f"新区{number}", True) for number in range(1, count - len(places) + 1)]  # S > 1
            for index, (spot, city_area) in enumerate(places, 1):
                sub = self.add_unit(
                    f"{code}{index:02d}",
                    f"{prefix}{spot}支行" if city_area else f"{spot}支行",
                    UnitKind.SUB_BRANCH,
                    city,
                    credit_authority=rng.random() < (0.9 if city_area else 0.7),
                    city_area=False,
                    place=place if city_area else spot[:-1] if len(spot) > 2 else spot,
                    size=city.size * rng.lognormvariate(0, 0.6) * (1.3 if city_area else 1.0),
                    district=city_area,
                )
                self.add_department(sub, MARKET_DEPARTMENT_CODE, "市场部")  # rule O3: every sub-branch
                subs.append(sub)
            cities.append(city)

        # Centres (rule O1 lets them hang under a city branch or a sub-branch): under sub-branches
        # here, so that a centre's clients have a sub-branch whose head and deputy head join the
        # teams of the largest of them (rule A9 looks for them above the client's unit). Wealth
        # centres at the first (city-district) sub-branch of the largest cities; VIP centres at
        # every city's first sub-branch, then at the second ones, and so on.
        wealth = 3 if target >= FULL_SIZE["units"] / 2 else 1
        vips = max(2, round(27 * factor))
        by_size = sorted(cities, key=lambda city: (-len(city.children), city.id))
        for city in by_size[:wealth]:
            self.add_unit(
                f"{city.code}WEALTH",
                f"{city.name}财富管理中心",
                UnitKind.WEALTH_CENTRE,
                city.children[0],
                place=city.place,
                size=rng.lognormvariate(0, 0.3),
            )
        hosts = [
            city.children[rank]
            for rank in range(max(len(city.children) for city in cities))
            for city in by_size
            if rank < len(city.children)
        ]
        numbers = defaultdict(int)
        for host in hosts[:vips]:
            numbers[host.city.code] += 1
            self.add_unit(
                f"{host.city.code}VIP{numbers[host.city.code]}",
                f"{host.name}贵宾理财中心",
                UnitKind.VIP_CENTRE,
                host,
                place=host.place,
                size=rng.lognormvariate(0, 0.3),
            )

        # Outlets: one business hall (营业室) per sub-branch, the rest by the sub-branch's size.
        outlets = max(len(subs), target - len(self.units))
        extra = apportion(outlets - len(subs), [sub.size for sub in subs])
        for sub, more in zip(subs, extra, strict=True):
            short = sub.name[: -len("支行")]
            short = short[len(sub.city.place) :] if sub.district and short.startswith(sub.city.place) else short
            short = short if len(short) <= 2 or sub.district else short[:-1]
            spots = rng.sample(demo.OUTLET_PLACES, more) if more <= len(demo.OUTLET_PLACES) else None
            for number in range(1, more + 2):
                if number == 1:
                    name = f"{sub.name}营业室"
                elif spots:
                    name = f"{short}{spots[number - 2]}{rng.choice(demo.OUTLET_SUFFIXES)}"
                else:
                    name = f"{short}第{number - 1}{rng.choice(demo.OUTLET_SUFFIXES)}"
                self.add_unit(
                    f"{sub.code}{number:02d}",
                    name,
                    UnitKind.OUTLET,
                    sub,
                    city_area=sub.district,  # rule S3
                    place=sub.place,
                    size=rng.lognormvariate(0, 0.7) * (1.6 if number == 1 else 1.0),
                )

    def load_org(self, conn):
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "accounts_unit",
                ["id", "path", "depth", "numchild", "code", "name", "kind", "city_area", "credit_authority"],
                (
                    (u.id, u.path, u.depth, u.numchild, u.code, u.name, u.kind, u.city_area, u.credit_authority)
                    for u in self.units
                ),
            )
            copy_rows(
                cur,
                "accounts_department",
                ["id", "unit_id", "code", "name", "parent_id"],
                ((d.id, d.unit.id, d.code, d.name, d.parent.id if d.parent else None) for d in self.departments),
            )
        conn.commit()

    def of_kind(self, *kinds):
        return [unit for unit in self.units if unit.kind in kinds]

    # --- clients (rule C1) -----------------------------------------------------------------------

    def build_clients(self):
        """Corporates and individuals: the client rows as COPY lines, and each client's profile
        (its size and the months it banks) for the metrics. Ids: corporates first."""
        from demo import clients as demo_clients
        from demo import org as demo

        rng = self.rng("clients")
        self.corporates, self.individuals = self.sizes["corporates"], self.sizes["individuals"]
        count = defaultdict(int)
        # Clients per unit by the kind of manager they call for (rules A1–A5): plan_staff puts
        # the customer managers where their clients are.
        self.demand = defaultdict(Counter)
        self.client_lines = []
        self.corporate_rows = []  # (id, unit, size) for the named lists

        # --- corporates: at sub-branches and outlets, halls and city-area outlets drawing more.
        places = self.of_kind("SUB_BRANCH", "OUTLET")
        weights = [
            unit.size * (2.5 if unit.kind == "SUB_BRANCH" else 1.2 if unit.city_area else 0.8) for unit in places
        ]
        n = self.corporates
        units = rng.choices(places, weights, k=n)
        categories = rng.choices(
            ["general", "institution", "real_estate", "import_export", "sme_chain"], [80, 2, 3, 5, 10], k=n
        )
        loan_share = {"general": 0.38, "institution": 0.05, "real_estate": 0.8, "import_export": 0.45, "sme_chain": 0.6}
        factor = {"general": 1.0, "institution": 2.5, "real_estate": 1.5, "import_export": 1.0, "sme_chain": 0.4}
        sizes = [math.exp(rng.gauss(math.log(4_000_000), 1.6)) * factor[category] for category in categories]
        loans = [rng.random() < loan_share[category] for category in categories]
        industries = [
            rng.choices(demo_clients.INDUSTRIES, [entry[1] for entry in demo_clients.INDUSTRIES])[0] for _ in range(n)
        ]

        # Groups (rule A6): heads among the larger general firms, each with 2–6 subsidiaries
        # (about 2% of the corporates) drawn from the other general firms, banking anywhere.
        general = [index for index in range(n) if categories[index] == "general"]
        large = sorted(general, key=lambda index: (-sizes[index], index))[: max(1, len(general) // 10)]
        heads = sorted(rng.sample(large, max(1, round(n * 0.005))))
        parent = {}
        head_set = set(heads)
        pool = [index for index in general if index not in head_set]
        rng.shuffle(pool)
        for head in heads:
            sizes[head] *= 3
            for _ in range(rng.randint(2, 6)):
                if pool:
                    parent[pool.pop()] = head
        brands = [None] * n
        for head in heads:
            brands[head] = "".join(rng.sample(demo_clients.BRAND_CHARACTERS, 2))

        for index in range(n):
            unit, category = units[index], categories[index]
            industry, _weight, words = industries[index]
            head = parent.get(index)
            if category == "institution":
                industry, patterns = rng.choice(demo_clients.INSTITUTIONS)
                name = rng.choice(patterns.split()).format(place=unit.place)
            elif brands[index]:  # a group head
                name = f"安徽{brands[index]}集团有限公司"
            else:
                if category == "real_estate":
                    industry, words = demo_clients.REAL_ESTATE
                elif category == "import_export":
                    words += " 进出口 国际贸易"
                if industry == demo_clients.MANUFACTURING and unit.city.code in demo_clients.CITY_TRADES:
                    if rng.random() < 0.3:
                        words = demo_clients.CITY_TRADES[unit.city.code]
                brand = brands[head] if head is not None else "".join(rng.sample(demo_clients.BRAND_CHARACTERS, 2))
                form = "有限公司" if head is not None else rng.choice(demo_clients.FORMS)
                name = f"{unit.place}{brand}{rng.choice(words.split())}{form}"
            client_id = index + 1
            group = head + 1 if head is not None else None
            self.client_lines.append(
                f"{client_id}\tC{client_id:08d}\t{name}\tCORPORATE\t{industry}\t{text(loans[index])}\t"
                f"{text(category == 'real_estate')}\t{text(category == 'institution')}\t"
                f"{text(category == 'import_export')}\t{text(category == 'sme_chain')}\tf\t\t\t{unit.id}\t"
                f"{text(group)}\n"
            )
            count[unit.id] += 1
            self.demand[unit.id]["CORPORATE"] += 1
            self.corporate_rows.append((client_id, unit, sizes[index]))
        self.profile_sizes = sizes
        self.profile_loans = loans

        # --- individuals: by AUM band on the last month (rule C4's default bands; the 1–8 million
        # bands of rule A9), banking where their band banks.
        bands = [  # (low, high, share); the rest are ordinary
            (8_000_000, 60_000_000, 0.001),  # PRIVATE
            (5_000_000, 8_000_000, 0.0018),  # HIGH, A9: a city-branch officer takes part
            (2_000_000, 5_000_000, 0.0049),  # HIGH, A9: the sub-branch head
            (1_000_000, 2_000_000, 0.0133),  # HIGH, A9: the deputy head
            (200_000, 1_000_000, 0.15),  # MID
        ]
        where = {  # band → {unit kind: weight}, shared among the units of the kind by their size
            "PRIVATE": {"WEALTH_CENTRE": 6, "VIP_CENTRE": 3, "OUTLET": 1},
            "HIGH": {"WEALTH_CENTRE": 1, "VIP_CENTRE": 5, "OUTLET": 4},
            "MID": {"VIP_CENTRE": 2, "OUTLET": 8},
            "ORDINARY": {"VIP_CENTRE": 0.3, "OUTLET": 9.4, "SUB_BRANCH": 0.3},
        }
        m = self.individuals
        band_of = rng.choices(
            range(len(bands) + 1), [share for _, _, share in bands] + [1 - sum(b[2] for b in bands)], k=m
        )
        segment_of = ["PRIVATE", "HIGH", "HIGH", "HIGH", "MID", "ORDINARY"]
        tables = {}
        for segment, kinds in where.items():
            units_, weights_ = [], []
            for kind, weight in kinds.items():
                members = self.of_kind(kind)
                total = sum(unit.size for unit in members)
                units_ += members
                weights_ += [weight * unit.size / total for unit in members]
            tables[segment] = (units_, weights_)
        homes = [None] * m
        by_segment = defaultdict(list)
        for index, band in enumerate(band_of):
            by_segment[segment_of[band]].append(index)
        for segment, indexes in sorted(by_segment.items()):
            units_, weights_ = tables[segment]
            for index, unit in zip(indexes, rng.choices(units_, weights_, k=len(indexes)), strict=True):
                homes[index] = unit
                self.demand[unit.id][segment] += 1

        surnames = rng.choices(demo.SURNAMES, demo.SURNAME_WEIGHTS, k=m)
        female = demo.GIVEN_FEMALE.split() + demo.GIVEN_COMMON.split()
        male = demo.GIVEN_MALE.split() + demo.GIVEN_COMMON.split()
        log_median, sigma = math.log(25_000), 1.3
        random_, gauss, uniform, choice = rng.random, rng.gauss, rng.uniform, rng.choice
        self.individual_aums = aums = [0.0] * m
        for index in range(m):
            band = band_of[index]
            if band == len(bands):  # ordinary: lognormal, under the MID line
                aum = math.exp(gauss(log_median, sigma))
                while aum >= 195_000:
                    aum = math.exp(gauss(log_median, sigma))
                potential = random_() < 0.06  # rule C4: about 5% of the individuals
            else:
                low, high, _share = bands[band]
                aum = math.exp(uniform(math.log(low), math.log(high)))
                potential = False
            aums[index] = aum
            pool = female if random_() < 0.5 else male
            name = surnames[index] + choice(pool) + (choice(pool) if random_() < 0.7 else "")
            client_id = n + index + 1
            unit = homes[index]
            count[unit.id] += 1
            self.client_lines.append(
                f"{client_id}\tP{index + 1:08d}\t{name}\tINDIVIDUAL\t\tf\tf\tf\tf\tf\t{text(potential)}\t\t\t{unit.id}\t\\N\n"
            )
        self.unit_clients = dict(count)

        # --- the months each client banks: ~0.7% opened during the year, ~0.3% closed in it.
        spans = []
        for _ in range(n + m):
            draw = random_()
            if draw < 0.007:
                spans.append((rng.randint(1, MONTH_COUNT - 1), MONTH_COUNT - 1))
            elif draw < 0.01:
                spans.append((0, rng.randint(0, MONTH_COUNT - 2)))
            else:
                spans.append((0, MONTH_COUNT - 1))
        self.spans = spans

    def load_clients(self, conn):
        """COPY the clients with their indexes and keys dropped; answer the statements that
        rebuild them. The clients' profiles go to a temp table of this session, for load_metrics."""
        with conn.cursor() as cur:
            autovacuum(cur, "marketing_client", enabled=False)
            statements = detach(cur, ["marketing_client"])
            copy_rows(cur, "marketing_client", CLIENT_COLUMNS, self.client_lines)
            cur.execute(
                "CREATE TEMP TABLE bench_profile (client_id bigint, corporate boolean, has_loan boolean,"
                " base float8, first_m smallint, last_m smallint)"
            )
            n = self.corporates

            def profiles():
                for index, (first, last) in enumerate(self.spans):
                    if index < n:
                        base, corporate, loan = self.profile_sizes[index], "t", text(self.profile_loans[index])
                    else:
                        base, corporate, loan = self.individual_aums[index - n], "f", "f"
                    yield f"{index + 1}\t{corporate}\t{loan}\t{base:.2f}\t{first}\t{last}\n"

            copy_rows(
                cur, "bench_profile", ["client_id", "corporate", "has_loan", "base", "first_m", "last_m"], profiles()
            )
        conn.commit()
        self.client_lines = None
        return statements

    def restore_clients(self, conn, statements):
        with conn.cursor() as cur:
            restore(cur, statements)
            autovacuum(cur, "marketing_client", enabled=True)
        conn.commit()

    # --- named lists (rules C2, C7) --------------------------------------------------------------

    def build_tiers(self):
        """HEAD_OFFICE (~0.3% of the corporates) and PROVINCE (~2%) lists owned by the province,
        CITY lists (~5% of each city's corporates) owned by the city branch; the largest clients
        on them. Histories as the demo's: an entry ends at a review (the client moved a tier up
        or down, or left the list for a year) and a new one starts; a few clients were listed once
        and left. Never two entries of one list at once. Answers how many entries ended."""
        from demo import clients as demo_clients
        from marketing.models import Tier

        rng = self.rng("tiers")
        province = self.units[0]
        reviews = [datetime.date(year, 4, 1) for year in range(2022, 2027)]  # rule C11: lists from 04-01
        in_year = [datetime.date(year, month, 1) for year in (2024, 2025, 2026) for month in (7, 10)]
        modes = [mode for mode, _ in demo_clients.MARKETING_MODES]
        mode_weights = [weight for _, weight in demo_clients.MARKETING_MODES]
        reasons, promoted, demoted = demo_clients.REASONS, demo_clients.PROMOTED, demo_clients.DEMOTED
        ended_because = {
            ("up", Tier.PROVINCE): "综合贡献度提升:转入总行级名单",
            ("up", Tier.CITY): "综合贡献度提升:调升至省行级名单",
            ("down", Tier.HEAD_OFFICE): "总行名单调整:调整至省行级名单",
            ("down", Tier.PROVINCE): "业务规模下降:调整至二级分行级名单",
            ("off", Tier.CITY): "年度名单评审:未列入当年名单",
            ("dropped", Tier.CITY): "业务规模下降:调出二级分行级名单",
        }

        def early(before=None):
            return rng.choice([day for day in reviews if day < before] if before else reviews[:3])

        def change_day():
            return rng.choice(reviews[1:]) if rng.random() < 0.75 else rng.choice(in_year)

        def entries(client, unit, periods):
            for tier, start, until, reason, end_reason in periods:
                upper = tier in (Tier.HEAD_OFFICE, Tier.PROVINCE)
                self.tiers.append(
                    (
                        len(self.tiers) + 1,
                        str(tier),
                        start,
                        until - datetime.timedelta(days=1) if until else None,  # valid_to is inclusive
                        reason,
                        rng.choices(modes, mode_weights)[0] if upper else "",  # rule C7
                        None,
                        client,
                        province.id if upper else unit.city.id,
                        end_reason if until else "",
                    )
                )

        full_year = [
            (cid, unit, size) for cid, unit, size in self.corporate_rows if self.spans[cid - 1] == (0, MONTH_COUNT - 1)
        ]
        ranked = sorted(full_year, key=lambda row: (-row[2], row[0]))
        n = self.corporates
        head_office = ranked[: max(1, round(n * 0.003))]
        province_list = ranked[len(head_office) : len(head_office) + max(1, round(n * 0.02))]
        upper = {row[0] for row in head_office + province_list}
        by_city = defaultdict(list)
        for row in ranked:
            if row[0] not in upper:
                by_city[row[1].city.id].append(row)
        city_list, dropped = [], []
        city_counts = defaultdict(int)
        for _cid, unit, _size in self.corporate_rows:
            city_counts[unit.city.id] += 1
        for city_id in sorted(by_city):
            rows = by_city[city_id]
            listed = max(1, round(city_counts[city_id] * 0.05))
            city_list += rows[:listed]
            dropped += rows[listed : listed + max(1, listed // 14)]  # just under the cut: listed once

        for cid, unit, _size in head_office:
            if rng.random() < 0.85:
                entries(cid, unit, [(Tier.HEAD_OFFICE, early(), None, reasons[Tier.HEAD_OFFICE], "")])
            else:
                change = rng.choice(reviews[2:])
                entries(
                    cid,
                    unit,
                    [
                        (
                            Tier.PROVINCE,
                            early(change),
                            change,
                            reasons[Tier.PROVINCE],
                            ended_because["up", Tier.PROVINCE],
                        ),
                        (Tier.HEAD_OFFICE, change, None, promoted[Tier.HEAD_OFFICE], ""),
                    ],
                )
        for cid, unit, _size in province_list:
            history = rng.choices(["always", "new", "promoted", "demoted"], [72, 12, 12, 4])[0]
            if history == "always":
                entries(cid, unit, [(Tier.PROVINCE, early(), None, reasons[Tier.PROVINCE], "")])
            elif history == "new":
                entries(cid, unit, [(Tier.PROVINCE, change_day(), None, reasons[Tier.PROVINCE], "")])
            else:
                change = change_day()
                before = Tier.CITY if history == "promoted" else Tier.HEAD_OFFICE
                why = ended_because["up" if history == "promoted" else "down", before]
                entries(
                    cid,
                    unit,
                    [
                        (before, early(change), change, reasons[before], why),
                        (
                            Tier.PROVINCE,
                            change,
                            None,
                            (promoted if history == "promoted" else demoted)[Tier.PROVINCE],
                            "",
                        ),
                    ],
                )
        for cid, unit, _size in city_list:
            history = rng.choices(["always", "new", "demoted", "relisted"], [74, 14, 6, 6])[0]
            if history == "always":
                entries(cid, unit, [(Tier.CITY, early(), None, reasons[Tier.CITY], "")])
            elif history == "new":
                entries(cid, unit, [(Tier.CITY, change_day(), None, promoted[Tier.CITY], "")])
            elif history == "demoted":
                change = change_day()
                entries(
                    cid,
                    unit,
                    [
                        (
                            Tier.PROVINCE,
                            early(change),
                            change,
                            reasons[Tier.PROVINCE],
                            ended_because["down", Tier.PROVINCE],
                        ),
                        (Tier.CITY, change, None, demoted[Tier.CITY], ""),
                    ],
                )
            else:  # off the list for a year, then on it again: a new entry of the same list
                off = rng.choice(reviews[1:4])
                back = reviews[reviews.index(off) + 1]
                entries(
                    cid,
                    unit,
                    [
                        (Tier.CITY, reviews[0], off, reasons[Tier.CITY], ended_because["off", Tier.CITY]),
                        (Tier.CITY, back, None, reasons[Tier.CITY], ""),
                    ],
                )
        for cid, unit, _size in dropped:
            end = rng.choice(reviews[1:])
            entries(cid, unit, [(Tier.CITY, early(end), end, reasons[Tier.CITY], ended_because["dropped", Tier.CITY])])
        self.corporate_rows = None
        return sum(row[3] is not None for row in self.tiers)

    def load_tiers(self, conn):
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "marketing_tierentry",
                [
                    "id",
                    "tier",
                    "valid_from",
                    "valid_to",
                    "reason",
                    "marketing_mode",
                    "added_by_id",
                    "client_id",
                    "owner_unit_id",
                    "end_reason",
                ],
                self.tiers,
            )
        conn.commit()

    # --- people (rules O4, O5; the team-structure figures of §3) ---------------------------------

    def plan_staff(self, rng):
        """The posts to fill: first what every unit has (heads, department heads, a lobby, the
        centres' rosters of rules S5/S6), then customer managers and other staff by unit size
        until there are `employees` people, `managers` of them customer managers."""
        from accounts.models import ManagerKind, Position
        from accounts.rules import MARKET_DEPARTMENT_CODE, PROVINCE_MARKETING_DEPARTMENTS
        from demo import org as demo

        corporate, personal = ManagerKind.CORPORATE, ManagerKind.PERSONAL
        posts = []

        def post(unit, position, department="", manager_kind="", **extra):
            posts.append(Hire(unit, position, department, manager_kind, **extra))

        def leaders(unit, deputies):
            post(unit, Position.HEAD, ages=(42, 56), seat="LEADER")
            for _ in range(deputies):
                post(unit, Position.DEPUTY_HEAD, ages=(36, 54), seat="DEPUTY")

        province = self.units[0]
        leaders(province, 4 if self.sizes["units"] >= FULL_SIZE["units"] / 2 else 2)
        for code in province.departments:
            seat = "MEMBER" if code in PROVINCE_MARKETING_DEPARTMENTS else ""
            post(province, Position.OTHER, code, ages=(36, 55), seat=seat)
        post(province, Position.OTHER, "CORP1", ages=(28, 40))  # the analyst persona's desk
        for city in self.of_kind("CITY"):
            leaders(city, rng.randint(2, 4))
            for code in city.departments:
                post(
                    city,
                    Position.OTHER,
                    code,
                    ages=(36, 55),
                    seat="MEMBER" if code in demo.CITY_MARKETING_DEPARTMENTS else "",
                )
        outlets = self.of_kind("OUTLET")
        for unit in self.units:
            if unit.kind == "SUB_BRANCH":
                post(unit, Position.HEAD, ages=(40, 56))
                for _ in range(rng.randint(1, 2)):
                    post(unit, Position.DEPUTY_HEAD, ages=(35, 54))
                post(unit, Position.ASSISTANT, MARKET_DEPARTMENT_CODE, ages=(22, 35))
            elif unit.kind == "OUTLET":
                post(unit, Position.HEAD if rng.random() < 0.75 else Position.DEPUTY_HEAD, ages=(32, 55))
                if rng.random() < 0.96:  # a few outlets lack their lobby manager (rule S4 has work)
                    post(unit, Position.LOBBY_MANAGER, ages=(24, 45))
                for _ in range(2):
                    post(unit, Position.TELLER, ages=(22, 50))
            elif unit.kind == "VIP_CENTRE":  # rule S6: ≥ 15 staff, ≥ 2 marketing and 2 wealth managers
                post(unit, Position.HEAD, ages=(35, 52))
                roster = [Position.MARKETING_MANAGER] * 2 + [Position.WEALTH_MANAGER] * 2 + [Position.LOBBY_MANAGER]
                roster += [Position.TELLER] * 7
                for position in roster:
                    # The exclusive area's marketing and wealth managers (rule S6): almost always there.
                    in_area = 0.92 if position in (Position.MARKETING_MANAGER, Position.WEALTH_MANAGER) else 0.6
                    post(unit, position, ages=(24, 48), vip_area=position != Position.TELLER and rng.random() < in_area)
            elif unit.kind == "WEALTH_CENTRE":  # rule S5: marketing + wealth + lobby ≥ 8
                post(unit, Position.HEAD, ages=(38, 52))
                roster = [Position.MARKETING_MANAGER] * 3 + [Position.WEALTH_MANAGER] * 4 + [Position.LOBBY_MANAGER]
                for position in roster:
                    post(unit, position, ages=(26, 48))

        # Customer managers where their clients are (rules A1–A5, A8). The province's and the city
        # branches' corporate desks are a fixed share (groups' heads, the largest clients); every
        # sub-branch's market department has a corporate manager, every outlet a personal one, a
        # VIP centre three, a wealth centre two; the rest go by the clients each will lead:
        # corporates at their sub-branch, mid-range individuals at their outlet (those banking at
        # a centre at its sub-branch's outlets), high-end ones at the nearest VIP centre and
        # private-banking ones at the nearest wealth centre (centre_levels), so that their books
        # come out alike, within their grade's capacity. Half the sub-branches have a personal
        # manager in their market department besides.
        managers = self.sizes["managers"]
        province_n, city_n = max(1, round(managers * 0.01)), round(managers * 0.04)
        cities, subs = self.of_kind("CITY"), self.of_kind("SUB_BRANCH")
        vips, wealths = self.of_kind("VIP_CENTRE"), self.of_kind("WEALTH_CENTRE")
        sub_personal = {sub: rng.random() < 0.5 for sub in subs}
        demand = defaultdict(float)  # unit → the clients its customer managers will lead

        def share(amount, units):
            total = sum(unit.size for unit in units)
            for unit in units:
                demand[unit] += amount * unit.size / total

        for unit in self.units:
            wants = self.demand.get(unit.id)
            if not wants:
                continue
            sub = sub_branch_of(unit)
            demand[sub] += wants["CORPORATE"]
            if wants["MID"]:
                share(wants["MID"], [unit] if unit.kind == "OUTLET" else outlets_of(sub))
            for segment, centres in (("HIGH", vips), ("PRIVATE", wealths)):
                if wants[segment] and centres:
                    share(wants[segment], next(level for level in centre_levels(unit, centres) if level))
        minimum = {
            unit: {"OUTLET": 1, "VIP_CENTRE": 3, "WEALTH_CENTRE": 2, "SUB_BRANCH": 1}[unit.kind]
            for unit in subs + outlets + vips + wealths
        }
        led_by_others = managers - province_n - city_n - sum(sub_personal.values())
        per_manager = sum(demand.values()) / max(1, led_by_others)
        extra = apportion(
            led_by_others - sum(minimum.values()),
            [max(0.0, demand[unit] - count * per_manager) for unit, count in minimum.items()],
        )
        counts = {unit: count + more for (unit, count), more in zip(minimum.items(), extra, strict=True)}
        province_desks = ["CORP1", "CORP2", "SME", "INSTITUTION", "INTERNATIONAL"]
        city_desks = ["CORP", "CORP", "KEY_ACCOUNT", "SME", "INSTITUTION", "INTERNATIONAL"]
        for _ in range(province_n):
            post(province, Position.CUSTOMER_MANAGER, rng.choice(province_desks), corporate, ages=(32, 55), senior=True)
        corporates_of = defaultdict(int)
        for sub in subs:
            corporates_of[sub.city] += demand[sub]
        for city, count in zip(cities, apportion(city_n, [corporates_of[city] for city in cities]), strict=True):
            for _ in range(count):
                desk = rng.choice(city_desks)
                post(city, Position.CUSTOMER_MANAGER, desk, corporate, senior=desk == "KEY_ACCOUNT")
        for unit, count in counts.items():
            for _ in range(count):
                if unit.kind == "SUB_BRANCH":
                    post(unit, Position.CUSTOMER_MANAGER, MARKET_DEPARTMENT_CODE, corporate)
                elif unit.kind == "OUTLET":
                    post(unit, Position.CUSTOMER_MANAGER, "", personal, ages=(24, 52))
                elif unit.kind == "VIP_CENTRE":
                    post(unit, Position.CUSTOMER_MANAGER, "", personal, ages=(24, 48), vip_area=rng.random() < 0.6)
                else:
                    post(unit, Position.CUSTOMER_MANAGER, "", personal, ages=(30, 50), senior=True)
            if unit.kind == "SUB_BRANCH" and sub_personal[unit]:
                post(unit, Position.CUSTOMER_MANAGER, MARKET_DEPARTMENT_CODE, personal)
            if unit.kind != "SUB_BRANCH":  # an assistant per five managers, mostly (rule S9)
                for _ in range(count // 5):
                    if rng.random() < 0.9:
                        post(unit, Position.ASSISTANT, ages=(22, 35))

        # Everyone else, by level and unit size.
        others = max(0, self.sizes["employees"] - len(posts))
        levels = [
            ([province], 0.015),
            (self.of_kind("CITY"), 0.14),
            (self.of_kind("SUB_BRANCH"), 0.25),
            (outlets, 0.57),
            (self.of_kind("VIP_CENTRE", "WEALTH_CENTRE"), 0.025),
        ]
        shares = apportion(others, [share for _, share in levels])
        outlet_posts = [
            Position.TELLER,
            Position.MARKETING_MANAGER,
            Position.WEALTH_MANAGER,
            Position.OTHER,
            Position.LOBBY_MANAGER,
        ]
        for (units, _share), total in zip(levels, shares, strict=True):
            if not units:
                continue
            for unit, count in zip(units, apportion(total, [unit.size for unit in units]), strict=True):
                for _ in range(count):
                    if unit.kind in ("PROVINCE", "CITY"):
                        codes = list(unit.departments)
                        post(unit, Position.OTHER, rng.choice(codes))
                    elif unit.kind == "SUB_BRANCH":
                        draw = rng.random()
                        if draw < 0.2:
                            post(unit, Position.ASSISTANT, MARKET_DEPARTMENT_CODE, ages=(22, 35))
                        else:
                            post(unit, Position.OTHER, MARKET_DEPARTMENT_CODE if draw < 0.6 else "")
                    elif unit.kind == "OUTLET":
                        position = rng.choices(outlet_posts, [72, 8, 7, 10, 3])[0]
                        post(unit, position, ages=(22, 50) if position == Position.TELLER else (24, 50))
                    else:
                        position = rng.choice(
                            [Position.TELLER, Position.TELLER, Position.WEALTH_MANAGER, Position.MARKETING_MANAGER]
                        )
                        post(unit, position, ages=(24, 48), vip_area=position != Position.TELLER and rng.random() < 0.6)
        return posts

    def build_people(self):
        """People for the posts (draws as the demo's: ages, education, titles, grades), their
        roles, leadership seats; and the two persona logins of bench/common.py."""
        import common

        from accounts.models import Education, Grade, ManagerKind, Position, TitleLevel
        from accounts.rules import derived_roles
        from demo import org as demo

        rng = self.rng("people")
        posts = self.plan_staff(rng)

        # Personas: a province analyst (as the demo's E000007: CORP1 staff at the province), and
        # the head of an outlet with the median number of clients among outlets.
        analyst = next(
            i
            for i, hire in enumerate(posts)
            if hire.unit.kind == "PROVINCE" and hire.department == "CORP1" and not hire.seat
        )
        outlets = sorted(self.of_kind("OUTLET"), key=lambda unit: (self.unit_clients.get(unit.id, 0), unit.code))
        typical = outlets[len(outlets) // 2]
        head = next(
            i
            for i, hire in enumerate(posts)
            if hire.unit is typical and hire.position in (Position.HEAD, Position.DEPUTY_HEAD)
        )
        posts[head].position = Position.HEAD
        usernames = {analyst: common.ANALYST, head: common.OUTLET_MANAGER}

        given_female = demo.GIVEN_FEMALE.split() + demo.GIVEN_COMMON.split()
        given_male = demo.GIVEN_MALE.split() + demo.GIVEN_COMMON.split()
        start_age = {Education.BELOW_BACHELOR: 19, Education.BACHELOR: 22, Education.MASTER: 25, Education.DOCTOR: 28}
        latest_hire = AS_OF - datetime.timedelta(days=30)
        self.managers = 0
        for index, hire in enumerate(posts):
            age = rng.randint(*hire.ages)
            birth = datetime.date(AS_OF.year - age, 1, 1) - datetime.timedelta(days=rng.randrange(365))
            doctors = 2 if hire.unit.kind in ("PROVINCE", "CITY") else 0
            education = rng.choices(
                [Education.BELOW_BACHELOR, Education.BACHELOR, Education.MASTER, Education.DOCTOR],
                [8, 70, 20, doctors] if age < 40 else [30, 58, 11, doctors / 2],
            )[0]
            years = start_age[education] + rng.random() * 4
            hired_on = min(birth + datetime.timedelta(days=round(years * 365.25)), latest_hire)
            title = rng.choices(
                [TitleLevel.NONE, TitleLevel.JUNIOR, TitleLevel.MID, TitleLevel.SENIOR],
                [60, 40, 0, 0] if age < 28 else [25, 50, 25, 0] if age < 38 else [15, 30, 45, 10],
            )[0]
            grade, credit = "", False
            if hire.position == Position.CUSTOMER_MANAGER:
                self.managers += 1
                weights = [85, 15, 0, 0] if age < 28 else [10, 35, 40, 15] if hire.senior else [48, 32, 16, 4]
                grade = rng.choices([Grade.JUNIOR, Grade.INTERMEDIATE, Grade.SENIOR, Grade.PRINCIPAL], weights)[0]
                credit = rng.random() < (0.65 if hire.manager_kind == ManagerKind.CORPORATE else 0.1)
            female = rng.random() < demo.FEMALE_SHARE.get(hire.position, 0.5)
            pool = given_female if female else given_male
            surname = rng.choices(demo.SURNAMES, demo.SURNAME_WEIGHTS)[0]
            name = surname + "".join(rng.sample(pool, 2 if rng.random() < 0.75 else 1))
            person = Person(
                id=len(self.people) + 1,
                username=usernames.get(index, f"B{index + 1:06d}"),
                name=name,
                unit=hire.unit,
                position=str(hire.position),
                department=hire.unit.departments[hire.department] if hire.department else None,
                manager_kind=str(hire.manager_kind),
                grade=str(grade),
                credit_manager=credit,
                vip_area=hire.vip_area,
                birth_date=birth,
                education=str(education),
                title_level=str(title),
                hired_on=hired_on,
                roles=derived_roles(hire.position, hire.unit.kind),  # as the employees import gives them
            )
            self.people.append(person)
            if person.username in usernames.values():
                self.persona[person.username] = person
            if hire.seat:  # rule O4: leadership groups at the province and city branches
                self.seats.append((len(self.seats) + 1, hire.unit.id, person.id, hire.seat))
        self.password_rng = rng

    def load_people(self, conn):
        import common
        from django.contrib.auth.hashers import make_password
        from django.utils.crypto import RANDOM_STRING_CHARS

        # One hash for everyone (PBKDF2 at full strength costs ~0.5 s each). A salt drawn from
        # the seed keeps the data the same run after run, and long enough (22 characters, 128
        # bits) that Django does not re-hash it at the first login.
        salt = "".join(self.password_rng.choice(RANDOM_STRING_CHARS) for _ in range(22))
        password = make_password(common.PASSWORD, salt=salt)
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "accounts_user",
                [
                    "id",
                    "password",
                    "last_login",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                    "name",
                    "position",
                    "manager_kind",
                    "grade",
                    "credit_manager",
                    "vip_area",
                    "birth_date",
                    "education",
                    "title_level",
                    "hired_on",
                    "department_id",
                    "unit_id",
                ],
                (
                    (
                        p.id,
                        password,
                        None,
                        False,
                        p.username,
                        "",
                        "",
                        "",
                        False,
                        True,
                        f"{p.hired_on} 09:00:00+08",
                        p.name,
                        p.position,
                        p.manager_kind,
                        p.grade,
                        p.credit_manager,
                        p.vip_area,
                        p.birth_date,
                        p.education,
                        p.title_level,
                        p.hired_on,
                        p.department.id if p.department else None,
                        p.unit.id,
                    )
                    for p in self.people
                ),
            )
            cur.execute("SELECT name, id FROM auth_group")
            groups = dict(cur.fetchall())
            memberships = [(p.id, groups[role]) for p in self.people for role in sorted(p.roles)]
            self.role_rows = copy_rows(
                cur,
                "accounts_user_groups",
                ["id", "user_id", "group_id"],
                ((index, user, group) for index, (user, group) in enumerate(memberships, 1)),
            )
            copy_rows(cur, "accounts_leadershipmember", ["id", "unit_id", "member_id", "role"], self.seats)
        conn.commit()

    def reset_sequences(self, conn, tables=None):
        """The ids were given by COPY: the identity sequences go on from the largest."""
        tables = tables or [
            "accounts_unit",
            "accounts_department",
            "accounts_user",
            "accounts_user_groups",
            "accounts_leadershipmember",
            "marketing_client",
            "marketing_tierentry",
        ]
        with conn.cursor() as cur:
            for table in tables:
                cur.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM {}"
                    ).format(sql.Identifier(table)),
                    [table],
                )
        conn.commit()

    # --- staffing (SPEC.md §3: rules S5–S8, A1–A10) ----------------------------------------------

    def build_qualifications(self):
        """Qualifications as chains of issues and renewals (each valid for a few years, the next
        from the day after), the first some time after the person's hire: every customer
        manager's certificate (rule S7); AFP or CFP for the VIP and wealth centres' managers
        (A4, A5) and their marketing, wealth and lobby managers (S5, S6), a few with a head-office
        recognised one; some outlet staff AFP. A few never held one, a few let it lapse before the
        report's day (BREACHES)."""
        from accounts.models import ManagerKind, Position
        from staffing.models import QualificationKind as Q

        rng = self.rng("qualifications")
        rows = []

        def chain(person, kind, first, years, renewed=True):
            start = first
            while start <= REPORT_DAY:
                end = None if years is None else add_years(start, years) - ONE_DAY
                if not renewed and (end is None or end >= REPORT_DAY):
                    break  # the renewal that would have covered the report's day was not made
                rows.append((len(rows) + 1, start, end, kind, person.id))
                if end is None:
                    break
                start = end + ONE_DAY

        def first_issue(person, kind, required):
            """Some time after the hire (and after the qualification existed); about the hire
            when the post requires it. None: not yet."""
            earliest, delay = QUALIFICATION_START[kind]
            day = person.hired_on + datetime.timedelta(days=rng.randint(*(REQUIRED_DELAY if required else delay)))
            day = max(day, earliest + datetime.timedelta(days=rng.randrange(1500)))
            return day if day <= AS_OF else None

        def hold(person, kind, years, lapsed=False, required=True):
            first = first_issue(person, kind, required)
            if first is not None:
                chain(person, kind, first, years, renewed=not lapsed)

        share = BREACHES
        for person in self.people:
            kind, centre = person.position, person.unit.kind
            if kind == Position.CUSTOMER_MANAGER:
                draw = rng.random()
                if draw >= share["S7 none"]:
                    hold(person, Q.CM_CERT, 3, lapsed=draw < share["S7 none"] + share["S7 lapsed"])
            if kind == Position.CUSTOMER_MANAGER and centre == "VIP_CENTRE":
                draw = rng.random()
                if draw < share["A4 lapsed"]:
                    hold(person, Q.AFP, 2, lapsed=True)
                else:
                    hold(person, Q.CFP if draw > 0.92 else Q.AFP, 2)
            elif kind == Position.CUSTOMER_MANAGER and centre == "WEALTH_CENTRE":
                if rng.random() < 0.5:
                    hold(person, Q.AFP, 2)
                hold(person, Q.CFP, 2, lapsed=rng.random() < share["A5 lapsed"])
            elif centre in ("VIP_CENTRE", "WEALTH_CENTRE") and kind in ADVISERS:
                draw = rng.random()  # under share["S5 none"]: no qualification (rule S5 has work)
                if share["S5 none"] <= draw < 0.55:
                    hold(person, Q.AFP, 2)
                elif 0.55 <= draw < 0.8:
                    hold(person, Q.CFP, 2)
                elif draw >= 0.8:
                    hold(person, Q.RECOGNISED, None)
            elif centre == "OUTLET" and (
                kind == Position.WEALTH_MANAGER
                and rng.random() < 0.4
                or kind == Position.CUSTOMER_MANAGER
                and person.manager_kind == ManagerKind.PERSONAL
                and rng.random() < 0.15
            ):
                hold(person, Q.AFP, 2, required=False)
        self.qualifications = rows

    def build_training(self):
        """Training days of every customer manager in the last two complete years before the
        report (rule S8 checks the last): mostly two weeks or more, a few short."""
        from accounts.models import Position

        rng = self.rng("training")
        rows = []
        for person in self.people:
            if person.position != Position.CUSTOMER_MANAGER:
                continue
            for year in (REPORT_DAY.year - 2, REPORT_DAY.year - 1):
                if person.hired_on.year > year:
                    continue
                if rng.random() < BREACHES["S8 short"]:
                    days = rng.randint(2, 19) / 2
                else:
                    days = min(30.0, 10 + round(rng.expovariate(0.25) * 2) / 2)
                rows.append((len(rows) + 1, person.id, year, days))
        self.training = rows

    def build_teams(self, clients):
        """A relationship team (rules A1–A10) for every corporate client and every individual of
        segment MID, HIGH or PRIVATE in the read model (their standing on the report's day).

        `clients`: (id, kind, account unit id, group parent id, has loan, segment, AUM, annual
        contribution). Leads are drawn as the rules want them, nearest first, each manager's book
        kept under FILL of their grade's capacity (A8) while a nearer one has room: a group head's
        by the province's corporate desk (A6); a corporate's by its sub-branch's corporate
        managers, INTERMEDIATE or above from 3 million a year, SENIOR or above from 10 million,
        those by the city branch's desk first (A1, A2); a MID individual's by a personal manager
        of their outlet or their sub-branch's outlets (A3); a HIGH one's by the nearest VIP
        centre's (A4), a PRIVATE one's by the nearest wealth centre's (A5). Members: a second
        corporate manager on large and group clients (split 30 or 20), the sub-branch's manager
        assistant on credit clients, a wealth manager beside personal managers, and the senior
        people of A9 (split 0). The lead's split makes 100 (A10). Teams start before the first
        month of metrics and are open; a few leads were handed over (the old assignment ends the
        day before the new one starts). BREACHES are made on purpose, at about their shares."""
        from accounts.models import ManagerKind, Position
        from staffing.models import GRADE_DEFAULTS

        rng = self.rng("teams")
        share = BREACHES
        people, units = self.people, self.units
        capacity = {str(grade): cap for grade, (_coefficient, cap, _authority) in GRADE_DEFAULTS.items()}
        rank = {grade: index for index, grade in enumerate(capacity)}
        load = [0] * (len(people) + 1)
        target = [1.0] * (len(people) + 1)
        cms = [p for p in people if p.position == Position.CUSTOMER_MANAGER]
        for p in cms:
            target[p.id] = capacity[p.grade] * FILL

        at = defaultdict(lambda: defaultdict(list))  # unit id → what → person ids
        for p in people:
            if p.position == Position.CUSTOMER_MANAGER:
                what = "corporate" if p.manager_kind == ManagerKind.CORPORATE else "personal"
            elif p.position == Position.OTHER and p.department is not None and p.department.code == "PERSONAL":
                what = "officer"  # the city branch's personal-banking department (A9)
            else:
                what = p.position
            at[p.unit.id][what].append(p.id)
        province = units[0]
        vips, wealths = self.of_kind("VIP_CENTRE"), self.of_kind("WEALTH_CENTRE")
        outlet_cms = {
            sub.id: [e for o in outlets_of(sub) for e in at[o.id]["personal"]] for sub in self.of_kind("SUB_BRANCH")
        }
        city_outlet_cms, all_outlet_cms = defaultdict(list), []
        for unit in self.of_kind("OUTLET"):
            city_outlet_cms[unit.city.id] += at[unit.id]["personal"]
            all_outlet_cms += at[unit.id]["personal"]
        outlet_wealth = {
            sub.id: [e for o in outlets_of(sub) for e in at[o.id][Position.WEALTH_MANAGER]]
            for sub in self.of_kind("SUB_BRANCH")
        }
        levels_cache = {}

        def centre_cms(unit, centres):
            key = (unit.id, centres[0].kind if centres else "")
            if key not in levels_cache:
                levels_cache[key] = [
                    [e for centre in level for e in at[centre.id]["personal"]] for level in centre_levels(unit, centres)
                ]
            return levels_cache[key]

        graded_cache = {}

        def graded(ids, floor):
            """The managers of `ids` of grade `floor` or above (−1: only JUNIOR ones)."""
            key = (id(ids), floor)
            if key not in graded_cache:
                graded_cache[key] = [
                    e
                    for e in ids
                    if (rank[people[e - 1].grade] == 0 if floor < 0 else rank[people[e - 1].grade] >= floor)
                ]
            return graded_cache[key]

        def pick(levels, exclude=(), full_ok=True):
            """The manager with the emptiest book (against their target) at the nearest level that
            has one with room; when none has room anywhere, the emptiest of the last level
            (`full_ok`) or nobody."""
            last = None
            for candidates in levels:
                best, ratio = None, 1.0
                for e in candidates:
                    if e not in exclude and load[e] < ratio * target[e]:
                        best, ratio = e, load[e] / target[e]
                if best is not None:
                    return best
                last = candidates or last
            if not full_ok or not last:
                return None
            return min((e for e in last if e not in exclude), key=lambda e: load[e] / target[e], default=None)

        def one(ids):
            return ids[0] if ids else None

        def day_between(first, last):
            return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))

        def start(person_id, day):
            return max(day, people[person_id - 1].hired_on)

        heads = {parent for _c, kind, _u, parent, *_ in clients if parent}
        high_first = {"PRIVATE": 3, "HIGH": 4}
        order = []
        for row in clients:
            cid, kind, _unit, parent, _loan, segment, _aum, contribution = row
            if kind == "CORPORATE":
                rank_of = (
                    0
                    if cid in heads
                    else 1
                    if (contribution or 0) >= A1_FLOOR
                    else 2
                    if (contribution or 0) >= A2_FLOOR
                    else 5
                )
            else:
                rank_of = high_first.get(segment, 5)
            order.append((rank_of, rng.random(), row))
        order.sort(key=lambda item: (item[0], item[1]))

        teams, by_area = {}, defaultdict(list)
        city_led, counts = set(), Counter()
        first_day, last_team_day = datetime.date(2016, 1, 1), FIRST_MONTH - ONE_DAY
        for _rank, _draw, (cid, kind, unit_id, parent, has_loan, segment, aum, contribution) in order:
            unit = units[unit_id - 1]
            sub, city = sub_branch_of(unit), unit.city
            members = []  # (person, split, joins later)
            contribution, aum = contribution or 0.0, aum or 0.0
            if kind == "CORPORATE":
                local, desk, top = at[sub.id]["corporate"], at[city.id]["corporate"], at[province.id]["corporate"]
                floor = (
                    rank["SENIOR"]
                    if contribution >= A1_FLOOR
                    else rank["INTERMEDIATE"]
                    if contribution >= A2_FLOOR
                    else 0
                )
                if cid in heads and rng.random() < share["A6"]:
                    levels = [graded(local, floor), graded(desk, floor)]  # led locally: a subsidiary from higher
                    counts["A6 made"] += 1
                    city_led.add(cid)
                elif cid in heads:
                    levels = [graded(top, floor), graded(desk, floor)]
                elif parent in city_led:  # the subsidiary the city's desk leads, above its group head's lead
                    city_led.discard(parent)
                    levels = [graded(desk, floor), graded(top, floor)]
                elif floor and rng.random() < share["A1/A2"] and graded(local, -1):
                    levels = [graded(local, -1)]
                    counts["A1/A2 made"] += 1
                elif floor == rank["SENIOR"]:
                    levels = [graded(desk, floor), graded(local, floor), graded(top, floor)]
                else:
                    levels = [graded(local, floor), graded(desk, floor), graded(top, floor)]
                lead = pick(levels)
                second = 0.6 if floor else 0.4 if parent else 0.06
                if rng.random() < second:
                    co = pick([local, desk], exclude=(lead,), full_ok=False)
                    if co is not None:
                        members.append((co, 30 if floor else 20, False))
                assistants = at[sub.id][Position.ASSISTANT]
                if has_loan and assistants and rng.random() < 0.7:
                    members.append((rng.choice(assistants), 0, True))
                area = (sub.id, "CORPORATE")
            else:
                own = at[unit.id]["personal"] if unit.kind == "OUTLET" else []
                if segment == "MID":
                    if rng.random() < share["A3"] and at[sub.id]["personal"]:
                        levels = [at[sub.id]["personal"]]  # the sub-branch's own personal manager
                        counts["A3 made"] += 1
                    else:
                        levels = [own, outlet_cms[sub.id], city_outlet_cms[city.id], all_outlet_cms]
                    area = (sub.id, "MID")
                elif segment == "HIGH":
                    if own and rng.random() < share["A4"]:
                        levels = [own]  # grew out of the outlet's book and stayed there
                        counts["A4 made"] += 1
                    else:
                        levels = centre_cms(unit, vips)
                    area = (city.id, "HIGH")
                else:
                    if vips and rng.random() < share["A5"]:
                        levels = centre_cms(unit, vips)  # served by a VIP centre
                        counts["A5 made"] += 1
                    else:
                        levels = centre_cms(unit, wealths)
                    area = (city.id, "PRIVATE")
                lead = pick(levels)
                lead_unit = people[lead - 1].unit if lead else unit
                advisers = at[lead_unit.id][Position.WEALTH_MANAGER] or (
                    outlet_wealth[sub.id] if segment == "MID" else []
                )
                if advisers and rng.random() < {"MID": 0.75, "HIGH": 0.8}.get(segment, 0.9):
                    members.append(
                        (rng.choice(advisers), rng.choice((0, 0, 10, 20)) if segment == "MID" else 20, False)
                    )
                seniors = (
                    (A9_FLOORS[0], one(at[sub.id][Position.DEPUTY_HEAD])),
                    (A9_FLOORS[1], one(at[sub.id][Position.HEAD])),
                    (A9_FLOORS[2], one(at[city.id]["officer"] or at[city.id][Position.DEPUTY_HEAD])),
                )
                for floor_, senior in seniors:
                    if aum >= floor_ and senior is not None:
                        if rng.random() < share["A9"]:
                            counts["A9 made"] += 1
                        else:
                            members.append((senior, 0, True))
            if lead is None:
                counts["no lead"] += 1
                continue
            team_from = start(lead, day_between(first_day, last_team_day))
            lead_split = 100 - sum(split for _e, split, _later in members)
            draw = rng.random()
            if draw < share["A10 split"]:
                lead_split += 10 if lead_split <= 90 else -10
                counts["A10 made"] += 1
            rows = []
            if rng.random() < share["hand-over"] and (AS_OF - team_from).days > 120:
                before = pick(levels, exclude=(lead, *(person for person, _split, _later in members)))
                handed = day_between(team_from + datetime.timedelta(days=60), AS_OF - datetime.timedelta(days=30))
                if before is not None and start(before, team_from) < handed:
                    rows.append((before, "LEAD", lead_split, start(before, team_from), handed))
                    rows.append((lead, "LEAD", lead_split, handed + ONE_DAY, None))
                    counts["hand-overs"] += 1
            if not rows:
                rows.append((lead, "LEAD", lead_split, team_from, None))
            load[lead] += 1
            if share["A10 split"] <= draw < share["A10 split"] + share["A10 leads"]:
                second_lead = pick(levels, exclude=(lead, *(person for person, _split, _later in members)))
                if second_lead is not None:
                    rows.append((second_lead, "LEAD", 0, day_between(team_from, AS_OF), None))
                    load[second_lead] += 1
                    counts["A10 made"] += 1
            for person, split, later in members:
                joined = day_between(team_from, AS_OF) if later else team_from
                rows.append((person, "MEMBER", split, start(person, joined), None))
                load[person] += 1
            teams[cid] = rows
            by_area[area].append(cid)

        # A8: a few managers serve more clients than their grade allows, as second managers of
        # teams beside the ones they lead.
        areas = {}
        for p in cms:
            if p.unit.kind in ("OUTLET", "SUB_BRANCH") and p.manager_kind == ManagerKind.PERSONAL:
                areas[p.id] = (sub_branch_of(p.unit).id, "MID")
            elif p.unit.kind == "SUB_BRANCH":
                areas[p.id] = (p.unit.id, "CORPORATE")
            elif p.unit.kind == "VIP_CENTRE":
                areas[p.id] = (p.unit.city.id, "HIGH")
        eligible = sorted(areas)
        for e in rng.sample(eligible, min(len(eligible), round(len(cms) * share["A8"]))):
            over = capacity[people[e - 1].grade] + rng.randint(1, 25) - load[e]
            pool = [cid for cid in by_area[areas[e]] if all(row[0] != e for row in teams[cid])]
            for cid in rng.sample(pool, min(max(0, over), len(pool))):
                rows = teams[cid]
                rows.append((e, "MEMBER", 0, day_between(rows[0][3], AS_OF), None))
                load[e] += 1
            counts["A8 made"] += over > 0

        heads_of = {sub.id: one(at[sub.id][Position.HEAD]) for sub in self.of_kind("SUB_BRANCH")}
        self.assignments = []
        for cid in sorted(teams):
            unit = units[self.client_units[cid] - 1]
            sub = sub_branch_of(unit)
            added_by = heads_of.get(sub.id) if sub else None
            for person, role, split, valid_from, valid_to in teams[cid]:
                self.assignments.append(
                    (len(self.assignments) + 1, valid_from, valid_to, cid, person, role, split, added_by)
                )
        self.team_counts = counts
        self.teams = len(teams)
        over = sum(1 for p in cms if load[p.id] > capacity[p.grade])
        self.team_counts["managers over capacity"] = over
        return len(self.assignments)

    def load_staffing(self, conn):
        """Qualifications, training and teams of the people and clients already in the
        database: the teams need the clients' standing, so the read model is built first."""
        with phase("staffing: qualifications, training") as done:
            self.build_qualifications()
            self.build_training()
            done(f"{len(self.qualifications):,} qualifications, {len(self.training):,} training records")
        with phase("staffing: teams drawn") as done:
            with conn.cursor() as cur:
                cur.execute(
                    """
                    SELECT c.id, c.kind, c.account_unit_id, c.group_parent_id, c.has_loan, s.segment,
                           s.aum::float8, s.annual_contribution::float8
                      FROM marketing_client c JOIN marketing_clientstanding s ON s.client_id = c.id
                     WHERE c.kind = 'CORPORATE' OR s.segment IN ('MID', 'HIGH', 'PRIVATE')
                     ORDER BY c.id
                    """
                )
                clients = cur.fetchall()
            self.client_units = {row[0]: row[2] for row in clients}
            rows = self.build_teams(clients)
            made = ", ".join(f"{key} {value:,}" for key, value in sorted(self.team_counts.items()))
            done(f"{self.teams:,} teams, {rows:,} assignments ({made})")
        with phase("staffing: COPY (assignment keys dropped)"):
            with conn.cursor() as cur:
                copy_rows(
                    cur,
                    "staffing_qualification",
                    ["id", "valid_from", "valid_to", "kind", "employee_id"],
                    self.qualifications,
                )
                copy_rows(cur, "staffing_training", ["id", "employee_id", "year", "days"], self.training)
                autovacuum(cur, "staffing_assignment", enabled=False)
                statements = detach(cur, ["staffing_assignment"])
                copy_rows(
                    cur,
                    "staffing_assignment",
                    ["id", "valid_from", "valid_to", "client_id", "employee_id", "role", "split", "added_by_id"],
                    self.assignments,
                )
            conn.commit()
        with phase("staffing: keys and indexes rebuilt, analyzed") as done:
            with conn.cursor() as cur:
                restore(cur, statements)
                autovacuum(cur, "staffing_assignment", enabled=True)
            conn.commit()
            self.reset_sequences(conn, ["staffing_qualification", "staffing_training", "staffing_assignment"])
            conn.autocommit = True
            for table in ("staffing_qualification", "staffing_training", "staffing_assignment"):
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
            conn.autocommit = False
            done(f"{len(statements)} indexes and constraints")
        self.assignments = self.qualifications = self.training = None


# --- set-based SQL ------------------------------------------------------------------------------


def detach(cur, tables):
    """Drop the indexes and constraints of `tables` (and the foreign keys that point at them)
    before a bulk load; answer the statements that put them back as pg_catalog defined them:
    keys first (foreign keys need the ones they reference), other indexes, foreign keys last."""
    names = [str(table) for table in tables]
    cur.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
          FROM pg_constraint
         WHERE ((conrelid = ANY(%(t)s::regclass[]) AND contype IN ('p', 'u', 'x', 'f'))
                OR (confrelid = ANY(%(t)s::regclass[]) AND contype = 'f'))
           AND conparentid = 0  -- a partition's copy goes and comes back with its table's
         ORDER BY contype = 'f', conrelid::regclass::text, conname
        """,
        {"t": names},
    )
    constraints = list(dict.fromkeys(cur.fetchall()))
    cur.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%(t)s::regclass[])
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
         ORDER BY 1
        """,
        {"t": names},
    )
    indexes = cur.fetchall()
    keys = [row for row in constraints if row[3] != "f"]
    foreign = [row for row in constraints if row[3] == "f"]
    for table, name, _definition, _kind in foreign + keys:
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(table), sql.Identifier(name)))
    for name, _definition in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    add = "ALTER TABLE {} ADD CONSTRAINT {} {}"
    return (
        [
            sql.SQL(add).format(sql.SQL(table), sql.Identifier(name), sql.SQL(definition))
            for table, name, definition, _ in keys
        ]
        # pg_get_indexdef says ON ONLY for a partitioned table's index: built again, it must
        # cascade to the partitions.
        + [sql.SQL(definition.replace(" ON ONLY ", " ON ", 1)) for _name, definition in indexes]
        + [
            sql.SQL(add).format(sql.SQL(table), sql.Identifier(name), sql.SQL(definition))
            for table, name, definition, _ in foreign
        ]
    )


def autovacuum(cur, table, *, enabled):
    """Keep autovacuum off a table (its leaf partitions, if partitioned) while it is loaded: our
    own VACUUM ANALYZE comes at the end."""
    cur.execute("SELECT relid::regclass::text FROM pg_partition_tree(%s::regclass) WHERE isleaf", [table])
    for (leaf,) in cur.fetchall():
        change = "SET (autovacuum_enabled = false)" if not enabled else "RESET (autovacuum_enabled)"
        cur.execute(sql.SQL("ALTER TABLE {} {}").format(sql.SQL(leaf), sql.SQL(change)))


def restore(cur, statements):
    for statement in statements:
        cur.execute(statement)


def uniform(hash_column, part):
    """A uniform draw in [0, 1) from 20 bits of a 64-bit hash (three per hash)."""
    return f"((({hash_column} >> {20 * part}) & 1048575)::float8 / 1048576)"


def load_metrics(conn, seed):
    """Twelve months of marketing.ClientMetric (rule P1), set-based: one INSERT … SELECT per
    month over the clients' profiles (bench_profile, from load_clients), the draws made by
    hashint8extended of (client, month) with the seed, so the rows are the same run after run.

    Each client's figures follow its own yearly trend with a little monthly noise, and end near
    its profile's size on the last month: individuals' AUM lands in rule C4's bands in the
    proportions the profiles were drawn in, and clients near a threshold cross it some months.
    Corporates: deposits, loans (those with loans), intermediate income, product sales and an
    annual contribution; individuals: AUM, deposits (a share of it), product sales and a
    contribution.
    """
    client_seed, month_seed = seed * 4 + 1, seed * 4 + 2
    a, b, c = "ha", "hb", "hc"
    with conn.cursor() as cur:
        with phase("metrics: client parameters") as done:
            cur.execute(
                f"""
                CREATE TEMP TABLE bench_params AS
                SELECT client_id, corporate, has_loan, base, first_m, last_m,
                       0.04 + ({uniform(a, 0)} + {uniform(a, 1)} + {uniform(a, 2)} - 1.5)
                              * CASE WHEN corporate THEN 0.2 ELSE 0.24 END AS trend,
                       CASE WHEN has_loan THEN exp(0.262 + {uniform(b, 0)} + {uniform(b, 1)} + {uniform(b, 2)} - 1.5)
                            ELSE 0 END AS loan_ratio,
                       CASE WHEN corporate THEN 0.0001 + 0.0007 * {uniform(c, 0)}  -- a month's fees / deposits
                            ELSE 0.25 + 0.6 * {uniform(c, 0)} END AS share,        -- deposits / AUM
                       CASE WHEN {uniform(c, 1)} >= CASE WHEN corporate THEN 0.7 ELSE 0.4 END THEN 0
                            WHEN corporate THEN 0.0005 + 0.0035 * {uniform(c, 2)}
                            ELSE 0.002 + 0.018 * {uniform(c, 2)} END AS sales_rate,
                       0.006 + 0.01 * {uniform(b, 0)} AS contribution_rate      -- individuals: of AUM
                  FROM (SELECT p.*, hashint8extended(client_id, %(s)s) AS ha,
                               hashint8extended(client_id, %(s)s + 1000) AS hb,
                               hashint8extended(client_id, %(s)s + 2000) AS hc
                          FROM bench_profile p) p
                 ORDER BY client_id
                """,
                {"s": client_seed},
            )
            done(f"{cur.rowcount:,} clients")
        conn.commit()

        autovacuum(cur, "marketing_clientmetric", enabled=False)
        statements = detach(cur, ["marketing_clientmetric"])
        conn.commit()
        total = 0
        with phase("metrics: rows (indexes and keys dropped)") as done:
            for index, month in enumerate(months()):
                start = time.perf_counter()
                insert_metrics_month(cur, index, month, month_seed)
                total += cur.rowcount
                conn.commit()
                print(f"    {month:%Y-%m}: {cur.rowcount:,} rows in {time.perf_counter() - start:.1f} s", flush=True)
            done(f"{total:,} rows")
        with phase("metrics: indexes and keys rebuilt") as done:
            restore(cur, statements)
            conn.commit()
            done(f"{len(statements)} indexes and constraints")
        autovacuum(cur, "marketing_clientmetric", enabled=True)
        cur.execute("DROP TABLE bench_params")
        conn.commit()
    return total


def money(expression):
    """A float8 amount as yuan to 2 places: through whole cents, since int8 → numeric costs a
    quarter of float8 → numeric (which prints and re-parses the float)."""
    return f"(round(({expression}) * 100)::int8)::numeric * 0.01"


def insert_metrics_month(cur, index, month, month_seed):
    """One month's rows: a plain INSERT … SELECT (it works on a partitioned table too)."""
    deposits = "CASE WHEN corporate THEN base * f * (0.98 + 0.04 * u2) ELSE base * f * share * (0.97 + 0.06 * u2) END"
    loans = "CASE WHEN has_loan THEN base * loan_ratio * exp(trend * 0.6 * %(t)s) END"
    income = "CASE WHEN corporate THEN base * share * f * (0.85 + 0.3 * u3) END"
    sales = "base * sales_rate * f * (0.6 + 0.8 * (1 - u3))"
    aum = "CASE WHEN NOT corporate THEN base * f END"
    contribution = "CASE WHEN corporate THEN (0.012 + 0.022 * loan_ratio + 12 * share) * base * f ELSE contribution_rate * base * f END"
    figures = ",\n               ".join(money(figure) for figure in (deposits, loans, income, sales, aum, contribution))
    cur.execute(
        f"""
        INSERT INTO marketing_clientmetric
               (client_id, month, deposits_avg, loans, intermediate_income, product_sales, aum, annual_contribution)
        SELECT client_id, %(month)s::date,
               {figures}
          FROM (SELECT p.*, exp(trend * %(t)s + ({uniform("h", 0)} - 0.5) * 0.05) AS f,
                       {uniform("h", 1)} AS u2, {uniform("h", 2)} AS u3
                  FROM (SELECT p.*, hashint8extended(client_id * 12 + %(m)s, %(s)s) AS h
                          FROM bench_params p
                         WHERE first_m <= %(m)s AND last_m >= %(m)s) p) q
        """,
        # t: years from the last month (0 on it, −1 eleven months before), for the trend.
        {"month": month, "m": index, "t": (index - (MONTH_COUNT - 1)) / (MONTH_COUNT - 1), "s": month_seed},
    )


# The appraisal's inputs (SPEC.md §4, rules P3, P8, A11). The draws: hashint8extended of
# (employee, year or quarter, indicator) with APPRAISAL_SEED(seed).
INDICATORS = (  # staffing.Indicator: its client-month figure, and whether a balance (P3)
    ("DEPOSITS", "deposits_avg", True),
    ("LOANS", "loans", True),
    ("INTERMEDIATE", "intermediate_income", False),
    ("PRODUCTS", "product_sales", False),
)
REVIEW_MISSING = 0.03  # a manager's quarter without a review (flagged NO_REVIEW by the batch)
# Yearly base pay in yuan, (low, high) of the year AS_OF falls in; the year before is 0–6% less.
BASE_PAY = {
    "TELLER": (60_000, 90_000),
    "OTHER": (70_000, 110_000),
    "ASSISTANT": (85_000, 115_000),
    "LOBBY_MANAGER": (100_000, 140_000),
    "MARKETING_MANAGER": (110_000, 150_000),
    "WEALTH_MANAGER": (110_000, 160_000),
    "DEPUTY_HEAD": (200_000, 280_000),
    "HEAD": (250_000, 350_000),
}
MANAGER_PAY = {  # customer managers, by grade
    "JUNIOR": (110_000, 140_000),
    "INTERMEDIATE": (130_000, 170_000),
    "SENIOR": (160_000, 210_000),
    "PRINCIPAL": (200_000, 260_000),
}


def appraisal_seed(seed):
    return seed * 4 + 3  # the clients' draws take seed * 4 + 1, the months' seed * 4 + 2


def covered_years():
    """{year: [its months that have metrics]}, in order."""
    years = defaultdict(list)
    for month in months():
        years[month.year].append(month)
    return dict(years)


def covered_quarters():
    """The quarters the months touch, as ("2026Q1", first day, last day)."""
    quarters = {}
    for month in months():
        q = (month.month - 1) // 3
        first = datetime.date(month.year, 3 * q + 1, 1)
        last = (datetime.date(month.year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)) - ONE_DAY
        quarters[f"{month.year}Q{q + 1}"] = (first, last)
    return quarters


def month_end(month):
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY


def load_appraisal(conn, seed):
    """Performance contracts, reviews and base pay, set-based (three INSERT … SELECT), after the
    staffing: a contract's targets are drawn against the manager's credited book of one month
    of the year (rule P2: figure × split/100 × days inside / days of the month, over their
    assignments), the year's middle month with metrics: the target is that book (× 12 for the
    flows, P3 comparing a quarter's flow with a quarter of it) divided by a completion drawn
    around 1 within 0.6–1.4 (the mean of two uniform draws). A manager whose book has none of a
    figure (a personal manager's loans and intermediate income) gets no target for it: the
    batch flags it NO_TARGET. Any rows the tables had are replaced."""
    s = appraisal_seed(seed)
    tables = ("staffing_performancecontract", "appraisal_review", "appraisal_basepay")
    with conn.cursor() as cur:
        cur.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        with phase("appraisal: performance contracts") as done:
            total = 0
            for year_index, (year, year_months) in enumerate(covered_years().items()):
                base = year_months[len(year_months) // 2]
                figures = ",\n".join(
                    f"sum(m.{figure} * a.split / 100 * days / month_days) AS {figure}"
                    for _indicator, figure, _balance in INDICATORS
                )
                choices = ", ".join(
                    f"('{indicator}', {k}, c.{figure} * {1 if balance else 12})"
                    for k, (indicator, figure, balance) in enumerate(INDICATORS)
                )
                cur.execute(
                    f"""
                    INSERT INTO staffing_performancecontract
                           (employee_id, year, indicator, target, signed_by_id, valid_from, valid_to)
                    SELECT employee_id, %(year)s, indicator, target, signed_by_id,
                           make_date(%(year)s, 1, 1), make_date(%(year)s, 12, 31)
                      FROM (SELECT u.id AS employee_id, i.indicator, i.k, s.id AS signed_by_id,
                                   round((i.book / (0.6 + 0.4 * ({uniform("h", 0)} + {uniform("h", 1)})))::numeric, -2) AS target
                              FROM (SELECT a.employee_id, {figures}
                                      FROM (SELECT a.*, LEAST(COALESCE(a.valid_to, %(end)s), %(end)s)
                                                        - GREATEST(a.valid_from, %(month)s) + 1 AS days,
                                                   %(days)s AS month_days
                                              FROM staffing_assignment a
                                             WHERE a.valid_from <= %(end)s
                                               AND (a.valid_to IS NULL OR a.valid_to >= %(month)s)) a
                                      JOIN marketing_clientmetric m ON m.client_id = a.client_id AND m.month = %(month)s
                                     GROUP BY a.employee_id) c
                              JOIN accounts_user u ON u.id = c.employee_id AND u.position = 'CUSTOMER_MANAGER'
                              JOIN accounts_unit un ON un.id = u.unit_id
                              JOIN accounts_unit s ON s.path = left(un.path, 4 * LEAST(un.depth, 3))
                             CROSS JOIN LATERAL (VALUES {choices}) i(indicator, k, book)
                             CROSS JOIN LATERAL (SELECT hashint8extended(u.id * 64 + %(y)s * 8 + i.k, %(s)s) AS h) d
                             WHERE i.book > 0) t
                     WHERE target > 0
                     ORDER BY employee_id, indicator
                    """,
                    {
                        "year": year,
                        "y": year_index,
                        "month": base,
                        "end": month_end(base),
                        "days": month_end(base).day,
                        "s": s,
                    },
                )
                print(f"    {year}: {cur.rowcount:,} targets (books of {base:%Y-%m})", flush=True)
                total += cur.rowcount
            done(f"{total:,} targets")
        with phase("appraisal: reviews") as done:
            total = missing = 0
            for quarter_index, (quarter, (_first, last)) in enumerate(covered_quarters().items()):
                cur.execute(
                    f"""
                    INSERT INTO appraisal_review (employee_id, quarter, qualitative, comment)
                    SELECT id, %(quarter)s,
                           round((55 + 45 * ({uniform("h", 0)} + {uniform("h", 1)} + {uniform("h", 2)}) / 3)::numeric, 1), ''
                      FROM (SELECT u.id, hashint8extended(u.id * 64 + 32 + %(q)s, %(s)s) AS h
                              FROM accounts_user u
                             WHERE u.position = 'CUSTOMER_MANAGER' AND u.is_active
                               AND (u.hired_on IS NULL OR u.hired_on <= %(last)s)) d
                     WHERE {uniform("hashint8extended(id * 64 + 48 + %(q)s, %(s)s)", 0)} >= %(missing)s
                     ORDER BY id
                    """,
                    {"quarter": quarter, "q": quarter_index, "last": last, "s": s, "missing": REVIEW_MISSING},
                )
                total += cur.rowcount
                cur.execute(
                    "SELECT count(*) FROM accounts_user WHERE position = 'CUSTOMER_MANAGER' AND is_active"
                    " AND (hired_on IS NULL OR hired_on <= %s)",
                    [last],
                )
                missing += cur.fetchone()[0]
            done(f"{total:,} reviews over {len(covered_quarters())} quarters, {missing - total:,} missing")
        with phase("appraisal: base pay") as done:
            ranges = [(position, "", low, high) for position, (low, high) in BASE_PAY.items()]
            ranges += [("CUSTOMER_MANAGER", grade, low, high) for grade, (low, high) in MANAGER_PAY.items()]
            values = ", ".join(f"('{p}', '{g}', {low}, {high})" for p, g, low, high in ranges)
            years = covered_years()
            last_year = max(years)
            cur.execute(
                f"""
                INSERT INTO appraisal_basepay (employee_id, year, base_pay)
                SELECT u.id, y.year,
                       round(((r.low + (r.high - r.low) * {uniform("h", 0)})
                             / CASE WHEN y.year = %(last)s THEN 1 ELSE power(1 + 0.06 * {uniform("h", 1)}, %(last)s - y.year) END)::numeric,
                             -1)
                  FROM (SELECT u.*, hashint8extended(u.id * 64 + 63, %(s)s) AS h FROM accounts_user u) u
                  JOIN (VALUES {values}) r(position, grade, low, high)
                    ON r.position = u.position AND (r.grade = '' OR r.grade = u.grade)
                  JOIN unnest(%(years)s::int[]) y(year) ON u.hired_on IS NULL OR extract(year FROM u.hired_on) <= y.year
                 ORDER BY u.id, y.year
                """,
                {"s": s, "last": last_year, "years": list(years)},
            )
            done(f"{cur.rowcount:,} yearly base pays ({', '.join(map(str, years))})")
        conn.commit()
        conn.autocommit = True
        for table in tables:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        conn.autocommit = False


def vacuum_analyze(conn):
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE)")
    conn.autocommit = False


if __name__ == "__main__":
    sys.exit(main())
