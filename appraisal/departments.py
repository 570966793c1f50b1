"""The department appraisal (rules P7, C9, C10, C11): services and selectors of that part.

C9, plan completion. The annual comprehensive marketing plan (PlanTarget) gives province-tier
clients a target per indicator, decomposed to their responsible department (rule C5 on January
1st). A department's completion of an indicator is Σ actual / Σ target over its clients, and its
overall completion Σ actual / Σ target over every indicator. A client's actual of a year comes
from its monthly metrics (marketing.ClientMetric) of that year, in SQL:
- balances (DEPOSITS, LOANS): the **mean of the year's months on record** (AVG over the months
  the client has a figure for). Daily-average deposits averaged over the months are the year's
  daily average, the way the quarterly appraisal averages a quarter's months; a year in progress
  reads as the year to date.
- flows (INTERMEDIATE, PRODUCTS): the sum of the year's months.
The figures per department are one aggregate query (GROUP BY department, indicator over the
targets, each client's actual a correlated subquery on the metrics' (client, month) key); the
drill-down pages through a department's clients.

C10, shadow credit of city-branch marketing departments. A department of a CITY unit "markets
directly" the clients on whose team one of its people is: an assignment (staffing.Assignment)
in force on a day of the period whose employee's department it is. It is credited, as if it
were a sub-branch, with those clients' results by the formula of rule P2: a client's monthly
value × split/100 × (days of the month inside the assignment) / (days of the month), summed over
its people's assignments; a quarter's balances are the mean of its three monthly credited values
and its flows their sum (INTERFACES.md "The quarterly appraisal"). One GROUP BY over the
assignments and the metrics (department, account branch, month, split) answers every department
of the view; the division by the split is exact in Python, as in credit.py. The same results
stay at each client's account branch (rule C1): the page names them beside the department.
Double credit, never double money: the shadow figures are added to no money total. The direct
marketing expense is AppraisalPolicy.direct_marketing_share × the department's shadow
intermediate-business income of the quarter.

P7, the department's score: Σ_i w_i × 100 × clamp(completion_i, 0, cap_i) / Σ_i w_i over the
indicators that have a target (> 0), with the weights w_i and caps (default 1.5) of the current
appraisal scheme (rule P3, editable there); None when no indicator has a target, and for a shadow
department without a metrics month of its clients in the quarter (nothing on record is no data,
not a zero: its completions are None too).
- a province department (a plan department, C9): completion_i of its plan for the year;
- a city-branch department (a shadow department, C10): completion_i of its shadow credit of the
  quarter against its people's performance contracts of the year (rule A11), taken as a
  sub-branch's would be: the annual target for a balance, a quarter of it for a flow.
Rounded half-up to 2 places at the end only.

C11, the policy's timeline: one MilestoneRecord per city branch, year and milestone (due per
MILESTONE_DUE unless set otherwise, done when). A milestone is late when it was done after its
due date, or is not done and today is past it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Case, Count, DecimalField, Max, OuterRef, Q, Subquery, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import history_user, reaches, require, require_reach
from accounts.models import Department, Unit, UnitKind, User
from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS
from accounts.scoping import EVERYTHING, scope_prefix, scoped, sees_whole_bank
from bankops import bulk
from marketing.models import PROVINCE_OWNED_TIERS, Client, ClientMetric, Tier
from marketing.selectors import with_standing
from staffing.models import Assignment, Indicator, PerformanceContract
from staffing.services import refuse_records

from . import credit, rules, services
from .models import (
    BALANCES,
    DEFAULT_CAP,
    FIGURE,
    MILESTONE_DUE,
    AppraisalPolicy,
    Milestone,
    MilestoneRecord,
    PlanTarget,
)

INDICATORS = list(Indicator.values)  # DEPOSITS, LOANS, INTERMEDIATE, PRODUCTS
PLAN_PERMISSIONS = ("appraisal.add_plantarget", "appraisal.change_plantarget")
MILESTONE_PERMISSIONS = ("appraisal.add_milestonerecord", "appraisal.change_milestonerecord")
CLIENTS_PER_PAGE = 50
# A client's actual of a year, with room for a mean's cents (the money fields' own size).
ACTUAL = DecimalField(max_digits=20, decimal_places=2)


def department_name(code):
    """The Chinese name of a province marketing department (rule O2), its code when unknown."""
    return PROVINCE_MARKETING_DEPARTMENTS.get(code, code)


def year_months(year):
    """The first and the last month (first days) of `year`."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 1)


