"""The KINDs clients, tiers and metrics of INTERFACES.md "Bulk import" (rules C1, C2, C7, P1)."""

from types import SimpleNamespace

from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.actors import within_reach
from accounts.importers import units_by_code
from accounts.models import Unit
from accounts.scoping import scoped
from imports import parsers
from imports.engine import Column, Importer, RowError, register
from imports.exports import import_boolean, import_date, import_money, import_month

from . import services
from .models import LISTED_TIERS, Client, ClientKind, ClientMetric, TierEntry
from .services import by_client_no, unknown_client


def choices_of(values):
    """A stand-in for a TextChoices class that parsers.choice accepts."""
    return SimpleNamespace(values=list(values))


@register
class ClientImporter(Importer):
    kind = "clients"
    label = pgettext_lazy("import kind", "Clients")  # 客户
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
        Column(
            "institution",
            parsers.boolean,
            required=False,
            label=parsers.gettext_lazy("Institutional or interbank client"),
        ),
        Column("import_export", parsers.boolean, required=False, label=parsers.gettext_lazy("Import/export client")),
        Column(
            "sme_chain", parsers.boolean, required=False, label=parsers.gettext_lazy("SME of a supply chain or cluster")
        ),
        Column(
            "group_parent_no", parsers.code, required=False, label=parsers.gettext_lazy("Group parent client number")
        ),
        Column("potential", parsers.boolean, required=False, label=parsers.gettext_lazy("Potential client")),
    ]
    field_columns = {"account_unit": "account_unit_code", "group_parent": "group_parent_no"}

    def check(self, rows):
        self.units = units_by_code([row["account_unit_code"] for row in rows], self.actor)
        flags = ("has_loan", "real_estate", "institution", "import_export", "sme_chain", "potential")
        self.clients = []
        for row in rows:
            if row["account_unit_code"] not in self.units:
                self.error(
                    row, "account_unit_code", _("No unit has the code %(code)s.") % {"code": row["account_unit_code"]}
                )
                continue
            self.clients.append(
                (
                    row,
                    services.ClientData(
                        client_no=row["client_no"],
                        name=row["name"],
                        kind=row["kind"],
                        account_unit=self.units[row["account_unit_code"]],
                        industry=row["industry"] or "",
                        group_parent_no=row["group_parent_no"],
                        **{flag: bool(row[flag]) for flag in flags},
                    ),
                )
            )
        problems = services.clients_check([data for _row, data in self.clients], actor=self.actor)
        for row, data in self.clients:
            for name, message in problems.get(data.client_no, {}).items():
                self.error(row, self.field_columns.get(name, name), message)

    def write(self, rows, *, actor):
        keep = self.kept_attributes({"group_parent_no": "group_parent_id"})
        return services.clients_save([data for _row, data in self.clients], actor=actor, keep=keep)

    @classmethod
    def export_rows(cls, actor):
        """The clients `actor` may see, as this KIND's rows: one streamed query. A group parent
        outside the actor's reach is left empty, as the import reads an empty cell for it: it
        stays as stored, and its number is not shown to someone who may not see it (rule O5)."""
        parent = within_reach(Client.objects.filter(pk=OuterRef("group_parent_id")), actor).values("client_no")[:1]
        fields = (
            "client_no",
            "name",
            "kind",
            "account_unit__code",
            "industry",
            "has_loan",
            "real_estate",
            "institution",
            "import_export",
            "sme_chain",
            "parent_no",
            "potential",
        )
        clients = scoped(Client.objects.all(), actor).annotate(parent_no=Subquery(parent)).order_by("client_no")
        for (
            number,
            name,
            kind,
            unit_code,
            industry,
            has_loan,
            real_estate,
            institution,
            import_export,
            sme_chain,
            parent_no,
            potential,
        ) in clients.values_list(*fields).iterator():
            flags = (has_loan, real_estate, institution, import_export, sme_chain)
            yield [
                number,
                name,
                kind,
                unit_code,
                industry or None,
                *map(import_boolean, flags),
                parent_no,
                import_boolean(potential),
            ]


MARKETING_MODES = choices_of(value for value, _label in TierEntry._meta.get_field("marketing_mode").choices)


