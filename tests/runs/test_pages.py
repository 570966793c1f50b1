"""The staff import page, the run pages and the history: who may use them, what they show."""

import pytest
from django.urls import reverse

from accounts.models import Unit
from imports.engine import REGISTRY
from marketing.models import Client
from runs import services
from runs.models import Run, RunStatus

from .conftest import clients_csv, upload

pytestmark = pytest.mark.usefixtures("media")


def post_import(client, kind, text, name=None, **extra):
    """Upload a file from the page; then execute the run as the task does (in the test's
    transaction the on-commit task is not sent, whatever the Celery set-up)."""
    file = upload(text, name or f"{kind}.csv")
    response = client.post(reverse("import-start"), {"kind": kind, "file": file, **extra})
    if response.status_code == 302:
        run = Run.objects.latest("pk")
        assert response["Location"] == reverse("run-detail", args=[run.pk])
        services.run_execute(run.pk)
    return response


def test_a_person_without_an_import_permission_is_refused_every_page(login, hefei_person, hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")))
    from accounts.models import User

    client = login(User.objects.create_user("H0002", unit=hefei_importer.unit))
    for url in [
        reverse("import-start"),
        reverse("run-list"),
        reverse("run-detail", args=[run.pk]),
        reverse("run-progress", args=[run.pk]),
        reverse("run-file", args=[run.pk]),
        reverse("import-template", args=["clients"]),
        reverse("import-export", args=["clients"]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("import-start"), {"kind": "clients", "file": upload("x")}).status_code == 403
    assert Run.objects.count() == 1
    assert reverse("import-start") not in client.get(reverse("home")).content.decode()


def test_template_and_export_need_the_permission_of_that_kind(login, hefei_manager, bank):
    from .conftest import grant_imports

    client = login(grant_imports(hefei_manager, "add_client", "change_client"))
    assert client.get(reverse("import-template", args=["units"])).status_code == 403
    assert client.get(reverse("import-export", args=["units"]) + "?format=xlsx").status_code == 403
    assert client.get(reverse("import-template", args=["nosuchkind"])).status_code == 404


def test_the_top_bar_links_the_import_page_for_people_who_may_import(login, hefei_importer):
    page = login(hefei_importer).get(reverse("home")).content.decode()
    assert f'href="{reverse("import-start")}"' in page


def test_the_old_admin_upload_address_leads_to_the_staff_page(login, hefei_importer):
    response = login(hefei_importer).get("/admin/import/")
    assert response.status_code in (301, 302) and response["Location"] == reverse("import-start")


def test_the_page_offers_the_permitted_kinds_with_their_columns_template_and_export(login, hefei_manager, bank):
    from .conftest import grant_imports

    client = login(grant_imports(hefei_manager, "add_client", "change_client", "add_tierentry", "change_tierentry"))
    response = client.get(reverse("import-start") + "?kind=tiers")
    assert [value for value, _label in response.context["form"].fields["kind"].choices] == ["clients", "tiers"]
    assert response.context["chosen"] == "tiers"
    page = response.content.decode()
    assert "客户" in page and "名单" in page
    assert REGISTRY["clients"].column_label("account_unit_code") in page
    assert reverse("import-template", args=["tiers"]) in page
    assert reverse("import-export", args=["tiers"]) + "?format=xlsx" in page


def test_a_good_upload_ends_succeeded_and_keeps_the_chosen_kind(login, hefei_importer):
    client = login(hefei_importer)
    response = post_import(client, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")), name="新客户.csv")
    run = Run.objects.get()
    assert run.status == RunStatus.SUCCEEDED and Client.objects.filter(client_no="C9").exists()
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "1 新建" in content or "1 created" in content
    assert "新客户.csv" in content and 'id="run-progress"' not in content
    another = f"{reverse('import-start')}?kind=clients"
    assert f'href="{another}"' in content
    assert client.get(another).context["form"]["kind"].value() == "clients"


def test_a_bad_upload_lists_the_rows_with_the_columns_chinese_names_and_writes_nothing(login, hefei_importer):
    client = login(hefei_importer)
    text = clients_csv(("C9", "新客户", "CORPORATE", "HF0101"), ("C10", "外客户", "CORPORATE", "WH0101"))
    response = post_import(client, "clients", text)
    run = Run.objects.get()
    assert run.status == RunStatus.REJECTED and not Client.objects.filter(client_no__in=["C9", "C10"]).exists()
    page = client.get(response["Location"])
    [error] = page.context["errors"]
    assert (error["row"], error["column_label"]) == (3, REGISTRY["clients"].column_label("account_unit_code"))
    content = page.content.decode()
    assert 'id="run-errors"' in content and error["message"] in content


def test_a_report_capped_says_how_many_more(login, hefei_importer, settings):
    settings.RUNS_REPORT_ROWS = 2
    client = login(hefei_importer)
    response = post_import(client, "clients", clients_csv(*[(f"C{n}", "x", "NOPE", "HF0101") for n in range(5)]))
    page = client.get(response["Location"])
    assert len(page.context["errors"]) == 2 and page.context["run"].errors_left_off == 3
    assert "3" in page.content.decode().split('id="run-errors"')[1]


def test_a_broken_file_or_a_crash_is_a_run_with_its_message_never_a_500(login, hefei_importer, monkeypatch):
    client = login(hefei_importer)
    response = post_import(client, "clients", b"not a workbook", name="clients.xlsx")
    run = Run.objects.get()
    assert run.status == RunStatus.REJECTED
    assert client.get(response["Location"]).status_code == 200

    def crash(self, rows, *, actor):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(REGISTRY["clients"], "write", crash)
    response = post_import(client, "clients", clients_csv(("C9", "新客户", "CORPORATE", "HF0101")))
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["run"].status == RunStatus.FAILED
    assert "disk on fire" in page.content.decode()


def test_form_errors_are_shown_next_to_the_field_with_the_choice_kept(login, hefei_importer):
    client = login(hefei_importer)
    response = client.post(reverse("import-start"), {"kind": "tiers"})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert response.context["form"]["kind"].value() == "tiers" and response.context["chosen"] == "tiers"
    response = client.post(reverse("import-start"), {"kind": "metrics", "file": upload("x")})
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert not Run.objects.exists()


def test_a_staff_import_of_units_is_recorded_as_the_person_and_kept_in_their_subtree(
    login, hefei_importer, wuhu_importer
):
    client = login(hefei_importer)
    post_import(client, "units", "code,name,kind,parent_code\nHF02,新支行,SUB_BRANCH,HF\n")
    assert Unit.objects.get(code="HF02").history.latest().history_user == hefei_importer
    client = login(wuhu_importer)
    post_import(client, "units", "code,name,kind,parent_code\nHF0199,网点,OUTLET,HF01\n")
    run = Run.objects.latest("pk")
    assert run.status == RunStatus.REJECTED and run.errors[0]["column"] == "parent_code"
    assert not Unit.objects.filter(code="HF0199").exists()


def test_the_run_page_of_a_queued_run_shows_the_progress_bar_and_waits_for_the_one_before(
    login, hefei_importer, start_run
):
    first = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "HF0101")), execute=False)
    second = start_run(hefei_importer, "clients", clients_csv(("C9", "y", "CORPORATE", "HF0101")), execute=False)
    client = login(hefei_importer)
    page = client.get(reverse("run-detail", args=[second.pk]))
    content = page.content.decode()
    assert page.context["waiting"] and 'id="run-progress"' in content and "js/runs.js" in content
    assert client.get(reverse("run-progress", args=[second.pk])).json()["waiting"] is True
    assert client.get(reverse("run-detail", args=[first.pk])).context["waiting"] is False


