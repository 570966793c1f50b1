"""Import runs: people who may import, files to import, a run executed as the task would."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from runs import services

CLIENT_PERMISSIONS = ("add_client", "change_client", "add_tierentry", "change_tierentry")
UNIT_PERMISSIONS = ("add_unit", "change_unit")


def grant_imports(user, *codenames):
    """Give `user` the permissions of importing clients and tiers, and units (a fresh object:
    Django caches a user's permissions)."""
    codenames = codenames or CLIENT_PERMISSIONS + UNIT_PERMISSIONS
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


def upload(text, name="clients.csv"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def clients_csv(*rows):
    return "client_no,name,kind,account_unit_code\n" + "".join(",".join(row) + "\n" for row in rows)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hefei_importer(hefei_person):
    return grant_imports(hefei_person)


@pytest.fixture
def wuhu_importer(wuhu_manager):
    return grant_imports(wuhu_manager)


@pytest.fixture
def start_run():
    """Start an import run as `actor` and execute it as the Celery task would."""

    def start(actor, kind, text, *, name=None, dry_run=False, execute=True):
        file = upload(text, name or f"{kind}.csv")
        run = services.import_run_start(actor=actor, kind=kind, upload=file, dry_run=dry_run)
        if execute:
            services.run_execute(run.pk)
        run.refresh_from_db()
        return run

    return start
