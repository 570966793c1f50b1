from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

# SPEC.md P3 and INTERFACES.md: the default points scheme (积分制).
WEIGHTS = {"DEPOSITS": "0.4", "LOANS": "0.3", "INTERMEDIATE": "0.2", "PRODUCTS": "0.1"}

# The province's administrators (tier_admin) keep the schemes and the policy, import reviews
# and base pay, start the batch and read every result.
RIGHTS = [
    "run_appraisal",
    "view_scheme", "add_scheme",
    "view_appraisalpolicy", "change_appraisalpolicy",
    "view_review", "add_review", "change_review",
    "view_basepay", "add_basepay", "change_basepay",
    "view_result", "view_appeal", "view_calibration",
    "view_plantarget", "add_plantarget", "change_plantarget",
    "view_milestonerecord", "add_milestonerecord", "change_milestonerecord",
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("appraisal", "Scheme")
    SchemeIndicator = apps.get_model("appraisal", "SchemeIndicator")
    if not Scheme.objects.exists():
        scheme = Scheme.objects.create(version=1, name="积分制考核方案")
        for indicator, weight in WEIGHTS.items():
            SchemeIndicator.objects.create(scheme=scheme, indicator=indicator, weight=Decimal(weight), cap=Decimal("1.5"))


def grant(apps, schema_editor):
    from django.apps import apps as global_apps

    create_permissions(global_apps.get_app_config("appraisal"), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="tier_admin")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="appraisal", codename__in=RIGHTS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="tier_admin"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="appraisal"))


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0001_initial"), ("marketing", "0002_tier_admin_role")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
