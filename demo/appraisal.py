"""The demo bank's appraisal (SPEC.md §4): reviews and base pay as bulk-import rows (KINDs reviews
and pay), and the quarterly batch of the metrics' last two quarters with its approvals,
publications, a calibration and appeals.

The rows are drawn from the rows of demo.org with a seeded `random.Random` of its own, each
quarter's and year's on their own stream, so every run yields the same rows; they enter through
the import engine like the rest of the demo:
- reviews (rule P3): a qualitative score 0–100 of every customer manager for each complete quarter
  of the metrics' year, around a level of their own; a few managers have none in a quarter (their
  result is flagged NO_REVIEW), one of them a Hefei manager whose 2025Q3 review was never sent;
- base pay (rule P8) of the metrics' year for every employee: the back office (TELLER, OTHER) below
  the customer managers, who go by their grade, the heads and deputies above; more at the province
  and the city headquarters, a little more in the larger cities. The newest managers of each city
  branch (BELOW_FLOOR_PER_CITY, on probation pay) earn less than the pay floor (the policy's
  default share of their city branch's back-office average), so the bonus page tops them up,
  and a small pool cannot meet the floors.

`appraise` then runs the batch (rule P4) of RUN_QUARTERS through the services as the SYSTEM
actor, in the seed's transaction, and finishes the story the pages show:
- the earlier quarter approved and published in every city branch (P5); the Hefei manager without
  a review appeals, and the appeal is upheld with a re-score;
- the later quarter approved and published but in DRAFT_CITIES, which wait for their leadership
  group with one rating calibrated (P9); the demo's customer-manager login appeals their result,
  the appeal left open.
A quarter whose results exist already is left as it is, so a second seed changes nothing.

`department_appraisal` then gives the department appraisal (rules C9, C11) its year, through the
services as SYSTEM, deterministic and idempotent (a second seed writes nothing):
- the annual marketing plan (C9): a target per indicator for every head-office- and province-tier
  client (its tier on January 1st), to its responsible department of that day (rule C5); each
  drawn from the client's own figures of the year, so completions come out around 0.7–1.3;
- the policy's timeline (C11): every milestone of every city branch, most done on time, a few
  late (with a reason), one or two not done.
"""

import csv
import datetime
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db.models import Avg, Sum

from accounts.actors import SYSTEM
from accounts.models import Grade, LeadershipMember, Position, Unit, UnitKind, User
from appraisal import departments, rules, services
from appraisal.models import (
    BALANCES,
    FIGURE,
    AppraisalPolicy,
    Milestone,
    QuarterResults,
    Result,
    ResultStatus,
)
from marketing.models import PROVINCE_OWNED_TIERS, Client, ClientMetric
from marketing.selectors import with_standing
from runs.models import RunStatus

from . import org

SEED = 201023 + 3  # a stream of its own: the org's, the clients' and the staffing's draws stay as they are
YEAR = org.AS_OF.year  # the metrics' year: its four quarters are complete
QUARTERS = [f"{YEAR}Q{number}" for number in (1, 2, 3, 4)]
RUN_QUARTERS = [f"{YEAR}Q3", f"{YEAR}Q4"]  # the batches the demo has run
DRAFT_CITIES = ["HB", "CZ"]  # left as drafts in the last quarter (those of the scale)
LATE_REVIEW_CITY, LATE_REVIEW_QUARTER = "HF", f"{YEAR}Q3"  # the review that was never sent
APPELLANT_LOGIN = "Wuhu outlet customer manager"  # demo.org's label of the login who appeals
MISSING_SHARE = 0.02  # managers without a review in a quarter

REVIEW_COLUMNS = ["employee_no", "quarter", "qualitative", "comment"]
PAY_COLUMNS = ["employee_no", "year", "base_pay"]

PRAISE = [
    "季度营销目标完成较好，客户走访和维护记录完整",
    "牵头落地重点客户项目，团队协作积极",
    "存款拓展成效突出，客户满意度高",
]
CRITIQUE = [
    "客户走访频次不足，营销过程记录不完整",
    "产品交叉营销偏弱，需加强重点产品推介",
    "客户信息维护不及时，需加强基础管理",
]

