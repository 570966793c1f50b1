"""Writes to the organisation: validate, write, audit — one transaction each.

The admin, the pages, the API and the bulk import all come through here, so a rule of O1–O5
is enforced in one place. Every service takes a required `actor` (a person, or
`accounts.actors.SYSTEM` for commands and tasks) and checks, itself, that the actor holds the
permission and reaches every row it touches (rule O5). History (who, when) is
django-simple-history's: `_history_user` names the actor where no request does.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bankops import bulk
from bankops.bulk import CREATED, UNCHANGED, UPDATED

from . import rules
from .actors import history_user, reaches_whole_bank, require, require_reach, require_rights_over, within_reach
from .models import Department, LeadershipMember, Unit, UnitKind, User


def _assign(obj, values):
    """Set `values` on `obj`; answer whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


# --- units (rule O1) -------------------------------------------------------------------------


def unit_validate(*, kind, parent, unit=None):
    """Raise ValidationError unless a unit of `kind` may stand under `parent` (rule O1)."""
    breach = rules.unit_parent_breach(kind, parent.kind if parent else None)
    if breach:
        raise ValidationError({"parent" if kind != UnitKind.PROVINCE or parent else "kind": breach.message})
    if kind == UnitKind.PROVINCE:
        others = Unit.objects.get_root_nodes()
        if unit is not None:
            others = others.exclude(pk=unit.pk)
        if others.exists():
            raise ValidationError({"kind": _("There is already a province unit: the tree has one root.")})
    if unit is not None and unit.pk:
        for child_kind in set(Unit.objects.get_children(unit).values_list("kind", flat=True)):
            breach = rules.unit_parent_breach(child_kind, kind)
            if breach:
                raise ValidationError({"kind": breach.message})


def unit_reach_check(*, actor, parent, unit=None):
    """A person places units only under a unit of their subtree (the root only from the whole
    bank's reach) and changes only the units of their subtree."""
    if unit is not None:
        require_reach(actor, unit)
        if (parent.path if parent else None) == unit.parent_path:
            return  # not moved: its place stays where it was
    if parent is not None:
        require_reach(actor, parent)
    elif not reaches_whole_bank(actor):
        raise PermissionDenied(_("Only those who reach the whole bank place a unit at its root."))


@transaction.atomic
def unit_create(*, code, name, kind, actor, parent=None, city_area=False, credit_authority=False):
    require(actor, "accounts.add_unit")
    unit_reach_check(actor=actor, parent=parent)
    unit_validate(kind=kind, parent=parent)
    unit = Unit(code=code, name=name, kind=kind, city_area=city_area, credit_authority=credit_authority)
    unit._history_user = history_user(actor)
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(*, unit, name, kind, actor, parent=None, city_area=False, credit_authority=False):
    """Change a unit, moving it (with its subtree) when its parent changes. Answers the outcome."""
    require(actor, "accounts.change_unit")
    unit_reach_check(actor=actor, parent=parent, unit=unit)
    unit_validate(kind=kind, parent=parent, unit=unit)
    moved = False
    current_parent_path = unit.parent_path
    if (parent.path if parent else None) != current_parent_path:
        Unit.objects.move(unit, parent, "last-child")
        unit.refresh_from_db()
        moved = True
    changed = _assign(unit, {"name": name, "kind": kind, "city_area": city_area, "credit_authority": credit_authority})
    if changed or moved:
        unit._history_user = history_user(actor)
        unit.save()
        return UPDATED
    return UNCHANGED


# --- departments (rules O2, O3) --------------------------------------------------------------


def department_validate(*, unit, parent, department=None):
    """Raise ValidationError unless `parent` may hold the department (same unit, no loop)."""
    if parent is None:
        return
    if parent.unit_id != unit.id:
        raise ValidationError({"parent": _("A parent department must belong to the same unit.")})
    ancestor = parent
    while department is not None and department.pk and ancestor is not None:
        if ancestor.pk == department.pk:
            raise ValidationError({"parent": _("A department cannot sit under itself.")})
        ancestor = ancestor.parent


@transaction.atomic
def department_save(*, unit, code, name, actor, parent=None):
    """Create or update the department `code` of `unit`. Answers (department, outcome)."""
    require(actor, "accounts.add_department", "accounts.change_department")
    require_reach(actor, unit)
    department = Department.objects.filter(unit=unit, code=code).select_related("parent").first()
    department_validate(unit=unit, parent=parent, department=department)
    if department is None:
        department = Department(unit=unit, code=code, name=name, parent=parent)
        outcome = CREATED
    elif _assign(department, {"name": name, "parent": parent}):
        outcome = UPDATED
    else:
        return department, UNCHANGED
    department._history_user = history_user(actor)
    department.save()
    return department, outcome


# --- people (rule O5) ------------------------------------------------------------------------

EMPLOYEE_FIELDS = (
    "name",
    "unit",
    "department",
    "position",
    "manager_kind",
    "grade",
    "credit_manager",
    "vip_area",
    "birth_date",
    "education",
    "title_level",
    "hired_on",
)
EMPLOYEE_ATTRIBUTES = tuple(f"{name}_id" if name in ("unit", "department") else name for name in EMPLOYEE_FIELDS)


@dataclass
class EmployeeData:
    """One employee as the import, the admin or a form gives it: already parsed and resolved."""

    employee_no: str
    name: str
    unit: Unit
    position: str
    department: Department | None = None
    manager_kind: str = ""
    grade: str = ""
    credit_manager: bool = False
    vip_area: bool = False
    birth_date: object = None
    education: str = ""
    title_level: str = ""
    hired_on: object = None

    def attributes(self):
        """The stored attributes, foreign keys as ids."""
        values = {name: getattr(self, name) for name in EMPLOYEE_FIELDS}
        values["unit_id"] = values.pop("unit").pk
        department = values.pop("department")
        values["department_id"] = department.pk if department else None
        return values


