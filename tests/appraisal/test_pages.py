"""The appraisal's pages (rules P4, P5, P6, P8, P9): who reads what, the writes through the
services with their refusals next to the field, and bounded queries.

The quarter: 2026Q1. Hefei (HF) has three managers at HF0101 — H0101 (hefei_manager, SENIOR,
client C1), H0102 (JUNIOR, C2), H0103 (JUNIOR, C3, no review) — and Wuhu one, W0101
(wuhu_manager, C4). Each leads its client from 2025 with split 100; every manager's contract
asks the same. Hefei ranks H0101 (GOOD: 1 place of 3), H0102, H0103 (COMPETENT); the Hefei
city person H0001 (hefei_person) leads Hefei's leadership group.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts import services as org
from accounts.actors import SYSTEM
from accounts.models import Position
from appraisal import services
from appraisal.models import Appeal, AppealStatus, Approval, BasePay, Calibration, Result, ResultStatus
from marketing import partitions
from marketing.models import ClientKind, ClientMetric
from runs.models import Run
from staffing import services as staffing
from staffing.models import Assignment, PerformanceContract
from tests.helpers import grant, make_person
from tests.marketing.conftest import add_clients

D = datetime.date
QUARTER = "2026Q1"
TARGETS = {"DEPOSITS": 10_000_000, "LOANS": 5_000_000, "INTERMEDIATE": 40_000, "PRODUCTS": 80_000}
FIGURES = {"C1": 1200, "C2": 1000, "C3": 600, "C4": 800}  # × 10,000 deposits, × 5,000 loans …


@pytest.fixture
def quarter(
    bank, hefei_manager, wuhu_manager, hefei_person, province_analyst, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # in the test's transaction, even where a worker is set up
    people = {"H0101": hefei_manager, "W0101": wuhu_manager}
    for no in ("H0102", "H0103"):
        people[no] = make_person(no, f"经理{no}", bank["HF0101"], Position.CUSTOMER_MANAGER, grade="JUNIOR")
    clients = add_clients(
        bank,
        ("C1", ClientKind.CORPORATE, "HF0101", {}),
        ("C2", ClientKind.CORPORATE, "HF0101", {}),
        ("C3", ClientKind.CORPORATE, "HF0101", {}),
        ("C4", ClientKind.CORPORATE, "WH0101", {}),
    )
    for no, client_no in [("H0101", "C1"), ("H0102", "C2"), ("H0103", "C3"), ("W0101", "C4")]:
        Assignment.objects.create(
            client=clients[client_no], employee=people[no], role="LEAD", split=Decimal(100), valid_from=D(2025, 1, 1)
        )
    months = (D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1))
    partitions.ensure_months(months)  # what the metrics' services do first (PostgreSQL)
    for client_no, base in FIGURES.items():
        for month in months:
            ClientMetric.objects.create(
                client=clients[client_no],
                month=month,
                deposits_avg=Decimal(base * 10000),
                loans=Decimal(base * 5000),
                intermediate_income=Decimal(base * 10),
                product_sales=Decimal(base * 20),
            )
    PerformanceContract.objects.bulk_create(
        PerformanceContract(
            employee=person,
            year=2026,
            indicator=indicator,
            target=Decimal(target),
            valid_from=D(2026, 1, 1),
            valid_to=D(2026, 12, 31),
        )
        for person in people.values()
        for indicator, target in TARGETS.items()
    )
    services.reviews_save(
        [
            {"employee": people[no], "quarter": QUARTER, "qualitative": Decimal(90)}
            for no in ("H0101", "H0102", "W0101")
        ],
        actor=SYSTEM,
    )
    org.leadership_member_set(unit=bank["HF"], member=hefei_person, role="LEADER", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    run.refresh_from_db()
    assert run.status == "SUCCEEDED", run.summary
    results = {r.employee.username: r for r in Result.objects.filter(run=run).select_related("employee", "city")}
    return {"run": run, "people": people, "clients": clients, "results": results, "bank": bank}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def shown(html, employee_no):
    """Whether a page names the person (their number beside their name)."""
    return f'class="code">{employee_no}</small>' in html


def browser(user):
    """A second browser, logged in as `user`, in English (the `login` fixture's is one)."""
    client = Client()
    client.force_login(user)
    return english(client)


def publish(quarter, city="HF"):
    city = quarter["bank"][city]
    services.results_approve(run=quarter["run"], city=city, actor=SYSTEM)
    services.results_publish(run=quarter["run"], city=city, actor=SYSTEM)


def test_the_batch_gives_the_expected_ranks(quarter):
    results = quarter["results"]
    assert [results[no].rank_city for no in ("H0101", "H0102", "H0103")] == [1, 2, 3]
    assert results["H0101"].rating == "GOOD" and results["H0102"].rating == "COMPETENT"
    assert results["H0103"].flags == ["NO_REVIEW"]


def test_the_import_records_name_the_appraisal_and_its_kinds_as_staff_do(quarter, login, province_analyst):
    client = english(login(grant(province_analyst, "appraisal.add_review", "appraisal.change_review")))
    html = client.get("/imports/runs/").content.decode()
    assert "Quarterly appraisal" in html and "managers appraised for 2026Q1" in html
    assert "managers:" not in html  # the counts of an import are not an appraisal's
    assert "Quarterly reviews" in client.get("/imports/").content.decode()


# --- 1. my scorecard ---------------------------------------------------------------------------


def test_a_manager_does_not_see_a_draft_result(quarter, login):
    client = english(login(quarter["people"]["H0101"]))
    page = client.get("/appraisal/")
    assert page.status_code == 200
    assert "No published appraisal result yet" in page.content.decode()
    assert client.get(f"/appraisal/results/{quarter['results']['H0101'].pk}/").status_code == 404
    assert not shown(client.get("/appraisal/ranking/").content.decode(), "H0101")


def test_others_are_sent_from_the_scorecard_to_the_ranking(quarter, login, province_analyst, hefei_person):
    for person in (province_analyst, hefei_person):
        response = login(person).get("/appraisal/")
        assert response.status_code == 302 and response["Location"] == "/appraisal/ranking/"


def test_the_department_appraisal_is_reached_from_the_appraisal_menu(quarter, login, hefei_person):
    link = 'href="/appraisal/departments/"'
    assert link in english(login(hefei_person)).get("/appraisal/ranking/").content.decode()
    assert link not in english(login(quarter["people"]["H0101"])).get("/appraisal/").content.decode()


def test_the_scorecard_explains_a_published_result_line_by_line(quarter, login):
    publish(quarter)
    client = english(login(quarter["people"]["H0101"]))
    page = client.get("/appraisal/")
    assert page.status_code == 200
    html = page.content.decode()
    result = quarter["results"]["H0101"]
    result.refresh_from_db()
    assert str(result.total) in html
    assert "Breakdown of 2026Q1" in html
    # C1's deposits of 12,000,000 credited whole (split 100, every day of the month).
    assert "C1" in html and "12,000,000.00" in html and "31/31" in html
    assert 'id="appeal-form"' in html
    # The Wuhu manager's result is not there, nor the Hefei colleagues'.
    assert not shown(html, "W0101") and not shown(html, "H0102")


def test_a_manager_appeals_within_the_window_and_the_group_decides(quarter, login, hefei_person):
    publish(quarter)
    result = quarter["results"]["H0101"]
    manager = english(login(quarter["people"]["H0101"]))
    response = manager.post("/appraisal/", {"result": result.pk, "reason": "C1 的存款少计了一个月"})
    assert response.status_code == 302
    appeal = Appeal.objects.get(result=result)
    assert appeal.status == AppealStatus.OPEN
    assert "Your appeal of 2026Q1 is filed." in manager.get(response["Location"]).content.decode()

    leader = browser(hefei_person)
    page = leader.get("/appraisal/appeals/")
    assert page.status_code == 200 and f'name="a{appeal.pk}-decision"' in page.content.decode()
    # A rejection does not re-score: the refusal is shown next to the field.
    refused = leader.post(
        "/appraisal/appeals/",
        {
            "appeal": appeal.pk,
            f"a{appeal.pk}-upheld": "no",
            f"a{appeal.pk}-decision": "不予支持",
            f"a{appeal.pk}-qualitative": "95",
        },
    )
    assert refused.status_code == 200 and "Only an upheld appeal re-scores." in refused.content.decode()
    assert "不予支持" in refused.content.decode()
    done = leader.post(
        "/appraisal/appeals/",
        {
            "appeal": appeal.pk,
            f"a{appeal.pk}-upheld": "yes",
            f"a{appeal.pk}-decision": "复核属实",
            f"a{appeal.pk}-qualitative": "95",
        },
    )
    assert done.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD and appeal.new_qualitative == Decimal("95.00")
    history = leader.get("/appraisal/appeals/").content.decode()
    assert "复核属实" in history and f"{appeal.old_total} → {appeal.new_total}" in history
    # The manager sees the decision on their scorecard.
    assert "复核属实" in manager.get("/appraisal/").content.decode()


def test_an_appeal_after_the_window_is_refused_with_its_message(quarter, login):
    publish(quarter)
    closed = timezone.localdate() - datetime.timedelta(days=1)
    Approval.objects.filter(run=quarter["run"]).update(appeal_until=closed)
    client = english(login(quarter["people"]["H0101"]))
    page = client.get("/appraisal/").content.decode()
    assert 'id="appeal-form"' not in page and f"The appeal window closed on {closed.isoformat()}" in page
    response = client.post("/appraisal/", {"result": quarter["results"]["H0101"].pk, "reason": "晚了"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The appeal window closed on {closed.isoformat()}." in html and "晚了" in html
    assert not Appeal.objects.exists()


def test_a_manager_cannot_appeal_another_managers_result(quarter, login):
    publish(quarter)
    client = login(quarter["people"]["H0101"])
    response = client.post("/appraisal/", {"result": quarter["results"]["H0102"].pk, "reason": "x"})
    assert response.status_code == 404
    assert not Appeal.objects.exists()


# --- 2. ranking and a result ---------------------------------------------------------------------


def test_the_ranking_shows_a_units_managers(quarter, login, province_analyst, hefei_person):
    page = english(login(province_analyst)).get("/appraisal/ranking/")
    assert page.status_code == 200
    html = page.content.decode()
    for no in ("H0101", "H0102", "H0103", "W0101"):
        assert shown(html, no)
    assert "No review: the qualitative score is 0" in html
    hefei = login(hefei_person).get("/appraisal/ranking/", {"quarter": QUARTER}).content.decode()
    assert shown(hefei, "H0102") and not shown(hefei, "W0101")
    # A unit outside the subtree is not a choice.
    outside = login(hefei_person).get("/appraisal/ranking/", {"quarter": QUARTER, "unit": "WH"})
    assert outside.status_code == 200 and not shown(outside.content.decode(), "W0101")


def test_the_wuhu_manager_gets_nothing_of_hefei(quarter, login, wuhu_manager):
    publish(quarter)
    publish(quarter, "WH")
    client = login(wuhu_manager)
    for no in ("H0101", "H0102"):
        assert client.get(f"/appraisal/results/{quarter['results'][no].pk}/").status_code == 404
    html = client.get("/appraisal/ranking/", {"quarter": QUARTER}).content.decode()
    assert shown(html, "W0101") and not shown(html, "H0101")
    assert client.get(f"/appraisal/results/{quarter['results']['W0101'].pk}/").status_code == 200


def test_a_result_page_for_those_who_may_read_it(quarter, login, hefei_person, wuhu_manager):
    result = quarter["results"]["H0102"]
    page = english(login(hefei_person)).get(f"/appraisal/results/{result.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "C2" in html and "10,000,000.00" in html and "Why: the client-months credited" in html
    wuhu_person = make_person("W0001", "芜湖分行人", quarter["bank"]["WH"])
    assert login(wuhu_person).get(f"/appraisal/results/{result.pk}/").status_code == 404


def test_the_ranking_exports_csv(quarter, login, province_analyst):
    response = login(province_analyst).get("/appraisal/ranking/", {"quarter": QUARTER, "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "H0101" in text and "W0101" in text


def test_the_ranking_page_costs_a_bounded_number_of_queries(
    quarter, login, province_analyst, django_assert_max_num_queries
):
    client = login(province_analyst)
    client.get("/appraisal/ranking/")  # warm up: the session, content types
    with django_assert_max_num_queries(14):
        assert client.get("/appraisal/ranking/", {"quarter": QUARTER}).status_code == 200
    # Sixty more managers: a second page, and the same number of queries for each.
    bank, template = quarter["bank"], quarter["results"]["H0103"]
    for index in range(60):
        person = make_person(f"H09{index:02d}", "新经理", bank["HF0101"], Position.CUSTOMER_MANAGER, grade="JUNIOR")
        Result.objects.create(
            run=quarter["run"],
            quarter=QUARTER,
            employee=person,
            unit=bank["HF0101"],
            city=bank["HF"],
            scheme=template.scheme,
            qualitative=Decimal(0),
            quantitative=Decimal(10),
            total=Decimal(8),
            rank_city=4,
            rank_province=5,
            rating="UNSATISFACTORY",
            flags=["NO_REVIEW"],
        )
    for number in (1, 2):
        with django_assert_max_num_queries(14):
            page = client.get("/appraisal/ranking/", {"quarter": QUARTER, "page": number})
        assert page.status_code == 200
    assert "64 managers" in english(client).get("/appraisal/ranking/").content.decode()


def test_the_other_pages_cost_a_bounded_number_of_queries(quarter, login, hefei_person, django_assert_max_num_queries):
    publish(quarter)
    leader, manager = browser(hefei_person), browser(quarter["people"]["H0101"])
    for client, url, most in [
        (leader, "/appraisal/approval/", 16),
        (leader, "/appraisal/appeals/", 8),
        (leader, f"/appraisal/results/{quarter['results']['H0102'].pk}/", 12),
        (leader, f"/appraisal/bonus/?quarter={QUARTER}&unit=HF&pool=30000", 18),
        (manager, "/appraisal/", 17),
    ]:
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


# --- 3. runs -----------------------------------------------------------------------------------


def test_the_run_monitor_and_its_start_form(quarter, login, province_analyst, hefei_person):
    analyst = english(login(grant(province_analyst, "appraisal.run_appraisal")))
    page = analyst.get("/appraisal/runs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="run-start"' in html and "2026Q1" in html and "4 managers appraised" in html
    refused = analyst.post("/appraisal/runs/", {"quarter": "2026Q5"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "2026Q5 is not a quarter" in html and 'value="2026Q5"' in html
    no_metrics = analyst.post("/appraisal/runs/", {"quarter": "2025Q4"}).content.decode()
    assert "There are no metrics for 2025Q4" in no_metrics
    run = quarter["run"]
    detail = analyst.get(f"/appraisal/runs/{run.pk}/")
    assert detail.status_code == 200 and "Succeeded" in detail.content.decode()
    progress = analyst.get(f"/appraisal/runs/{run.pk}/progress/").json()
    assert progress["finished"] and progress["percent"] == 100 and progress["done"] == 4
    # A new start queues a run and shows it (it runs when the request's transaction commits).
    started = analyst.post("/appraisal/runs/", {"quarter": QUARTER})
    new = Run.objects.filter(kind="appraisal").exclude(pk=run.pk).get()
    assert started.status_code == 302 and started["Location"] == f"/appraisal/runs/{new.pk}/"
    assert 'id="run-progress"' in analyst.get(started["Location"]).content.decode()
    # Below the province the runs are not seen, and nobody without the right starts one.
    city = login(hefei_person)
    assert city.get(f"/appraisal/runs/{run.pk}/").status_code == 404
    assert city.get(f"/appraisal/runs/{run.pk}/progress/").status_code == 404
    assert city.post("/appraisal/runs/", {"quarter": QUARTER}).status_code == 403
    assert 'id="run-start"' not in city.get("/appraisal/runs/").content.decode()


# --- 4. approval and calibration ---------------------------------------------------------------


def approval_post(client, quarter, **data):
    return client.post(
        "/appraisal/approval/?" + f"quarter={QUARTER}&city=HF", {"quarter": QUARTER, "city": "HF", **data}
    )


def test_the_approval_queue_calibrates_within_the_shares(quarter, login, hefei_person):
    client = english(login(hefei_person))
    page = client.get("/appraisal/approval/", {"quarter": QUARTER, "city": "HF"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-source="rating-chart"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'id="count-good"' in html and "1 of at most 1" in html
    h0102 = quarter["results"]["H0102"]
    refused = approval_post(
        client,
        quarter,
        action="calibrate",
        result=h0102.pk,
        **{f"r{h0102.pk}-rating": "GOOD", f"r{h0102.pk}-reason": "贡献突出"},
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "At most 1 of 3 managers may be rated good or excellent; there would be 2." in html
    assert "贡献突出" in html  # what was typed is kept
    assert not Calibration.objects.exists()
    h0103 = quarter["results"]["H0103"]
    moved = approval_post(
        client,
        quarter,
        action="calibrate",
        result=h0103.pk,
        **{f"r{h0103.pk}-rating": "NEEDS_IMPROVEMENT", f"r{h0103.pk}-reason": "未参加考评"},
    )
    assert moved.status_code == 302
    h0103.refresh_from_db()
    assert h0103.rating == "NEEDS_IMPROVEMENT" and Calibration.objects.get().reason == "未参加考评"
    # Approval and publication cannot be undone: each asks its box ticked.
    assert approval_post(client, quarter, action="approve").status_code == 302
    assert set(Result.objects.filter(city__code="HF").values_list("status", flat=True)) == {ResultStatus.DRAFT}
    assert approval_post(client, quarter, action="approve", confirm="1").status_code == 302
    assert set(Result.objects.filter(city__code="HF").values_list("status", flat=True)) == {ResultStatus.APPROVED}
    assert approval_post(client, quarter, action="publish", confirm="1").status_code == 302
    assert set(Result.objects.filter(city__code="HF").values_list("status", flat=True)) == {ResultStatus.PUBLISHED}
    assert Approval.objects.get(city__code="HF").appeal_until is not None
    assert Result.objects.get(employee__username="W0101").status == ResultStatus.DRAFT
    # The manager now sees their calibrated result and its reason.
    manager = english(login(quarter["people"]["H0103"]))
    assert "未参加考评" in manager.get("/appraisal/").content.decode()


def test_others_read_the_approval_queue_without_acting(quarter, login, province_analyst, wuhu_manager):
    client = english(login(province_analyst))
    page = client.get("/appraisal/approval/", {"quarter": QUARTER, "city": "HF"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Read only" in html and 'name="action" value="approve"' not in html
    assert approval_post(client, quarter, action="approve").status_code == 403
    assert not Approval.objects.exists()
    # A Wuhu manager has no city branch in their part of the bank.
    assert login(wuhu_manager).get("/appraisal/approval/", {"city": "HF"}).status_code == 200
    assert (
        login(wuhu_manager)
        .post("/appraisal/approval/", {"quarter": QUARTER, "city": "HF", "action": "approve"})
        .status_code
        == 404
    )


# --- 6. bonus ----------------------------------------------------------------------------------


@pytest.fixture
def pay(quarter):
    """Two Hefei tellers at 100,000 (floor 80,000); the three Hefei managers at 60,000, two of
    them certified (H0101, H0102): the floors ask 2 × 20,000."""
    bank, people = quarter["bank"], quarter["people"]
    tellers = [make_person(f"T{index}", "柜员", bank["HF01"], Position.TELLER) for index in range(2)]
    BasePay.objects.bulk_create(
        [BasePay(employee=teller, year=2026, base_pay=Decimal(100_000)) for teller in tellers]
        + [BasePay(employee=people[no], year=2026, base_pay=Decimal(60_000)) for no in ("H0101", "H0102", "H0103")]
    )
    staffing.qualifications_save(
        [
            {"employee": people[no], "kind": "CM_CERT", "valid_from": D(2020, 1, 1), "valid_to": None}
            for no in ("H0101", "H0102")
        ],
        actor=SYSTEM,
    )
    return quarter


def test_the_bonus_pool_reaches_the_floor_first(pay, login, hefei_person):
    client = english(login(hefei_person))
    page = client.get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "HF", "pool": "100000"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "80,000.00" in html and "100,000.00" in html  # the floor and the average
    assert "20,000.00" in html  # each certified manager's top-up
    assert 'id="pool-short"' not in html
    short = client.get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "HF", "pool": "30000"}).content.decode()
    assert 'id="pool-short"' in short and "15,000.00" in short  # 30,000 shared over two equal shortfalls


def test_the_bonus_arithmetic_adds_up_to_the_cent(pay, login, hefei_person):
    # An average of 100,000.005: 80% is 80,000.004, a floor of 80,000.00 to the cent, so each
    # top-up is 20,000.00 and the shortfall shown is their sum (it was 40,000.01 against 40,000.00).
    BasePay.objects.filter(employee__username="T0").update(base_pay=Decimal("100000.01"))
    allocation = services.bonus_allocate(
        list(Result.objects.filter(city__code="HF")), pool=Decimal(100_000), city=pay["bank"]["HF"], year=2026
    )
    assert allocation.floor == Decimal("80000.00")
    assert allocation.shortfall == sum(share.top_up for share in allocation.shares) == Decimal("40000.00")
    html = (
        english(login(hefei_person))
        .get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "HF", "pool": "100000"})
        .content.decode()
    )
    weights = [share.weight for share in allocation.shares]
    assert f"{sum(weights):,.4f}" in html and all(f"{weight:,.4f}" in html for weight in weights)


def test_the_bonus_form_checks_the_pool(pay, login, hefei_person, hefei_manager):
    client = english(login(hefei_person))
    page = client.get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "HF", "pool": "-5"})
    assert page.status_code == 200 and 'value="-5"' in page.content.decode()
    assert "greater than or equal to 0" in page.content.decode()
    assert client.get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "WH", "pool": "100"}).status_code == 200
    assert (
        "W0101"
        not in client.get("/appraisal/bonus/", {"quarter": QUARTER, "unit": "WH", "pool": "100"}).content.decode()
    )
    assert login(hefei_manager).get("/appraisal/bonus/").status_code == 403


# --- the empty bank ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/appraisal/ranking/", "/appraisal/approval/", "/appraisal/appeals/", "/appraisal/bonus/", "/appraisal/runs/"],
)
def test_pages_answer_before_any_quarter(url, login, province_analyst):
    response = login(province_analyst).get(url)
    assert response.status_code == 200