# Yearly base pay in yuan (low, high) by position; customer managers by grade.
PAY = {
    Position.HEAD: (250_000, 300_000),
    Position.DEPUTY_HEAD: (195_000, 240_000),
    Position.WEALTH_MANAGER: (110_000, 135_000),
    Position.MARKETING_MANAGER: (100_000, 125_000),
    Position.LOBBY_MANAGER: (82_000, 96_000),
    Position.ASSISTANT: (76_000, 90_000),
    Position.TELLER: (68_000, 84_000),
    Position.OTHER: (78_000, 105_000),
}
MANAGER_PAY = {
    Grade.JUNIOR: (92_000, 112_000),
    Grade.INTERMEDIATE: (118_000, 142_000),
    Grade.SENIOR: (148_000, 178_000),
    Grade.PRINCIPAL: (182_000, 215_000),
    "": (92_000, 112_000),
}
SEATED = Decimal("1.35")  # a department head on a leadership group (OTHER)
LEVEL = {UnitKind.PROVINCE: Decimal("1.18"), UnitKind.CITY: Decimal("1.06")}
CITY_PAY = {"YYB": Decimal("1.10"), "HF": Decimal("1.10"), "WH": Decimal("1.04"), "MAS": Decimal("1.04")}
LEAN_PAY = Decimal("0.95")
# Rule P8's floor: the policy's default share of the city branch's back-office average pay.
FLOOR_SHARE = AppraisalPolicy._meta.get_field("pay_floor_share").default
BACK_OFFICE = (Position.TELLER, Position.OTHER)
BELOW_FLOOR_PER_CITY = 3  # the newest managers of each city branch, on probation pay
BELOW_FLOOR = (0.86, 0.97)  # their base pay, as a share of the floor

# The marketing plan (rule C9): a target = the year's figure ÷ a completion drawn around 1.
PLAN_COMPLETION = (1.0, 0.14, 0.7, 1.3)  # mean, spread, lowest, highest
PLAN_DIGITS = 3  # targets are round figures: three significant digits
# The policy's timeline (rule C11): done a few days to weeks before the due date, or late.
EARLY_DAYS = (2, 25)
LATE_DAYS = (4, 30)
LATE_SHARE = 0.12  # of the milestones, at least two
LATE_NOTES = {
    Milestone.SELECTION: "分行名单评审会延期召开，城市行级客户名单推迟确定",
    Milestone.STRUCTURE: "分行班子调整，营销架构和客户经理配备方案推迟审定",
    Milestone.PLAN_FILED: "分层营销及配备方案经省分行退回修改后重新报备",
    Milestone.REPORT: "报告数据口径与省分行核对后补报",
}
NOT_DONE_NOTE = "报告初稿已完成，待分行行长办公会审议后报送"

CALIBRATION_UP = "季度内牵头落地重点项目，定量指标未能充分体现，经领导班子集体研究上调一档"
CALIBRATION_DOWN = "季度内发生经核实的客户投诉，经领导班子集体研究下调一档"
LATE_APPEAL = "本人三季度定性评价未按时报送，系统按0分计入，申请补评并重新计分"
LATE_DECISION = "经核实，所在支行未按时报送三季度定性评价，按支行补报意见补评，重新计分"
OPEN_APPEAL = "四季度承接网点中端客户，交接当月部分客户的日均存款未计入本人业绩，申请复核"


@dataclass
class AppraisalBook:
    reviews: list = field(default_factory=list)
    pay: list = field(default_factory=list)
    late_review: tuple = ()  # (employee_no, quarter, the score the re-score gives)

    def csv(self, kind):
        columns, rows = {"reviews": (REVIEW_COLUMNS, self.reviews), "pay": (PAY_COLUMNS, self.pay)}[kind]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")


def quarter_end(quarter):
    return rules.Quarter.parse(quarter).end


