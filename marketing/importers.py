"""The KINDs clients, tiers and metrics of INTERFACES.md "Bulk import" (rules C1, C2, C7, P1)."""

from types import SimpleNamespace

from django.utils.translation import gettext as _

from accounts.importers import leads_back, units_by_code
from accounts.models import Unit
from accounts.scoping import scoped_for_actor
from bankops.bulk import BATCH_SIZE
from imports import parsers
from imports.engine import Column, Importer, register

from . import services
from .models import LISTED_TIERS, Client, ClientKind, ClientMetric, TierEntry


def by_client_no(queryset, numbers):
    """The rows of `queryset` whose client_no is among `numbers`: one query per chunk of
    numbers, never one per row, and no `IN` list too long for the database (files hold millions)."""
    numbers = list(set(numbers))
    for start in range(0, len(numbers), BATCH_SIZE):
        yield from queryset.filter(client_no__in=numbers[start : start + BATCH_SIZE])


def unknown_client(number):
    return _("No client has the number %(no)s.") % {"no": number}


def choices_of(values):
    """A stand-in for a TextChoices class that parsers.choice accepts."""
    return SimpleNamespace(values=list(values))


@register
class ClientImporter(Importer):
    kind = "clients"
    key = ("client_no",)
    permissions = ("marketing.add_client", "marketing.change_client")
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        Column("name", parsers.text, label=parsers.gettext_lazy("Client name")),
        Column("kind", parsers.choice(ClientKind), label=parsers.gettext_lazy("Client kind")),
        Column("account_unit_code", parsers.code, label=parsers.gettext_lazy("Account branch code")),
        Column("industry", parsers.text_up_to(50), required=False, label=parsers.gettext_lazy("Industry sector")),
        Column("has_loan", parsers.boolean, required=False, label=parsers.gettext_lazy("Has loans")),
        Column("real_estate", parsers.boolean, required=False, label=parsers.gettext_lazy("Real-estate client")),
        Column("institution", parsers.boolean, required=False, label=parsers.gettext_lazy("Institutional or interbank client")),
        Column("import_export", parsers.boolean, required=False, label=parsers.gettext_lazy("Import/export client")),
        Column("sme_chain", parsers.boolean, required=False, label=parsers.gettext_lazy("SME of a supply chain or cluster")),
        Column("group_parent_no", parsers.code, required=False, label=parsers.gettext_lazy("Group parent client number")),
        Column("potential", parsers.boolean, required=False, label=parsers.gettext_lazy("Potential client")),
    ]
    field_columns = {"account_unit": "account_unit_code", "group_parent": "group_parent_no"}

    def check(self, rows):
        self.units = units_by_code([row["account_unit_code"] for row in rows], self.actor)
        numbers = [row["client_no"] for row in rows]
        stored = set(by_client_no(Client.objects.values_list("client_no", flat=True), numbers))
        mine = set(by_client_no(scoped_for_actor(Client.objects.values_list("client_no", flat=True), self.actor), numbers))
        parents = self.group_links(rows)
        for row in rows:
            number, parent = row["client_no"], row["group_parent_no"]
            if number in stored and number not in mine:
                # Re-booking a client of another branch would take it from that branch (rule O5).
                self.error(row, "client_no", _("Client %(no)s banks outside your part of the bank.") % {"no": number})
            if row["account_unit_code"] not in self.units:
                self.error(row, "account_unit_code", _("No unit has the code %(code)s.") % {"code": row["account_unit_code"]})
            if parent is None:
                continue
            if parent == number:
                self.error(row, "group_parent_no", _("A client cannot be its own group parent."))
            elif parent not in parents:
                self.error(row, "group_parent_no", unknown_client(parent))
            elif leads_back(number, parents.get):
                self.error(row, "group_parent_no", _("This group parent would make the client its own group parent."))

    @staticmethod
    def group_links(rows):
        """client_no → group parent's client_no of every client the file names, the file's word
        before the database's, followed upwards to the group heads (a query per level; groups
        are shallow). A parent number missing here names no client."""
        links = {row["client_no"]: row["group_parent_no"] for row in rows}
        wanted = {parent for parent in links.values() if parent and parent not in links}
        while wanted:
            found = dict(by_client_no(Client.objects.values_list("client_no", "group_parent__client_no"), wanted))
            links.update(found)
            wanted = {parent for parent in found.values() if parent and parent not in links}
        return links

    def write(self, rows, *, actor):
        flags = ("has_loan", "real_estate", "institution", "import_export", "sme_chain", "potential")
        clients = [
            services.ClientData(
                client_no=row["client_no"],
                name=row["name"],
                kind=row["kind"],
                account_unit=self.units[row["account_unit_code"]],
                industry=row["industry"] or "",
                group_parent_no=row["group_parent_no"],
                **{flag: bool(row[flag]) for flag in flags},
            )
            for row in rows
        ]
        keep = self.kept_attributes({"group_parent_no": "group_parent_id"})
        return services.clients_save(clients, actor=actor, keep=keep)