@register
class TierImporter(Importer):
    kind = "tiers"
    label = pgettext_lazy("import kind", "Tier lists")  # 名单
    key = ("client_no", "tier", "valid_from")
    permissions = ("marketing.add_tierentry", "marketing.change_tierentry")
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        # SUB_BRANCH is no list (rule C2)
        Column(
            "tier",
            parsers.choice([(tier.value, tier.label) for tier in LISTED_TIERS]),
            label=parsers.gettext_lazy("Tier level"),
        ),
        Column("owner_unit_code", parsers.code, label=parsers.gettext_lazy("List owner unit code")),
        Column("valid_from", parsers.date, label=parsers.gettext_lazy("Valid from (date)")),
        Column("valid_to", parsers.date, required=False, label=parsers.gettext_lazy("Valid to (date)")),
        Column("reason", parsers.text_up_to(200), label=parsers.gettext_lazy("Reason for the entry")),
        # rule C7, an added column
        Column(
            "marketing_mode",
            parsers.choice(TierEntry._meta.get_field("marketing_mode").choices),
            required=False,
            label=parsers.gettext_lazy("Marketing mode"),
        ),
    ]
    field_columns = {"client": "client_no", "owner_unit": "owner_unit_code"}

    def check(self, rows):
        clients = {
            client.client_no: client
            for client in by_client_no(
                within_reach(Client.objects.select_related("account_unit"), self.actor),
                [row["client_no"] for row in rows],
            )
        }
        owner_codes = {row["owner_unit_code"] for row in rows}
        owners = {unit.code: unit for unit in Unit.objects.filter(code__in=owner_codes)}
        self.entries = []
        for row in rows:
            client, owner = clients.get(row["client_no"]), owners.get(row["owner_unit_code"])
            if client is None:
                self.error(row, "client_no", unknown_client(row["client_no"]))
            if owner is None:
                self.error(
                    row, "owner_unit_code", _("No unit has the code %(code)s.") % {"code": row["owner_unit_code"]}
                )
            if client is not None and owner is not None:
                entry = services.TierEntryData(
                    client=client,
                    tier=row["tier"],
                    owner_unit=owner,
                    valid_from=row["valid_from"],
                    valid_to=row["valid_to"],
                    reason=row["reason"],
                    marketing_mode=row["marketing_mode"] or "",
                )
                self.entries.append((row, entry))
        services.tier_entries_check([entry for _row, entry in self.entries], actor=self.actor)
        for row, entry in self.entries:
            for name, message in entry.problems.items():
                self.error(row, self.field_columns.get(name, name), message)

    def affected_clients(self, stage=None):
        """The ids of the clients this file touches (for a dry run's consequences)."""
        return {entry.client.pk for _row, entry in self.entries}

    def write(self, rows, *, actor):
        # A file without the added marketing_mode column leaves the stored modes alone.
        keep = () if "marketing_mode" in self.present else ("marketing_mode",)
        return services.tier_entries_save([entry for _row, entry in self.entries], actor=actor, keep=keep)

    @classmethod
    def export_rows(cls, actor):
        """Every entry, ended ones too, of the lists `actor` keeps (rule C2) and of the clients
        they may see, as this KIND's rows (with the added marketing_mode column): a file they can
        import back; one streamed query. The derived city entries of rule C3 are not stored and
        not exported: re-importing would store them."""
        fields = ("client__client_no", "tier", "owner_unit__code", "valid_from", "valid_to", "reason", "marketing_mode")
        kept = TierEntry.objects.filter(owner_unit__in=within_reach(Unit.objects.all(), actor))
        entries = scoped(kept, actor).order_by("client__client_no", "tier", "valid_from").values_list(*fields)
        for number, tier, owner_code, valid_from, valid_to, reason, marketing_mode in entries.iterator():
            yield [
                number,
                tier,
                owner_code,
                import_date(valid_from),
                import_date(valid_to),
                reason,
                marketing_mode or None,
            ]


@register
class MetricImporter(Importer):
    """Millions of rows a month (rule P1): staged in the database and written set-based
    (imports.staging, services.metrics_save_staged), in memory that does not grow with the file."""

    kind = "metrics"
    label = pgettext_lazy("import kind", "Monthly metrics")  # 月度指标
    staged = True
    key = ("client_no", "month")
    permissions = ("marketing.add_clientmetric", "marketing.change_clientmetric")
    # Balances, flows and assets alike: the spec knows no negative figure, and the database
    # refuses a negative AUM; parsers.money refuses negatives by default.
    columns = [
        Column("client_no", parsers.code, label=parsers.gettext_lazy("Client number")),
        Column("month", parsers.month, label=parsers.gettext_lazy("Month (YYYY-MM)")),
        # Every figure has its label (a figure added to the model without one fails here).
        *[
            Column(
                name,
                parsers.money,
                required=False,
                label={
                    "deposits_avg": parsers.gettext_lazy("Daily-average deposits"),
                    "loans": parsers.gettext_lazy("Loan balance"),
                    "intermediate_income": parsers.gettext_lazy("Intermediate-business income"),
                    "product_sales": parsers.gettext_lazy("Product sales"),
                    "aum": parsers.gettext_lazy("Personal financial assets (AUM)"),
                    "annual_contribution": parsers.gettext_lazy("Annual contribution"),
                }[name],
            )
            for name in ClientMetric.FIGURES
        ],
    ]

    def check_staged(self, stage):
        """The rows whose client is unknown or out of the actor's reach (rule O5)."""
        clients_sql, params = within_reach(Client.objects.values("client_no"), self.actor).query.sql_with_params()
        number = stage.value("client_no", "s")
        found, total = stage.rows_where(
            f"NOT EXISTS (SELECT 1 FROM ({clients_sql}) AS c WHERE c.client_no = {number})",
            params,
            columns=["client_no"],
        )
        self.errors.extend((RowError(row, "client_no", unknown_client(no)) for row, no in found), total)

    def affected_clients(self, stage):
        """The clients this file touches, as a query over its staged rows (a dry run's consequences)."""
        return Client.objects.filter(
            client_no__in=RawSQL(f"SELECT {stage.value('client_no', 's')} FROM {stage.table} AS s", [])
        ).values("pk")

    def write_staged(self, stage, *, actor):
        # A figure the file has no column for is left as stored; an empty cell means none.
        figures = [name for name in ClientMetric.FIGURES if name in self.present]
        return services.metrics_save_staged(stage, actor=actor, figures=figures)

    @classmethod
    def export_rows(cls, actor):
        """The months of the clients `actor` may see, as this KIND's rows (YYYY-MM, yuan with
        2 decimals, an empty cell for a figure not given): one streamed query."""
        fields = ("client__client_no", "month", *ClientMetric.FIGURES)
        metrics = scoped(ClientMetric.objects.all(), actor).order_by("client__client_no", "month").values_list(*fields)
        for number, month, *figures in metrics.iterator():
            yield [number, import_month(month), *map(import_money, figures)]
