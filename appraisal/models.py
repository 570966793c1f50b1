"""Appraisal (SPEC.md §4): schemes (P3), reviews and base pay, the quarterly batch's results with
the client-month credits behind them (P2, P4), ratings and calibration (P9), publication and
appeals (P5), and the department appraisal's plans and timeline (P7, C9–C11).

A result belongs to one run (runs.Run, kind "appraisal"): a run writes its results under its own
id and QuarterResults switches the quarter to them when the run has finished, so a run that dies
half way leaves the results before it standing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Grade, Unit
from marketing.models import MONEY, Client
from staffing.models import Indicator

from .rules import Quarter, month_days

QUARTER = {"max_length": 6}  # "2010Q2"
SCORE = {"max_digits": 7, "decimal_places": 2}
CENTS = {"max_digits": 30, "decimal_places": 0}  # sums of money in whole cents
# The keys of a run's credits and their sums: half a million rows a run at province scale,
# written by the run alone: no foreign-key checks (they cost as much as the write) and no index
# of their own; the run deletes its rows itself (services).
UNCHECKED = {"on_delete": models.DO_NOTHING, "related_name": "+", "db_index": False, "db_constraint": False}
SHARE = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}

# SPEC.md P3 and INTERFACES.md "The quarterly appraisal": the default scheme's weights and cap.
DEFAULT_WEIGHTS = {
    Indicator.DEPOSITS: Decimal("0.4"),
    Indicator.LOANS: Decimal("0.3"),
    Indicator.INTERMEDIATE: Decimal("0.2"),
    Indicator.PRODUCTS: Decimal("0.1"),
}
DEFAULT_CAP = Decimal("1.5")
# Balances are averaged over the quarter's months against the annual target; flows are summed
# against a quarter of it (INTERFACES.md).
BALANCES = (Indicator.DEPOSITS, Indicator.LOANS)
# The client-month figure each indicator credits (rule P1).
FIGURE = {
    Indicator.DEPOSITS: "deposits_avg",
    Indicator.LOANS: "loans",
    Indicator.INTERMEDIATE: "intermediate_income",
    Indicator.PRODUCTS: "product_sales",
}


class Rating(models.TextChoices):
    """考核等次, best first (rule P9)."""

    EXCELLENT = "EXCELLENT", _("Excellent")  # 优秀
    GOOD = "GOOD", _("Good")  # 良好
    COMPETENT = "COMPETENT", _("Competent")  # 称职
    NEEDS_IMPROVEMENT = "NEEDS_IMPROVEMENT", _("Needs improvement")  # 基本称职
    UNSATISFACTORY = "UNSATISFACTORY", _("Unsatisfactory")  # 不称职


class ResultStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    APPROVED = "APPROVED", _("Approved")
    PUBLISHED = "PUBLISHED", _("Published")


class Scheme(models.Model):
    """An appraisal scheme (考核方案, rule P3), one version of it. A version is never changed once
    saved: editing the scheme saves the next version (services.scheme_save), and each result
    records the version it used. The newest version is the one a new run takes."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    quantitative_share = models.DecimalField(_("quantitative share"), default=Decimal("0.80"), **SHARE)
    qualitative_share = models.DecimalField(_("qualitative share"), default=Decimal("0.20"), **SHARE)
    # Rule P9: rating shares of a city branch's managers and the score lines.
    excellent_share = models.DecimalField(_("share rated excellent"), default=Decimal("0.15"), **SHARE)
    good_share = models.DecimalField(_("share rated good or better"), default=Decimal("0.50"), **SHARE)
    needs_improvement_below = models.DecimalField(
        _("total below which the rating is needs improvement"), default=Decimal("60"), **SCORE
    )
    unsatisfactory_below = models.DecimalField(
        _("total below which the rating is unsatisfactory"), default=Decimal("40"), **SCORE
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("saved by")
    )

    class Meta:
        verbose_name = _("appraisal scheme")
        verbose_name_plural = _("appraisal schemes")
        ordering = ["-version"]

    def __str__(self):
        return f"{self.name} v{self.version}"


