"""Reads of the organisation, already scoped to the person asking (rule O5)."""

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Left

from .models import Department, LeadershipMember, Unit, UnitKind, User
from .rules import (
    LEADERSHIP_GROUP_KINDS,
    MARKET_DEPARTMENT_CODE,
    PROVINCE_MARKETING_DEPARTMENTS,
    leadership_group_missing_breach,
    market_department_breach,
    province_departments_breach,
)
from .scoping import get_scoped_or_404, scope_prefix, scoped

STEP = Unit.steplen


def with_parent_code(units):
    """Annotate `parent_code` from the tree path, in the same query."""
    parent = Unit.objects.filter(path=Left(OuterRef("path"), (OuterRef("depth") - 1) * STEP))
    return units.annotate(parent_code=Subquery(parent.values("code")[:1]))


def unit_list(*, user):
    return with_parent_code(scoped(Unit.objects.all(), user)).order_by("path")


def unit_get(*, user, code):
    return get_scoped_or_404(with_parent_code(Unit.objects.all()), user, code=code)


def unit_home(*, user):
    """The unit a person's tree page opens on: their own, or the root for a superuser."""
    if user.unit_id:
        return user.unit
    return Unit.objects.get_root_nodes().first() if scope_prefix(user) == "" else None


def unit_trail(*, user, unit):
    """The unit's ancestors the person may see, root first, and the unit itself: one query."""
    prefix = scope_prefix(user) or ""
    paths = [unit.path[:end] for end in range(STEP, len(unit.path) + 1, STEP)]
    return list(Unit.objects.filter(path__in=[path for path in paths if path.startswith(prefix)]).order_by("depth"))


def unit_children(*, unit):
    return Unit.objects.get_children(unit).order_by("path")


def staff_counts_by_branch(*, unit, user):
    """Head counts by position of the unit's own staff and of each child's whole subtree.

    One GROUP BY over the people of the subtree, keyed on the first depth+1 steps of their unit's
    path: the unit itself for its own staff, a child for everyone under that child.
    Answers {path: {position: count}}.
    """
    people = scoped(User.objects.filter(is_active=True, unit__path__startswith=unit.path), user)
    rows = (
        people.annotate(branch=Left("unit__path", (unit.depth + 1) * STEP))
        .values("branch", "position")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["branch"], {})[row["position"]] = row["count"]
    return counts


def unit_departments(*, unit):
    return Department.objects.filter(unit=unit).select_related("parent").annotate(staff=Count("employees"))


def unit_leadership(*, unit):
    return LeadershipMember.objects.filter(unit=unit).select_related("member").order_by("role", "member__username")


def unit_counts_by_kind(*, user):
    """How many units of each kind the person sees, in the order of UnitKind."""
    counts = dict(scoped(Unit.objects.all(), user).values_list("kind").annotate(n=Count("id")).order_by())
    return [(UnitKind(kind).label, counts[kind]) for kind in UnitKind.values if kind in counts]


def employees():
    """The people of the bank: employees of a unit (a superuser without one is no employee)."""
    return User.objects.filter(is_active=True, unit__isnull=False).select_related("unit", "department")


def employee_list(*, user):
    return scoped(employees(), user).order_by("unit__path", "username")


def employee_get(*, user, employee_no):
    return get_scoped_or_404(employees(), user, username=employee_no)


def employee_history(*, person, limit=50):
    """The person's latest history records, newest first, each with what changed against the
    one before it: [(record, [(field label, old, new), …])], units and departments by name."""
    records = list(person.history.select_related("history_user").order_by("-history_id")[: limit + 1])
    diffs = [
        (record, record.diff_against(before).changes if before else [])
        for record, before in zip(records, records[1:] + [None], strict=False)
    ][:limit]
    related = {"unit": Unit, "department": Department}
    names = {
        field: dict(
            model.objects.filter(
                pk__in={
                    value
                    for _record, changes in diffs
                    for change in changes
                    if change.field == field
                    for value in (change.old, change.new)
                    if value
                }
            ).values_list("pk", "name")
        )
        for field, model in related.items()
    }
    return [
        (
            record,
            [
                (
                    User._meta.get_field(change.field).verbose_name,
                    names[change.field].get(change.old, change.old) if change.field in related else change.old,
                    names[change.field].get(change.new, change.new) if change.field in related else change.new,
                )
                for change in changes
            ],
        )
        for record, changes in diffs
    ]


def market_department_breaches(*, within):
    """Rule O3 over a subtree: the sub-branches without a market department, in one query."""
    lacking = (
        Unit.objects.filter(path__startswith=within.path, kind=UnitKind.SUB_BRANCH)
        .annotate(has_market=Exists(Department.objects.filter(unit=OuterRef("pk"), code=MARKET_DEPARTMENT_CODE)))
        .filter(has_market=False)
        .order_by("path")
        .values_list("code", "kind")
    )
    return [market_department_breach(code, kind, set()) for code, kind in lacking]


def leadership_group_breaches(*, within):
    """Rule O4 over a subtree: the province and city branches without a leadership group."""
    lacking = (
        Unit.objects.filter(path__startswith=within.path, kind__in=LEADERSHIP_GROUP_KINDS)
        .annotate(has_group=Exists(LeadershipMember.objects.filter(unit=OuterRef("pk"))))
        .filter(has_group=False)
        .order_by("path")
        .values_list("code", flat=True)
    )
    return [leadership_group_missing_breach(code) for code in lacking]


def province_department_breaches(*, within):
    """Rule O2: the province has its seven marketing departments."""
    province = Unit.objects.filter(path__startswith=within.path, kind=UnitKind.PROVINCE).first()
    if province is None:
        return []
    codes = set(
        Department.objects.filter(unit=province, code__in=PROVINCE_MARKETING_DEPARTMENTS).values_list("code", flat=True)
    )
    breach = province_departments_breach(province.code, codes)
    return [breach] if breach else []