# --- the periods the pages open on ------------------------------------------------------------


def latest_metrics_month():
    """The latest month with monthly metrics (marketing.ClientMetric), None without any: one
    query, on the metrics' month index."""
    return ClientMetric.objects.aggregate(last=Max("month"))["last"]


def default_plan_year(*, user, years=None, today=None):
    """The year the plan pages open on: the latest year with plan targets `user` may read
    (`years`, newest first, when the caller has them), else the latest year with metrics, else
    this year. One query."""
    if years is None:
        years = [scoped(PlanTarget.objects.all(), user).aggregate(last=Max("year"))["last"]] if sees_plans(user) else []
    if years and years[0] is not None:
        return years[0]
    month = latest_metrics_month()
    return month.year if month else (today or timezone.localdate()).year


def default_quarter(today=None):
    """The quarter the shadow page opens on: the latest complete quarter with metrics (its last
    month on record, the quarter over), else the last quarter before today's. One query."""
    before_today = rules.Quarter.containing(today or timezone.localdate()).previous()
    month = latest_metrics_month()
    if month is None:
        return before_today
    quarter = rules.Quarter.containing(month)
    if month != quarter.months[-1]:
        quarter = quarter.previous()
    return min(quarter, before_today, key=lambda q: (q.year, q.number))


def default_timeline_year(*, user, today=None):
    """The year the timeline opens on: the latest with milestone records `user` sees, else this
    year. One query."""
    year = scoped(MilestoneRecord.objects.all(), user).aggregate(last=Max("year"))["last"]
    return year or (today or timezone.localdate()).year


# --- P7: the score ----------------------------------------------------------------------------


@dataclass
class Line:
    """One indicator of a department: target, actual, and completion = actual / target."""

    indicator: str
    target: Decimal | None = None
    actual: Decimal = Decimal(0)
    known: bool = True  # False: no figure on record for the period (no completion, not a zero)

    @property
    def completion(self):
        if not self.target or not self.known:
            return None
        return self.actual / self.target

    @property
    def percent(self):
        """The completion in per cent, 2 places (for pages)."""
        return percent(self.completion)

    @property
    def label(self):
        return Indicator(self.indicator).label


def percent(completion):
    return None if completion is None else rules.money(completion * rules.HUNDRED)


def weights_and_caps():
    """{indicator: weight}, {indicator: cap} of the current appraisal scheme (rule P3)."""
    rows = list(services.scheme_current().indicators.all())
    return {row.indicator: row.weight for row in rows}, {row.indicator: row.cap for row in rows}


def department_score(lines, weights, caps):
    """Rule P7: Σ w_i × 100 × clamp(completion_i, 0, cap_i) / Σ w_i over the lines with a target
    (> 0); None when none has one. Rounded half-up to 2 places."""
    points, weight_sum = Decimal(0), Decimal(0)
    for line in lines:
        completion, weight = line.completion, weights.get(line.indicator, Decimal(0))
        if completion is None or not weight:
            continue
        cap = caps.get(line.indicator, DEFAULT_CAP)
        points += weight * rules.HUNDRED * min(max(completion, Decimal(0)), cap)
        weight_sum += weight
    if not weight_sum:
        return None
    return rules.money(points / weight_sum)


# --- C9: plans --------------------------------------------------------------------------------


def plan_targets_check(records, *, actor):
    """Rule C9's checks of plan targets (dicts of client, year, indicator, target and
    department, see plan_targets_save): ({index: {field: message}} of the bad records, the rows
    to write). Writes nothing; one query per year of the records."""
    problems, rows = {}, []
    standing = _standing_on_new_year(records)
    for index, record in enumerate(records):
        client, year = record["client"], record["year"]
        wrong = {}
        if not reaches(actor, client.account_unit):
            wrong["client"] = _("No client has the number %(no)s.") % {"no": client.client_no}
        tier, responsible = standing.get((client.pk, year), (Tier.SUB_BRANCH, None))
        if not wrong and tier not in PROVINCE_OWNED_TIERS:
            wrong["client"] = _(
                "Client %(no)s is of the %(tier)s tier on %(day)s: the marketing plan is for head-office- "
                "and province-tier clients only (rule C9)."
            ) % {"no": client.client_no, "tier": Tier(tier).label, "day": f"{year}-01-01"}
        department = record.get("department") or responsible
        if not wrong and department not in PROVINCE_MARKETING_DEPARTMENTS:
            wrong["department"] = _("%(code)s is not a province marketing department (rule O2).") % {
                "code": department or "—"
            }
        if record["target"] is None or record["target"] < 0:
            wrong["target"] = _("A target cannot be negative.")
        if wrong:
            problems[index] = wrong
            continue
        rows.append(
            {
                "client_id": client.pk,
                "year": year,
                "indicator": record["indicator"],
                "target": record["target"],
                "department": department,
            }
        )
    return problems, rows


