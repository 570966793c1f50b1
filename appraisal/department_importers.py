"""The KIND plans (rule C9): the annual comprehensive marketing plan's targets per client and
indicator, decomposed to the responsible departments.

Columns: year, client_no, indicator (DEPOSITS/LOANS/INTERMEDIATE/PRODUCTS), target, [department]
(a province marketing department of rule O2). An empty department cell means the client's
responsible department of rule C5 on January 1st of the year; a file without the column leaves
the stored department of a target as it is (a new target takes rule C5's). Only head-office- and
province-tier clients (their tier on January 1st) have a plan: any other row is refused, row and
column named. The file is imported whole or not at all, through departments.plan_targets_save.
"""

from django.utils.translation import gettext_lazy

from accounts.actors import within_reach
from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS
from accounts.scoping import scoped
from bankops import bulk
from imports import parsers
from imports.engine import Column, Importer, register
from imports.exports import import_money
from marketing.models import Client
from marketing.services import by_client_no, unknown_client
from staffing.importers import YEAR
from staffing.models import Indicator
from staffing.services import RecordsRefused

from . import departments
from .models import PlanTarget

DEPARTMENT = parsers.choice(list(PROVINCE_MARKETING_DEPARTMENTS.items()))


@register
class PlanImporter(Importer):
    kind = "plans"
    label = gettext_lazy("Marketing plan targets")  # 营销计划目标
    key = ("year", "client_no", "indicator")
    permissions = departments.PLAN_PERMISSIONS
    columns = [
        Column("year", YEAR, label=gettext_lazy("Year")),
        Column("client_no", parsers.code, label=gettext_lazy("Client number")),
        Column("indicator", parsers.choice(Indicator), label=gettext_lazy("Indicator")),
        Column("target", parsers.money, label=gettext_lazy("Annual target")),
        Column("department", DEPARTMENT, required=False, label=gettext_lazy("Responsible department")),
    ]
    field_columns = {"client": "client_no", "department": "department", "target": "target"}

    def check(self, rows):
        reachable = within_reach(Client.objects.select_related("account_unit"), self.actor)
        self.clients = {client.client_no: client for client in by_client_no(reachable, [r["client_no"] for r in rows])}
        for row in rows:
            if row["client_no"] not in self.clients:
                self.error(row, "client_no", unknown_client(row["client_no"]))

    def stored_departments(self, rows):
        """{(client pk, year, indicator): department} of the stored targets of the rows (used
        when the file has no department column): one query per chunk of clients."""
        ids = list({self.clients[row["client_no"]].pk for row in rows})
        years = {row["year"] for row in rows}
        stored = {}
        for start in range(0, len(ids), bulk.BATCH_SIZE):
            found = PlanTarget.objects.filter(client_id__in=ids[start : start + bulk.BATCH_SIZE], year__in=years)
            for client_id, year, indicator, department in found.values_list(
                "client_id", "year", "indicator", "department"
            ):
                stored[(client_id, year, indicator)] = department
        return stored

    def write(self, rows, *, actor):
        stored = {} if "department" in self.present else self.stored_departments(rows)
        records = []
        for row in rows:
            client = self.clients[row["client_no"]]
            department = row["department"] if "department" in self.present else None
            records.append(
                {
                    "client": client,
                    "year": row["year"],
                    "indicator": row["indicator"],
                    "target": row["target"],
                    "department": department or stored.get((client.pk, row["year"], row["indicator"])),
                }
            )
        try:
            return departments.plan_targets_save(records, actor=actor)
        except RecordsRefused as refused:
            for index, problems in refused.problems.items():
                for name, message in problems.items():
                    self.error(rows[index], self.field_columns.get(name, name), message)
            return bulk.Counts()

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(PlanTarget.objects.all(), actor).order_by("year", "client__client_no", "indicator")
        for year, client_no, indicator, target, department in rows.values_list(
            "year", "client__client_no", "indicator", "target", "department"
        ):
            yield [year, client_no, indicator, import_money(target), department]