class SchemeIndicator(models.Model):
    """One indicator of a scheme: its weight and cap; its target is the manager's performance
    contract (rule A11)."""

    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="indicators", verbose_name=_("scheme"))
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=4, validators=[MinValueValidator(0)])
    cap = models.DecimalField(
        _("completion cap"), max_digits=5, decimal_places=2, default=DEFAULT_CAP, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("scheme indicator")
        verbose_name_plural = _("scheme indicators")
        ordering = ["scheme", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "indicator"], name="scheme_indicator_once")]

    def __str__(self):
        return f"{self.get_indicator_display()} {self.weight}"


class AppraisalPolicy(models.Model):
    """The editable figures of rules P5, P6, P8 and C10 (one row; the defaults until it exists)."""

    appeal_days = models.PositiveIntegerField(_("appeal window (days after publication)"), default=15)
    promote_share = models.DecimalField(_("promotion: top share of the city branch"), default=Decimal("0.10"), **SHARE)
    exit_below = models.DecimalField(_("exit review: total below"), default=Decimal("60"), **SCORE)
    quarters_running = models.PositiveIntegerField(
        _("quarters running"), default=2, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    pay_floor_share = models.DecimalField(
        _("pay floor: share of back-office average pay"), default=Decimal("0.80"), **SHARE
    )
    direct_marketing_share = models.DecimalField(
        _("direct marketing expense: share of shadow income"), default=Decimal("0.10"), **SHARE
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal policy")
        verbose_name_plural = _("appraisal policy")

    def __str__(self):
        return str(_("Appraisal policy"))

    @classmethod
    def current(cls):
        return cls.objects.order_by("pk").first() or cls()


class Review(models.Model):
    """A manager's qualitative review of a quarter (rule P3): 0–100."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reviews", verbose_name=_("employee")
    )
    quarter = models.CharField(_("quarter"), **QUARTER)
    qualitative = models.DecimalField(
        _("qualitative score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    history = HistoricalRecords()
    scope_unit_lookup = "employee__unit"

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["employee_id", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "quarter"], name="review_key"),
            models.CheckConstraint(
                condition=Q(qualitative__gte=0) & Q(qualitative__lte=100), name="review_qualitative_range"
            ),
        ]

    def __str__(self):
        return f"{self.employee} {self.quarter}: {self.qualitative}"


class BasePay(models.Model):
    """A person's base pay of a year, before bonus (rule P8)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="base_pay", verbose_name=_("employee")
    )
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    base_pay = models.DecimalField(_("base pay"), validators=[MinValueValidator(0)], **MONEY)

    history = HistoricalRecords()
    scope_unit_lookup = "employee__unit"

    class Meta:
        verbose_name = _("base pay")
        verbose_name_plural = _("base pay")
        ordering = ["employee_id", "year"]
        constraints = [models.UniqueConstraint(fields=["employee", "year"], name="base_pay_key")]

    def __str__(self):
        return f"{self.employee} {self.year}: {self.base_pay}"


class QuarterResults(models.Model):
    """Which run's results are a quarter's (switched when a run finishes)."""

    quarter = models.CharField(_("quarter"), primary_key=True, **QUARTER)
    run = models.ForeignKey("runs.Run", models.PROTECT, related_name="+", verbose_name=_("run"))
    switched_at = models.DateTimeField(_("switched at"), auto_now=True)

    class Meta:
        verbose_name = _("quarter's results")
        verbose_name_plural = _("quarters' results")

    def __str__(self):
        return f"{self.quarter} → {self.run_id}"


class Result(models.Model):
    """A customer manager's appraisal of one quarter by one run (rules P3, P4, P9)."""

    run = models.ForeignKey("runs.Run", models.CASCADE, related_name="+", verbose_name=_("run"))
    quarter = models.CharField(_("quarter"), **QUARTER)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="appraisals", verbose_name=_("employee")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("unit"))
    city = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("city branch"))
    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="+", verbose_name=_("scheme"))
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    qualitative = models.DecimalField(_("qualitative"), **SCORE)
    # Filled by the run's city part; empty while it has not reached the manager's city branch.
    quantitative = models.DecimalField(_("quantitative"), null=True, **SCORE)
    total = models.DecimalField(_("total"), null=True, **SCORE)
    rank_city = models.PositiveIntegerField(_("rank in the city branch"), null=True)
    rank_province = models.PositiveIntegerField(_("rank in the province"), null=True)
    rank_rating = models.CharField(_("rating by rank"), max_length=20, choices=Rating.choices, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.DRAFT)
    # What the result lacked: "NO_REVIEW", "NO_TARGET:<INDICATOR>" (rule P3).
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # The annual contract targets frozen when the run began: {indicator: "amount"}.
    targets = models.JSONField(_("annual targets"), default=dict, blank=True)

    history = HistoricalRecords(excluded_fields=["run", "quarter", "unit", "city", "scheme"])
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        ordering = ["run", "rank_province", "employee_id"]
        constraints = [models.UniqueConstraint(fields=["run", "employee"], name="result_once_per_run")]
        indexes = [models.Index(fields=["run", "city", "total"], name="result_run_city")]
        permissions = [("run_appraisal", _("Can start the quarterly appraisal batch"))]

    def __str__(self):
        return f"{self.employee} {self.quarter}: {self.total}"


