"""The demo bank's staffing (SPEC.md §3) as bulk-import rows: qualifications, training, performance
contracts and relationship teams (KINDs qualifications, training, contracts, assignments).

Drawn from the rows of demo.org and demo.clients with a seeded `random.Random` of its own, so every
run on a day yields the same rows; what depends on the run's day (training up to the last complete
year, this year's contracts, certificate renewals up to today) grows by rows drawn for their own
year, so a later run adds rows and changes none. Like demo.org and demo.clients this module only
produces data: the rows enter through the import engine, whose assignments KIND judges each new
row by rules A1–A9 on its valid-from date against the figures in force then.

What the rows give the staffing pages and the compliance report:
- qualifications: nearly every customer manager holds the manager certificate (S7), for good or
  renewed every five years; the personal managers of the VIP centres hold AFP (A4), those of the
  wealth centre CFP (A5), and the centres' marketing, wealth and lobby managers AFP, CFP or a
  recognised qualification (S5, S6);
- training days (S8) of every customer manager, and performance contracts (A11) for the metrics'
  year and the run's, their targets a little above what the manager's book brought in;
- a team for every corporate client and every MID, HIGH and PRIVATE individual (segment of the
  latest month, marketing.rules.segment_for at rule C4's defaults): one lead and splits adding
  up to 100 (A10), the lead as rules A1–A5 ask, from the client's own sub-branch or city branch
  where it can, the sub-branch's deputy head, head and a city-branch officer as members by AUM
  (A9), every manager well within the capacity of their grade (A8), groups led from the province
  (A6). The teams date from the yearly manager allocation (05-01, rule C11) or the half-year,
  before the first month of metrics: the import judges them on a day without figures, and what
  the year's figures say is the compliance report's to tell. Hand-overs in the metrics' year
  (a colleague takes over; a manager new at an outlet takes its mid-range clients) break nothing;
- a handful of deliberate breaches (`Breaches`): certificates missing or expired, short training,
  an unqualified wealth adviser, and teams that the year's figures outgrew (contribution, AUM,
  a subsidiary's lead), reported as arisen later, or that were handed over in the metrics' year
  with a written reason, reported as overridden (the import keeps the override on record).
"""

import bisect
import csv
import datetime
import io
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Grade, ManagerKind, Position, UnitKind
from marketing.models import ClientKind, Segment, Tier
from marketing.rules import RESPONSIBLE_PRECEDENCE, Thresholds, segment_for
from staffing import rules
from staffing.models import GRADE_DEFAULTS, QualificationKind, TeamRole

from . import clients as demo_clients
from . import org

SEED = 201023 + 2  # a stream of its own: the org's and the clients' draws stay as they are
AS_OF = org.AS_OF
THRESHOLDS = Thresholds()  # rule C4's defaults
ZERO = Decimal(0)

QUALIFICATION_COLUMNS = ["employee_no", "kind", "issued_on", "expires_on"]
TRAINING_COLUMNS = ["employee_no", "year", "days"]
CONTRACT_COLUMNS = ["employee_no", "year", "indicator", "target"]
ASSIGNMENT_COLUMNS = ["client_no", "employee_no", "role", "split", "valid_from", "valid_to", "override_reason"]

MONTH_DAYS = demo_clients.months_up_to(AS_OF)  # the first days of the metrics' months
FIRST_METRICS_DAY = MONTH_DAYS[0]
# Teams take effect with the year's manager allocation (rule C11: filed by 04-30) or, for a new
# relationship or a hand-over, at the half-year; all before the first metrics month. (Few days:
# the import judges a file's rows day by day.)
ALLOCATION_DAYS = [datetime.date(year, 5, 1) for year in range(2020, FIRST_METRICS_DAY.year)]
IN_YEAR_DAYS = [datetime.date(year, 7, 1) for year in range(2021, FIRST_METRICS_DAY.year)]
# Hand-overs in the metrics' year: judged by the import against the figures of that day.
CHANGE_DAYS = [datetime.date(FIRST_METRICS_DAY.year, month, 1) for month in (4, 7, 10)]
TAKEOVER_DAYS = CHANGE_DAYS + [MONTH_DAYS[-1]]  # a manager new in the year takes clients over
YEAR = datetime.timedelta(days=365)
TERM = datetime.timedelta(days=round(5 * 365.25))  # a five-year certificate

# Cities without a VIP centre send their high-end clients to a neighbour's (rule A4).
NEIGHBOUR_CITY = {"HB": "BB", "SZ": "BB", "BZ": "FY", "TL": "AQ", "CHZ": "AQ", "CZ": "HF", "XC": "WH"}
CORPORATE_CITY_DEPARTMENTS = ["KEY_ACCOUNT", "CORP", "SME", "INSTITUTION", "INTERNATIONAL"]
CITY_OFFICER_DEPARTMENT = "PERSONAL"  # rule A9's city-branch officer: the head of personal banking
CAPACITY = {grade: capacity for grade, (_pay, capacity, _authority) in GRADE_DEFAULTS.items()}
BUSY = 0.8  # a manager takes no new client beyond this share of their capacity (rule A8)

OVERRIDE_REASONS = {
    "grade": "原主办客户经理调离，由本支行客户经理过渡接任，待高级客户经理到岗后调整",
    "placement": "客户要求继续由原网点客户经理主办，贵宾理财中心客户经理协办",
    "group": "集团总部日常维护下放账户行支行，经分行营销管理团队同意",
    "co_maintenance": "支行行长轮岗空缺期间，由分管副行长参与共同维护",
}


