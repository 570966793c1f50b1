from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

# The province's administrators (role tier_admin, 名单管理员) keep the staffing policy too: the
# grades' figures, teams (with the right to override a refusal), industry teams, and they read
# qualifications, training, contracts and overrides.
RIGHTS = [
    "view_gradepolicy", "change_gradepolicy",
    "view_staffingpolicy", "change_staffingpolicy",
    "view_assignment", "add_assignment", "change_assignment", "override_assignment",
    "view_industryteam", "add_industryteam", "change_industryteam",
    "view_qualification", "view_training", "view_performancecontract", "view_override",
]


def grant(apps, schema_editor):
    from django.apps import apps as global_apps

    create_permissions(global_apps.get_app_config("staffing"), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="tier_admin")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="staffing", codename__in=RIGHTS))


def first_history(apps, schema_editor):
    """The policy rows seeded by 0002 get the history record they were made without, so that the
    first edit shows what it changed."""
    for name in ("GradePolicy", "StaffingPolicy"):
        model = apps.get_model("staffing", name)
        history = apps.get_model("staffing", f"Historical{name}")
        for row in model.objects.all():
            if not history.objects.filter(id=row.pk).exists():
                values = {field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields}
                history.objects.create(**values, history_type="+", history_date=timezone.now())


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="tier_admin"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="staffing"))


class Migration(migrations.Migration):
    dependencies = [("staffing", "0003_industry_teams"), ("marketing", "0002_tier_admin_role")]
    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(first_history, migrations.RunPython.noop),
    ]
