"""Staffing and assignment (SPEC.md §3): grades, qualifications, training, relationship teams
(rules A1–A10), overrides kept on record, performance contracts (A11) and the policy's settings."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Grade, Unit
from bankops.dated import Dated, period_constraint
from bankops.overrides import OverrideRecord, reason_constraint
from marketing.models import MONEY, Client

# Rule A12 and SPEC.md §3: each grade's defaults (an administrator edits the stored ones):
# pay coefficient, client capacity (A8), loan acceptance authority in yuan (A12).
GRADE_DEFAULTS = {
    Grade.JUNIOR: (Decimal("1.00"), 200, Decimal("5000000.00")),
    Grade.INTERMEDIATE: (Decimal("1.20"), 250, Decimal("20000000.00")),
    Grade.SENIOR: (Decimal("1.50"), 300, Decimal("50000000.00")),
    Grade.PRINCIPAL: (Decimal("1.80"), 400, Decimal("100000000.00")),
}


class GradePolicy(models.Model):
    """What a customer-manager grade carries: pay coefficient (P6), capacity (A8), authority (A12)."""

    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, unique=True)
    pay_coefficient = models.DecimalField(
        _("pay coefficient"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    capacity = models.PositiveIntegerField(_("client capacity"), validators=[MinValueValidator(1)])
    loan_authority = models.DecimalField(_("loan acceptance authority"), **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade policy")
        verbose_name_plural = _("grade policies")

    def __str__(self):
        return str(Grade(self.grade).label)

    @classmethod
    def table(cls):
        """{grade: GradePolicy}: the stored rows, a grade without one at its defaults."""
        stored = {policy.grade: policy for policy in cls.objects.all()}
        return {
            grade: stored.get(grade)
            or cls(grade=grade, pay_coefficient=coefficient, capacity=capacity, loan_authority=authority)
            for grade, (coefficient, capacity, authority) in GRADE_DEFAULTS.items()
        }


class StaffingPolicy(models.Model):
    """The editable figures of rules S7, S8 and S9 (one row; the defaults until it exists)."""

    certificate_deadline = models.DateField(_("certificate deadline (S7)"), default=datetime.date(2010, 12, 31))
    training_days = models.PositiveIntegerField(_("training days a year (S8)"), default=10)
    managers_per_assistant = models.PositiveIntegerField(
        _("managers per assistant (S9)"), default=5, validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staffing policy")
        verbose_name_plural = _("staffing policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls):
        return cls.objects.order_by("pk").first() or cls()


class QualificationKind(models.TextChoices):
    CM_CERT = "CM_CERT", _("Customer-manager certificate")  # 客户经理资格证书
    AFP = "AFP", _("AFP")
    CFP = "CFP", _("CFP")
    RECOGNISED = "RECOGNISED", _("Recognised by the head office")  # 总行认可的其他专业资格


class Qualification(Dated):
    """A person's qualification, valid from its issue date to its expiry date (both included)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="qualifications", verbose_name=_("employee")
    )
    kind = models.CharField(_("qualification"), max_length=12, choices=QualificationKind.choices)

    history = HistoricalRecords()
    scope_unit_lookup = "employee__unit"

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["employee_id", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "kind", "valid_from"], name="qualification_key"),
            period_constraint("qualification_period"),
        ]

    def __str__(self):
        return f"{self.employee} {self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"


