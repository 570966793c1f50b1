"""The client registry (rules C1–C8): clients, named tier lists, monthly metrics, segments'
thresholds, and business requests."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Unit
from bankops.dated import Dated, period_constraint
from bankops.overrides import OverrideRecord, reason_constraint

MONEY = {"max_digits": 18, "decimal_places": 2}


class ClientKind(models.TextChoices):
    CORPORATE = "CORPORATE", _("Corporate")  # 对公
    INDIVIDUAL = "INDIVIDUAL", _("Individual")  # 个人


class Tier(models.TextChoices):
    """Corporate tiers, highest first. The first three are named lists (名单制); rule C2."""

    HEAD_OFFICE = "HEAD_OFFICE", _("Head-office tier")  # 总行级
    PROVINCE = "PROVINCE", _("Province tier")  # 省行级
    CITY = "CITY", _("City-branch tier")  # 二级分行级
    SUB_BRANCH = "SUB_BRANCH", _("Sub-branch tier")  # 支行级: on no list


LISTED_TIERS = [Tier.HEAD_OFFICE, Tier.PROVINCE, Tier.CITY]
PROVINCE_OWNED_TIERS = [Tier.HEAD_OFFICE, Tier.PROVINCE]


class Segment(models.TextChoices):
    """Individual segments by personal financial assets (个人金融资产); rule C4."""

    PRIVATE = "PRIVATE", _("Private banking")  # 私人银行
    HIGH = "HIGH", _("High-end")  # 高端
    MID = "MID", _("Mid-range")  # 中端
    ORDINARY = "ORDINARY", _("Ordinary")  # 普通
    POTENTIAL = "POTENTIAL", _("Potential")  # 潜力


class Client(models.Model):
    """A corporate or individual client, booked at its account branch (账户行); rule C1."""

    client_no = models.CharField(_("client no."), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ClientKind.choices)
    account_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="clients",
        verbose_name=_("account branch"),
    )
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    has_loan = models.BooleanField(_("has loans"), default=False)  # 有贷
    real_estate = models.BooleanField(_("real estate"), default=False)
    institution = models.BooleanField(_("institution or interbank"), default=False)
    import_export = models.BooleanField(_("import/export"), default=False)
    sme_chain = models.BooleanField(_("SME in a supply chain, cluster or market"), default=False)
    group_parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("group parent"),
    )
    potential = models.BooleanField(_("growth potential"), default=False)  # rule C4: POTENTIAL
    # Rule C5: an override of the computed responsible department, kept with its reason.
    responsible_override = models.CharField(_("responsible department (override)"), max_length=16, blank=True)
    responsible_override_reason = models.CharField(_("reason for the override"), max_length=200, blank=True)

    history = HistoricalRecords()
    scope_unit_lookup = "account_unit"

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            # A unit's corporate clients (rule S3's deposits and counts) without reading its individuals.
            models.Index(fields=["account_unit", "id"], condition=Q(kind="CORPORATE"), name="client_corporate_by_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_override="") | ~Q(responsible_override_reason=""),
                name="client_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.client_no})"


class TierEntry(Dated):
    """An entry of a named list (名单): a client on a tier list owned by a unit, for a period.

    Rule C2: entries are dated (valid_to inclusive, open when empty) and never overwritten: an
    entry ends, a new one starts. HEAD_OFFICE and PROVINCE lists belong to the province, CITY
    lists to a city branch. The city entries of rule C3 are not stored: they are derived from the
    upper entries when a list is read (selectors.tier_list).
    """

    client = models.ForeignKey(Client, models.PROTECT, related_name="tier_entries", verbose_name=_("client"))
    tier = models.CharField(_("tier"), max_length=12, choices=[(t.value, t.label) for t in LISTED_TIERS])
    owner_unit = models.ForeignKey(Unit, models.PROTECT, related_name="tier_entries", verbose_name=_("owner unit"))
    reason = models.CharField(_("reason"), max_length=200)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)  # kept when an entry is ended
    marketing_mode = models.CharField(  # rule C7, for province-tier relationships
        _("marketing mode"),
        max_length=20,
        blank=True,
        choices=[
            ("DIRECT_ACCEPTANCE", _("Direct acceptance")),  # 直接受理
            ("DIRECT", _("Direct marketing")),  # 直接营销
            ("LEAD", _("Lead marketing")),  # 牵头营销
            ("GUIDED", _("Guided marketing")),  # 指导营销
        ],
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    history = HistoricalRecords()
    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("tier-list entry")
        verbose_name_plural = _("tier-list entries")
        ordering = ["client_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["client", "tier", "valid_from"], name="tier_entry_key"),
            period_constraint("tier_entry_period"),
        ]
        indexes = [models.Index(fields=["owner_unit", "tier", "valid_from"])]

    def __str__(self):
        return f"{self.client} {self.get_tier_display()} {self.valid_from}–{self.valid_to or ''}"


class ClientMetric(models.Model):
    """A client's figures of one month (rule P1): the raw material of segments and appraisal.

    Millions of rows: no history (the import file is the record), one row per client and month,
    written set-based. On PostgreSQL, one partition a month (marketing.partitions).
    """

    # No index of its own: the (client, month) key leads with the client.
    client = models.ForeignKey(Client, models.CASCADE, related_name="metrics", verbose_name=_("client"), db_index=False)
    month = models.DateField(_("month"))  # the first day of the month
    deposits_avg = models.DecimalField(_("daily-average deposits"), null=True, blank=True, **MONEY)
    loans = models.DecimalField(_("loan balance"), null=True, blank=True, **MONEY)
    intermediate_income = models.DecimalField(_("intermediate-business income"), null=True, blank=True, **MONEY)
    product_sales = models.DecimalField(_("product sales"), null=True, blank=True, **MONEY)
    aum = models.DecimalField(_("personal financial assets (AUM)"), null=True, blank=True, **MONEY)
    annual_contribution = models.DecimalField(_("annual contribution"), null=True, blank=True, **MONEY)

    scope_unit_lookup = "client__account_unit"
    FIGURES = ["deposits_avg", "loans", "intermediate_income", "product_sales", "aum", "annual_contribution"]

    class Meta:
        verbose_name = _("monthly client metrics")
        verbose_name_plural = _("monthly client metrics")
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="client_metric_month"),
            models.CheckConstraint(
                condition=Q(aum__gte=0) | Q(aum__isnull=True), name="client_metric_aum_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self):
        return f"{self.client_id} {self.month:%Y-%m}"


class ResponsibleOverride(OverrideRecord):
    """Rule C5: a client's responsible department overridden with a reason (bankops.overrides).
    The client keeps the override in force (Client.responsible_override, read by the registry's
    expressions); each setting and each withdrawal is one record here, kept."""

    client = models.ForeignKey(Client, models.CASCADE, related_name="responsible_overrides", verbose_name=_("client"))
    department = models.CharField(_("responsible department"), max_length=16, blank=True)  # empty: withdrawn

    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("responsible department override")
        verbose_name_plural = _("responsible department overrides")
        ordering = ["-at", "-id"]
        constraints = [reason_constraint("responsible_override_has_reason")]

    def __str__(self):
        return f"{self.client_id} → {self.department or '—'}: {self.reason}"


class SegmentThresholds(models.Model):
    """Rule C4's thresholds (yuan of AUM), in force from a date: a change is a new row, so the
    segment of a past date is worked out with the thresholds of that date. The province's
    administrators keep them."""

    valid_from = models.DateField(_("in force from"), unique=True)
    # Rule C4's defaults, used until an administrator dates other thresholds.
    DEFAULT_PRIVATE_MIN, DEFAULT_HIGH_MIN, DEFAULT_MID_MIN = (
        Decimal("8000000.00"),
        Decimal("1000000.00"),
        Decimal("200000.00"),
    )

    private_min = models.DecimalField(_("private banking from"), default=DEFAULT_PRIVATE_MIN, **MONEY)
    high_min = models.DecimalField(_("high-end from"), default=DEFAULT_HIGH_MIN, **MONEY)
    mid_min = models.DecimalField(_("mid-range from"), default=DEFAULT_MID_MIN, **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segment thresholds")
        verbose_name_plural = _("segment thresholds")
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(private_min__gt=F("high_min")) & Q(high_min__gt=F("mid_min")) & Q(mid_min__gte=0),
                name="segment_thresholds_ordered",
                violation_error_message=_(
                    "The bands must be ordered: private banking above high-end above mid-range, none negative."
                ),
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.valid_from}"

    @classmethod
    def in_force(cls, on):
        """The thresholds in force on `on`: the latest row from before it, else the defaults."""
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first() or cls(valid_from=on)


class RequestNature(models.TextChoices):
    MAJOR = "MAJOR", _("Major (competitive, time-critical)")  # 重大业务需求
    GENERAL = "GENERAL", _("General")  # 一般性
    DAILY = "DAILY", _("Daily")  # 日常性


class BusinessRequest(models.Model):
    """A client's business request and the unit that accepts it (业务受理); rule C8."""

    client = models.ForeignKey(Client, models.PROTECT, related_name="requests", verbose_name=_("client"))
    nature = models.CharField(_("nature"), max_length=8, choices=RequestNature.choices)
    is_credit = models.BooleanField(_("credit business"), default=False)
    description = models.CharField(_("description"), max_length=300)
    client_tier = models.CharField(_("client tier at the time"), max_length=12, choices=Tier.choices)
    accepting_unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="accepted_requests", verbose_name=_("accepting unit")
    )
    routing_reason = models.CharField(_("why there"), max_length=300)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # Rule A12: a credit request's amount, and the person it goes to at the accepting unit and
    # why (filled by staffing, which knows the client's team and the grades' authorities).
    amount = models.DecimalField(_("amount requested"), null=True, blank=True, **MONEY)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handling_reason = models.CharField(_("why them"), max_length=300, blank=True)

    history = HistoricalRecords()
    scope_unit_lookup = "client__account_unit"

    class Meta:
        verbose_name = _("business request")
        verbose_name_plural = _("business requests")
        ordering = ["-received_at"]
        # Rule C8: the accepting unit's own people accept; this right lets a person accept for
        # every unit of their subtree (a city branch covering for its sub-branches).
        permissions = [("accept_subtree_requests", _("Can accept requests for the units of their subtree"))]

    def __str__(self):
        return f"{self.client} · {self.get_nature_display()}"

    @property
    def amount_label(self):
        """The amount as people read it: 12,000,000.00 yuan."""
        return "" if self.amount is None else _("%(amount)s yuan") % {"amount": f"{self.amount:,.2f}"}


