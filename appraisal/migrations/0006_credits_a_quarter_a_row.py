"""Credit holds a quarter per row, its three months side by side; a run's credits are written
in parts (CreditPart), each summing what it wrote for scoring (CreditSum).

The credits of earlier runs are kept, lossless: their sums are taken from their old rows, and
each old row (one client-month) becomes a row of its quarter with that month alone filled in.
One UPDATE per month the table holds.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from appraisal.rules import Quarter

FIGURES = ("deposits_avg", "loans", "intermediate_income", "product_sales")
MONEY = {"max_digits": 18, "decimal_places": 2, "null": True}
CENTS = {"max_digits": 30, "decimal_places": 0, "null": True}
UNCHECKED = {"db_constraint": False, "db_index": False, "on_delete": django.db.models.deletion.DO_NOTHING}


# The sums of the credits kept, from their old rows (the scoring and the units' totals read them).
SUMS = f"""
    INSERT INTO appraisal_creditsum (run_id, employee_id, month, split, days, {", ".join(FIGURES)})
    SELECT run_id, employee_id, month, split, days, {", ".join(f"SUM(CAST(ROUND({f} * 100) AS BIGINT))" for f in FIGURES)}
    FROM appraisal_credit
    GROUP BY run_id, employee_id, month, split, days
"""


def month_columns():
    for number in (1, 2, 3):
        yield f"days_{number}", models.PositiveSmallIntegerField(null=True)
        for figure in FIGURES:
            yield f"{figure}_{number}", models.DecimalField(**MONEY)


def widen(apps, schema_editor):
    Credit = apps.get_model("appraisal", "Credit")
    for month in Credit.objects.values_list("month", flat=True).distinct().order_by():
        months = Quarter.containing(month).months
        number = months.index(month) + 1
        Credit.objects.filter(month=month).update(
            first_month=months[0],
            **{f"days_{number}": models.F("days")},
            **{f"{figure}_{number}": models.F(figure) for figure in FIGURES},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0005_labels"),
        ("runs", "0003_run_heartbeat_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditSum",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("split", models.DecimalField(decimal_places=2, max_digits=5)),
                ("days", models.PositiveSmallIntegerField()),
                *((figure, models.DecimalField(**CENTS)) for figure in FIGURES),
                ("employee", models.ForeignKey(related_name="+", to=settings.AUTH_USER_MODEL, **UNCHECKED)),
                ("run", models.ForeignKey(related_name="+", to="runs.run", **UNCHECKED)),
            ],
            options={"indexes": [models.Index(fields=["run", "employee"], name="credit_sum_run_employee")]},
        ),
        migrations.RunSQL(SUMS, migrations.RunSQL.noop, elidable=False),
        migrations.AddField(model_name="credit", name="first_month", field=models.DateField(null=True)),
        *(migrations.AddField(model_name="credit", name=name, field=field) for name, field in month_columns()),
        migrations.RunPython(widen, migrations.RunPython.noop, elidable=False),
        *(migrations.RemoveField(model_name="credit", name=name) for name in ("month", "days", "month_days", *FIGURES)),
        migrations.AlterField(model_name="credit", name="first_month", field=models.DateField()),
        migrations.CreateModel(
            name="CreditPart",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField()),
                ("client_from", models.BigIntegerField()),
                ("client_to", models.BigIntegerField(null=True)),
                ("written", models.BooleanField(default=False)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="runs.run"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("run", "number"), name="credit_part_once")],
            },
        ),
    ]
