"""The batch end to end through Celery (rule P4): in-process by default; through Redis and a real
worker when CELERY_BROKER_URL is set (CI). The data is committed, so that a worker sees it."""

import time

import pytest
from django.core.cache import cache

from appraisal.models import QuarterResults, Result
from runs.models import RunStatus
from tests.helpers import grant

from .conftest import QUARTER

TIMEOUT = 120


@pytest.mark.django_db(transaction=True)
def test_a_run_started_from_the_page_ends_and_its_progress_is_followed(quarter_bank, province_analyst, login):
    cache.clear()
    client = login(grant(province_analyst, "appraisal.run_appraisal"))
    response = client.post("/appraisal/runs/", {"quarter": QUARTER})
    assert response.status_code == 302
    progress_url = response["Location"] + "progress/"
    deadline = time.monotonic() + TIMEOUT
    answer = client.get(progress_url).json()
    while not answer["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = client.get(progress_url).json()
    assert (answer["status"], answer["percent"], answer["done"]) == (RunStatus.SUCCEEDED, 100, 3)
    current = QuarterResults.objects.get(quarter=QUARTER).run_id
    totals = dict(Result.objects.filter(run_id=current).values_list("employee__username", "total"))
    assert {no: str(total) for no, total in totals.items()} == {"M1": "74.03", "M2": "67.73", "M3": "66.00"}
