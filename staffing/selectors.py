"""Reads of staffing, scoped to the person asking (rule O5): a client's team and its history, a
manager's book, a unit's team structure. Every list is one or two queries."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Substr

from accounts.actors import within_reach
from accounts.models import Education, Position, TitleLevel, Unit
from accounts.scoping import get_scoped_or_404, scoped
from bankops.dated import in_force
from marketing.models import Client
from marketing.selectors import standing_on

from .models import Assignment, GradePolicy, Override, PerformanceContract, Qualification

User = get_user_model()
BACHELOR_OR_HIGHER = [Education.BACHELOR, Education.MASTER, Education.DOCTOR]
MID_TITLE_OR_HIGHER = [TitleLevel.MID, TitleLevel.SENIOR]


def client_get(*, user, client_no):
    return get_scoped_or_404(Client.objects.select_related("account_unit"), user, client_no=client_no)


def team_history(*, client):
    """Every assignment of the client, newest first, with its person and their unit."""
    return (
        Assignment.objects.filter(client=client)
        .select_related("employee", "employee__unit", "added_by")
        .order_by("-valid_from", "role", "employee__username")
    )


def team_on(history, on):
    """The assignments of `history` (a list) in force on `on`: the lead first."""
    return sorted((a for a in history if a.is_in_force(on)), key=lambda a: (a.role != "LEAD", -a.split))


def overrides_of(*, client):
    return Override.objects.filter(client=client).select_related("by", "employee").order_by("-at")


def employee_get(*, user, employee_no):
    return get_scoped_or_404(User.objects.select_related("unit"), user, username=employee_no)


def assignable_person(*, actor, employee_no):
    """The active person `actor` may put on a team by their number, or None."""
    return assignable_people(actor=actor).filter(username=employee_no).select_related("unit").first()


def visible_people(*, user, ids):
    """Those of the people `ids` whose pages `user` may open (rule O5)."""
    return set(scoped(User.objects.filter(pk__in=ids), user).values_list("pk", flat=True))


def assignable_people(*, actor):
    """The active people `actor` may put on a team: their subtree's (the write door's reach)."""
    return within_reach(User.objects.filter(is_active=True, unit__isnull=False), actor)


def book(*, user, employee, on):
    """A manager's book on `on`: the clients on whose team they are (those `user` may see),
    with each client's standing, the role and the split. One query."""
    served = scoped(Client.objects.all(), user).filter(
        Q(in_force(on, "assignments__")) & Q(assignments__employee=employee)
    )
    return (
        standing_on(served, on=on)
        .select_related("account_unit")
        .annotate(role=F("assignments__role"), split=F("assignments__split"), since=F("assignments__valid_from"))
        .order_by("role", "client_no")
    )


def book_load(*, employee, on):
    """Rule A8 and A12 of a manager: (clients served on `on`, their grade's policy or None)."""
    served = Assignment.objects.filter(in_force(on), employee=employee).values("client_id").distinct().count()
    policy = GradePolicy.table().get(employee.grade) if employee.grade else None
    return served, policy


def contracts_of(*, employee, year):
    """Rule A11: the manager's performance contract of `year`, indicator by indicator."""
    return (
        PerformanceContract.objects.filter(employee=employee, year=year)
        .select_related("signed_by")
        .order_by("indicator")
    )


def holds_on(*, employee, on):
    return Qualification.objects.filter(in_force(on), employee=employee).order_by("kind")


def team_structure(*, user, unit, on):
    """The Shanghai statistics of `unit`'s subtree, per child unit and in all: staff, customer
    managers and their share of the staff (against the 20% line of S1), and among the managers
    the share of credit managers, the average age, the share with a bachelor's degree or higher
    and the share with a mid-level title or higher. One query, grouped by the child's path."""
    children = list(
        scoped(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1), user).order_by("path")
    )
    width = (unit.depth + 1) * Unit.steplen
    people = scoped(User.objects.filter(is_active=True, unit__path__startswith=unit.path), user)
    manager = Q(position=Position.CUSTOMER_MANAGER)
    rows = (
        people.annotate(branch=Substr("unit__path", 1, width))
        .values("branch")
        .annotate(
            staff=Count("pk"),
            managers=Count("pk", filter=manager),
            credit=Count("pk", filter=manager & Q(credit_manager=True)),
            educated=Count("pk", filter=manager & Q(education__in=BACHELOR_OR_HIGHER)),
            titled=Count("pk", filter=manager & Q(title_level__in=MID_TITLE_OR_HIGHER)),
            born=Avg("birth_date__year", filter=manager & Q(birth_date__isnull=False)),
        )
    )
    by_branch = {row["branch"]: row for row in rows}
    lines = [structure_line(child, by_branch.get(child.path, {}), on) for child in children]
    own = by_branch.get(unit.path)  # the unit's own staff (its path is shorter than `width`)
    if own:
        lines.insert(0, structure_line(None, own, on))
    totals = {
        key: sum(row.get(key) or 0 for row in by_branch.values())
        for key in ("staff", "managers", "credit", "educated", "titled")
    }
    born = [(row["born"], row["managers"]) for row in by_branch.values() if row.get("born")]
    weight = sum(managers for _born, managers in born)
    totals["born"] = sum(year * managers for year, managers in born) / weight if weight else None
    return lines, structure_line(unit, totals, on)


def share(part, whole):
    return None if not whole else (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def structure_line(unit, row, on):
    staff, managers = row.get("staff") or 0, row.get("managers") or 0
    born = row.get("born")
    return {
        "unit": unit,
        "staff": staff,
        "managers": managers,
        "manager_share": share(managers, staff),
        "below_line": bool(staff) and managers * 5 < staff,  # rule S1's 20%
        "credit_share": share(row.get("credit") or 0, managers),
        "average_age": None if born is None else round(on.year - born, 1),
        "educated_share": share(row.get("educated") or 0, managers),
        "titled_share": share(row.get("titled") or 0, managers),
    }


def group_network(*, user, client, on):
    """Rule A6: a group head's manager network on `on`: each subsidiary `user` may see with its
    team in force (the head office's lead leads the network). None for a client without
    subsidiaries."""
    subsidiaries = list(scoped(Client.objects.filter(group_parent=client), user).order_by("client_no"))
    if not subsidiaries:
        return None
    teams = {}
    in_force_now = Assignment.objects.filter(in_force(on), client__in=subsidiaries).select_related("employee__unit")
    for assignment in in_force_now.order_by("role", "employee__username"):
        teams.setdefault(assignment.client_id, []).append(assignment)
    return [(subsidiary, teams.get(subsidiary.pk, [])) for subsidiary in subsidiaries]


def names_of(breaches):
    """The names behind a report's codes, for people to read: {"units": {code: name}, "people":
    {number: name}, "clients": {number: name}}; three queries, however long the report."""
    units = {b.unit_code for b in breaches if b.unit_code}
    people = {b.employee_no for b in breaches if b.employee_no}
    clients = {b.client_no for b in breaches if b.client_no}
    return {
        "units": dict(Unit.objects.filter(code__in=units).values_list("code", "name")),
        "people": dict(User.objects.filter(username__in=people).values_list("username", "name")),
        "clients": dict(Client.objects.filter(client_no__in=clients).values_list("client_no", "name")),
    }
