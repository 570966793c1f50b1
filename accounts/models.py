"""The organisation (rules O1–O5): the unit tree, departments, leadership groups and people."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class UnitKind(models.TextChoices):
    PROVINCE = "PROVINCE", _("Province branch")  # 省行
    CITY = "CITY", _("City branch")  # 二级分行 (the province's 营业部 counts as one)
    SUB_BRANCH = "SUB_BRANCH", _("Sub-branch")  # 支行: 一级支行, 县支行, large 二级支行
    OUTLET = "OUTLET", _("Outlet")  # 网点 / city-area 二级支行
    WEALTH_CENTRE = "WEALTH_CENTRE", _("Wealth management centre")  # 财富管理中心
    VIP_CENTRE = "VIP_CENTRE", _("VIP centre")  # 贵宾理财中心


class Unit(MP_Node):
    """An org unit (机构). Rule O1: one tree, kinds fit their parent's, no cycles.

    The tree is django-treebeard's materialised path: a subtree is one indexed
    `path LIKE 'prefix%'` query, ancestors one `path IN (...)` query, whatever the depth.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    city_area = models.BooleanField(_("city-area outlet"), default=False)  # rule S3
    credit_authority = models.BooleanField(_("credit authority"), default=False)  # rule C8

    history = HistoricalRecords()

    # Scoping (rule O5): a unit is seen by whoever's unit subtree contains it.
    scope_unit_lookup = ""

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def parent_path(self):
        return self.path[: -self.steplen] if self.depth > 1 else None


class Department(models.Model):
    """A department (部门) of a unit. Rule O2; rule O3 asks every sub-branch for a MARKET one."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="departments", verbose_name=_("unit"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )

    history = HistoricalRecords()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["unit_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="department_code_unique_per_unit"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Position(models.TextChoices):
    CUSTOMER_MANAGER = "CUSTOMER_MANAGER", _("Customer manager")  # 客户经理
    ASSISTANT = "ASSISTANT", _("Manager assistant")  # 客户经理助理
    LOBBY_MANAGER = "LOBBY_MANAGER", _("Lobby manager")  # 大堂经理
    MARKETING_MANAGER = "MARKETING_MANAGER", _("Marketing manager")  # 营销经理
    WEALTH_MANAGER = "WEALTH_MANAGER", _("Wealth manager")  # 理财经理
    TELLER = "TELLER", _("Teller")  # 柜员
    HEAD = "HEAD", _("Unit head")  # 行长
    DEPUTY_HEAD = "DEPUTY_HEAD", _("Deputy head in charge")  # 分管行长
    OTHER = "OTHER", _("Other")


class ManagerKind(models.TextChoices):
    CORPORATE = "CORPORATE", _("Corporate")  # 对公
    PERSONAL = "PERSONAL", _("Personal")  # 个人


class Grade(models.TextChoices):
    """Customer-manager grades, lowest first (their order is the declaration order)."""

    JUNIOR = "JUNIOR", _("Junior")  # 初级
    INTERMEDIATE = "INTERMEDIATE", _("Intermediate")  # 中级
    SENIOR = "SENIOR", _("Senior")  # 高级
    PRINCIPAL = "PRINCIPAL", _("Principal")  # 资深


class Education(models.TextChoices):
    BELOW_BACHELOR = "BELOW_BACHELOR", _("Below bachelor")
    BACHELOR = "BACHELOR", _("Bachelor")
    MASTER = "MASTER", _("Master")
    DOCTOR = "DOCTOR", _("Doctor")


class TitleLevel(models.TextChoices):
    NONE = "NONE", _("None")
    JUNIOR = "JUNIOR", _("Junior title")
    MID = "MID", _("Mid-level title")
    SENIOR = "SENIOR", _("Senior title")


class User(AbstractUser):
    """A person who logs in: an employee of exactly one unit (rule O5).

    The username is the employee number (工号), so the employees import gives everyone a login.
    """

    name = models.CharField(_("name"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("unit"),
    )
    department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("department"),
    )
    position = models.CharField(_("position"), max_length=24, choices=Position.choices, default=Position.OTHER)
    manager_kind = models.CharField(_("manager kind"), max_length=16, choices=ManagerKind.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    credit_manager = models.BooleanField(_("credit manager"), default=False)
    vip_area = models.BooleanField(_("VIP exclusive area"), default=False)  # rule S6
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    title_level = models.CharField(_("professional title"), max_length=8, choices=TitleLevel.choices, blank=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    scope_unit_lookup = "unit"
    REQUIRED_FIELDS = []  # `createsuperuser --noinput` needs only a username and a password

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [models.Index(fields=["unit", "position"])]

    def __str__(self):
        return f"{self.name or self.username} ({self.username})"

    @property
    def employee_no(self):
        return self.username

    def get_full_name(self):
        return self.name or self.username

    def get_short_name(self):
        return self.name or self.username


class LeadershipRole(models.TextChoices):
    LEADER = "LEADER", _("Group leader")  # 组长
    DEPUTY = "DEPUTY", _("Deputy leader")  # 副组长
    MEMBER = "MEMBER", _("Member")  # 成员


class LeadershipMember(models.Model):
    """A member of a unit's marketing leadership group (市场营销领导小组). Rule O4."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="leadership", verbose_name=_("unit"))
    member = models.ForeignKey(User, models.CASCADE, related_name="leadership_seats", verbose_name=_("member"))
    role = models.CharField(_("role"), max_length=8, choices=LeadershipRole.choices, default=LeadershipRole.MEMBER)

    history = HistoricalRecords()
    scope_unit_lookup = "unit"

    class Meta:
        verbose_name = _("leadership group member")
        verbose_name_plural = _("leadership group members")
        constraints = [
            models.UniqueConstraint(fields=["unit", "member"], name="leadership_member_once_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit.name}: {self.member}"