class AppraisalBuilder:
    def __init__(self, bank):
        self.bank = bank
        self.book = AppraisalBook()
        self.kind = {row["code"]: row["kind"] for row in bank.units}
        self.parent = {row["code"]: row["parent_code"] for row in bank.units}
        self.logins = {number for _role, number in bank.logins}
        self.seated = {number for _unit, number, _role in bank.seats}
        self.managers = sorted(
            (row for row in bank.employees if row["position"] == Position.CUSTOMER_MANAGER),
            key=lambda row: row["employee_no"],
        )

    def city_of(self, code):
        """The city branch of a unit (the province's own units: the province)."""
        while self.parent[code] and self.kind[self.parent[code]] != UnitKind.PROVINCE:
            code = self.parent[code]
        return code

    def hired(self, row):
        return datetime.date.fromisoformat(row["hired_on"])

    def reviews(self):
        rng = random.Random(f"{SEED}-levels")
        level = {row["employee_no"]: min(96.0, max(58.0, rng.gauss(80, 7))) for row in self.managers}
        late = [
            row
            for row in self.managers
            if self.city_of(row["unit_code"]) == LATE_REVIEW_CITY
            and row["employee_no"] not in self.logins
            and self.hired(row) <= quarter_end(f"{YEAR}Q1")
        ]
        late_no = rng.choice(late)["employee_no"]
        self.book.late_review = (late_no, LATE_REVIEW_QUARTER, Decimal(round(level[late_no])))
        for quarter in QUARTERS:
            rng = random.Random(f"{SEED}-reviews-{quarter}")
            present = [row for row in self.managers if self.hired(row) <= quarter_end(quarter)]
            eligible = [row for row in present if row["employee_no"] not in self.logins]
            missing = {row["employee_no"] for row in rng.sample(eligible, max(1, round(MISSING_SHARE * len(present))))}
            if quarter == LATE_REVIEW_QUARTER:
                missing.add(late_no)
            for row in present:  # each present manager's draws, reviewed or not: the stream stays put
                score = round(min(99.0, max(50.0, level[row["employee_no"]] + rng.gauss(0, 3.5))))
                comment = ""
                if score >= 90:
                    comment = rng.choice(PRAISE)
                elif score < 66:
                    comment = rng.choice(CRITIQUE)
                if row["employee_no"] in missing:
                    continue
                self.book.reviews.append(
                    {"employee_no": row["employee_no"], "quarter": quarter, "qualitative": score, "comment": comment}
                )

    def pay(self):
        rng = random.Random(f"{SEED}-pay-{YEAR}")
        for row in sorted(self.bank.employees, key=lambda row: row["employee_no"]):
            position = row["position"]
            low, high = MANAGER_PAY[row["grade"]] if position == Position.CUSTOMER_MANAGER else PAY[position]
            amount = Decimal(rng.randint(low, high))
            amount *= LEVEL.get(self.kind[row["unit_code"]], Decimal(1))
            city = self.city_of(row["unit_code"])
            amount *= LEAN_PAY if city in org.LEAN_CITIES else CITY_PAY.get(city, Decimal(1))
            if position == Position.OTHER and row["employee_no"] in self.seated:
                amount *= SEATED
            self.book.pay.append(
                {"employee_no": row["employee_no"], "year": YEAR, "base_pay": f"{round(amount, -2):.2f}"}
            )
        self.below_floor()

    def below_floor(self):
        """Rule P8's floor at work: the BELOW_FLOOR_PER_CITY newest managers of each city branch
        (not a demo login) paid BELOW_FLOOR of the floor. On a stream of their own: every other
        row stays as drawn."""
        rng = random.Random(f"{SEED}-floor-{YEAR}")
        rows = {row["employee_no"]: row for row in self.bank.employees}
        back_office = defaultdict(list)
        for pay in self.book.pay:
            row = rows[pay["employee_no"]]
            if row["position"] in BACK_OFFICE:
                back_office[self.city_of(row["unit_code"])].append(Decimal(pay["base_pay"]))
        newest = defaultdict(list)
        for row in self.managers:
            city = self.city_of(row["unit_code"])
            if self.kind[city] == UnitKind.CITY and row["employee_no"] not in self.logins:
                newest[city].append(row)
        chosen = {}
        for city in sorted(newest):
            if not back_office[city]:
                continue
            floor = FLOOR_SHARE * sum(back_office[city]) / len(back_office[city])
            latest = sorted(newest[city], key=lambda row: (row["hired_on"], row["employee_no"]), reverse=True)
            for row in latest[:BELOW_FLOOR_PER_CITY]:
                share = Decimal(str(round(rng.uniform(*BELOW_FLOOR), 3)))
                chosen[row["employee_no"]] = (floor * share / 100).to_integral_value(ROUND_FLOOR) * 100
        for pay in self.book.pay:
            if pay["employee_no"] in chosen:
                pay["base_pay"] = f"{chosen[pay['employee_no']]:.2f}"

    def build(self):
        self.reviews()
        self.pay()
        return self.book


