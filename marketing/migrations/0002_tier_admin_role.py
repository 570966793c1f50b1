from django.contrib.auth.management import create_permissions
from django.db import migrations

# The tier-list administrators' daily tool (名单管理员): lists, clients, their figures, thresholds.
TIER_ADMIN_PERMISSIONS = [
    "view_client", "add_client", "change_client",
    "view_tierentry", "add_tierentry", "change_tierentry",
    "view_clientmetric", "add_clientmetric", "change_clientmetric",
    "view_segmentthresholds",  # kept by the province: see SegmentThresholdsAdmin
    "view_businessrequest",
]


def grant(apps, schema_editor):
    # Permissions are made after migrations; make this app's now so that they can be granted.
    from django.apps import apps as global_apps

    create_permissions(global_apps.get_app_config("marketing"), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="tier_admin")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="marketing", codename__in=TIER_ADMIN_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="tier_admin"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="marketing"))


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant, revoke)]