def plan_targets_save(records, *, actor):
    """Create or update plan targets (rule C9): dicts of client, year, indicator, target and
    department (a code of rule O2, or None for the client's responsible department of rule C5 on
    January 1st of the year). Only clients of the head-office or province tier on that day have a
    plan. Raises RecordsRefused {index: {field: message}} naming the bad records, writing nothing.
    Answers the Counts."""
    require(actor, *PLAN_PERMISSIONS)
    problems, rows = plan_targets_check(records, actor=actor)
    refuse_records(problems)
    with transaction.atomic():
        return bulk.upsert(
            PlanTarget,
            rows,
            key=("client_id", "year", "indicator"),
            fields=["target", "department"],
            actor=history_user(actor),
        ).counts


def _standing_on_new_year(records):
    """{(client pk, year): (tier, responsible department)} on January 1st of each year of
    `records` (rules C2, C5): one query per year, the registry's own SQL expressions."""
    by_year = defaultdict(set)
    for record in records:
        by_year[record["year"]].add(record["client"].pk)
    found = {}
    for year, ids in by_year.items():
        for start in range(0, len(ids), bulk.BATCH_SIZE):
            chunk = list(ids)[start : start + bulk.BATCH_SIZE]
            rows = with_standing(Client.objects.filter(pk__in=chunk), on=datetime.date(year, 1, 1)).values_list(
                "pk", "tier", "responsible_department"
            )
            for pk, tier, responsible in rows:
                found[(pk, year)] = (tier, responsible)
    return found


def _actual_expression(year):
    """A plan target's actual (rule C9; see the module's docstring): the mean of the year's
    monthly figures for a balance, their sum for a flow, as a correlated subquery."""
    first, last = year_months(year)
    months = ClientMetric.objects.filter(client_id=OuterRef("client_id"), month__gte=first, month__lte=last)

    def figure(function, name):
        return Subquery(
            months.order_by().values("client_id").annotate(value=function(name)).values("value"),
            output_field=ACTUAL,
        )

    return Case(
        *[
            When(
                indicator=indicator,
                then=figure(Avg if indicator in BALANCES else Sum, FIGURE[indicator]),
            )
            for indicator in INDICATORS
        ],
        output_field=ACTUAL,
    )


def sees_plans(user):
    """Plan completion of the province's departments is for province staff and superusers."""
    return sees_whole_bank(user)


def plan_years(*, user):
    """The years with a plan `user` may read, newest first."""
    if not sees_plans(user):
        return []
    return list(scoped(PlanTarget.objects.all(), user).order_by("-year").values_list("year", flat=True).distinct())


@dataclass
class DepartmentPlan:
    code: str
    clients: int = 0
    lines: dict = field(default_factory=dict)  # indicator → Line
    score: Decimal | None = None

    @property
    def name(self):
        return department_name(self.code)

    @property
    def ordered_lines(self):
        return [self.lines.get(indicator) or Line(indicator) for indicator in INDICATORS]

    @property
    def target(self):
        return sum((line.target or 0 for line in self.lines.values()), Decimal(0))

    @property
    def actual(self):
        return sum((line.actual for line in self.lines.values()), Decimal(0))

    @property
    def completion(self):
        """Overall: Σ actual / Σ target over every indicator."""
        return self.actual / self.target if self.target else None

    @property
    def percent(self):
        return percent(self.completion)