MARKETING_MODES = choices_of(value for value, _label in TierEntry._meta.get_field("marketing_mode").choices)


@register
class TierImporter(Importer):
    kind = "tiers"
    key = ("client_no", "tier", "valid_from")
    permissions = ("marketing.add_tierentry", "marketing.change_tierentry")
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        # SUB_BRANCH is no list (rule C2)
        Column("tier", parsers.choice([(tier.value, tier.label) for tier in LISTED_TIERS]), label=parsers.gettext_lazy("Tier level")),
        Column("owner_unit_code", parsers.code, label=parsers.gettext_lazy("List owner unit code")),
        Column("valid_from", parsers.date, label=parsers.gettext_lazy("Valid from (date)")),
        Column("valid_to", parsers.date, required=False, label=parsers.gettext_lazy("Valid to (date)")),
        Column("reason", parsers.text_up_to(200), label=parsers.gettext_lazy("Reason for the entry")),
        # rule C7, an added column
        Column("marketing_mode", parsers.choice(TierEntry._meta.get_field("marketing_mode").choices), required=False,
               label=parsers.gettext_lazy("Marketing mode")),
    ]
    field_columns = {"client": "client_no", "owner_unit": "owner_unit_code"}

    def check(self, rows):
        clients = {
            client.client_no: client
            for client in by_client_no(scoped_for_actor(Client.objects.select_related("account_unit"), self.actor), [row["client_no"] for row in rows])
        }
        owner_codes = {row["owner_unit_code"] for row in rows}
        owners = {unit.code: unit for unit in Unit.objects.filter(code__in=owner_codes)}
        self.entries = []
        for row in rows:
            client, owner = clients.get(row["client_no"]), owners.get(row["owner_unit_code"])
            if client is None:
                self.error(row, "client_no", unknown_client(row["client_no"]))
            if owner is None:
                self.error(row, "owner_unit_code", _("No unit has the code %(code)s.") % {"code": row["owner_unit_code"]})
            if client is not None and owner is not None:
                entry = services.TierEntryData(
                    client=client, tier=row["tier"], owner_unit=owner, valid_from=row["valid_from"],
                    valid_to=row["valid_to"], reason=row["reason"], marketing_mode=row["marketing_mode"] or "",
                )
                self.entries.append((row, entry))
        services.tier_entries_check([entry for _row, entry in self.entries], actor=self.actor)
        for row, entry in self.entries:
            for name, message in entry.problems.items():
                self.error(row, self.field_columns.get(name, name), message)

    def write(self, rows, *, actor):
        # A file without the added marketing_mode column leaves the stored modes alone.
        keep = () if "marketing_mode" in self.present else ("marketing_mode",)
        return services.tier_entries_save([entry for _row, entry in self.entries], actor=actor, keep=keep)


@register
class MetricImporter(Importer):
    """Millions of rows a month: the check is a query per chunk of client numbers, the write
    a few bulk statements (rule P1)."""

    kind = "metrics"
    key = ("client_no", "month")
    permissions = ("marketing.add_clientmetric", "marketing.change_clientmetric")
    # Balances, flows and assets alike: the spec knows no negative figure, and the database
    # refuses a negative AUM; parsers.money refuses negatives by default.
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        Column("month", parsers.month, label=parsers.gettext_lazy("Month (YYYY-MM)")),
        # Every figure has its label (a figure added to the model without one fails here).
        *[Column(name, parsers.money, required=False, label={
            "deposits_avg": parsers.gettext_lazy("Daily-average deposits"),
            "loans": parsers.gettext_lazy("Loan balance"),
            "intermediate_income": parsers.gettext_lazy("Intermediate-business income"),
            "product_sales": parsers.gettext_lazy("Product sales"),
            "aum": parsers.gettext_lazy("Personal financial assets (AUM)"),
            "annual_contribution": parsers.gettext_lazy("Annual contribution"),
        }[name]) for name in ClientMetric.FIGURES],
    ]

    def check(self, rows):
        self.client_ids = dict(by_client_no(
            scoped_for_actor(Client.objects.values_list("client_no", "pk"), self.actor), [row["client_no"] for row in rows]
        ))
        for row in rows:
            if row["client_no"] not in self.client_ids:
                self.error(row, "client_no", unknown_client(row["client_no"]))

    def write(self, rows, *, actor):
        # A figure the file has no column for is left as stored; an empty cell means none.
        figures = [name for name in ClientMetric.FIGURES if name in self.present]
        return services.metrics_save(
            ({"client_id": self.client_ids[row["client_no"]], "month": row["month"], **{name: row[name] for name in figures}}
             for row in rows),
            figures=figures,
        )
