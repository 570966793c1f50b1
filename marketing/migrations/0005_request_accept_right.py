from django.contrib.auth.management import create_permissions
from django.db import migrations

# Everyone who serves clients records their business requests (rule C8).
RECORDING_ROLES = ("province_analyst", "branch_staff", "customer_manager")

# PostgreSQL says itself that entries of one list never overlap (rule C2): the services' lock is
# the portable path, this catches any writer that bypasses it. valid_to is inclusive.
NO_OVERLAP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE marketing_tierentry ADD CONSTRAINT tier_entry_no_overlap EXCLUDE USING gist (
    client_id WITH =, tier WITH =, daterange(valid_from, valid_to, '[]') WITH &&
);
"""


def grant_recording(apps, schema_editor):
    from django.apps import apps as global_apps

    create_permissions(global_apps.get_app_config("marketing"), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    add = Permission.objects.get(content_type__app_label="marketing", codename="add_businessrequest")
    for name in RECORDING_ROLES:
        Group.objects.get_or_create(name=name)[0].permissions.add(add)


def revoke_recording(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    add = Permission.objects.filter(content_type__app_label="marketing", codename="add_businessrequest")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=RECORDING_ROLES):
        group.permissions.remove(*add)


def add_no_overlap(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_OVERLAP)


def drop_no_overlap(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE marketing_tierentry DROP CONSTRAINT tier_entry_no_overlap")


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0004_thresholds_message"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="businessrequest",
            options={
                "ordering": ["-received_at"],
                "permissions": [("accept_subtree_requests", "Can accept requests for the units of their subtree")],
                "verbose_name": "business request",
                "verbose_name_plural": "business requests",
            },
        ),
        migrations.RunPython(grant_recording, revoke_recording),
        migrations.RunPython(add_no_overlap, drop_no_overlap),
    ]
