"""The round trip of an upload through Celery: in-process by default, through Redis and a real
worker when CELERY_BROKER_URL is set (CI). The data is committed, so that a worker sees it; the
file is kept under the test settings' MEDIA_ROOT, which the CI worker shares."""

import time

import pytest
from django.urls import reverse

from marketing.models import Client
from runs.models import Run, RunStatus

from .conftest import clients_csv, grant_imports, upload

TIMEOUT = 60


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("embedded_thread", [False, True])
def test_an_upload_from_the_page_runs_to_its_end_and_the_page_follows_it(
    bank, hefei_person, login, settings, embedded_thread
):
    if embedded_thread:  # no broker: the run executes in a thread of the web process, the page follows it
        settings.CELERY_TASK_ALWAYS_EAGER = settings.RUNS_IN_THREAD = True
    client = login(grant_imports(hefei_person))
    text = clients_csv(("C9", "新客户", "CORPORATE", "HF0101"), ("C10", "新客户二", "CORPORATE", "HF01"))
    response = client.post(reverse("import-start"), {"kind": "clients", "file": upload(text)})
    run = Run.objects.get()
    try:
        assert response["Location"] == reverse("run-detail", args=[run.pk])
        deadline = time.monotonic() + TIMEOUT
        answer = client.get(reverse("run-progress", args=[run.pk])).json()
        while not answer["finished"] and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = client.get(reverse("run-progress", args=[run.pk])).json()
        assert (answer["status"], answer["percent"]) == (RunStatus.SUCCEEDED, 100)
        run.refresh_from_db()
        assert run.counts["created"] == 2 and Client.objects.filter(client_no__in=["C9", "C10"]).count() == 2
        page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
        assert 'id="run-progress"' not in page and f"{reverse('import-start')}?kind=clients" in page
    finally:
        run.file.delete(save=False)
