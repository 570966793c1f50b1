"""The KINDs qualifications, training, assignments and contracts of INTERFACES.md "Bulk import"
(rules S5–S8, A1–A11)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.actors import within_reach
from accounts.scoping import scoped
from bankops import bulk
from imports import parsers
from imports.engine import Column, Importer, register
from imports.exports import import_date, import_money
from marketing.models import Client
from marketing.services import by_client_no, unknown_client

from . import rules, services
from .models import Assignment, Indicator, PerformanceContract, Qualification, QualificationKind, TeamRole, Training

User = get_user_model()
YEAR = parsers.integer(parsers.FIRST_YEAR, parsers.LAST_YEAR)


def unknown_employee(number):
    return _("No employee has the number %(no)s.") % {"no": number}


class PeopleImporter(Importer):
    """A KIND keyed by employee_no: the people are looked up in the actor's reach (rule O5); a
    person outside it reads as unknown, as one who does not exist."""

    field_columns = {"employee": "employee_no"}

    def people(self, rows):
        numbers = {row["employee_no"] for row in rows}
        reachable = within_reach(User.objects.filter(is_active=True, unit__isnull=False), self.actor)
        found = {person.username: person for person in reachable.filter(username__in=numbers).select_related("unit")}
        for row in rows:
            if row["employee_no"] not in found:
                self.error(row, "employee_no", unknown_employee(row["employee_no"]))
        return found

    def save(self, service, records, rows):
        """Call `service` with `records` (one per row of `rows`); each refusal names its row."""
        try:
            return service(records, actor=self.actor)
        except services.RecordsRefused as refused:
            for index, problems in refused.problems.items():
                for name, message in problems.items():
                    self.error(rows[index], self.field_columns.get(name, name), message)
            return bulk.Counts()


@register
class QualificationImporter(PeopleImporter):
    kind = "qualifications"
    label = pgettext_lazy("import kind", "Qualifications")  # 资格证书
    key = ("employee_no", "kind", "issued_on")
    permissions = ("staffing.add_qualification", "staffing.change_qualification")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("kind", parsers.choice(QualificationKind), label=parsers.gettext_lazy("Qualification")),
        Column("issued_on", parsers.date, label=parsers.gettext_lazy("Issued on")),
        Column("expires_on", parsers.date, required=False, label=parsers.gettext_lazy("Expires on")),
    ]
    field_columns = {"employee": "employee_no", "valid_from": "issued_on", "valid_to": "expires_on"}

    def check(self, rows):
        self.found = self.people(rows)
        for row in rows:
            if row["expires_on"] is not None and row["expires_on"] < row["issued_on"]:
                self.error(row, "expires_on", _("The qualification expires before it is issued."))

    def write(self, rows, *, actor):
        records = [
            {
                "employee": self.found[row["employee_no"]],
                "kind": row["kind"],
                "valid_from": row["issued_on"],
                "valid_to": row["expires_on"],
            }
            for row in rows
        ]
        return self.save(services.qualifications_save, records, rows)

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(Qualification.objects.all(), actor).order_by("employee__username", "kind", "valid_from")
        for number, kind, start, end in rows.values_list("employee__username", "kind", "valid_from", "valid_to"):
            yield [number, kind, import_date(start), import_date(end)]


@register
class TrainingImporter(PeopleImporter):
    kind = "training"
    label = pgettext_lazy("import kind", "Training days")  # 培训记录
    key = ("employee_no", "year")
    permissions = ("staffing.add_training", "staffing.change_training")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("year", YEAR, label=parsers.gettext_lazy("Year")),
        Column("days", parsers.decimal(366, places=1), label=parsers.gettext_lazy("Training days")),
    ]

    def check(self, rows):
        self.found = self.people(rows)

    def write(self, rows, *, actor):
        records = [
            {"employee": self.found[row["employee_no"]], "year": row["year"], "days": row["days"]} for row in rows
        ]
        return self.save(services.training_save, records, rows)

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(Training.objects.all(), actor).order_by("employee__username", "year")
        for number, year, days in rows.values_list("employee__username", "year", "days"):
            yield [number, year, rules.plain(days)]


@register
class ContractImporter(PeopleImporter):
    kind = "contracts"
    label = pgettext_lazy("import kind", "Performance contracts")  # 绩效合约
    key = ("employee_no", "year", "indicator")
    permissions = ("staffing.add_performancecontract", "staffing.change_performancecontract")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("year", YEAR, label=parsers.gettext_lazy("Year")),
        Column("indicator", parsers.choice(Indicator), label=parsers.gettext_lazy("Indicator")),
        Column("target", parsers.money, label=parsers.gettext_lazy("Annual target")),
    ]

    def check(self, rows):
        self.found = self.people(rows)

    def write(self, rows, *, actor):
        records = [
            {
                "employee": self.found[row["employee_no"]],
                "year": row["year"],
                "indicator": row["indicator"],
                "target": row["target"],
            }
            for row in rows
        ]
        return self.save(services.contracts_save, records, rows)

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(PerformanceContract.objects.all(), actor).order_by("employee__username", "year", "indicator")
        for number, year, indicator, target in rows.values_list("employee__username", "year", "indicator", "target"):
            yield [number, year, indicator, import_money(target)]


@register
class AssignmentImporter(PeopleImporter):
    """Relationship teams (rules A1–A10): the whole file is one batch of assignments_save, so a
    team is judged as the file leaves it; one refused row refuses the file."""

    kind = "assignments"
    label = pgettext_lazy("import kind", "Relationship teams")  # 客户经理配备
    key = ("client_no", "employee_no", "valid_from")
    permissions = ("staffing.add_assignment", "staffing.change_assignment")
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("role", parsers.choice(TeamRole), label=parsers.gettext_lazy("Role on the team")),
        Column("split", parsers.decimal(100), label=parsers.gettext_lazy("Credit split (%)")),
        Column("valid_from", parsers.date, label=parsers.gettext_lazy("Valid from (date)")),
        Column("valid_to", parsers.date, required=False, label=parsers.gettext_lazy("Valid to (date)")),
        Column(
            "override_reason", parsers.text_up_to(300), required=False, label=parsers.gettext_lazy("Override reason")
        ),
    ]
    field_columns = {"client": "client_no", "employee": "employee_no"}

    def check(self, rows):
        people = self.people(rows)
        reachable = within_reach(Client.objects.select_related("account_unit"), self.actor)
        clients = {client.client_no: client for client in by_client_no(reachable, [row["client_no"] for row in rows])}
        self.items = []
        for row in rows:
            client = clients.get(row["client_no"])
            if client is None:
                self.error(row, "client_no", unknown_client(row["client_no"]))
            person = people.get(row["employee_no"])
            if client is not None and person is not None:
                item = services.AssignmentData(
                    client=client,
                    employee=person,
                    role=row["role"],
                    split=row["split"],
                    valid_from=row["valid_from"],
                    valid_to=row["valid_to"],
                    override_reason=row["override_reason"] or "",
                )
                self.items.append((row, item))
        services.assignments_check([item for _row, item in self.items], actor=self.actor)
        self.report_problems()

    def write(self, rows, *, actor):
        try:
            return services.assignments_save([item for _row, item in self.items], actor=actor)
        except ValidationError:
            self.report_problems()  # assignments_save left each refusal on its item
            return bulk.Counts()

    def report_problems(self):
        for row, item in self.items:
            for name, message in item.problems.items():
                self.error(row, self.field_columns.get(name, name), message)

    @classmethod
    def export_rows(cls, actor):
        fields = ("client__client_no", "employee__username", "role", "split", "valid_from", "valid_to")
        rows = scoped(Assignment.objects.all(), actor).order_by("client__client_no", "valid_from", "employee__username")
        for client_no, number, role, split, start, end in rows.values_list(*fields):
            yield [client_no, number, role, rules.plain(split), import_date(start), import_date(end), None]