def test_the_progress_endpoint_answers_json_until_the_run_ends(login, hefei_importer, start_run):
    run = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "HF0101")), execute=False)
    client = login(hefei_importer)
    answer = client.get(reverse("run-progress", args=[run.pk])).json()
    assert (answer["status"], answer["percent"], answer["finished"]) == ("QUEUED", 0, False)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, done=50, total=200, phase="parse")
    answer = client.get(reverse("run-progress", args=[run.pk])).json()
    assert (answer["done"], answer["total"], answer["percent"], answer["phase"]) == (50, 200, 25, "parse")
    Run.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED)
    services.run_execute(run.pk)
    answer = client.get(reverse("run-progress", args=[run.pk])).json()
    assert (answer["status"], answer["percent"], answer["finished"]) == ("SUCCEEDED", 100, True)


def test_history_shows_a_hefei_person_hefeis_runs_and_not_wuhus(login, hefei_importer, wuhu_importer, start_run):
    hefei = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "HF0101")))
    wuhu = start_run(wuhu_importer, "clients", clients_csv(("C8", "x", "CORPORATE", "WH0101")))
    client = login(hefei_importer)
    page = client.get(reverse("run-list"))
    assert [run.pk for run in page.context["page"].object_list] == [hefei.pk]
    assert reverse("run-detail", args=[hefei.pk]) in page.content.decode()
    for name in ("run-detail", "run-progress", "run-file"):
        assert client.get(reverse(name, args=[wuhu.pk])).status_code == 404
    download = client.get(reverse("run-file", args=[hefei.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"client_no")
    assert "attachment" in download["Content-Disposition"]


def test_a_province_person_sees_the_runs_below_newest_first_filtered(
    login, province_analyst, hefei_importer, wuhu_importer, start_run
):
    from .conftest import grant_imports

    hefei = start_run(hefei_importer, "clients", clients_csv(("C9", "x", "CORPORATE", "HF0101")))
    wuhu = start_run(wuhu_importer, "clients", clients_csv(("C8", "x", "NOPE", "WH0101")))
    units = start_run(hefei_importer, "units", "code,name,kind,parent_code\nHF02,新支行,SUB_BRANCH,HF\n")
    client = login(grant_imports(province_analyst))

    def listed(query=""):
        return [run.pk for run in client.get(reverse("run-list") + query).context["page"].object_list]

    assert listed() == [units.pk, wuhu.pk, hefei.pk]
    assert listed("?kind=import:clients") == [wuhu.pk, hefei.pk]
    assert listed("?status=REJECTED") == [wuhu.pk]
    assert listed("?status=NOPE") == [units.pk, wuhu.pk, hefei.pk]  # a bad filter is ignored, not a 500


def test_the_history_page_makes_a_bounded_number_of_queries(
    login, hefei_importer, start_run, django_assert_max_num_queries
):
    for n in range(30):
        start_run(hefei_importer, "clients", clients_csv((f"C{n}", "x", "CORPORATE", "HF0101")), execute=n % 2 == 0)
    client = login(hefei_importer)
    client.get(reverse("run-list"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("run-list"))
    assert len(page.context["page"].object_list) == 30