class ResultLine(models.Model):
    """One indicator's part of a result: actual, target, completion and points (rule P3)."""

    result = models.ForeignKey(Result, models.CASCADE, related_name="lines", verbose_name=_("result"))
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=4)
    cap = models.DecimalField(_("completion cap"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("quarter target"), null=True, **MONEY)
    actual = models.DecimalField(_("actual"), null=True, **MONEY)
    completion = models.DecimalField(_("completion"), max_digits=12, decimal_places=4, null=True)
    points = models.DecimalField(_("points"), null=True, **SCORE)

    class Meta:
        verbose_name = _("result line")
        verbose_name_plural = _("result lines")
        constraints = [models.UniqueConstraint(fields=["result", "indicator"], name="result_line_once")]

    def __str__(self):
        return f"{self.indicator}: {self.points}"


MONTH_NUMBERS = (1, 2, 3)  # a quarter's months, as Credit's columns number them


class Credit(models.Model):
    """One assignment of a client to a manager, credited by a run over the quarter (rule P2):
    the client's figures of each of the quarter's three months as the run read them, side by
    side (`days_1`, `deposits_avg_1`, …, `product_sales_3`), and the share of each credited,
    split/100 × days/days of the month. A month the assignment was not in force, or the client
    had no figures, has no days. Written set-based by the run (credit.py); the breakdown of a
    result reads them month by month (`months`).

    A quarter per row, not a month: the run writes a third of the rows it would otherwise, and
    writing them is most of its cost at province scale (bench/RESULTS.md)."""

    run = models.ForeignKey("runs.Run", **UNCHECKED)
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, **UNCHECKED)
    client = models.ForeignKey(Client, **UNCHECKED)
    first_month = models.DateField()  # the quarter's first month: month n is first_month + n - 1
    split = models.DecimalField(max_digits=5, decimal_places=2)
    days_1 = models.PositiveSmallIntegerField(null=True)
    deposits_avg_1 = models.DecimalField(null=True, **MONEY)
    loans_1 = models.DecimalField(null=True, **MONEY)
    intermediate_income_1 = models.DecimalField(null=True, **MONEY)
    product_sales_1 = models.DecimalField(null=True, **MONEY)
    days_2 = models.PositiveSmallIntegerField(null=True)
    deposits_avg_2 = models.DecimalField(null=True, **MONEY)
    loans_2 = models.DecimalField(null=True, **MONEY)
    intermediate_income_2 = models.DecimalField(null=True, **MONEY)
    product_sales_2 = models.DecimalField(null=True, **MONEY)
    days_3 = models.PositiveSmallIntegerField(null=True)
    deposits_avg_3 = models.DecimalField(null=True, **MONEY)
    loans_3 = models.DecimalField(null=True, **MONEY)
    intermediate_income_3 = models.DecimalField(null=True, **MONEY)
    product_sales_3 = models.DecimalField(null=True, **MONEY)

    class Meta:
        indexes = [models.Index(fields=["run", "employee"], name="credit_run_employee")]

    def __str__(self):
        return f"{self.employee_id} ← {self.client_id} {self.first_month:%Y-%m}"

    def months(self):
        """The client-months this row credits, in order: [CreditMonth]."""
        credited = []
        for number, month in zip(MONTH_NUMBERS, Quarter.containing(self.first_month).months, strict=True):
            days = getattr(self, f"days_{number}")
            if days is not None:
                figures = {figure: getattr(self, f"{figure}_{number}") for figure in FIGURE.values()}
                credited.append(CreditMonth(self.client, month, self.split, days, month_days(month), figures))
        return credited