def build_appraisal(bank):
    """The reviews and base pay of the demo bank `bank` (demo.org.build_bank, either scale)."""
    return AppraisalBuilder(bank).build()


# --- the batch and what follows it (through the services) -------------------------------------


def appraise(bank, book):
    """Run the batch of RUN_QUARTERS whose results do not exist yet, approve, publish, calibrate
    and appeal as the module says; answers lines to print. Raises RuntimeError when a run did not
    succeed."""
    lines = []
    for quarter in RUN_QUARTERS:
        if QuarterResults.objects.filter(quarter=quarter).exists():
            lines.append(f"appraisal {quarter}: results exist, left as they are")
            continue
        run = run_batch(quarter, SYSTEM)
        cities = sorted(
            Unit.objects.filter(pk__in=result_rows(run).values("city_id").distinct()), key=lambda unit: unit.path
        )
        drafts = [city for city in cities if quarter == RUN_QUARTERS[-1] and city.code in DRAFT_CITIES]
        for city in cities:
            if city in drafts:
                calibrate(run, city, leader(city))
            else:
                publish(run, city, leader(city))
        people = User.objects.in_bulk([book.late_review[0]] + [no for _role, no in bank.logins], field_name="username")
        if quarter == book.late_review[1]:
            late_appeal(run, people[book.late_review[0]], book.late_review[2])
        if quarter == RUN_QUARTERS[-1]:
            login = next((no for role, no in bank.logins if role == APPELLANT_LOGIN), None)
            if login in people:
                open_appeal(run, people[login])
        lines.append(
            f"appraisal {quarter}: {run.summary} Draft city branches: {', '.join(c.name for c in drafts) or '—'}"
        )
    lines += department_appraisal(bank)
    return lines


# --- the department appraisal (rules C9, C11) ---------------------------------------------------


def department_appraisal(bank):
    """The year's marketing plan and policy timeline, as the module says; answers lines to print."""
    counts = departments.plan_targets_save(plan_records(), actor=SYSTEM)
    lines = [f"marketing plan {YEAR}: {counts}"]
    records = milestones(bank)
    lines.append(
        f"policy timeline {YEAR}: {len(records)} milestones of {len({r.city_id for r in records})} city branches, "
        f"{sum(r.done_on is not None and r.done_on > r.due_on for r in records)} done late, "
        f"{sum(r.done_on is None for r in records)} not done"
    )
    return lines