def plan_completion(*, user, year):
    """Rule C9 and P7 per responsible department of `year`'s plan: [DepartmentPlan], by code.
    Empty for those who may not read plans. Three queries (targets by department and indicator,
    clients by department, the scheme)."""
    if not sees_plans(user):
        return []
    targets = scoped(PlanTarget.objects.filter(year=year), user)
    figures = (
        targets.annotate(actual=_actual_expression(year))
        .values("department", "indicator")
        .annotate(target_sum=Sum("target"), actual_sum=Sum("actual", output_field=ACTUAL))
        .order_by("department", "indicator")
    )
    departments = {}
    for row in figures:
        plan = departments.setdefault(row["department"], DepartmentPlan(row["department"]))
        plan.lines[row["indicator"]] = Line(row["indicator"], row["target_sum"], row["actual_sum"] or Decimal(0))
    for code, clients in targets.order_by().values_list("department").annotate(n=Count("client", distinct=True)):
        if code in departments:
            departments[code].clients = clients
    weights, caps = weights_and_caps()
    for plan in departments.values():
        plan.score = department_score(plan.lines.values(), weights, caps)
    return [departments[code] for code in sorted(departments)]


@dataclass
class ClientPlan:
    client: Client
    lines: dict = field(default_factory=dict)

    @property
    def ordered_lines(self):
        return [self.lines.get(indicator) or Line(indicator) for indicator in INDICATORS]


def plan_clients(*, user, year, department):
    """The clients of a department's plan of `year` (the drill-down of rule C9): a queryset of
    client numbers to page through, and `plan_client_rows` for a page of them."""
    if not sees_plans(user):
        return PlanTarget.objects.none().values_list("client__client_no", flat=True)
    return (
        scoped(PlanTarget.objects.filter(year=year, department=department), user)
        .order_by("client__client_no")
        .values_list("client__client_no", flat=True)
        .distinct()
    )


def plan_client_rows(*, user, year, department, client_nos):
    """[ClientPlan] of the clients `client_nos` (a page) in a department's plan: one query."""
    rows = (
        scoped(PlanTarget.objects.filter(year=year, department=department, client__client_no__in=client_nos), user)
        .select_related("client", "client__account_unit")
        .annotate(actual=_actual_expression(year))
        .order_by("client__client_no", "indicator")
    )
    found = {}
    for target in rows:
        plan = found.setdefault(target.client_id, ClientPlan(target.client))
        plan.lines[target.indicator] = Line(target.indicator, target.target, target.actual or Decimal(0))
    return list(found.values())


# --- C10: shadow credit -----------------------------------------------------------------------


def city_prefix(user):
    """The unit path under which `user` reads city-branch departments: "" for the province and
    superusers, their unit's path otherwise (a city branch: its own), None for nothing."""
    prefix = scope_prefix(user)
    if prefix is not None and len(prefix) <= Unit.steplen:
        return EVERYTHING
    return prefix


@dataclass
class Shadow:
    """A city-branch department's shadow credit of a quarter (rule C10) and its score (P7)."""

    department: Department
    clients: int = 0
    lines: dict = field(default_factory=dict)  # indicator → Line (actual: the shadow credit)
    # The same results, recorded at each account branch (rule C1): [(unit, visible, [value per
    # indicator of INDICATORS])]; a unit outside the person's subtree is not named.
    at_account_units: list = field(default_factory=list)
    share: Decimal = Decimal(0)
    score: Decimal | None = None
    # Whether the quarter has monthly metrics of a client the department markets: without any
    # there is nothing to credit, and no score (not a zero).
    has_data: bool = True

    @property
    def ordered_lines(self):
        return [self.lines.get(indicator) or Line(indicator, known=self.has_data) for indicator in INDICATORS]

    @property
    def has_target(self):
        """Whether one of its people's contracts gives an indicator a target (> 0)."""
        return any(line.target for line in self.lines.values())

    @property
    def intermediate(self):
        line = self.lines.get(Indicator.INTERMEDIATE)
        return line.actual if line else Decimal(0)

    @property
    def share_percent(self):
        return rules.money(self.share * rules.HUNDRED)

    @property
    def expense(self):
        """The direct-marketing expense: share × shadow intermediate-business income (C10)."""
        return rules.money(self.share * self.intermediate)