@dataclass(frozen=True)
class Breaches:
    """How many of each deliberate breach the demo leaves for the compliance report (fewer
    where the bank has no client or person to show it)."""

    uncertified: int  # S7: the newest managers, no certificate yet
    expired: int  # S7: a certificate that ran out in the metrics' year, not renewed
    short_training: int  # S8, in every year
    unqualified_advisers: int  # S5
    grade_later: int  # A1/A2: contribution grew past the lead's grade
    grade_overridden: int  # A1/A2: a lower grade took over, with a reason
    mid_at_centre: int  # A3: a VIP centre's manager leads a mid-range client
    high_later: int  # A4 (and A9): a client grew high-end, still with the outlet's manager alone
    high_overridden: int  # A4: the outlet's manager kept as lead on the client's wish
    private_later: int  # A5: grew into private banking, still led from a VIP centre
    group_later: int  # A6: a subsidiary led from higher up than its group's head office
    group_overridden: int  # A6: a head office handed down to its sub-branch, with a reason
    co_maintenance_later: int  # A9: AUM passed 2 or 5 million, nobody added
    co_maintenance_overridden: int  # A9: the sub-branch head left the team, with a reason
    clean_handovers: int  # hand-overs in the metrics' year that break nothing (team history)


BREACHES = {
    "full": Breaches(4, 5, 8, 1, 4, 2, 2, 3, 2, 1, 1, 1, 3, 2, 40),
    "small": Breaches(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4),
}


@dataclass
class StaffBook:
    """The rows of the four import files (dicts in their columns)."""

    qualifications: list = field(default_factory=list)
    training: list = field(default_factory=list)
    contracts: list = field(default_factory=list)
    assignments: list = field(default_factory=list)

    def csv(self, kind):
        columns, rows = {
            "qualifications": (QUALIFICATION_COLUMNS, self.qualifications),
            "training": (TRAINING_COLUMNS, self.training),
            "contracts": (CONTRACT_COLUMNS, self.contracts),
            "assignments": (ASSIGNMENT_COLUMNS, self.assignments),
        }[kind]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")


def day(text):
    return datetime.date.fromisoformat(text)


def grade_rank(grade):
    return rules.GRADE_RANK[grade] if grade else -1


def round_to(value):
    """A target as people set it (a Decimal of yuan): whole 万元; a small one, as a personal
    manager's fee income from a few clients, in whole 千元 under 10 万元 and 百元 under 1 万元."""
    step = 10_000 if value >= 100_000 else 1_000 if value >= 10_000 else 100
    return Decimal(max(step, math.ceil(value / step) * step))


def drawn(rng, low, high):
    """A uniform draw as a Decimal factor (money stays Decimal)."""
    return Decimal(str(round(rng.uniform(low, high), 6)))


@dataclass
class Member:
    """A person's period on a client's team: one row of the assignments file."""

    person: dict  # an employee row of demo.org
    role: str
    split: int
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    reason: str = ""


