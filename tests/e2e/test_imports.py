"""The import page in the browser: choose a KIND, upload, follow the run to its result."""

import pytest
from playwright.sync_api import expect

from runs.models import Run
from tests.runs.conftest import clients_csv, grant_imports, upload

SCREENSHOTS = "var/screenshots"


@pytest.mark.django_db(transaction=True, databases="__all__")  # on PostgreSQL progress has its own connection
def test_a_person_uploads_a_clients_file_and_sees_the_result_with_the_kind_kept(log_in, hefei_person, bank, tmp_path):
    person = grant_imports(hefei_person)
    page = log_in(person)
    page.click("nav.areas >> text=导入")
    page.select_option("select[name=kind]", "tiers")
    expect(page.locator("section[data-kind=tiers]")).to_be_visible()
    expect(page.locator("section[data-kind=clients]")).to_be_hidden()
    page.select_option("select[name=kind]", "clients")
    expect(page.locator("section[data-kind=clients]")).to_be_visible()
    path = tmp_path / "客户.csv"
    path.write_text(clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    page.screenshot(path=f"{SCREENSHOTS}/import.png", full_page=True)
    page.click("#import-form button[type=submit]")
    try:
        # In-process the result is there at once; with a worker the page polls until it is.
        expect(page.locator("#run-status")).to_have_text("成功", timeout=60_000)
        expect(page.locator("dl.facts")).to_contain_text("1 新建")
        page.screenshot(path=f"{SCREENSHOTS}/import-run.png", full_page=True)
        page.click("#import-another")
        expect(page.locator("select[name=kind]")).to_have_value("clients")
    finally:
        for run in Run.objects.all():
            run.file.delete(save=False)


@pytest.mark.django_db(transaction=True, databases="__all__")  # on PostgreSQL progress has its own connection
def test_the_run_page_follows_a_queued_run_to_its_end(log_in, hefei_person, bank, monkeypatch):
    from runs import services

    monkeypatch.setattr(services, "enqueue", lambda run_id: None)  # the worker is slow to take them
    person = grant_imports(hefei_person)
    first = services.import_run_start(actor=person, kind="clients", upload=upload("x"), dry_run=True)
    Run.objects.filter(pk=first.pk).update(status="RUNNING", done=5, total=20, phase="parse")
    text = clients_csv(("C9", "新客户", "CORPORATE", "HF0101"))
    run = services.import_run_start(actor=person, kind="clients", upload=upload(text), dry_run=False)
    page = log_in(person)
    try:
        page.goto(f"/imports/runs/{first.pk}/")
        expect(page.locator("#run-progress progress")).to_have_attribute("value", "25")
        page.goto(f"/imports/runs/{run.pk}/")
        expect(page.locator("#run-phase")).to_have_text("等待前一个导入完成")
        Run.objects.filter(pk=first.pk).update(status="SUCCEEDED")
        services.run_execute(run.pk)
        expect(page.locator("#run-status")).to_have_text("成功", timeout=15_000)  # the page polled and reloaded
        expect(page.locator("#run-progress")).to_have_count(0)
    finally:
        for kept in Run.objects.all():
            kept.file.delete(save=False)