class Training(models.Model):
    """Days of training a person had in a year (rule S8)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="training", verbose_name=_("employee")
    )
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    days = models.DecimalField(_("training days"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])

    history = HistoricalRecords()
    scope_unit_lookup = "employee__unit"

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["employee_id", "year"]
        constraints = [models.UniqueConstraint(fields=["employee", "year"], name="training_key")]

    def __str__(self):
        return f"{self.employee} {self.year}: {self.days}"


class TeamRole(models.TextChoices):
    LEAD = "LEAD", _("Lead")  # 主办
    MEMBER = "MEMBER", _("Member")  # 协办


class Assignment(Dated):
    """A person on a client's relationship team (客户经理配备) for a period (rules A1–A10).

    Never overwritten: a hand-over ends one assignment and starts the next. Rule A10: on every
    day a team has one lead and its splits add up to 100 (services.assignments_check)."""

    client = models.ForeignKey(Client, models.PROTECT, related_name="assignments", verbose_name=_("client"))
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assignments", verbose_name=_("employee")
    )
    role = models.CharField(_("role"), max_length=8, choices=TeamRole.choices)
    split = models.DecimalField(
        _("credit split (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("added by")
    )

    history = HistoricalRecords()
    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["client_id", "valid_from", "employee_id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "employee", "valid_from"], name="assignment_key"),
            period_constraint("assignment_period"),
            models.CheckConstraint(condition=Q(split__gte=0) & Q(split__lte=100), name="assignment_split_range"),
        ]
        indexes = [models.Index(fields=["employee", "valid_from"])]
        permissions = [("override_assignment", _("Can override a refused assignment with a written reason"))]

    def __str__(self):
        return f"{self.client} · {self.employee} ({self.get_role_display()})"


class Override(OverrideRecord):
    """A rule's refusal overridden by an authorised person, with the written reason (rules
    A1–A9; never A10): the rule, what it concerned (a client, a person, or both), who, when and
    why (bankops.overrides)."""

    client = models.ForeignKey(
        Client, models.CASCADE, null=True, blank=True, related_name="overrides", verbose_name=_("client")
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("employee"),
    )
    assignment = models.ForeignKey(
        Assignment, models.CASCADE, null=True, blank=True, related_name="overrides", verbose_name=_("assignment")
    )
    message = models.CharField(_("what the rule said"), max_length=300)

    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        ordering = ["-at"]
        constraints = [
            reason_constraint("override_has_reason"),
            models.CheckConstraint(condition=~Q(rule="A10"), name="override_never_a10"),
        ]

    def __str__(self):
        return f"{self.rule} {self.client or self.employee}: {self.reason}"


class Indicator(models.TextChoices):
    DEPOSITS = "DEPOSITS", _("Deposits")
    LOANS = "LOANS", _("Loans")
    INTERMEDIATE = "INTERMEDIATE", _("Intermediate business")
    PRODUCTS = "PRODUCTS", _("Product sales")


class PerformanceContract(Dated):
    """A manager's annual target for one indicator (绩效合约, rule A11), signed by their sub-branch.
    A dated record of the shared kit: in force from January 1st to December 31st of its year
    (set by services.contracts_save; the year stays the key, as the `contracts` import has it)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="contracts", verbose_name=_("employee")
    )
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    indicator = models.CharField(_("indicator"), max_length=16, choices=Indicator.choices)
    target = models.DecimalField(_("target"), validators=[MinValueValidator(0)], **MONEY)
    signed_by = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("signed by")
    )

    history = HistoricalRecords()
    scope_unit_lookup = "employee__unit"

    class Meta:
        verbose_name = _("performance contract")
        verbose_name_plural = _("performance contracts")
        ordering = ["employee_id", "year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "year", "indicator"], name="contract_key"),
            period_constraint("contract_period"),
        ]

    @staticmethod
    def period_of(year):
        """The days a contract of `year` is in force: the whole calendar year."""
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)

    def __str__(self):
        return f"{self.employee} {self.year} {self.get_indicator_display()}: {self.target}"

    @property
    def target_label(self):
        return f"{self.target:,.2f}"


class IndustryTeam(models.Model):
    """Rule A7: regionally concentrated clients of one industry served by a team of managers
    (团队/小组), kept by a unit for its subtree."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="industry_teams", verbose_name=_("kept by"))
    industry = models.CharField(_("industry"), max_length=50)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="industry_teams", verbose_name=_("managers")
    )
    clients = models.ManyToManyField(Client, related_name="industry_teams", verbose_name=_("clients"), blank=True)

    history = HistoricalRecords(m2m_fields=[managers, clients])
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("industry team")
        verbose_name_plural = _("industry teams")
        ordering = ["unit_id", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="industry_team_name_per_unit")]

    def __str__(self):
        return f"{self.name} ({self.industry})"


class DesignatedCentre(models.Model):
    """Rule A5: a VIP centre the province designates to serve private-banking clients, beside
    the wealth-management centres."""

    unit = models.OneToOneField(
        Unit,
        models.CASCADE,
        related_name="private_banking_designation",
        limit_choices_to={"kind": "VIP_CENTRE"},
        verbose_name=_("VIP centre"),
    )

    history = HistoricalRecords()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("VIP centre designated for private banking")
        verbose_name_plural = _("VIP centres designated for private banking")

    def __str__(self):
        return str(self.unit)