# --- the read model (marketing.standing) ----------------------------------------------------


class ClientStanding(models.Model):
    """Derived, never edited: a client's standing (rules C2, C4, C5, C6) on the dates of
    StandingState's window, as selectors.with_standing computes it. marketing.standing says
    what keeps it true; the reads use it only while it is."""

    client = models.OneToOneField(Client, models.CASCADE, primary_key=True, related_name="standing")
    client_no = models.CharField(max_length=32)  # the client's, for lists paged in order within a filter
    tier = models.CharField(max_length=12)
    segment = models.CharField(max_length=10, null=True)  # noqa: DJ001 - NULL as the computed expressions answer it
    computed_responsible = models.CharField(max_length=16, null=True)  # noqa: DJ001 - NULL as the computed expressions answer it
    responsible_department = models.CharField(max_length=16, null=True)  # noqa: DJ001 - NULL as the computed expressions answer it
    deposit_department = models.CharField(max_length=16)
    aum = models.DecimalField(null=True, **MONEY)
    annual_contribution = models.DecimalField(null=True, **MONEY)
    deposits_avg = models.DecimalField(null=True, **MONEY)

    class Meta:
        indexes = [
            models.Index(fields=["client_no"]),
            models.Index(fields=["tier", "client_no"]),
            models.Index(fields=["segment", "client_no"]),
            models.Index(fields=["responsible_department", "client_no"]),
        ]

    def __str__(self):
        return f"{self.client_no} {self.tier} {self.segment or ''}"


class StandingState(models.Model):
    """The one row saying when ClientStanding may be read: for dates in [valid_from,
    valid_until) (open ends when empty), and only while built_version equals version. Database
    triggers add 1 to version on every write to units, clients, named-list entries, metrics
    and thresholds, whoever writes them (migration marketing 0007)."""

    version = models.BigIntegerField(default=0)
    built_version = models.BigIntegerField(null=True)
    as_of = models.DateField(null=True)  # the date the rows were computed for
    valid_from = models.DateField(null=True)
    valid_until = models.DateField(null=True)
    built_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"standing v{self.built_version}/{self.version} {self.valid_from}–{self.valid_until or ''}"
