"""The KINDs units, departments and employees of INTERFACES.md "Bulk import"."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from bankops.bulk import CREATED, Counts
from imports import parsers
from imports.engine import Column, Importer, register
from imports.exports import import_boolean, import_date

from . import rules, selectors, services
from .actors import reach, reaches_whole_bank, within_reach
from .models import Department, Education, Grade, ManagerKind, Position, TitleLevel, Unit, UnitKind, User
from .rules import leads_back
from .scoping import scoped


def units_by_code(codes, actor):
    """The units of `codes` the actor may touch (their subtree's, rule O5)."""
    return {unit.code: unit for unit in within_reach(Unit.objects.filter(code__in=set(codes)), actor)}


def parents_first(rows, *, key, parent_key):
    """`rows` ordered so that a row comes after the row of its parent (when the file has it).

    The rows have been checked for loops, so following parents ends.
    """
    by_key = {key(row): row for row in rows}
    ordered, placed = [], set()
    for row in rows:
        chain = []
        while row is not None and key(row) not in placed:
            chain.append(row)
            placed.add(key(row))
            row = by_key.get(parent_key(row))
        ordered.extend(reversed(chain))
    return ordered


def unit_tree():
    """Every unit by code, with `parent_code` worked out from the tree path: one query."""
    units = {unit.code: unit for unit in Unit.objects.only("code", "path", "depth", "kind")}
    by_path = {unit.path: unit.code for unit in units.values()}
    for unit in units.values():
        unit.parent_code = by_path.get(unit.parent_path)
    return units


@register
class UnitImporter(Importer):
    kind = "units"
    label = pgettext_lazy("import kind", "Units")  # 机构
    key = ("code",)
    permissions = ("accounts.add_unit", "accounts.change_unit")
    columns = [
        Column("code", parsers.code, label=parsers.gettext_lazy("Unit code")),
        Column("name", parsers.text, label=parsers.gettext_lazy("Unit name")),
        Column("kind", parsers.choice(UnitKind), label=parsers.gettext_lazy("Unit kind")),
        Column("parent_code", parsers.code, required=False, label=parsers.gettext_lazy("Parent unit code")),
        Column("city_area", parsers.boolean, required=False, label=parsers.gettext_lazy("City-area outlet")),
        Column(
            "credit_authority",
            parsers.boolean,
            required=False,
            label=parsers.gettext_lazy("May accept credit business"),
        ),
    ]
    field_columns = {"parent": "parent_code"}

    def check(self, rows):
        in_file = {row["code"]: row for row in rows}
        tree = unit_tree()
        prefix = reach(self.actor)

        def visible(code):
            return prefix is not None and tree[code].path.startswith(prefix)

        roots = [unit.code for unit in tree.values() if unit.depth == 1]
        for row in rows:
            if row["kind"] == UnitKind.PROVINCE:
                if roots and roots[0] != row["code"]:
                    self.error(row, "kind", _("There is already a province unit: the tree has one root."))
                    continue
                roots = [row["code"]]
            code, parent_code = row["code"], row["parent_code"]
            if (code in tree and not visible(code)) or (parent_code is None and not reaches_whole_bank(self.actor)):
                self.error(row, "code", _("Unit %(code)s lies outside your part of the bank.") % {"code": code})
                continue
            if parent_code is None:
                parent_kind = None
            elif parent_code in in_file:
                parent_kind = in_file[parent_code]["kind"]
            elif parent_code in tree and (
                visible(parent_code) or tree.get(code) and tree[code].parent_code == parent_code
            ):
                parent_kind = tree[parent_code].kind  # a unit of theirs, or the unit's own place left as it is
            else:
                self.error(row, "parent_code", _("No unit has the code %(code)s.") % {"code": parent_code})
                continue
            # The kinds strictly descend (rule O1), so this also rules out any loop of parents.
            breach = rules.unit_parent_breach(row["kind"], parent_kind)
            if breach:
                self.error(row, "parent_code", breach.message)

    def write(self, rows, *, actor):
        counts, failed = Counts(), set()
        for row in parents_first(rows, key=lambda row: row["code"], parent_key=lambda row: row["parent_code"]):
            if row["parent_code"] in failed:
                failed.add(row["code"])  # its parent's row is reported already
                continue
            # Read afresh: a move rewrites the paths of a whole subtree.
            parent = Unit.objects.get(code=row["parent_code"]) if row["parent_code"] else None
            unit = Unit.objects.filter(code=row["code"]).first()
            values = {
                "name": row["name"],
                "kind": row["kind"],
                "parent": parent,
                "city_area": bool(self.given(row, "city_area", unit)),
                "credit_authority": bool(self.given(row, "credit_authority", unit)),
            }
            try:
                if unit is None:
                    services.unit_create(code=row["code"], actor=actor, **values)
                    counts.add(CREATED)
                else:
                    counts.add(services.unit_update(unit=unit, actor=actor, **values))
            except ValidationError as exc:
                self.service_errors(row, exc)
                failed.add(row["code"])
        return counts

    @classmethod
    def export_rows(cls, actor):
        """The units `actor` may see, parents first, as this KIND's rows: one streamed query."""
        units = selectors.with_parent_code(scoped(Unit.objects.all(), actor)).order_by("path")
        fields = ("code", "name", "kind", "parent_code", "city_area", "credit_authority")
        for code, name, kind, parent_code, city_area, credit_authority in units.values_list(*fields).iterator():
            yield [code, name, kind, parent_code, import_boolean(city_area), import_boolean(credit_authority)]


@register
class DepartmentImporter(Importer):
    kind = "departments"
    label = pgettext_lazy("import kind", "Departments")  # 部门
    key = ("unit_code", "code")
    permissions = ("accounts.add_department", "accounts.change_department")
    columns = [
        Column("unit_code", parsers.code, label=parsers.gettext_lazy("Unit code")),
        Column("code", parsers.code, label=parsers.gettext_lazy("Department code")),
        Column("name", parsers.text, label=parsers.gettext_lazy("Department name")),
        Column("parent_code", parsers.code, required=False, label=parsers.gettext_lazy("Parent department code")),
    ]
    field_columns = {"parent": "parent_code", "unit": "unit_code"}

    def check(self, rows):
        self.units = units_by_code([row["unit_code"] for row in rows], self.actor)
        # Each department's parent: the database's word, then the file's.
        parents = {
            (unit_code, code): (unit_code, parent_code) if parent_code else None
            for unit_code, code, parent_code in Department.objects.filter(unit__in=self.units.values()).values_list(
                "unit__code", "code", "parent__code"
            )
        }
        for row in rows:
            key = (row["unit_code"], row["code"])
            if "parent_code" in self.present:
                parents[key] = (row["unit_code"], row["parent_code"]) if row["parent_code"] else None
            else:
                parents.setdefault(key, None)  # no parent column: a stored one stays
        for row in rows:
            key = (row["unit_code"], row["code"])
            if row["unit_code"] not in self.units:
                self.error(row, "unit_code", _("No unit has the code %(code)s.") % {"code": row["unit_code"]})
            elif row["parent_code"] and (row["unit_code"], row["parent_code"]) not in parents:
                self.error(
                    row,
                    "parent_code",
                    _("Unit %(unit)s has no department %(code)s.")
                    % {"unit": row["unit_code"], "code": row["parent_code"]},
                )
            elif leads_back(key, parents.get):
                self.error(row, "parent_code", _("A department cannot sit under itself."))
        self.parents = parents

    def write(self, rows, *, actor):
        counts = Counts()
        # The departments a row may hang under: the stored ones, then each as it is written.
        saved = {
            (department.unit.code, department.code): department
            for department in Department.objects.filter(unit__in=self.units.values()).select_related("unit")
        }
        ordered = parents_first(
            rows,
            key=lambda row: (row["unit_code"], row["code"]),
            parent_key=lambda row: self.parents[(row["unit_code"], row["code"])],
        )
        for row in ordered:
            key = (row["unit_code"], row["code"])
            parent_key = self.parents[key]
            if parent_key and parent_key not in saved:
                continue  # its parent's row failed and is reported already
            try:
                saved[key], outcome = services.department_save(
                    unit=self.units[row["unit_code"]],
                    code=row["code"],
                    name=row["name"],
                    parent=saved[parent_key] if parent_key else None,
                    actor=actor,
                )
                counts.add(outcome)
            except ValidationError as exc:
                self.service_errors(row, exc)
        return counts

    @classmethod
    def export_rows(cls, actor):
        """The departments `actor` may see, as this KIND's rows: one streamed query."""
        departments = scoped(Department.objects.all(), actor).order_by("unit__path", "code")
        yield from (
            list(row) for row in departments.values_list("unit__code", "code", "name", "parent__code").iterator()
        )


@register
class EmployeeImporter(Importer):
    kind = "employees"
    label = pgettext_lazy("import kind", "Employees")  # 员工
    key = ("employee_no",)
    permissions = ("accounts.add_user", "accounts.change_user")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("name", parsers.text_up_to(50), label=parsers.gettext_lazy("Employee name")),
        Column("unit_code", parsers.code, label=parsers.gettext_lazy("Unit code")),
        Column("position", parsers.choice(Position), label=parsers.gettext_lazy("Post")),
        Column("department_code", parsers.code, required=False, label=parsers.gettext_lazy("Department code")),
        Column(
            "manager_kind",
            parsers.choice(ManagerKind),
            required=False,
            label=parsers.gettext_lazy("Customer-manager kind"),
        ),
        Column("grade", parsers.choice(Grade), required=False, label=parsers.gettext_lazy("Customer-manager grade")),
        Column(
            "credit_manager", parsers.boolean, required=False, label=parsers.gettext_lazy("Credit customer manager")
        ),
        Column("vip_area", parsers.boolean, required=False, label=parsers.gettext_lazy("VIP exclusive area")),
        Column("birth_date", parsers.date, required=False, label=parsers.gettext_lazy("Date of birth")),
        Column("education", parsers.choice(Education), required=False, label=parsers.gettext_lazy("Education level")),
        Column(
            "title_level",
            parsers.choice(TitleLevel),
            required=False,
            label=parsers.gettext_lazy("Professional title level"),
        ),
        Column("hired_on", parsers.date, required=False, label=parsers.gettext_lazy("Date joined the bank")),
    ]
    field_columns = {"unit": "unit_code", "department": "department_code"}

    def check(self, rows):
        self.units = units_by_code([row["unit_code"] for row in rows], self.actor)
        self.departments = {
            (department.unit.code, department.code): department
            for department in Department.objects.filter(unit__in=self.units.values()).select_related("unit")
        }
        numbers = [row["employee_no"] for row in rows]
        existing = User.objects.filter(username__in=numbers)
        outside = set(existing.values_list("username", flat=True)) - set(
            within_reach(existing, self.actor).values_list("username", flat=True)
        )
        for row in rows:
            if row["employee_no"] in outside:
                self.error(
                    row,
                    "employee_no",
                    _("Employee %(no)s works outside your part of the bank.") % {"no": row["employee_no"]},
                )
            elif row["unit_code"] not in self.units:
                self.error(row, "unit_code", _("No unit has the code %(code)s.") % {"code": row["unit_code"]})
            elif row["department_code"] and (row["unit_code"], row["department_code"]) not in self.departments:
                self.error(
                    row,
                    "department_code",
                    _("Unit %(unit)s has no department %(code)s.")
                    % {"unit": row["unit_code"], "code": row["department_code"]},
                )
        if self.errors:
            return
        self.employees = self.employee_data(rows)
        self.keep = self.kept_attributes({"department_code": "department_id"})
        beyond = services.employees_rights_check(self.employees, actor=self.actor, keep=self.keep)
        for row in rows:
            if row["employee_no"] in beyond:
                self.error(
                    row,
                    "employee_no",
                    _("Employee %(no)s holds rights you do not have: their account is not yours to change.")
                    % {"no": row["employee_no"]},
                )

    def write(self, rows, *, actor):
        return services.employees_save(self.employees, actor=actor, keep=self.keep)

    def employee_data(self, rows):
        return [
            services.EmployeeData(
                employee_no=row["employee_no"],
                name=row["name"],
                unit=self.units[row["unit_code"]],
                department=self.departments.get((row["unit_code"], row["department_code"])),
                position=row["position"],
                manager_kind=row["manager_kind"] or "",
                grade=row["grade"] or "",
                credit_manager=bool(row["credit_manager"]),
                vip_area=bool(row["vip_area"]),
                birth_date=row["birth_date"],
                education=row["education"] or "",
                title_level=row["title_level"] or "",
                hired_on=row["hired_on"],
            )
            for row in rows
        ]

    @classmethod
    def export_rows(cls, actor):
        """The people `actor` may see, as this KIND's rows (choice codes, 1/0, YYYY-MM-DD, an
        empty cell for none): one streamed query."""
        fields = (
            "username",
            "name",
            "unit__code",
            "position",
            "department__code",
            "manager_kind",
            "grade",
            "credit_manager",
            "vip_area",
            "birth_date",
            "education",
            "title_level",
            "hired_on",
        )
        people = scoped(selectors.employees(), actor).order_by("unit__path", "username").values_list(*fields)
        for (
            number,
            name,
            unit_code,
            position,
            department_code,
            manager_kind,
            grade,
            credit_manager,
            vip_area,
            birth_date,
            education,
            title_level,
            hired_on,
        ) in people.iterator():
            yield [
                number,
                name,
                unit_code,
                position,
                department_code,
                manager_kind or None,
                grade or None,
                import_boolean(credit_manager),
                import_boolean(vip_area),
                import_date(birth_date),
                education or None,
                title_level or None,
                import_date(hired_on),
            ]
