"""Policy rules of the organisation (SPEC.md §1) as pure functions over plain values.

A rule that is broken answers a `Breach` (its rule ID and a human message), never a bool,
so that a report, a form and a test all speak of the same thing.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Position, UnitKind

PROVINCE, CITY, SUB_BRANCH, OUTLET = UnitKind.PROVINCE, UnitKind.CITY, UnitKind.SUB_BRANCH, UnitKind.OUTLET

# rule O1: which kind of unit may hang under which (None: the root, no parent). Every kind
# hangs only under kinds above it, so a cycle cannot form (tests pin that the table descends).
ALLOWED_PARENT_KINDS = {
    PROVINCE: {None},
    CITY: {PROVINCE},
    SUB_BRANCH: {CITY},
    OUTLET: {SUB_BRANCH},
    UnitKind.WEALTH_CENTRE: {SUB_BRANCH, CITY},
    UnitKind.VIP_CENTRE: {SUB_BRANCH, CITY},
}

# rule O2: the province's marketing departments (营销部门), by code.
PROVINCE_MARKETING_DEPARTMENTS = {
    "CORP1": "公司业务一部",
    "CORP2": "公司业务二部",
    "SME": "小企业金融业务部",
    "SETTLEMENT": "结算与现金管理部",
    "INSTITUTION": "机构业务部",
    "PERSONAL": "个人金融业务部",
    "INTERNATIONAL": "国际业务部",
}
# rule O3: the market department (市场部) every sub-branch must have.
MARKET_DEPARTMENT_CODE = "MARKET"

# rule O4: only these units have a marketing leadership group (市场营销领导小组).
LEADERSHIP_GROUP_KINDS = {PROVINCE, CITY}


@dataclass(frozen=True)
class Breach:
    """A broken rule: its SPEC.md ID and why. `overridden` marks one kept on record by override."""

    rule: str
    message: str
    unit_code: str = ""
    employee_no: str = ""
    client_no: str = ""
    overridden: bool = False

    def as_dict(self):
        return {
            "rule": self.rule,
            "unit_code": self.unit_code,
            "message": str(self.message),
            "overridden": self.overridden,
            "employee_no": self.employee_no or None,
            "client_no": self.client_no or None,
        }


def unit_parent_breach(kind, parent_kind):
    """Rule O1: a unit's kind must fit its parent's kind."""
    if parent_kind in ALLOWED_PARENT_KINDS[kind]:
        return None
    if parent_kind is None:
        message = _("A unit of kind %(kind)s needs a parent unit.") % {"kind": UnitKind(kind).label}
    elif ALLOWED_PARENT_KINDS[kind] == {None}:
        message = _("A unit of kind %(kind)s is the root and has no parent.") % {"kind": UnitKind(kind).label}
    else:
        message = _("A unit of kind %(kind)s cannot hang under a unit of kind %(parent)s.") % {
            "kind": UnitKind(kind).label,
            "parent": UnitKind(parent_kind).label,
        }
    return Breach("O1", message)


def market_department_breach(unit_code, unit_kind, department_codes):
    """Rule O3 (= S2): every sub-branch (一级支行/县支行) has a market department."""
    if unit_kind != SUB_BRANCH or MARKET_DEPARTMENT_CODE in department_codes:
        return None
    return Breach("O3", _("This sub-branch has no market department (市场部, code MARKET)."), unit_code=unit_code)


def province_departments_breach(unit_code, department_codes):
    """Rule O2: the province has each of its seven marketing departments."""
    missing = [code for code in PROVINCE_MARKETING_DEPARTMENTS if code not in department_codes]
    if not missing:
        return None
    names = "、".join(f"{PROVINCE_MARKETING_DEPARTMENTS[code]} {code}" for code in missing)
    return Breach(
        "O2", _("The province lacks marketing departments: %(names)s.") % {"names": names}, unit_code=unit_code
    )


def leadership_group_missing_breach(unit_code):
    """Rule O4: a province or city branch without a marketing leadership group."""
    return Breach("O4", _("This unit has no marketing leadership group (市场营销领导小组)."), unit_code=unit_code)


def leadership_group_breach(unit_kind):
    """Rule O4: leadership groups exist at the province and the city branches only."""
    if unit_kind in LEADERSHIP_GROUP_KINDS:
        return None
    return Breach("O4", _("Only the province and city branches have a marketing leadership group."))


class Role:
    """The roles (Django groups) people act in; their names are stable codes."""

    PROVINCE_ANALYST = "province_analyst"  # 省行分析员: province dashboards across the province
    BRANCH_STAFF = "branch_staff"  # 支行/网点员工
    CUSTOMER_MANAGER = "customer_manager"  # 客户经理
    TIER_ADMIN = "tier_admin"  # 名单管理员: maintains tier lists in the admin panel

    LABELS = {
        PROVINCE_ANALYST: _("Province analyst"),
        BRANCH_STAFF: _("Branch staff"),
        CUSTOMER_MANAGER: _("Customer manager"),
        TIER_ADMIN: _("Tier-list administrator"),
    }
    # Given by position and unit at import; TIER_ADMIN only by an administrator's hand.
    DERIVED = (PROVINCE_ANALYST, BRANCH_STAFF, CUSTOMER_MANAGER)


def derived_roles(position, unit_kind):
    """The roles a person has by their post: province staff analyse, the rest work in branches."""
    roles = {Role.CUSTOMER_MANAGER if position == Position.CUSTOMER_MANAGER else Role.BRANCH_STAFF}
    if unit_kind == PROVINCE:
        roles.add(Role.PROVINCE_ANALYST)
    return roles


def leads_back(start, parent_of):
    """Whether following `parent_of` from `start` comes back to a key already passed: a loop of
    parents (departments, group clients)."""
    seen, key = set(), start
    while key is not None:
        if key in seen:
            return True
        seen.add(key)
        key = parent_of(key)
    return False