def _shadow_sums(quarter, prefix):
    """[(department id, account unit id, month, month days, split, {figure: Σ cents × days})] of
    the city-branch departments under `prefix`: one GROUP BY over assignments and metrics."""
    months = quarter.months
    params = []
    for month in months:
        params += [month, month.replace(day=rules.month_days(month)), rules.month_days(month)]
    days = credit.days_sql("q.month_start", "q.month_end")
    sums = ", ".join(f"SUM({credit.cents_sql('m.' + name)} * {days})" for name in credit.FIGURES)
    tables = {
        "assignment": Assignment._meta.db_table,
        "user": User._meta.db_table,
        "department": Department._meta.db_table,
        "unit": Unit._meta.db_table,
        "client": Client._meta.db_table,
        "metric": ClientMetric._meta.db_table,
    }
    statement = f"""
        SELECT u.department_id, c.account_unit_id, q.month_start, q.month_days, a.split, {sums}
        FROM {tables["assignment"]} a
        JOIN {tables["user"]} u ON u.id = a.employee_id
        JOIN {tables["department"]} d ON d.id = u.department_id
        JOIN {tables["unit"]} du ON du.id = d.unit_id
        JOIN {tables["client"]} c ON c.id = a.client_id
        JOIN {credit.months_table(len(months))} q
          ON a.valid_from <= q.month_end AND (a.valid_to IS NULL OR a.valid_to >= q.month_start)
        JOIN {tables["metric"]} m ON m.client_id = a.client_id AND m.month = q.month_start
        WHERE du.kind = %s AND du.path LIKE %s AND m.month >= %s AND m.month <= %s
        GROUP BY u.department_id, c.account_unit_id, q.month_start, q.month_days, a.split
    """
    params += [UnitKind.CITY.value, prefix + "%", months[0], months[-1]]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for department_id, unit_id, month, days, split, *figures in cursor.fetchall():
            yield department_id, unit_id, credit.month_value(month), days, Decimal(str(split)), figures


def _quarter_figures(monthly):
    """{indicator: the quarter's value} from {figure: {month: credited}} (INTERFACES.md)."""
    return {
        indicator: rules.quarter_actual(monthly.get(FIGURE[indicator], {}).values(), indicator in BALANCES)
        for indicator in INDICATORS
    }


def shadow_credit(*, user, quarter):
    """Rule C10 and P7 for the city-branch departments `user` may see, of `quarter` (a
    rules.Quarter): [Shadow] of the departments that market clients directly, by city and code.
    A bounded number of queries whatever the size: the sums, the departments' clients, the
    departments, the account units, the contracts, the scheme and the policy."""
    prefix = city_prefix(user)
    if prefix is None:
        return []
    # {department: {unit: {figure: {month: credited}}}}
    credited = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: Decimal(0)))))
    with_data = set()  # the departments with a metrics month of a client they market
    for department_id, unit_id, month, days, split, figures in _shadow_sums(quarter, prefix):
        with_data.add(department_id)
        for name, cents_days in zip(credit.FIGURES, figures, strict=True):
            if cents_days:
                credited[department_id][unit_id][name][month] += Decimal(int(cents_days)) * split / (10000 * days)
    served = (
        Assignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=quarter.start),
            valid_from__lte=quarter.end,
            employee__department__unit__kind=UnitKind.CITY,
            employee__department__unit__path__startswith=prefix,
        )
        .order_by()
        .values_list("employee__department_id")
        .annotate(clients=Count("client", distinct=True))
    )
    clients = dict(served)
    departments = {
        department.pk: department
        for department in Department.objects.filter(pk__in=set(clients) | set(credited)).select_related("unit")
    }
    unit_ids = {unit_id for units in credited.values() for unit_id in units}
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=unit_ids)}
    visible_prefix = scope_prefix(user) or ""
    if len(visible_prefix) <= Unit.steplen:
        visible_prefix = EVERYTHING
    targets = defaultdict(dict)
    contracts = (
        PerformanceContract.objects.filter(year=quarter.year, employee__department_id__in=departments)
        .order_by()
        .values_list("employee__department_id", "indicator")
        .annotate(total=Sum("target"))
    )
    for department_id, indicator, total in contracts:
        targets[department_id][indicator] = total if indicator in BALANCES else total / 4
    weights, caps = weights_and_caps()
    share = AppraisalPolicy.current().direct_marketing_share
    shadows = []
    for department_id, department in departments.items():
        shadow = Shadow(
            department, clients=clients.get(department_id, 0), share=share, has_data=department_id in with_data
        )
        totals = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
        for unit_id, monthly in credited.get(department_id, {}).items():
            for name, months in monthly.items():
                for month, value in months.items():
                    totals[name][month] += value
            unit = units.get(unit_id)
            visible = unit is not None and unit.path.startswith(visible_prefix)
            figures = _quarter_figures(monthly)
            shadow.at_account_units.append((unit, visible, [figures[indicator] for indicator in INDICATORS]))
        shadow.at_account_units.sort(key=lambda item: item[0].path if item[0] else "")
        for indicator, value in _quarter_figures(totals).items():
            shadow.lines[indicator] = Line(indicator, targets[department_id].get(indicator), value, shadow.has_data)
        shadow.score = department_score(shadow.lines.values(), weights, caps)
        shadows.append(shadow)
    shadows.sort(key=lambda shadow: (shadow.department.unit.path, shadow.department.code))
    return shadows