@dataclass(frozen=True)
class CreditMonth:
    """One client-month of a Credit: the client's figures of the month and the share credited."""

    client: Client
    month: datetime.date
    split: Decimal
    days: int
    month_days: int
    figures: dict

    def credited(self, figure):
        """The part of the client's `figure` credited to the manager (exact)."""
        value = self.figures[figure]
        if value is None:
            return Decimal(0)
        return value * self.split * self.days / (100 * self.month_days)


class CreditSum(models.Model):
    """What a credit part wrote, summed for scoring (rule P2): per manager, month, split and days
    credited, the clients' figures added up in whole cents. Written with the credits, in their
    transaction; a manager's sums may come from several parts (credit.monthly_sums adds them)."""

    run = models.ForeignKey("runs.Run", **UNCHECKED)
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, **UNCHECKED)
    month = models.DateField()
    split = models.DecimalField(max_digits=5, decimal_places=2)
    days = models.PositiveSmallIntegerField()
    deposits_avg = models.DecimalField(null=True, **CENTS)
    loans = models.DecimalField(null=True, **CENTS)
    intermediate_income = models.DecimalField(null=True, **CENTS)
    product_sales = models.DecimalField(null=True, **CENTS)

    class Meta:
        indexes = [models.Index(fields=["run", "employee"], name="credit_sum_run_employee")]

    def __str__(self):
        return f"{self.employee_id} {self.month:%Y-%m} × {self.split}% × {self.days}"


class CreditPart(models.Model):
    """One part of a run's credits (rule P2, P4): the assignments of the clients numbered from
    `client_from` (inclusive) to `client_to` (exclusive; None: no end), frozen when the run's
    inputs are. `written` when its credits are: a part delivered twice writes nothing."""

    run = models.ForeignKey("runs.Run", models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    client_from = models.BigIntegerField()
    client_to = models.BigIntegerField(null=True)
    written = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="credit_part_once")]

    def __str__(self):
        return f"{self.run_id}/{self.number}: {self.client_from}–{self.client_to or ''}"


