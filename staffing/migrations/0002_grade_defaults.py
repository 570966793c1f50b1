from django.db import migrations


def seed(apps, schema_editor):
    """The grades' defaults of SPEC.md §3 and rule A12 as rows an administrator can edit."""
    from staffing.models import GRADE_DEFAULTS

    GradePolicy = apps.get_model("staffing", "GradePolicy")
    for grade, (coefficient, capacity, authority) in GRADE_DEFAULTS.items():
        GradePolicy.objects.get_or_create(
            grade=grade,
            defaults={"pay_coefficient": coefficient, "capacity": capacity, "loan_authority": authority},
        )
    apps.get_model("staffing", "StaffingPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
