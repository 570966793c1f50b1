import datetime

import django.db.models.expressions
from django.db import migrations, models


def years_as_periods(apps, schema_editor):
    """A contract holds its whole calendar year (the shared dated kit, bankops.dated)."""
    for model in ("PerformanceContract", "HistoricalPerformanceContract"):
        rows = apps.get_model("staffing", model).objects.all()
        for year in rows.values_list("year", flat=True).distinct():
            rows.filter(year=year).update(valid_from=datetime.date(year, 1, 1), valid_to=datetime.date(year, 12, 31))


class Migration(migrations.Migration):
    dependencies = [("staffing", "0005_designated_centres")]

    operations = [
        migrations.AddField(
            model_name="performancecontract",
            name="valid_from",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="valid from"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="performancecontract",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
        migrations.AddField(
            model_name="historicalperformancecontract",
            name="valid_from",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="valid from"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalperformancecontract",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
        migrations.RunPython(years_as_periods, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="performancecontract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_to__isnull", True),
                    ("valid_to__gte", django.db.models.expressions.F("valid_from")),
                    _connector="OR",
                ),
                name="contract_period",
            ),
        ),
    ]
