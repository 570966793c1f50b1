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
  and the city headquarters, a little more in the larger cities.

`appraise` then runs the batch (rule P4) of RUN_QUARTERS through the services as the SYSTEM
actor, in the seed's transaction, and finishes the story the pages show:
- the earlier quarter approved and published in every city branch (P5); the Hefei manager without
  a review appeals, and the appeal is upheld with a re-score;
- the later quarter approved and published but in DRAFT_CITIES, which wait for their leadership
  group with one rating calibrated (P9); the demo's customer-manager login appeals their result,
  the appeal left open.
A quarter whose results exist already is left as it is, so a second seed changes nothing.
"""

import csv
import datetime
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.actors import SYSTEM
from accounts.models import Grade, Position, Unit, UnitKind, User
from appraisal import rules, services
from appraisal.models import QuarterResults, Result, ResultStatus
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
                calibrate(run, city, SYSTEM)
            else:
                publish(run, city, SYSTEM)
        people = User.objects.in_bulk([book.late_review[0]] + [no for _role, no in bank.logins], field_name="username")
        if quarter == book.late_review[1]:
            late_appeal(run, people[book.late_review[0]], book.late_review[2], SYSTEM)
        if quarter == RUN_QUARTERS[-1]:
            login = next((no for role, no in bank.logins if role == APPELLANT_LOGIN), None)
            if login in people:
                open_appeal(run, people[login])
        lines.append(
            f"appraisal {quarter}: {run.summary} Draft city branches: {', '.join(c.name for c in drafts) or '—'}"
        )
    return lines


def result_rows(run):
    return Result.objects.filter(run=run)


def run_batch(quarter, actor):
    """Start the quarter's run and take it through its three steps here, in the seed's
    transaction: the task the start sends when the transaction commits (in-process, in a thread
    or through a broker) then finds the run claimed and does nothing."""
    run = services.appraisal_run_start(quarter=quarter, actor=actor)
    for city_id in services.appraisal_prepare(run.pk) or []:
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


def late_appeal(run, person, qualitative, actor):
    """The manager whose review was never sent appeals; upheld, with the review's score."""
    result = result_rows(run).get(employee=person)
    appeal = services.appeal_file(result, reason=LATE_APPEAL, actor=person)
    services.appeal_decide(appeal, upheld=True, decision=LATE_DECISION, qualitative=qualitative, actor=actor)


def open_appeal(run, person):
    """The demo's customer-manager login appeals their published result (left open)."""
    result = result_rows(run).filter(employee=person, status=ResultStatus.PUBLISHED).first()
    if result is not None:
        services.appeal_file(result, reason=OPEN_APPEAL, actor=person)