def significant(value, digits=PLAN_DIGITS):
    """`value` (> 0) rounded half-up to `digits` significant digits, a whole number of yuan."""
    exponent = max(value.adjusted() - digits + 1, 0)
    return value.scaleb(-exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(exponent).quantize(Decimal(1))


def plan_records():
    """Plan targets of YEAR (dicts for departments.plan_targets_save) for the head-office- and
    province-tier clients of January 1st: per indicator with a figure in the year (the mean of
    the months for a balance, their sum for a flow), that figure ÷ a completion drawn around 1.
    Two queries; the draws in client-number order, one per client and indicator."""
    first, last = departments.year_months(YEAR)
    clients = list(
        with_standing(Client.objects.select_related("account_unit"), on=first)
        .filter(tier__in=PROVINCE_OWNED_TIERS)
        .order_by("client_no")
    )
    aggregates = {
        indicator: (Avg if indicator in BALANCES else Sum)(FIGURE[indicator]) for indicator in departments.INDICATORS
    }
    figures = {
        row["client_id"]: row
        for row in ClientMetric.objects.filter(client__in=clients, month__gte=first, month__lte=last)
        .order_by()
        .values("client_id")
        .annotate(**aggregates)
    }
    rng = random.Random(f"{SEED}-plans-{YEAR}")
    mean, spread, low, high = PLAN_COMPLETION
    records = []
    for client in clients:
        for indicator in departments.INDICATORS:
            completion = min(high, max(low, rng.gauss(mean, spread)))  # drawn for every pair
            actual = figures.get(client.pk, {}).get(indicator)
            if not actual or actual <= 0:
                continue
            target = significant(Decimal(str(actual)) / Decimal(str(round(completion, 4))))
            records.append(
                {"client": client, "year": YEAR, "indicator": indicator, "target": target, "department": None}
            )
    return records


def milestones(bank):
    """Every milestone of YEAR of every city branch (rule C11): done some days before its due
    date, but LATE_SHARE (at least two) done after it, with a reason, and one (two in a larger
    bank) report not done yet. Answers the records."""
    codes = sorted(row["code"] for row in bank.units if row["kind"] == UnitKind.CITY)
    cities = Unit.objects.in_bulk(codes, field_name="code")
    rng = random.Random(f"{SEED}-milestones-{YEAR}")
    steps = [(code, milestone) for code in codes for milestone in Milestone.values]
    not_done = set(rng.sample([(code, Milestone.REPORT) for code in codes], 1 if len(codes) < 5 else 2))
    others = [step for step in steps if step not in not_done]
    late = set(rng.sample(others, max(2, round(LATE_SHARE * len(steps)))))
    records = []
    for code, milestone in steps:
        due = departments.default_due(YEAR, milestone)
        early, overdue = rng.randint(*EARLY_DAYS), rng.randint(*LATE_DAYS)  # drawn for every step
        done, note = due - datetime.timedelta(days=early), ""
        if (code, milestone) in late:
            done, note = due + datetime.timedelta(days=overdue), LATE_NOTES[milestone]
        elif (code, milestone) in not_done:
            done, note = None, NOT_DONE_NOTE
        records.append(
            departments.milestone_record_set(
                city=cities[code], year=YEAR, milestone=milestone, done_on=done, note=note, actor=SYSTEM
            )
        )
    return records


def result_rows(run):
    return Result.objects.filter(run=run)


def run_batch(quarter, actor):
    """Start the quarter's run and take it through its four steps here, in the seed's
    transaction: the task the start sends when the transaction commits (in-process, in a thread
    or through a broker) then finds the run claimed and does nothing."""
    run = services.appraisal_run_start(quarter=quarter, actor=actor)
    for number in services.appraisal_prepare(run.pk) or []:
        for city_id in services.appraisal_credit_part(run.pk, number):
            if services.appraisal_city_part(run.pk, city_id):
                services.appraisal_finish(run.pk)
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise RuntimeError(f"the demo appraisal of {quarter} ended {run.status}: {run.summary}")
    return run


def publish(run, city, actor):
    services.results_approve(run=run, city=city, actor=actor)
    services.results_publish(run=run, city=city, actor=actor)


def calibrate(run, city, actor):
    """One rating of a draft city branch moved within the shares (rule P9): the best-ranked
    result that may go one step up, else the worst-ranked good one one step down."""
    results = list(result_rows(run).filter(city=city).select_related("scheme", "city").order_by("rank_city", "pk"))
    ratings = [result.rating for result in results]
    for result in results:
        index = rules.RATINGS.index(result.rating)
        if index == 0:
            continue
        up = rules.RATINGS[index - 1]
        if rules.calibration_problem(result.rating, up, ratings, services.rating_lines(result.scheme)) is None:
            services.result_calibrate(result, rating=up, reason=CALIBRATION_UP, actor=actor)
            return
    for result in reversed(results):  # a move down is always within the shares
        index = rules.RATINGS.index(result.rating)
        if index < len(rules.RATINGS) - 1:
            services.result_calibrate(result, rating=rules.RATINGS[index + 1], reason=CALIBRATION_DOWN, actor=actor)
            return


def leader(city):
    """Who acts for the city branch's leadership group in the demo (approves, calibrates, decides
    appeals): its first member (rule O4), or SYSTEM where it has none."""
    seat = LeadershipMember.objects.filter(unit=city).select_related("member").order_by("pk").first()
    return seat.member if seat else SYSTEM


def late_appeal(run, person, qualitative):
    """The manager whose review was never sent appeals; upheld, with the review's score, by their
    city branch's leadership group."""
    result = result_rows(run).select_related("city").get(employee=person)
    appeal = services.appeal_file(result, reason=LATE_APPEAL, actor=person)
    services.appeal_decide(
        appeal, upheld=True, decision=LATE_DECISION, qualitative=qualitative, actor=leader(result.city)
    )


def open_appeal(run, person):
    """The demo's customer-manager login appeals their published result (left open)."""
    result = result_rows(run).filter(employee=person, status=ResultStatus.PUBLISHED).first()
    if result is not None:
        services.appeal_file(result, reason=OPEN_APPEAL, actor=person)
