"""Every write of staffing: qualifications, training, performance contracts, and relationship
teams under rules A1–A10. Each service takes a required actor and checks its rights and reach.

Making assignments (`assignments_save`, behind every page, the admin, the API and the
`assignments` import): the batch is checked for its shape (dates in order, no overlap of one
person on one client, and rule A10 on every day it touches: one lead, splits adding up to 100),
then written, and then the rules A1–A9 are evaluated (compliance.breaches, the report's own SQL)
for its clients and people on each day one of its rows starts: the team as it then stands must
keep them. A breach is refused with its rule, unless an override on record already covers it or
the row carries a written override reason and the actor may override
(`staffing.override_assignment`); the override is then kept on record. A10 is never
overridable. Whatever is refused rolls the whole batch back. A row as stored already is no new
assignment and is not judged again (a re-imported file changes nothing). Ending an assignment
is checked against A10 only: what a team lacks after an end, the compliance report shows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import history_user, reaches, reaches_whole_bank, require
from accounts.models import Position, Unit, UnitKind
from bankops import bulk, dated
from bankops.locks import exclusive

from . import compliance, rules
from .models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    Override,
    PerformanceContract,
    Qualification,
    TeamRole,
    Training,
)

OVERRIDE_PERMISSION = "staffing.override_assignment"


def person_check(actor, employee):
    """Why `actor` may not record anything of `employee` (None when they may)."""
    if employee is None or not employee.is_active or employee.unit_id is None:
        return _("This person is not an active employee of the bank.")
    if not reaches(actor, employee.unit):
        return _("%(person)s works outside your part of the bank.") % {"person": employee.username}
    return None


# --- qualifications, training, contracts ------------------------------------------------------


class RecordsRefused(ValidationError):
    """Some records of a batch are refused: `problems` maps each one's index to {field: message}."""

    def __init__(self, problems):
        self.problems = problems
        first = next(iter(problems.values()))
        super().__init__(first)


def refuse_records(problems):
    if problems:
        raise RecordsRefused(problems)


def people_check(records, actor):
    """{index: {"employee": message}} of the records whose person `actor` may not record."""
    return {index: {"employee": p} for index, r in enumerate(records) if (p := person_check(actor, r["employee"]))}


def qualifications_save(records, *, actor):
    """Create or update qualifications: dicts of employee, kind, valid_from (issued on) and
    valid_to (expires on, inclusive; None when it does not expire). Raises ValidationError
    {index: {field: message}} naming the bad records, writing nothing."""
    require(actor, "staffing.add_qualification", "staffing.change_qualification")
    problems = {}
    for index, record in enumerate(records):
        wrong = {}
        if problem := person_check(actor, record["employee"]):
            wrong["employee"] = problem
        for name in ("valid_from", "valid_to"):
            if refusal := dated.range_refusal(record[name]):
                wrong[name] = refusal
        if record["valid_to"] is not None and record["valid_to"] < record["valid_from"]:
            wrong.setdefault("valid_to", _("The qualification expires before it is issued."))
        if wrong:
            problems[index] = wrong
    refuse_records(problems)
    rows = [
        {
            "employee_id": r["employee"].pk,
            "kind": r["kind"],
            "valid_from": r["valid_from"],
            "valid_to": r["valid_to"],
        }
        for r in records
    ]
    with transaction.atomic():
        return bulk.upsert(
            Qualification,
            rows,
            key=("employee_id", "kind", "valid_from"),
            fields=["valid_to"],
            actor=history_user(actor),
        ).counts


def training_save(records, *, actor):
    """Create or update training days (rule S8): dicts of employee, year, days."""
    require(actor, "staffing.add_training", "staffing.change_training")
    refuse_records(people_check(records, actor))
    rows = [{"employee_id": r["employee"].pk, "year": r["year"], "days": r["days"]} for r in records]
    with transaction.atomic():
        return bulk.upsert(
            Training, rows, key=("employee_id", "year"), fields=["days"], actor=history_user(actor)
        ).counts


