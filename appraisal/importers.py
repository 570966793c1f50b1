"""The KINDs reviews and pay of INTERFACES.md "Bulk import" (rules P3, P8)."""

from django.utils.translation import gettext_lazy

from accounts.scoping import scoped
from imports import parsers
from imports.engine import Column, register
from imports.exports import import_money
from staffing.importers import YEAR, PeopleImporter
from staffing.rules import plain

from . import services
from .models import BasePay, Review

SCORE = parsers.decimal(100)  # 0–100, at most 2 decimals: a review (rule P3)


@register
class ReviewImporter(PeopleImporter):
    kind = "reviews"
    label = gettext_lazy("Quarterly reviews")  # 季度定性评价
    key = ("employee_no", "quarter")
    permissions = ("appraisal.add_review", "appraisal.change_review")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("quarter", parsers.quarter, label=parsers.gettext_lazy("Quarter")),
        Column("qualitative", SCORE, label=parsers.gettext_lazy("Qualitative score (0–100)")),
        Column("comment", parsers.text_up_to(500), required=False, label=parsers.gettext_lazy("Comment")),
    ]

    def check(self, rows):
        self.found = self.people(rows)

    def write(self, rows, *, actor):
        records = [
            {
                "employee": self.found[row["employee_no"]],
                "quarter": row["quarter"],
                "qualitative": row["qualitative"],
                "comment": row["comment"] or "",
            }
            for row in rows
        ]
        return self.save(services.reviews_save, records, rows)

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(Review.objects.all(), actor).order_by("employee__username", "quarter")
        for number, quarter, qualitative, comment in rows.values_list(
            "employee__username", "quarter", "qualitative", "comment"
        ):
            yield [number, quarter, plain(qualitative), comment or None]


@register
class PayImporter(PeopleImporter):
    kind = "pay"
    label = gettext_lazy("Yearly base pay")  # 年度基本薪酬
    key = ("employee_no", "year")
    permissions = ("appraisal.add_basepay", "appraisal.change_basepay")
    columns = [
        Column("employee_no", parsers.code, label=parsers.gettext_lazy("Employee number")),
        Column("year", YEAR, label=parsers.gettext_lazy("Year")),
        Column("base_pay", parsers.money, label=parsers.gettext_lazy("Base pay (yuan)")),
    ]

    def check(self, rows):
        self.found = self.people(rows)

    def write(self, rows, *, actor):
        records = [
            {"employee": self.found[row["employee_no"]], "year": row["year"], "base_pay": row["base_pay"]}
            for row in rows
        ]
        return self.save(services.pay_save, records, rows)

    @classmethod
    def export_rows(cls, actor):
        rows = scoped(BasePay.objects.all(), actor).order_by("employee__username", "year")
        for number, year, base_pay in rows.values_list("employee__username", "year", "base_pay"):
            yield [number, year, import_money(base_pay)]


from . import department_importers  # noqa: E402, F401 - registers the KIND plans