# --- C11: the policy's timeline ---------------------------------------------------------------


def default_due(year, milestone):
    """A milestone's due date in `year` by MILESTONE_DUE (rule C11)."""
    month, day = MILESTONE_DUE[milestone]
    return datetime.date(year, month, day)


def milestone_record_set(*, city, year, milestone, done_on, note="", due_on=None, actor):
    """Record a city branch's milestone of `year` (rule C11): when it was done (None: not yet)
    and a note; `due_on` defaults to the stored due date, else MILESTONE_DUE's. Answers the
    record."""
    require(actor, *MILESTONE_PERMISSIONS)
    require_reach(actor, city)
    problems = {}
    if city.kind != UnitKind.CITY:
        problems["city"] = _("%(unit)s is not a city branch: the timeline is kept per city branch (rule C11).") % {
            "unit": city
        }
    if milestone not in Milestone.values:
        problems["milestone"] = _("%(value)s is not a milestone of the policy's timeline.") % {"value": milestone}
    if not 1990 <= year <= 2100:
        problems["year"] = _("The year must lie between 1990 and 2100.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        record = MilestoneRecord.objects.select_for_update().filter(city=city, year=year, milestone=milestone).first()
        if record is None:
            record = MilestoneRecord(city=city, year=year, milestone=milestone, due_on=default_due(year, milestone))
        changed = record.pk is None
        for name, value in (("due_on", due_on or record.due_on), ("done_on", done_on), ("note", note or "")):
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            record._history_user = history_user(actor)
            record.save()
    return record


DONE, DONE_LATE, OVERDUE, OPEN = "DONE", "DONE_LATE", "OVERDUE", "OPEN"


def milestone_status(due_on, done_on, today):
    """Rule C11: DONE (on or before the due date), DONE_LATE (after it), OVERDUE (not done and
    today past it), OPEN (not done, not yet due)."""
    if done_on is not None:
        return DONE_LATE if done_on > due_on else DONE
    return OVERDUE if today > due_on else OPEN


@dataclass
class Step:
    milestone: str
    due_on: datetime.date
    done_on: datetime.date | None
    note: str
    status: str

    @property
    def late(self):
        return self.status in (DONE_LATE, OVERDUE)

    @property
    def label(self):
        return Milestone(self.milestone).label


def timeline(*, user, year, today=None):
    """Rule C11: [(city unit, [Step per milestone])] of the city branches `user` sees (the
    province every one, a city branch its own), with unrecorded milestones due by default. Two
    queries."""
    today = today or timezone.localdate()
    cities = list(scoped(Unit.objects.filter(kind=UnitKind.CITY), user).order_by("path"))
    records = {
        (record.city_id, record.milestone): record
        for record in scoped(MilestoneRecord.objects.filter(year=year, city__in=cities), user)
    }
    rows = []
    for city in cities:
        steps = []
        for milestone in Milestone.values:
            record = records.get((city.pk, milestone))
            due_on = record.due_on if record else default_due(year, milestone)
            done_on = record.done_on if record else None
            steps.append(
                Step(
                    milestone, due_on, done_on, record.note if record else "", milestone_status(due_on, done_on, today)
                )
            )
        rows.append((city, steps))
    return rows


def may_record_cities(*, actor):
    """The city branches `actor` may record milestones of: those of their reach, with the right."""
    try:
        require(actor, *MILESTONE_PERMISSIONS)
    except PermissionDenied:
        return Unit.objects.none()
    prefix = scope_prefix(actor)
    return Unit.objects.filter(kind=UnitKind.CITY, path__startswith=prefix).order_by("path")