class Approval(models.Model):
    """A city branch's leadership group approving (and then publishing) a run's results (P5)."""

    run = models.ForeignKey("runs.Run", models.CASCADE, related_name="+", verbose_name=_("run"))
    city = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("city branch"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    appeal_until = models.DateField(_("appeals until"), null=True, blank=True)

    scope_unit_lookup = "city"

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [models.UniqueConstraint(fields=["run", "city"], name="approval_once_per_city")]

    def __str__(self):
        return f"{self.run_id} {self.city}"


class Calibration(models.Model):
    """A leadership group's move of a manager's rating by one step, with its reason (rule P9)."""

    result = models.ForeignKey(Result, models.CASCADE, related_name="calibrations", verbose_name=_("result"))
    from_rating = models.CharField(_("rating before"), max_length=20, choices=Rating.choices)
    to_rating = models.CharField(_("rating after"), max_length=20, choices=Rating.choices)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    scope_unit_lookup = "result__unit"

    class Meta:
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        ordering = ["at"]

    def __str__(self):
        return f"{self.result}: {self.from_rating} → {self.to_rating}"


class AppealStatus(models.TextChoices):
    OPEN = "OPEN", _("Open")
    UPHELD = "UPHELD", _("Upheld")
    REJECTED = "REJECTED", _("Rejected")


class Appeal(models.Model):
    """A manager's appeal of a published result (rule P5), its decision and any re-score."""

    result = models.ForeignKey(Result, models.CASCADE, related_name="appeals", verbose_name=_("result"))
    reason = models.TextField(_("reason"), max_length=2000)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decision = models.TextField(_("decision"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A re-score changes the qualitative score: both totals are kept.
    old_qualitative = models.DecimalField(_("qualitative before"), null=True, blank=True, **SCORE)
    new_qualitative = models.DecimalField(_("qualitative after"), null=True, blank=True, **SCORE)
    old_total = models.DecimalField(_("total before"), null=True, blank=True, **SCORE)
    new_total = models.DecimalField(_("total after"), null=True, blank=True, **SCORE)

    history = HistoricalRecords()
    scope_unit_lookup = "result__unit"

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["result"], condition=Q(status="OPEN"), name="appeal_one_open_per_result")
        ]

    def __str__(self):
        return f"{self.result}: {self.get_status_display()}"


# --- department appraisal (rules P7, C9–C11) -------------------------------------------------


class PlanTarget(models.Model):
    """The annual comprehensive marketing plan (年度综合营销计划, rule C9): a province-tier client's
    target for an indicator, decomposed at the start of the year to its responsible department."""

    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    client = models.ForeignKey(Client, models.PROTECT, related_name="plan_targets", verbose_name=_("client"))
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    target = models.DecimalField(_("target"), validators=[MinValueValidator(0)], **MONEY)
    department = models.CharField(_("responsible department"), max_length=16)  # a marketing.rules department

    history = HistoricalRecords()
    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("marketing plan target")
        verbose_name_plural = _("marketing plan targets")
        ordering = ["year", "department", "client_id", "indicator"]
        constraints = [models.UniqueConstraint(fields=["year", "client", "indicator"], name="plan_target_key")]

    def __str__(self):
        return f"{self.year} {self.client_id} {self.indicator}: {self.target}"


class Milestone(models.TextChoices):
    """Rule C11: the policy's timeline for each city branch, with its default due dates."""

    SELECTION = "SELECTION", _("City-tier clients selected (by 03-31)")
    STRUCTURE = "STRUCTURE", _("Marketing structure and manager allocation (by 04-30)")
    PLAN_FILED = "PLAN_FILED", _("Layered-marketing and allocation plan filed with the province (by 04-30)")
    REPORT = "REPORT", _("Report (by 06-30)")


MILESTONE_DUE = {
    Milestone.SELECTION: (3, 31),
    Milestone.STRUCTURE: (4, 30),
    Milestone.PLAN_FILED: (4, 30),
    Milestone.REPORT: (6, 30),
}


class MilestoneRecord(models.Model):
    """A city branch's step of the policy timeline in a year (rule C11): due, and done when."""

    city = models.ForeignKey(Unit, models.PROTECT, related_name="milestones", verbose_name=_("city branch"))
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    milestone = models.CharField(_("milestone"), max_length=16, choices=Milestone.choices)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    scope_unit_lookup = "city"

    class Meta:
        verbose_name = _("policy milestone")
        verbose_name_plural = _("policy milestones")
        ordering = ["year", "city_id", "due_on"]
        constraints = [models.UniqueConstraint(fields=["city", "year", "milestone"], name="milestone_key")]

    def __str__(self):
        return f"{self.city} {self.year} {self.milestone}"