def employee_validate(*, unit, department):
    if department is not None and (unit is None or department.unit_id != unit.id):
        raise ValidationError({"department": _("The department belongs to another unit.")})


@transaction.atomic
def employees_save(employees, *, actor, keep=()):
    """Create or update many employees in a few set-based queries; answers the Counts.

    A new employee gets a login with no usable password (INTERFACES.md "People and logins"),
    and the roles of their post (rules.derived_roles). The attributes in `keep` are left as
    stored on existing people (an import without that column).
    """
    require(actor, "accounts.add_user", "accounts.change_user")
    employees = list(employees)
    for data in employees:
        employee_validate(unit=data.unit, department=data.department)
    require_reach(actor, *{data.unit for data in employees})
    numbers = [data.employee_no for data in employees]
    stored = User.objects.filter(username__in=numbers)
    outside = set(stored.values_list("username", flat=True)) - set(
        within_reach(stored, actor).values_list("username", flat=True)
    )
    if outside:
        raise PermissionDenied(_("Employee %(no)s works outside your part of the bank.") % {"no": min(outside)})
    beyond = employees_rights_check(employees, actor=actor, keep=keep)
    if beyond:
        raise PermissionDenied(
            _("Employee %(no)s holds rights you do not have: their account is not yours to change.")
            % {"no": min(beyond)}
        )
    result = bulk.upsert(
        User,
        [{"username": data.employee_no, **data.attributes()} for data in employees],
        key=("username",),
        fields=[name for name in EMPLOYEE_ATTRIBUTES if name not in keep],
        defaults={"password": make_password(None)},
        actor=history_user(actor),
    )
    roles_sync(result.created + result.updated, units={data.unit.pk: data.unit for data in employees})
    return result.counts


def employees_rights_check(employees, *, actor, keep=()):
    """The employee numbers of the batch whose save would change a superuser's account while
    `actor` is none: a branch administrator may leave such a row as it is (re-importing their own
    file), not change it."""
    if actor.is_superuser:
        return set()
    by_no = {data.employee_no: data for data in employees}
    fields = [name for name in EMPLOYEE_ATTRIBUTES if name not in keep]
    return {
        person.username
        for person in User.objects.filter(username__in=list(by_no), is_superuser=True)
        if any(getattr(person, name) != by_no[person.username].attributes()[name] for name in fields)
    }


@transaction.atomic
def employee_save(*, user, actor):
    """Save one person as the admin edits them (post, unit, access), with their roles. The
    person must be in the actor's subtree both before and after, and hold no rights the actor
    lacks."""
    require(actor, "accounts.change_user" if user.pk else "accounts.add_user")
    if user.pk:
        stored = User.objects.select_related("unit").get(pk=user.pk)
        require_reach(actor, stored.unit)
        require_rights_over(actor, stored)
    require_reach(actor, user.unit)
    require_rights_over(actor, user)
    employee_validate(unit=user.unit, department=user.department)
    user._history_user = history_user(actor)
    user.save()
    roles_sync([user])
    return user


@transaction.atomic
def employee_password_set(*, user, password, actor):
    """Give a person a new password (the admin's form has validated it)."""
    require(actor, "accounts.change_user")
    require_reach(actor, user.unit)
    require_rights_over(actor, user)
    user.set_password(password)
    user._history_user = history_user(actor)
    user.save(update_fields=["password"])
    return user


def roles_sync(users, units=None):
    """Give `users` the roles of their post and take away derived roles they no longer hold.

    `units` (by id) spares a query per person for the unit kind.
    """
    if not users:
        return
    units = units or {user.unit_id: user.unit for user in users if user.unit_id}
    groups = {group.name: group for group in Group.objects.filter(name__in=rules.Role.DERIVED)}
    membership = User.groups.through
    user_ids = [user.pk for user in users]
    for start in range(0, len(user_ids), bulk.BATCH_SIZE):
        membership.objects.filter(
            user_id__in=user_ids[start : start + bulk.BATCH_SIZE], group__name__in=rules.Role.DERIVED
        ).delete()
    membership.objects.bulk_create(
        [
            membership(user_id=user.pk, group_id=groups[role].pk)
            for user in users
            for role in rules.derived_roles(user.position, units[user.unit_id].kind if user.unit_id else None)
            if role in groups
        ],
        batch_size=bulk.BATCH_SIZE,
    )


# --- leadership groups (rule O4) -------------------------------------------------------------


def leadership_member_validate(*, unit, member):
    breach = rules.leadership_group_breach(unit.kind)
    if breach:
        raise ValidationError({"unit": breach.message})
    if member.unit_id != unit.id:
        raise ValidationError({"member": _("A leadership group member must be an employee of that unit.")})


@transaction.atomic
def leadership_member_set(*, unit, member, role, actor):
    """Seat `member` in the marketing leadership group of `unit` (rule O4) with `role`."""
    require(actor, "accounts.add_leadershipmember", "accounts.change_leadershipmember")
    require_reach(actor, unit)
    leadership_member_validate(unit=unit, member=member)
    seat = LeadershipMember.objects.filter(unit=unit, member=member).first() or LeadershipMember(
        unit=unit, member=member
    )
    if seat.pk and seat.role == role:
        return seat
    seat.role = role
    seat._history_user = history_user(actor)
    seat.save()
    return seat
