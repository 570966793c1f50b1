"""Reads of the organisation, already scoped to the person asking (rule O5)."""

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Left

from .models import Department, LeadershipMember, Unit, UnitKind, User
from .rules import MARKET_DEPARTMENT_CODE, market_department_breach
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


def employee_list(*, user):
    return scoped(User.objects.filter(is_active=True), user).select_related("unit", "department").order_by("unit__path", "username")


def employee_get(*, user, employee_no):
    return get_scoped_or_404(User.objects.select_related("unit", "department"), user, username=employee_no)



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