class StaffingBuilder:
    """Draws the staffing rows of a demo bank and its client book; `today` sets the last year
    of training (the one before) and of contracts."""

    def __init__(self, bank, book, scale="full", today=None):
        self.rng = random.Random(SEED)
        self.today = today or datetime.date.today()
        self.breaches = BREACHES[scale]
        self.org = demo_clients.Org(bank.units)
        self.book = StaffBook()
        self.people = bank.employees
        self.logins = bank.logins
        self.staff = defaultdict(list)  # unit code → its employee rows, in hiring order
        for row in bank.employees:
            self.staff[row["unit_code"]].append(row)
        self.hired = {row["employee_no"]: day(row["hired_on"]) for row in bank.employees}
        self.children = defaultdict(list)
        for row in bank.units:
            if row["parent_code"]:
                self.children[row["parent_code"]].append(row["code"])
        self.clients = book.clients
        self.client = {row["client_no"]: row for row in book.clients}
        # Per client, the metrics rows of its months in order (read when asked: there are many).
        self.metrics = defaultdict(list)
        for row in book.metrics:
            self.metrics[row[0]].append(row)
        self.parsed = {}
        self.tier = self.tiers_on(book.tiers, AS_OF)
        self.held = defaultdict(list)  # employee_no → [(kind, from, to)]
        self.load = Counter()  # employee_no → clients served
        self.teams = {}  # client_no → [Member]
        self.cache = {}

    # --- the bank's shape ------------------------------------------------------------------

    def sub_branch_of(self, code):
        while code and self.org.kind[code] != UnitKind.SUB_BRANCH:
            code = self.org.parent[code]
        return code or None

    def lineage(self, code):
        """The unit and those above it."""
        units = []
        while code:
            units.append(code)
            code = self.org.parent[code]
        return units

    def managers(self, units, kind):
        key = (tuple(units), kind)
        if key not in self.cache:
            self.cache[key] = [
                row
                for unit in units
                for row in self.staff[unit]
                if row["position"] == Position.CUSTOMER_MANAGER and row["manager_kind"] == kind
            ]
        return self.cache[key]

    def centres(self, units, kind):
        """The centres of `kind` hanging under `units` (a centre hangs under a sub-branch here)."""
        return [child for unit in units for child in self.children[unit] if self.org.kind[child] == kind]

    def city_units(self, city, kind):
        key = ("city", city, kind)
        if key not in self.cache:
            self.cache[key] = [code for code in self.org.of_kind(kind) if self.org.city_of(code) == city]
        return self.cache[key]

    def leader(self, unit, position):
        """A unit's head, or its first deputy head (the one in charge of personal banking)."""
        return next((row for row in self.staff[unit] if row["position"] == position), None)

    def officer(self, city):
        """Rule A9's city-branch officer: the head of the city's personal banking department."""
        return next((row for row in self.staff[city] if row["department_code"] == CITY_OFFICER_DEPARTMENT), None)

    # --- what the clients' figures say ------------------------------------------------------

    @staticmethod
    def tiers_on(entries, on):
        ranks = {tier: rank for rank, tier in enumerate([Tier.HEAD_OFFICE, Tier.PROVINCE, Tier.CITY])}
        tiers = {}
        for row in entries:
            if day(row["valid_from"]) <= on and (not row["valid_to"] or on <= day(row["valid_to"])):
                held = tiers.get(row["client_no"])
                if held is None or ranks[row["tier"]] < ranks[held]:
                    tiers[row["client_no"]] = row["tier"]
        return tiers

    def figures(self, number, on):
        """The client's latest month on or before `on` (as the compliance report reads it):
        (first day, aum, contribution, deposits, loans, income, sales), or None before the first."""
        index = bisect.bisect_right(MONTH_DAYS, on) - 1
        if index < 0:
            return None
        key = (number, index)
        if key not in self.parsed:
            _number, _month, deposits, loans, income, sales, aum, contribution = self.metrics[number][index]
            self.parsed[key] = (
                MONTH_DAYS[index],
                Decimal(aum) if aum else None,
                Decimal(contribution) if contribution else None,
                *(Decimal(value) if value else ZERO for value in (deposits, loans, income, sales)),
            )
        return self.parsed[key]

    def series(self, number):
        return [self.figures(number, month) for month in MONTH_DAYS]

    def aum(self, number, on=AS_OF):
        month = self.figures(number, on)
        return month[1] if month else None

    def contribution(self, number, on=AS_OF):
        month = self.figures(number, on)
        return month[2] if month else None

    def segment(self, number, on=AS_OF):
        month = self.figures(number, on)
        if month is None:
            return None
        return segment_for(month[1], THRESHOLDS, self.client[number]["potential"] == "1")

    def grade_needed(self, number, on=AS_OF):
        """Rules A1/A2: the lowest grade of a corporate client's lead."""
        contribution = self.contribution(number, on)
        for floor, _rule, grade in rules.CONTRIBUTION_GRADES:
            if contribution is not None and contribution >= floor:
                return grade
        return Grade.JUNIOR

    def holds(self, person, on, kinds):
        return any(
            kind in kinds and start <= on and (end is None or on <= end)
            for kind, start, end in self.held[person["employee_no"]]
        )

    def judge(self, number, on, team):
        """The rules A1–A5 and A9 a team breaks on `on` (staffing.rules, as the import judges a
        row): the rule IDs. `team` is the members in force that day."""
        client = self.client[number]
        lead = next(member.person for member in team if member.role == TeamRole.LEAD)
        if client["kind"] == ClientKind.CORPORATE:
            breach = rules.lead_grade_breach(
                unit_code="",
                client_no=number,
                kind=ClientKind.CORPORATE,
                contribution=self.contribution(number, on),
                lead_no=lead["employee_no"],
                lead_grade=lead["grade"],
            )
            return {breach.rule} if breach else set()
        found = set()
        held = {kind for kind, _start, _end in self.held[lead["employee_no"]] if self.holds(lead, on, {kind})}
        placement = rules.lead_placement_breach(
            unit_code="",
            client_no=number,
            segment=self.segment(number, on),
            lead_no=lead["employee_no"],
            position=lead["position"],
            manager_kind=lead["manager_kind"],
            unit_kind=self.org.kind[lead["unit_code"]],
            holds=held,
        )
        if placement:
            found.add(placement.rule)
        above = set(self.lineage(client["account_unit_code"]))
        present = set()
        for member in team:
            unit = member.person["unit_code"]
            if unit not in above:
                continue
            if self.org.kind[unit] == UnitKind.SUB_BRANCH and member.person["position"] == Position.DEPUTY_HEAD:
                present.add("DEPUTY")
            if self.org.kind[unit] == UnitKind.SUB_BRANCH and member.person["position"] == Position.HEAD:
                present.add("HEAD")
            if self.org.kind[unit] == UnitKind.CITY:
                present.add("CITY")
        if rules.co_maintenance_breach(unit_code="", client_no=number, aum=self.aum(number, on), present=present):
            found.add("A9")
        return found

    # --- qualifications (S5–S7, A4, A5) -------------------------------------------------------

    def qualify(self, person, kind, issued, expires=None):
        self.held[person["employee_no"]].append((kind, issued, expires))
        self.book.qualifications.append(
            {
                "employee_no": person["employee_no"],
                "kind": str(kind),
                "issued_on": issued.isoformat(),
                "expires_on": expires.isoformat() if expires else "",
            }
        )

    def exam_day(self, person, earliest, latest_years=3):
        """A day a person passed an exam: some months to a few years after being hired."""
        start = max(self.hired[person["employee_no"]], earliest)
        passed = start + datetime.timedelta(days=self.rng.randint(60, round(365 * latest_years)))
        return min(passed, AS_OF - datetime.timedelta(days=60))

    def qualifications(self):
        rng, plan = self.rng, self.breaches
        managers = [row for row in self.people if row["position"] == Position.CUSTOMER_MANAGER]
        newest = [row for row in managers if self.hired[row["employee_no"]] > AS_OF - YEAR]
        uncertified = {row["employee_no"] for row in rng.sample(newest, min(plan.uncertified, len(newest)))}
        others = [
            row
            for row in managers
            if row["employee_no"] not in uncertified and self.hired[row["employee_no"]] < AS_OF - TERM - YEAR
        ]
        expired = {row["employee_no"] for row in rng.sample(others, plan.expired)}
        for person in managers:
            if person["employee_no"] in uncertified:
                continue
            self.certificate(person, expired=person["employee_no"] in expired)

        # AFP for the VIP centres' personal managers, CFP for the wealth centre's (rules A4, A5);
        # a manager in post for less than two years is still studying for it.
        studying = AS_OF - 2 * YEAR
        for person in managers:
            kind = self.org.kind[person["unit_code"]]
            hired = self.hired[person["employee_no"]]
            if kind == UnitKind.WEALTH_CENTRE:
                self.qualify(person, QualificationKind.CFP, self.exam_day(person, datetime.date(2012, 1, 1), 4))
            elif kind == UnitKind.VIP_CENTRE and hired <= studying:
                self.qualify(person, QualificationKind.AFP, self.exam_day(person, datetime.date(2010, 1, 1), 2))
                if person["grade"] in (Grade.SENIOR, Grade.PRINCIPAL) and rng.random() < 0.5:
                    self.qualify(person, QualificationKind.CFP, self.exam_day(person, datetime.date(2015, 1, 1), 6))
            elif person["manager_kind"] == ManagerKind.PERSONAL and hired <= studying and rng.random() < 0.12:
                self.qualify(person, QualificationKind.AFP, self.exam_day(person, datetime.date(2010, 1, 1), 4))

        # The centres' marketing, wealth and lobby managers (rules S5, S6): nearly all qualified.
        advisers = [
            row
            for row in self.people
            if row["position"] in rules.S5_POSITIONS
            and self.org.kind[row["unit_code"]] in (UnitKind.WEALTH_CENTRE, UnitKind.VIP_CENTRE)
        ]
        wealth = [row for row in advisers if self.org.kind[row["unit_code"]] == UnitKind.WEALTH_CENTRE]
        unqualified = {row["employee_no"] for row in rng.sample(wealth, min(plan.unqualified_advisers, len(wealth)))}
        for person in advisers:
            in_wealth = self.org.kind[person["unit_code"]] == UnitKind.WEALTH_CENTRE
            if person["employee_no"] in unqualified or (not in_wealth and rng.random() < 0.12):
                continue
            kind = rng.choices(
                [QualificationKind.AFP, QualificationKind.CFP, QualificationKind.RECOGNISED],
                [50, 30, 20] if in_wealth else [60, 10, 30],
            )[0]
            self.qualify(person, kind, self.exam_day(person, datetime.date(2012, 1, 1), 4))

    def certificate(self, person, *, expired):
        """Rule S7's certificate (the deadline of 2010 made it a must): most hold it for good,
        some for five years at a time, renewed on the day it ends, up to the one in force on the
        run's day (a later run adds the renewals since, and changes no row); an `expired` one
        ran out in the metrics' year and was not renewed."""
        one_day = datetime.timedelta(days=1)
        if expired:
            ends = datetime.date(AS_OF.year, self.rng.randint(2, 10), 1) - one_day
            self.qualify(person, QualificationKind.CM_CERT, ends - TERM + one_day, ends)
            return
        issued = self.exam_day(person, datetime.date(2009, 3, 1), 1.5)
        if self.rng.random() < 0.7:
            self.qualify(person, QualificationKind.CM_CERT, issued)
            return
        while True:
            ends = issued + TERM - one_day
            self.qualify(person, QualificationKind.CM_CERT, issued, ends)
            if ends >= max(self.today, AS_OF):
                return
            issued = ends + one_day

    # --- teams (A1–A10) --------------------------------------------------------------------

    def free(self, person, on):
        """Whether a person may take a new client from `on`: in post a month before it, and
        within their grade's capacity (rule A8)."""
        if self.hired[person["employee_no"]] > on - datetime.timedelta(days=30):
            return False
        return not person["grade"] or self.load[person["employee_no"]] < BUSY * CAPACITY[person["grade"]]

    def pick(self, pools, on, *, grade=Grade.JUNIOR, below=None, qualified=None, exclude=()):
        """The least busy person of the first pool that has one who fits: free on `on`, of at
        least `grade` (or below `below`), holding one of `qualified` on that day."""
        taken = {row["employee_no"] for row in exclude}
        for pool in pools:
            fits = [
                row
                for row in pool
                if row["employee_no"] not in taken
                and self.free(row, on)
                and grade_rank(row["grade"]) >= grade_rank(grade)
                and (below is None or grade_rank(row["grade"]) < grade_rank(below))
                and (qualified is None or self.holds(row, on, qualified))
            ]
            if fits:
                return min(fits, key=lambda row: (self.load[row["employee_no"]], self.rng.random()))
        return None

    def team_day(self, after=None):
        """When a team took effect: mostly at a yearly allocation, else on a quarter's first day."""
        days = ALLOCATION_DAYS if self.rng.random() < 0.75 else IN_YEAR_DAYS
        if after is not None:
            days = [candidate for candidate in ALLOCATION_DAYS + IN_YEAR_DAYS if candidate > after]
        return self.rng.choice(days)

    def seat(self, number, members):
        """Record a client's team: every member counts against their capacity once."""
        self.teams[number] = members
        for person in {member.person["employee_no"] for member in members}:
            self.load[person] += 1

    def splits(self, count):
        """Credit splits of a lead and `count - 1` members, adding up to 100 (rule A10)."""
        return {1: [100], 2: self.rng.choice([[70, 30], [80, 20], [60, 40]]), 3: [60, 20, 20]}[count]

    # corporates

    def corporate_pools(self, number):
        """Who may lead a corporate client, nearest first: its sub-branch's corporate managers,
        the city branch's key-account centre and corporate departments, the province's."""
        client = self.client[number]
        unit = client["account_unit_code"]
        sub, city = self.sub_branch_of(unit), self.org.city_of(unit)
        local = self.managers([sub], ManagerKind.CORPORATE)
        central = [
            row
            for department in CORPORATE_CITY_DEPARTMENTS
            for row in self.managers([city], ManagerKind.CORPORATE)
            if row["department_code"] == department
        ]
        responsible = next(code for flag, code in RESPONSIBLE_PRECEDENCE if flag is None or client[flag] == "1")
        province = sorted(  # the C5 department's first
            self.managers([org.PROVINCE_CODE], ManagerKind.CORPORATE),
            key=lambda row: row["department_code"] != responsible,
        )
        return local, central, province

    def corporate_team(self, number, on, *, lead_pools=None, grade=None, below=None):
        """A corporate client's team from `on`: the lead as rules A1/A2 ask; a province-tier
        client led by the province (its C5 department), a city-tier one by the city branch, each
        with a manager of the account sub-branch beside; others by the sub-branch, often with a
        colleague."""
        local, central, province = self.corporate_pools(number)
        tier = self.tier.get(number)
        if lead_pools is None:
            if tier in (Tier.HEAD_OFFICE, Tier.PROVINCE):
                lead_pools = [province, central, local]
            elif tier == Tier.CITY:
                lead_pools = [central, local, province]
            else:
                lead_pools = [local, central, province]
        grade = grade or self.grade_needed(number)
        # Nobody of that grade: a lead all the same (a breach the report shows).
        lead = (
            self.pick(lead_pools, on, grade=grade, below=below)
            or self.pick(lead_pools, on, below=below)
            or self.pick([local, central, province], on)
        )
        helpers = 1 if lead not in local else self.rng.choices([0, 1, 2], [60, 30, 10])[0]
        members = [lead]
        for _ in range(helpers):
            helper = self.pick([local, central], on, exclude=members)
            if helper is not None:
                members.append(helper)
        splits = self.splits(len(members))
        return [
            Member(person, TeamRole.LEAD if index == 0 else TeamRole.MEMBER, split, on)
            for index, (person, split) in enumerate(zip(members, splits, strict=True))
        ]

    # individuals

    def individual_pools(self, number, segment):
        """Who may lead an individual of `segment`, nearest first (rules A3–A5)."""
        unit = self.client[number]["account_unit_code"]
        sub, city = self.sub_branch_of(unit), self.org.city_of(unit)
        if segment == Segment.MID:
            own = [unit] if self.org.kind[unit] == UnitKind.OUTLET else []
            outlets = [code for code in self.children.get(sub, []) if self.org.kind[code] == UnitKind.OUTLET]
            return [
                self.managers(own, ManagerKind.PERSONAL),
                self.managers(outlets, ManagerKind.PERSONAL),
                self.managers(self.city_units(city, UnitKind.OUTLET), ManagerKind.PERSONAL),
            ]
        kind = UnitKind.WEALTH_CENTRE if segment == Segment.PRIVATE else UnitKind.VIP_CENTRE
        own = [unit] if self.org.kind[unit] == kind else []
        neighbour = NEIGHBOUR_CITY.get(city, city)
        return [
            self.managers(own, ManagerKind.PERSONAL),
            self.managers(self.centres([sub], kind), ManagerKind.PERSONAL),
            self.managers(self.city_units(city, kind), ManagerKind.PERSONAL),
            self.managers(self.city_units(neighbour, kind), ManagerKind.PERSONAL),
            self.managers(self.org.of_kind(kind), ManagerKind.PERSONAL),
        ]

    def seniors(self, number, aum, on, *, leave_out=()):
        """Rule A9's members for `aum` (split 0): the account sub-branch's deputy head in
        charge, its head, a city-branch officer; those named in `leave_out` are left out."""
        unit = self.client[number]["account_unit_code"]
        sub, city = self.sub_branch_of(unit), self.org.city_of(unit)
        people = {
            "DEPUTY": self.leader(sub, Position.DEPUTY_HEAD),
            "HEAD": self.leader(sub, Position.HEAD),
            "CITY": self.officer(city),
        }
        return [
            Member(people[code], TeamRole.MEMBER, 0, on)
            for code in rules.co_maintenance_needs(aum)
            if code not in leave_out and people[code] is not None
        ]

    def individual_team(self, number, on, *, segment=None, aum=None, leave_out=(), lead=None):
        """An individual's team from `on`: the lead as rules A3–A5 ask for `segment`; a high-end
        or private client banking at an outlet often keeps its outlet's manager beside; the
        seniors of rule A9 for `aum`."""
        segment = segment or self.segment(number)
        aum = self.aum(number) if aum is None else aum
        rule = rules.SEGMENT_LEADS[segment]
        qualified = set(rule[2]) or None
        if lead is None:
            lead = self.pick(self.individual_pools(number, segment), on, qualified=qualified)
        if lead is None:
            lead = self.pick(self.individual_pools(number, segment), on)
        members = [lead]
        unit = self.client[number]["account_unit_code"]
        if segment != Segment.MID and self.org.kind[unit] == UnitKind.OUTLET and self.rng.random() < 0.6:
            beside = self.pick([self.managers([unit], ManagerKind.PERSONAL)], on, exclude=members)
            if beside is not None:
                members.append(beside)
        elif segment == Segment.MID and self.rng.random() < 0.25:
            # The sub-branch's own personal managers help with its outlets' mid-range clients.
            sub = self.sub_branch_of(unit)
            beside = self.pick([self.managers([sub], ManagerKind.PERSONAL)], on, exclude=members)
            if beside is not None:
                members.append(beside)
        splits = self.splits(len(members))
        team = [
            Member(person, TeamRole.LEAD if index == 0 else TeamRole.MEMBER, split, on)
            for index, (person, split) in enumerate(zip(members, splits, strict=True))
        ]
        return team + self.seniors(number, aum, on, leave_out=leave_out)

    # the deliberate breaches

    def grown(self, numbers, value, floors):
        """Of `numbers`, those whose figure (`value`: aum or contribution) passed one of `floors`
        in the metrics' year: below it in its first month, at or above it in its last."""
        chosen = []
        for number in numbers:
            first, last = value(number, FIRST_METRICS_DAY), value(number)
            if first is not None and last is not None and any(first < floor <= last for floor in floors):
                chosen.append(number)
        return chosen

    def handover(self, number, on, new_members, *, ending, reason=""):
        """The team from `on`: the members in `ending` (employee numbers) leave the day before,
        `new_members` join (with `reason` when the change breaks a rule)."""
        before = on - datetime.timedelta(days=1)
        for member in self.teams[number]:
            if member.person["employee_no"] in ending and member.valid_to is None:
                member.valid_to = before
        serving = {member.person["employee_no"] for member in self.teams[number]}
        for member in new_members:
            member.valid_from, member.reason = on, reason
            if member.person["employee_no"] not in serving:
                self.load[member.person["employee_no"]] += 1
        self.teams[number] += new_members

    def in_force(self, number, on):
        return [
            member
            for member in self.teams[number]
            if member.valid_from <= on and (member.valid_to is None or on <= member.valid_to)
        ]

    def teams_build(self):
        """Every team, the deliberate breaches among them, then the hand-overs of the metrics'
        year."""
        corporates = [row["client_no"] for row in self.clients if row["kind"] == ClientKind.CORPORATE]
        individuals = [
            row["client_no"]
            for row in self.clients
            if row["kind"] == ClientKind.INDIVIDUAL and self.segment(row["client_no"]) in rules.SEGMENT_LEADS
        ]
        groups = defaultdict(list)
        for row in self.clients:
            if row["group_parent_no"]:
                groups[row["group_parent_no"]].append(row["client_no"])
        cases = self.deliberate(corporates, individuals, groups)
        self.group_teams(groups, cases)
        self.corporate_teams(corporates, cases)
        self.individual_teams(individuals, cases)
        self.handovers_with_reasons(cases)
        in_groups = set(groups) | {number for members in groups.values() for number in members}
        kept = set().union(*cases.values()) | in_groups
        self.takeovers(individuals, kept)
        self.clean_handovers(corporates, individuals, kept)

    def deliberate(self, corporates, individuals, groups):
        """Which clients carry a deliberate breach, each one at most: {case: [client_no]}.
        Where the year's figures tell a story (a contribution or AUM passed a line), those
        clients come first."""
        rng, plan = self.rng, self.breaches
        taken, cases = set(), {}

        def take(case, candidates, count):
            """Up to `count` more clients for `case`, the first candidates first."""
            chosen = cases.setdefault(case, [])
            for number in candidates:
                if count == 0:
                    return
                if number not in taken:
                    chosen.append(number)
                    taken.add(number)
                    count -= 1

        # Rules A1 and A2: corporates outside groups (no rule A6 to mix in), both lines.
        in_groups = set(groups) | {number for members in groups.values() for number in members}
        single = [number for number in corporates if number not in in_groups]
        rng.shuffle(single)
        large = {Grade.SENIOR: [], Grade.INTERMEDIATE: []}
        for number in single:
            if self.grade_needed(number) in large:
                large[self.grade_needed(number)].append(number)
        floors = [floor for floor, _rule, _grade in rules.CONTRIBUTION_GRADES]
        senior, intermediate = large[Grade.SENIOR], large[Grade.INTERMEDIATE]
        take("grade_later", self.grown(senior, self.contribution, floors) + senior, plan.grade_later // 2)
        take(
            "grade_later",
            self.grown(intermediate, self.contribution, floors) + intermediate,
            plan.grade_later - len(cases["grade_later"]),
        )
        steady = {  # the same line on the day of the hand-over as at the year's end
            grade: [number for number in numbers if self.grade_needed(number, CHANGE_DAYS[1]) == grade]
            for grade, numbers in large.items()
        }
        take("grade_overridden", steady[Grade.SENIOR], plan.grade_overridden // 2)
        take("grade_overridden", steady[Grade.INTERMEDIATE], plan.grade_overridden - len(cases["grade_overridden"]))

        # Rules A3–A5 and A9: individuals by their segment at the year's end.
        shuffled = individuals[:]
        rng.shuffle(shuffled)
        by_segment = defaultdict(list)
        for number in shuffled:
            by_segment[self.segment(number)].append(number)
        kind = {number: self.org.kind[self.client[number]["account_unit_code"]] for number in shuffled}
        high, private = THRESHOLDS.high_min, THRESHOLDS.private_min
        take(
            "mid_at_centre", [n for n in by_segment[Segment.MID] if kind[n] == UnitKind.VIP_CENTRE], plan.mid_at_centre
        )
        # High-end clients of an outlet below 2 million: no head to add besides the deputy (A9).
        at_outlets = [n for n in by_segment[Segment.HIGH] if kind[n] == UnitKind.OUTLET and self.aum(n) < 2 * high]
        take("high_later", self.grown(at_outlets, self.aum, [high]) + at_outlets, plan.high_later)
        take(
            "high_overridden",
            [n for n in at_outlets if self.segment(n, CHANGE_DAYS[0]) == Segment.HIGH],
            plan.high_overridden,
        )
        take("private_later", self.grown(by_segment[Segment.PRIVATE], self.aum, [private]), plan.private_later)
        passed = self.grown(by_segment[Segment.HIGH], self.aum, [2 * high, 5 * high])
        take("co_later", passed, plan.co_maintenance_later)
        above_two = [
            n for n in by_segment[Segment.HIGH] if min(self.aum(n, CHANGE_DAYS[1]) or 0, self.aum(n)) >= 2 * high
        ]
        take("co_overridden", above_two, plan.co_maintenance_overridden)

        # Rule A6: head offices whose own sub-branch has a manager of the grade their
        # contribution asks, and whose first subsidiary's city branch has corporate managers.
        heads = [
            head
            for head in sorted(groups)
            if self.pick([self.corporate_pools(head)[0]], ALLOCATION_DAYS[0], grade=self.grade_needed(head))
            and self.corporate_pools(groups[head][0])[1]
        ]
        rng.shuffle(heads)
        take("group_later", heads, plan.group_later)
        take("group_overridden", heads, plan.group_overridden)
        return cases

    def group_teams(self, groups, cases):
        """Groups (rule A6): the head office led from the province, its subsidiaries by their own
        branches. The head office's team comes first: the import judges it on its first day
        against the subsidiaries' leads of that day. For rule A6's cases the head office is led
        by its sub-branch and the first subsidiary from its city branch (or the province)."""
        rng = self.rng
        for head in sorted(groups):
            on = rng.choice(ALLOCATION_DAYS[:2])
            local, central, province = self.corporate_pools(head)
            pools = [local] if head in cases["group_later"] else [province, central, local]
            self.seat(head, self.corporate_team(head, on, lead_pools=pools))
            case = head in cases["group_later"] or head in cases["group_overridden"]
            for position, subsidiary in enumerate(groups[head]):
                start = self.team_day(after=on)
                pools = self.corporate_pools(subsidiary)[1:] if case and position == 0 else None
                self.seat(subsidiary, self.corporate_team(subsidiary, start, lead_pools=pools))

    def corporate_teams(self, corporates, cases):
        for number in corporates:
            if number in self.teams:
                continue
            on = self.team_day()
            if number in cases["grade_later"]:
                # Led by a grade below what the year's contribution asks (rules A1/A2).
                needed = self.grade_needed(number)
                lower = Grade.values[rules.GRADE_RANK[needed] - 1]
                pools = self.corporate_pools(number)[:2]
                self.seat(number, self.corporate_team(number, on, lead_pools=pools, grade=lower, below=needed))
            else:
                self.seat(number, self.corporate_team(number, on))

    def individual_teams(self, individuals, cases):
        for number in individuals:
            on = self.team_day()
            if number in cases["mid_at_centre"]:
                centre = self.client[number]["account_unit_code"]
                lead = self.pick([self.managers([centre], ManagerKind.PERSONAL)], on)
                self.seat(number, self.individual_team(number, on, lead=lead))
            elif number in cases["high_later"] or number in cases["high_overridden"]:
                # Served as a mid-range client by its outlet, before it grew high-end.
                self.seat(number, self.individual_team(number, on, segment=Segment.MID, aum=Decimal(0)))
            elif number in cases["private_later"]:
                self.seat(number, self.individual_team(number, on, segment=Segment.HIGH))
            elif number in cases["co_later"]:
                before = rules.co_maintenance_needs(self.aum(number, FIRST_METRICS_DAY))
                grown = [code for code in rules.co_maintenance_needs(self.aum(number)) if code not in before]
                self.seat(number, self.individual_team(number, on, leave_out=grown))
            else:
                self.seat(number, self.individual_team(number, on))

    def lead_of(self, number, on=None):
        team = self.in_force(number, on) if on else self.teams[number]
        return next(member for member in team if member.role == TeamRole.LEAD)

    def handovers_with_reasons(self, cases):
        """The hand-overs of the metrics' year that break a rule on their day: each new row
        carries the written reason, and the import records the override."""
        for number in cases["grade_overridden"]:
            # A colleague of a lower grade than the contribution asks takes over (rules A1/A2).
            on, lead = CHANGE_DAYS[1], self.lead_of(number)
            successor = self.pick(
                self.corporate_pools(number)[:2],
                on,
                below=self.grade_needed(number, on),
                exclude=[member.person for member in self.teams[number]],
            )
            if successor is not None:
                self.handover(
                    number,
                    on,
                    [Member(successor, TeamRole.LEAD, lead.split, on)],
                    ending={lead.person["employee_no"]},
                    reason=OVERRIDE_REASONS["grade"],
                )
        for number in cases["high_overridden"]:
            # Grown high-end: a VIP centre's manager and the seniors join, but the client keeps
            # its outlet's manager as lead (rule A4).
            on, lead = CHANGE_DAYS[0], self.lead_of(number)
            qualified = {QualificationKind.AFP, QualificationKind.CFP}
            vip = self.pick(self.individual_pools(number, Segment.HIGH)[1:], on, qualified=qualified)
            if vip is not None:
                new = [Member(lead.person, TeamRole.LEAD, 70, on), Member(vip, TeamRole.MEMBER, 30, on)]
                new += self.seniors(number, max(self.aum(number, on), self.aum(number)), on)
                ending = {member.person["employee_no"] for member in self.teams[number]}
                self.handover(number, on, new, ending=ending, reason=OVERRIDE_REASONS["placement"])
        for number in cases["co_overridden"]:
            # A new lead, and the sub-branch head leaves the team (rule A9).
            on = CHANGE_DAYS[1]
            team, lead = self.in_force(number, on), self.lead_of(number, on)
            head = next((member for member in team if member.person["position"] == Position.HEAD), None)
            segment = self.segment(number, on)
            successor = self.pick(
                self.individual_pools(number, segment),
                on,
                qualified=set(rules.SEGMENT_LEADS[segment][2]) or None,
                exclude=[member.person for member in team],
            )
            if head is not None and successor is not None:
                self.handover(
                    number,
                    on,
                    [Member(successor, TeamRole.LEAD, lead.split, on)],
                    ending={lead.person["employee_no"], head.person["employee_no"]},
                    reason=OVERRIDE_REASONS["co_maintenance"],
                )
        for head in cases["group_overridden"]:
            # The account sub-branch takes the group's lead over (rule A6): one of its managers
            # on the team (who adds their split to the lead's) or a colleague, of the grade the
            # contribution asks where there is one.
            on, lead = CHANGE_DAYS[0], self.lead_of(head)
            local = self.corporate_pools(head)[0]
            successor = self.pick([local], on, grade=self.grade_needed(head, on), exclude=[lead.person])
            successor = successor or self.pick([local], on, exclude=[lead.person])
            if successor is not None:
                helper = next((member for member in self.teams[head] if member.person is successor), None)
                self.handover(
                    head,
                    on,
                    [Member(successor, TeamRole.LEAD, lead.split + (helper.split if helper else 0), on)],
                    ending={lead.person["employee_no"], successor["employee_no"]},
                    reason=OVERRIDE_REASONS["group"],
                )

    def takeovers(self, individuals, kept):
        """A personal manager new at an outlet in the metrics' year — and the demo's manager
        login — takes the lead of the outlet's mid-range clients over from the colleagues who
        served them (a hand-over that breaks nothing), at the next quarter or month's start."""
        login = {number for _role, number in self.logins}
        outlets = defaultdict(list)
        for number in individuals:
            if number not in kept and self.segment(number) == Segment.MID:
                outlets[self.client[number]["account_unit_code"]].append(number)
        for person in self.people:
            hired = self.hired[person["employee_no"]]
            if not (
                person["position"] == Position.CUSTOMER_MANAGER
                and person["manager_kind"] == ManagerKind.PERSONAL
                and self.org.kind[person["unit_code"]] == UnitKind.OUTLET
                and (hired >= FIRST_METRICS_DAY or person["employee_no"] in login)
            ):
                continue
            on = next((day for day in TAKEOVER_DAYS if day >= hired), None)
            for number in outlets[person["unit_code"]] if on else ():
                lead = self.lead_of(number, on)
                if lead.person is person or any(m.person is person for m in self.teams[number]):
                    continue
                after = [m for m in self.in_force(number, on) if m is not lead]
                after.append(Member(person, TeamRole.LEAD, lead.split, on))
                if not self.judge(number, on, after) and not self.judge(number, AS_OF, after):
                    self.handover(number, on, after[-1:], ending={lead.person["employee_no"]})

    def clean_handovers(self, corporates, individuals, taken):
        """A lead handed over to a colleague in the metrics' year that breaks no rule, neither on
        its day (the import judges it) nor at the year's end (the report): the teams' history
        shows it. Corporates and mid-range clients, outside groups and the deliberate breaches."""
        rng = self.rng
        candidates = [number for number in corporates + individuals if number not in taken]
        rng.shuffle(candidates)
        wanted = self.breaches.clean_handovers
        for number in candidates:
            if wanted == 0:
                return
            corporate = self.client[number]["kind"] == ClientKind.CORPORATE
            if not corporate and self.segment(number) != Segment.MID:
                continue
            on = rng.choice(CHANGE_DAYS)
            team = self.in_force(number, on)
            lead = next(member for member in team if member.role == TeamRole.LEAD)
            pools = self.corporate_pools(number)[:2] if corporate else self.individual_pools(number, Segment.MID)
            grade = self.grade_needed(number) if corporate else Grade.JUNIOR
            successor = self.pick(pools, on, grade=grade, exclude=[m.person for m in team])
            if successor is None:
                continue
            after = [m for m in team if m is not lead] + [Member(successor, TeamRole.LEAD, lead.split, on)]
            if self.judge(number, on, after) or self.judge(number, AS_OF, after):
                continue
            self.handover(number, on, after[-1:], ending={lead.person["employee_no"]})
            wanted -= 1

    # --- training (S8) and contracts (A11): per year ---------------------------------------

    def training(self):
        """Each customer manager's days of the years from the one before the metrics' year to
        the last complete one before the run's day; each year drawn on its own (a later run adds
        a year and changes none)."""
        managers = sorted(
            (row for row in self.people if row["position"] == Position.CUSTOMER_MANAGER),
            key=lambda row: row["employee_no"],
        )
        for year in range(AS_OF.year - 1, self.today.year):
            rng = random.Random(f"{SEED}-training-{year}")
            present = [row for row in managers if self.hired[row["employee_no"]] <= datetime.date(year, 12, 31)]
            short = {row["employee_no"] for row in rng.sample(present, min(self.breaches.short_training, len(present)))}
            for row in present:
                if row["employee_no"] in short:
                    days = rng.randint(6, 19) / 2  # 3 to 9.5 days
                else:
                    days = rng.choices([10, 10.5, 11, 12, 13, 14, 15, 16, 18, 20], [20, 6, 14, 16, 12, 10, 8, 6, 4, 4])[
                        0
                    ]
                self.book.training.append({"employee_no": row["employee_no"], "year": year, "days": f"{days:.1f}"})

    def credited(self, on):
        """Per manager, what their book brought in around `on`: a balance (deposits, loans) or a
        year's flow (intermediate income, product sales), each client's × the manager's split."""
        totals = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
        for number, team in self.teams.items():
            month = self.figures(number, on)
            if month is None:
                continue
            deposits, loans, income, sales = month[3:]
            for member in team:
                if member.valid_from <= on and (member.valid_to is None or on <= member.valid_to) and member.split:
                    share = Decimal(member.split) / 100
                    total = totals[member.person["employee_no"]]
                    total[0] += deposits * share
                    total[1] += loans * share
                    total[2] += 12 * income * share
                    total[3] += 12 * sales * share
        return totals

    def contracts(self):
        """Rule A11: each customer manager's targets for the metrics' year (from the book of its
        first month) and each year up to the run's (from the book of the last month), a little
        above what the book brought in; a manager with an empty book gets their sub-branch's
        usual figures. A manager new in the metrics' year has no book in its first month: their
        targets come from the book they serve at the year's end, in proportion to the days of
        the last quarter they serve (新员工按在岗时间折算), so that the quarterly appraisal finds
        them near their target as it finds their colleagues. So do the targets of an indicator
        a book had none of in its first month and has at the year's end (a client with loans
        taken over, a personal loan taken out in the year: the contract adjusted in the year)."""
        managers = sorted(
            (row for row in self.people if row["position"] == Position.CUSTOMER_MANAGER),
            key=lambda row: row["employee_no"],
        )
        last_quarter = (datetime.date(AS_OF.year, 10, 1), AS_OF)
        quarter_days = (last_quarter[1] - last_quarter[0]).days + 1
        for year in range(AS_OF.year, self.today.year + 1):
            rng = random.Random(f"{SEED}-contracts-{year}")
            base_day = FIRST_METRICS_DAY if year == AS_OF.year else AS_OF
            books = self.credited(base_day)
            year_end = self.credited(AS_OF) if year == AS_OF.year else books
            growth = Decimal("1.08") ** (year - AS_OF.year) if year > AS_OF.year else Decimal(1)
            for row in managers:
                corporate = row["manager_kind"] == ManagerKind.CORPORATE
                usual = (  # deposits, loans, intermediate income, product sales of a typical book, yuan
                    [60_000_000, 40_000_000, 600_000, 400_000]
                    if corporate
                    else [25_000_000, 4_000_000, 150_000, 1_200_000]
                )
                book = books.get(row["employee_no"])
                hired = self.hired[row["employee_no"]]
                newcomer = year == AS_OF.year and hired > FIRST_METRICS_DAY
                served = Decimal((last_quarter[1] - max(hired, last_quarter[0])).days + 1) / quarter_days
                for index, indicator in enumerate(("DEPOSITS", "LOANS", "INTERMEDIATE", "PRODUCTS")):
                    # (The draws stay those of a book-less manager, so no other row changes.)
                    had = book and book[index] > 0
                    value = book[index] if had else usual[index] * drawn(rng, 0.5, 1.0)
                    ending = year_end.get(row["employee_no"])
                    if (newcomer or not had) and ending and ending[index] > 0:
                        value = ending[index] * served
                    target = round_to(value * growth * drawn(rng, 1.03, 1.2))
                    self.book.contracts.append(
                        {
                            "employee_no": row["employee_no"],
                            "year": year,
                            "indicator": indicator,
                            "target": f"{target:.2f}",
                        }
                    )

    # --- the book --------------------------------------------------------------------------

    def build(self):
        self.qualifications()
        self.teams_build()
        self.training()
        self.contracts()
        for number in sorted(self.teams):
            for member in self.teams[number]:
                self.book.assignments.append(
                    {
                        "client_no": number,
                        "employee_no": member.person["employee_no"],
                        "role": str(member.role),
                        "split": str(member.split),
                        "valid_from": member.valid_from.isoformat(),
                        "valid_to": member.valid_to.isoformat() if member.valid_to else "",
                        "override_reason": member.reason,
                    }
                )
        return self.book


def build_staffing(bank, book, scale="full", today=None):
    """The staffing rows of the demo bank `bank` and its client book `book` (the same scale);
    training and contracts run up to the year of `today` (default: the day of the run)."""
    return StaffingBuilder(bank, book, scale, today).build()