def signing_units(employees):
    """Rule A11: {employee pk: the unit that manages them day to day}, the nearest sub-branch
    (or city branch) among each one's unit and its ancestors; one query for them all."""
    step = Unit.steplen
    lineages = {e.pk: [e.unit.path[: depth * step] for depth in range(1, e.unit.depth + 1)] for e in employees}
    paths = {path for lineage in lineages.values() for path in lineage}
    managing = {
        unit.path: unit for unit in Unit.objects.filter(path__in=paths, kind__in=[UnitKind.SUB_BRANCH, UnitKind.CITY])
    }
    units = {e.pk: e.unit for e in employees}
    return {
        pk: next((managing[path] for path in reversed(lineage) if path in managing), units[pk])
        for pk, lineage in lineages.items()
    }


def contracts_save(records, *, actor):
    """Create or update performance contracts (rule A11): dicts of employee, year, indicator and
    target; each is signed by the manager's sub-branch."""
    require(actor, "staffing.add_performancecontract", "staffing.change_performancecontract")
    refuse_records(people_check(records, actor))
    signers = signing_units({r["employee"].pk: r["employee"] for r in records}.values())
    rows = []
    for r in records:
        employee = r["employee"]
        valid_from, valid_to = PerformanceContract.period_of(r["year"])
        rows.append(
            {
                "employee_id": employee.pk,
                "year": r["year"],
                "indicator": r["indicator"],
                "target": r["target"],
                "signed_by_id": signers[employee.pk].pk,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )
    with transaction.atomic():
        return bulk.upsert(
            PerformanceContract,
            rows,
            key=("employee_id", "year", "indicator"),
            fields=["target", "signed_by_id", "valid_from", "valid_to"],
            actor=history_user(actor),
        ).counts


# --- relationship teams (rules A1–A10) --------------------------------------------------------


@dataclass
class AssignmentData:
    client: object  # marketing.models.Client
    employee: object  # accounts.models.User
    role: str
    split: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    override_reason: str = ""
    problems: dict = field(default_factory=dict)  # field name → message, filled by the checks
    unchanged: bool = False  # as stored already (set by assignments_check)

    def key(self):
        return (self.client.pk, self.employee.pk, self.valid_from)

    def refuse(self, name, message):
        self.problems.setdefault(name, message)


# The rights of whoever makes or changes team places (assignments_save).
ASSIGN_PERMISSIONS = ("staffing.add_assignment", "staffing.change_assignment")


def assignments_check(items, *, actor):
    """The shape of a batch (rule A10 and the bad input of the assignment rules): reach, dates,
    splits, no overlap of one person on one client, and on every day the batch touches each
    team has one lead and splits adding up to 100. Fills `item.problems`; answers whether all
    are fine. Run it under assignments_save's lock when writing after it."""
    for item in items:
        if not reaches(actor, item.client.account_unit):
            item.refuse("client", _("This client banks outside your part of the bank."))
        if problem := person_check(actor, item.employee):
            item.refuse("employee", problem)
        for name in ("valid_from", "valid_to"):
            if refusal := dated.range_refusal(getattr(item, name)):
                item.refuse(name, refusal)
        if item.valid_to is not None and item.valid_to < item.valid_from:
            item.refuse("valid_to", _("The assignment ends before it starts."))
        if not Decimal(0) <= item.split <= Decimal(100):
            item.refuse("split", _("A split is a percentage from 0 to 100."))
    if any(item.problems for item in items):
        return False

    incoming = {item.key(): item for item in items}
    clients = {item.client.pk for item in items}
    periods = defaultdict(list)  # client → (from, to, role, split, employee, item or None)
    for row in Assignment.objects.filter(client__in=clients).values_list(
        "client_id", "employee_id", "valid_from", "valid_to", "role", "split"
    ):
        client, employee, start, end, role, split = row
        item = incoming.get((client, employee, start))
        if item is not None and (item.valid_to, item.role, item.split) == (end, role, split):
            item.unchanged = True  # a row that changes nothing is no new assignment: not judged
        if item is None or item.unchanged:
            periods[client].append((start, end, role, split, employee, None))
    for item in items:
        hired = item.employee.hired_on
        if hired is not None and item.valid_from < hired and not item.unchanged:
            item.refuse(
                "valid_from", _("%(person)s joined the bank on %(day)s.") % {"person": item.employee, "day": hired}
            )
        if not item.unchanged:
            periods[item.client.pk].append(
                (item.valid_from, item.valid_to, item.role, item.split, item.employee.pk, item)
            )

    for held in periods.values():
        by_person = defaultdict(list)
        for start, end, _role, _split, employee, item in held:
            by_person[employee].append((start, end, item))
        for person_periods in by_person.values():
            for later, earlier in dated.clashes(person_periods):
                clash = later[2] or earlier[2]
                if clash is not None:
                    other = earlier if clash is later[2] else later
                    clash.refuse(
                        "valid_from",
                        _("A10: this person is already on the client's team from %(start)s to %(end)s.")
                        % {"start": other[0], "end": other[1] or _("open")},
                    )
        _team_shape_check(held)
    return not any(item.problems for item in items)


def _team_shape_check(held):
    """Rule A10 on each day a team changes from the batch's first day on: one lead, splits
    adding up to 100 (an empty team is no team, and fine)."""
    mine = [period for period in held if period[5] is not None]
    if not mine:
        return
    first = min(period[0] for period in mine)
    days = {first}
    for start, end, *_rest in held:
        days.add(start)
        if end is not None:
            days.add(end + datetime.timedelta(days=1))
    for day in sorted(d for d in days if d >= first):
        team = [p for p in held if p[0] <= day and (p[1] is None or day <= p[1])]
        if not team:
            continue
        leads = sum(1 for p in team if p[2] == TeamRole.LEAD)
        total = sum((p[3] for p in team), Decimal(0))
        if leads == 1 and total == 100:
            continue
        culprit = next((p[5] for p in team if p[5] is not None), None) or mine[0][5]
        if leads != 1:
            culprit.refuse(
                "role",
                _("A10: on %(day)s the client's team would have %(leads)s leads; it must have exactly one.")
                % {"day": day, "leads": leads},
            )
        else:
            culprit.refuse(
                "split",
                _("A10: on %(day)s the team's splits would add up to %(total)s%%, not 100%%.")
                % {"day": day, "total": rules.plain(total)},
            )
        return


def assignments_save(items, *, actor):
    """Make, change or end assignments (key: client, person, valid-from): rules A1–A10 checked as
    the module says. Raises ValidationError (the problems of the first refused item; every
    item's problems stay on it) or PermissionDenied, having written nothing."""
    require(actor, *ASSIGN_PERMISSIONS)
    items = list(items)
    with exclusive("assignments"):
        if not assignments_check(items, actor=actor):
            raise ValidationError(next(item.problems for item in items if item.problems))
        records = [
            {
                "client_id": item.client.pk,
                "employee_id": item.employee.pk,
                "valid_from": item.valid_from,
                "valid_to": item.valid_to,
                "role": item.role,
                "split": item.split,
            }
            for item in items
        ]
        author = history_user(actor)
        written = bulk.upsert(
            Assignment,
            records,
            key=("client_id", "employee_id", "valid_from"),
            fields=["valid_to", "role", "split"],
            defaults={"added_by_id": getattr(author, "pk", None)},
            actor=author,
        )
        _refuse_or_override(items, _breaches_of(items), actor=actor)
        if any(item.problems for item in items):
            transaction.set_rollback(True)
            raise ValidationError(next(item.problems for item in items if item.problems))
        return written.counts


def _breaches_of(items):
    """Rules A1–A9 for the batch's clients and people on each day an item starts: (day, breach)."""
    days = defaultdict(lambda: (set(), set()))
    for item in items:
        if item.unchanged:
            continue
        clients, people = days[item.valid_from]
        clients.add(item.client.pk)
        people.add(item.employee.pk)
    found = []
    for day, (clients, people) in days.items():
        for breach in compliance.breaches("", day, clients=clients, employees=people):
            # A10 is checked for every day by assignments_check; an override on record stands.
            if breach.rule != "A10" and not breach.overridden:
                found.append((day, breach))
    return found


def _refuse_or_override(items, found, *, actor):
    """Refuse each breach on the items it concerns, or record its override."""
    allowed = may_override(actor)
    author = history_user(actor)
    for day, breach in found:
        concerned = [
            item
            for item in items
            if item.valid_from == day
            and (
                item.client.client_no == breach.client_no
                if breach.client_no
                else item.employee.username == breach.employee_no
            )
        ]
        for item in concerned:
            text = f"{breach.rule}: {breach.message}"
            if not item.override_reason:
                item.refuse("employee", text)
            elif not allowed:
                item.refuse("override_reason", _("%(text)s You may not override this rule.") % {"text": text})
            else:
                Override.objects.create(
                    rule=breach.rule,
                    client=item.client if breach.client_no else None,
                    employee=item.employee,
                    assignment=Assignment.objects.get(
                        client=item.client, employee=item.employee, valid_from=item.valid_from
                    ),
                    message=str(breach.message)[:300],
                    reason=item.override_reason,
                    by=author,
                )


def assignment_end(assignment, *, on, actor, override_reason=""):
    """End an assignment on `on` (its last day)."""
    return assignments_save([_data(assignment, valid_to=on, override_reason=override_reason)], actor=actor)


def assignment_hand_over(assignment, *, to, on, actor, override_reason=""):
    """Hand a place on a team over on `on`: the assignment ends the day before, and `to` takes
    it from `on` with the same role and split: no gap, no overlap."""
    if on <= assignment.valid_from:
        raise ValidationError({"valid_from": _("A hand-over falls after the assignment's first day.")})
    if assignment.valid_to is not None and on > assignment.valid_to:
        raise ValidationError({"valid_from": _("The assignment has ended by then.")})
    if Assignment.objects.filter(dated.in_force(on), client=assignment.client, employee=to).exists():
        raise ValidationError(
            {
                "employee": _("%(person)s is already on this team on %(day)s: end their place first, then hand over.")
                % {"person": to, "day": on}
            }
        )
    ending = _data(assignment, valid_to=on - datetime.timedelta(days=1))
    taking = AssignmentData(
        client=assignment.client,
        employee=to,
        role=assignment.role,
        split=assignment.split,
        valid_from=on,
        valid_to=assignment.valid_to,
        override_reason=override_reason,
    )
    return assignments_save([ending, taking], actor=actor)


def _data(assignment, **changes):
    values = {
        "client": assignment.client,
        "employee": assignment.employee,
        "role": assignment.role,
        "split": assignment.split,
        "valid_from": assignment.valid_from,
        "valid_to": assignment.valid_to,
    }
    return AssignmentData(**{**values, **changes})


def may_override(actor):
    """Whether `actor` may override a refused assignment with a written reason (never A10)."""
    return actor.has_perm(OVERRIDE_PERMISSION)


class _Undo(Exception):
    """Raised to roll back a trial write."""


def assignments_save_check(items, *, actor):
    """What assignments_save would refuse of `items`, writing nothing: the items' problems are
    filled (answers whether there are any). A form asks it before it saves."""
    items = list(items)
    try:
        with transaction.atomic():
            assignments_save(items, actor=actor)
            raise _Undo
    except _Undo:
        return False
    except ValidationError:
        return True


# --- the policy's figures ---------------------------------------------------------------------


def _policy_save(obj, *, actor, permission):
    """Save an edited policy row (grades, staffing figures): the province's to keep."""
    require(actor, permission)
    if not reaches_whole_bank(actor):
        raise PermissionDenied(_("The policy's figures are kept by the province."))
    obj.full_clean()
    obj._history_user = history_user(actor)
    obj.save()
    return obj


def grade_policy_save(policy, *, actor):
    """Change a grade's pay coefficient, capacity (A8) or loan authority (A12)."""
    return _policy_save(policy, actor=actor, permission="staffing.change_gradepolicy")


def staffing_policy_save(policy, *, actor):
    """Change the certificate deadline (S7), training days (S8) or managers per assistant (S9)."""
    return _policy_save(policy, actor=actor, permission="staffing.change_staffingpolicy")


# --- rule A12: who takes in a credit request --------------------------------------------------


def credit_request_route(request, *, actor):
    """Rule A12: record who at the accepting unit takes in a credit request (marketing's
    BusinessRequest with its amount) and why: the client's team lead when the amount is within
    their grade's authority, else the team member of the highest grade whose authority covers
    it, else the accepting unit's head, "beyond the team's authority"."""
    require(actor, "marketing.add_businessrequest")
    if not reaches(actor, request.client.account_unit):
        raise PermissionDenied(_("This client banks outside your part of the bank."))
    if not request.is_credit or request.amount is None:
        return None
    authority = {grade: policy.loan_authority for grade, policy in GradePolicy.table().items()}
    team = (
        Assignment.objects.filter(dated.in_force(timezone.localdate()), client=request.client)
        .select_related("employee")
        .order_by("employee__username")
    )
    seats = [(a.role, (a.employee.username, a.employee.grade, authority.get(a.employee.grade))) for a in team]
    lead = next((seat for role, seat in seats if role == TeamRole.LEAD), None)
    members = [seat for role, seat in seats if role != TeamRole.LEAD]
    head = (
        request.accepting_unit.employees.filter(is_active=True, position=Position.HEAD)
        .order_by("username")
        .values_list("username", flat=True)
        .first()
    )
    number, reason, _beyond = rules.credit_handler(amount=request.amount, lead=lead, members=members, head=head or "")
    handler = get_user_model().objects.filter(username=number).first() if number else None
    if handler is None:
        reason = f"{reason} {_('The accepting unit has no head on record.')}"
    type(request).objects.filter(pk=request.pk).update(handler=handler, handling_reason=str(reason)[:300])
    request.handler, request.handling_reason = handler, str(reason)[:300]
    return handler


# --- rule A7: industry teams ------------------------------------------------------------------


def industry_team_check(team, *, managers, clients, actor):
    """Rule A7's team as given: {field: message} of what is wrong, empty when nothing is."""
    problems = {}
    if not reaches(actor, team.unit):
        problems["unit"] = _("%(unit)s lies outside your part of the bank.") % {"unit": team.unit}
    outside = [m.username for m in managers if person_check(actor, m)]
    if outside:
        problems["managers"] = _("Not people of your part of the bank: %(who)s.") % {"who": ", ".join(outside)}
    foreign = [c.client_no for c in clients if not reaches(actor, c.account_unit)]
    if foreign:
        problems["clients"] = _("Clients outside your part of the bank: %(who)s.") % {"who": ", ".join(foreign)}
    other = [c.client_no for c in clients if c.industry and c.industry != team.industry]
    if other:
        problems["clients"] = _("Clients of another industry: %(who)s.") % {"who": ", ".join(other)}
    return problems


def industry_team_save(team, *, managers, clients, actor):
    """Create or change an industry team (rule A7): its unit, managers and clients all within
    the actor's reach, the clients of the team's industry."""
    require(actor, "staffing.add_industryteam", "staffing.change_industryteam")
    problems = industry_team_check(team, managers=managers, clients=clients, actor=actor)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        team._history_user = history_user(actor)
        team.full_clean()
        team.save()
        team.managers.set(managers)
        team.clients.set(clients)
    return team


# --- rule A5: VIP centres designated for private banking -------------------------------------


def designated_centre_set(unit, *, designated, actor):
    """Designate a VIP centre to serve private-banking clients (rule A5), or withdraw it: the
    province's to decide."""
    require(actor, "staffing.add_designatedcentre", "staffing.delete_designatedcentre")
    if not reaches_whole_bank(actor):
        raise PermissionDenied(_("The policy's figures are kept by the province."))
    if unit.kind != UnitKind.VIP_CENTRE:
        raise ValidationError({"unit": _("Only a VIP centre is designated for private banking.")})
    if designated:
        row = DesignatedCentre.objects.filter(unit=unit).first() or DesignatedCentre(unit=unit)
        if row.pk is None:
            row._history_user = history_user(actor)
            row.save()
        return row
    for row in DesignatedCentre.objects.filter(unit=unit):
        row._history_user = history_user(actor)
        row.delete()
    return None
