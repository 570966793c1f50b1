"""The quarterly batch (rules P2, P3, P4, P9) against the hand-worked quarter of conftest.py."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.actors import SYSTEM
from appraisal import credit, services
from appraisal.models import Credit, CreditPart, QuarterResults, Result
from appraisal.rules import Quarter
from runs.models import Run, RunStatus
from staffing.models import Assignment, PerformanceContract
from tests.helpers import grant, make_person

from .conftest import FEB, QUARTER

EXPECTED = {
    # employee: quantitative, qualitative, total, rank_city, rank_province, rating, flags
    "M1": ("72.53", "80.00", "74.03", 1, 1, "GOOD", []),
    "M2": ("84.67", "0.00", "67.73", 2, 2, "COMPETENT", ["NO_TARGET:PRODUCTS", "NO_REVIEW"]),
    "M3": ("60.00", "90.00", "66.00", 1, 3, "COMPETENT", ["NO_TARGET:LOANS"]),
}
POINTS = {
    "M1": {"DEPOSITS": "17.33", "LOANS": "36.00", "INTERMEDIATE": "12.00", "PRODUCTS": "7.20"},
    "M2": {"DEPOSITS": "30.67", "LOANS": "24.00", "INTERMEDIATE": "30.00", "PRODUCTS": "0.00"},
    "M3": {"DEPOSITS": "30.00", "LOANS": "0.00", "INTERMEDIATE": "30.00", "PRODUCTS": "0.00"},
}


def results():
    current = QuarterResults.objects.get(quarter=QUARTER).run_id
    return {r.employee.username: r for r in Result.objects.filter(run_id=current).select_related("employee")}


def figures(result):
    return (
        str(result.quantitative),
        str(result.qualitative),
        str(result.total),
        result.rank_city,
        result.rank_province,
        result.rating,
        result.flags,
    )


def test_every_manager_is_scored_ranked_and_rated_as_worked_by_hand_rule_p3_p9(quarter_bank, appraise):
    run = appraise()
    assert run.status == RunStatus.SUCCEEDED, run.summary
    assert (run.done, run.total) == (3, 3)
    found = results()
    assert {no: figures(result) for no, result in found.items()} == {
        no: (q, ql, t, rc, rp, rating, flags) for no, (q, ql, t, rc, rp, rating, flags) in EXPECTED.items()
    }
    for no, points in POINTS.items():
        assert {line.indicator: str(line.points) for line in found[no].lines.all()} == points


def test_the_breakdown_reaches_the_client_months_of_a_mid_month_hand_over_rule_p2(quarter_bank, appraise):
    appraise()
    m1, m2 = results()["M1"], results()["M2"]
    lines = {line.indicator: line for line in m1.lines.all()}
    assert (lines["DEPOSITS"].actual, lines["DEPOSITS"].target) == (Decimal("866666.67"), Decimal("2000000.00"))
    assert lines["DEPOSITS"].completion == Decimal("0.4333")
    c1_february = {
        credit.employee.username: month
        for credit in Credit.objects.filter(client__client_no="C1").select_related("employee", "client")
        for month in credit.months()
        if month.month == FEB
    }
    assert (c1_february["M1"].days, c1_february["M2"].days, c1_february["M1"].month_days) == (14, 14, 28)
    assert c1_february["M1"].credited("deposits_avg") == Decimal(700_000)
    # Every point traces to its client-months: the credited months sum to the actual.
    m2_deposits = sum(
        month.credited("deposits_avg")
        for credit in Credit.objects.filter(run_id=m2.run_id, employee=m2.employee).select_related("client")
        for month in credit.months()
    )
    assert m2_deposits / 3 == Decimal(2_300_000) / 3


def test_a_rerun_gives_the_same_results_and_replaces_the_drafts_rule_p4(quarter_bank, appraise):
    first = appraise()
    before = {no: figures(r) for no, r in results().items()}
    second = appraise()
    assert second.pk != first.pk and second.status == RunStatus.SUCCEEDED
    assert {no: figures(r) for no, r in results().items()} == before
    assert not Result.objects.filter(run=first).exists() and not Credit.objects.filter(run=first).exists()


def test_a_second_run_of_a_quarter_is_refused_while_the_first_is_alive_rule_p4(quarter_bank, settings):
    running = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)  # its task waits for the commit
    Run.objects.filter(pk=running.pk).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    with pytest.raises(ValidationError, match="still working"):
        services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    assert Run.objects.filter(kind="appraisal").count() == 1


def test_a_run_whose_worker_was_killed_is_resumed_when_the_quarter_is_started_again_rule_p4(
    quarter_bank, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=False):  # the worker takes the run, then dies
        run = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    hefei, wuhu = quarter_bank["units"]["HF"], quarter_bank["units"]["WH"]
    assert services.appraisal_prepare(run.pk) == [0]  # a small bank's credits are one part
    cities = services.appraisal_credit_part(run.pk, 0)
    sizes = Counter(Result.objects.filter(run=run).values_list("city_id", flat=True))
    assert set(cities) == {hefei.pk, wuhu.pk} and [sizes[city] for city in cities] == sorted(
        sizes.values(), reverse=True
    )
    assert services.appraisal_city_part(run.pk, hefei.pk) is False  # Wuhu's part never ran
    run.refresh_from_db()
    assert (run.status, run.done) == (RunStatus.RUNNING, 2)
    with pytest.raises(ValidationError, match="still working"):
        services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    settings.APPRAISAL_STALE_SECONDS = 0  # silent for longer than that: the worker is gone
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    resumed.refresh_from_db()
    assert resumed.pk == run.pk and resumed.status == RunStatus.SUCCEEDED
    assert resumed.resumed and not run.resumed  # what the command and the page say
    assert {no: figures(result) for no, result in results().items()} == {
        no: (q, ql, t, rc, rp, rating, flags) for no, (q, ql, t, rc, rp, rating, flags) in EXPECTED.items()
    }


def test_a_run_killed_while_writing_its_credits_resumes_with_the_parts_not_written_rule_p4(
    quarter_bank, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(credit, "SAMPLE_EVERY", 1)  # the small bank's credits in two parts
    with django_capture_on_commit_callbacks(execute=False):
        run = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    assert services.appraisal_prepare(run.pk) == [0, 1]
    assert services.appraisal_credit_part(run.pk, 0) == []  # part 1 not written yet: no scoring
    written = Credit.objects.filter(run=run).count()
    assert services.appraisal_credit_part(run.pk, 0) == []  # delivered twice: nothing new
    assert written > 0 and Credit.objects.filter(run=run).count() == written
    written_parts = CreditPart.objects.filter(run=run).values_list("number", "written")
    assert sorted(written_parts) == [(0, True), (1, False)]
    settings.APPRAISAL_STALE_SECONDS = 0  # the worker died with part 1 unwritten
    sent = []
    real_credit_part = services.appraisal_credit_part

    def credit_part(run_id, number):
        sent.append(number)
        return real_credit_part(run_id, number)

    monkeypatch.setattr(services, "appraisal_credit_part", credit_part)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)
    resumed.refresh_from_db()
    assert sent == [1] and resumed.pk == run.pk and resumed.status == RunStatus.SUCCEEDED
    assert {no: figures(result) for no, result in results().items()} == {
        no: (q, ql, t, rc, rp, rating, flags) for no, (q, ql, t, rc, rp, rating, flags) in EXPECTED.items()
    }


def test_the_credit_parts_split_the_clients_evenly_and_cover_them_all(quarter_bank, monkeypatch):
    monkeypatch.setattr(credit, "SAMPLE_EVERY", 1)
    assignments = sorted(Assignment.objects.values_list("client_id", flat=True))
    for count in (1, 2, 3):
        bounds = credit.part_bounds(Quarter.parse(QUARTER), count)
        assert bounds[0][0] == 0 and bounds[-1][1] is None and len(bounds) <= count
        assert all(end == start for (_, end), (start, _) in zip(bounds, bounds[1:], strict=False))
        sizes = [sum(1 for c in assignments if lo <= c and (hi is None or c < hi)) for lo, hi in bounds]
        assert sum(sizes) == len(assignments) and max(sizes) - min(sizes) <= max(2, len(assignments) // count)


def test_a_run_that_dies_half_way_leaves_the_previous_results_and_can_start_again_rule_p4(
    quarter_bank, appraise, monkeypatch
):
    appraise()
    before = {no: figures(r) for no, r in results().items()}
    current = QuarterResults.objects.get(quarter=QUARTER).run_id
    monkeypatch.setattr(credit, "SAMPLE_EVERY", 1)  # the small bank's credits in two parts
    insert = credit.credits_write
    calls = []

    def dies_on_the_second_part(run_id, quarter, part):
        calls.append(part.number)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return insert(run_id, quarter, part)

    monkeypatch.setattr(credit, "credits_write", dies_on_the_second_part)
    with pytest.raises(RuntimeError):
        appraise()
    dead = Run.objects.filter(kind="appraisal").order_by("-pk").first()
    assert dead.status == RunStatus.FAILED and "worker killed" in dead.summary
    assert QuarterResults.objects.get(quarter=QUARTER).run_id == current
    assert {no: figures(r) for no, r in results().items()} == before
    monkeypatch.setattr(credit, "credits_write", insert)
    again = appraise()
    assert again.status == RunStatus.SUCCEEDED and {no: figures(r) for no, r in results().items()} == before
    assert not Result.objects.filter(run=dead).exists()  # what the dead run left is gone


def test_the_parts_are_sent_largest_first_so_the_workers_end_together():
    assert services.largest_first({7: 30, 3: 296, 5: 30, 9: 104}) == [3, 9, 5, 7]


def test_a_task_delivered_twice_writes_nothing_new_rule_p4(quarter_bank, appraise):
    run = appraise()
    credits = Credit.objects.filter(run=run).count()
    assert services.appraisal_prepare(run.pk) is None  # claimed already
    assert services.appraisal_credit_part(run.pk, 0) == []  # finished: nothing to do
    city = quarter_bank["units"]["HF"]
    assert services.appraisal_city_part(run.pk, city.pk) is False  # finished: nothing to do
    assert services.appraisal_finish(run.pk) is None
    assert Credit.objects.filter(run=run).count() == credits


def test_a_quarter_that_does_not_parse_or_has_no_metrics_is_refused_writing_nothing(quarter_bank):
    with pytest.raises(ValidationError, match="YYYYQn"):
        services.appraisal_run_start(quarter="2026Q5", actor=SYSTEM)
    with pytest.raises(ValidationError, match="no metrics"):
        services.appraisal_run_start(quarter="2026Q2", actor=SYSTEM)
    assert not Run.objects.filter(kind="appraisal").exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_the_quarter_and_refuses_bad_quarters(quarter_bank, capsys, settings):
    settings.RUNS_IN_THREAD = False
    with pytest.raises(CommandError) as refused:
        call_command("appraise", "2026-1")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="no metrics") as empty:
        call_command("appraise", "2025Q4")
    assert empty.value.returncode == 1
    call_command("appraise", QUARTER, "--wait")
    out = capsys.readouterr().out
    assert "3/3" in out and results()["M1"].total == Decimal("74.03")


def test_starting_the_batch_needs_the_right_and_the_whole_province(quarter_bank, hefei_person, province_analyst):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.appraisal_run_start(quarter=QUARTER, actor=province_analyst)
    with pytest.raises(PermissionDenied, match="province"):
        services.appraisal_run_start(quarter=QUARTER, actor=grant(hefei_person, "appraisal.run_appraisal"))
    allowed = grant(province_analyst, "appraisal.run_appraisal")
    assert services.appraisal_run_start(quarter=QUARTER, actor=allowed).status == RunStatus.QUEUED


def test_approved_results_are_not_computed_again(quarter_bank, appraise):
    run = appraise()
    services.results_approve(run=run, city=quarter_bank["units"]["HF"], actor=SYSTEM)
    hefei = quarter_bank["units"]["HF"].name
    with pytest.raises(ValidationError, match=f"approved for {hefei}: a quarter is computed again only while all"):
        services.appraisal_run_start(quarter=QUARTER, actor=SYSTEM)


def test_a_manager_hired_after_the_quarter_gets_no_result_and_one_without_clients_gets_zero(
    quarter_bank, appraise, bank
):
    from accounts.models import Position

    from .conftest import D

    make_person("M4", "新经理", bank["HF0101"], Position.CUSTOMER_MANAGER, hired_on=D(2026, 4, 1))
    make_person("M5", "无客户", bank["HF0101"], Position.CUSTOMER_MANAGER, hired_on=D(2020, 4, 1))
    appraise()
    found = results()
    assert "M4" not in found
    assert (found["M5"].total, found["M5"].rank_city, found["M5"].rating) == (Decimal("0.00"), 3, "UNSATISFACTORY")
    assert set(found["M5"].flags) >= {"NO_REVIEW", "NO_TARGET:DEPOSITS"}


def test_an_assignment_refused_at_import_leaves_no_trace_in_the_results(quarter_bank, appraise):
    from io import BytesIO

    from imports.engine import ImportRejected, run_import

    text = "client_no,employee_no,role,split,valid_from\nC3,M1,LEAD,100,2026-01-01\n"  # two leads on C3: A10
    with pytest.raises(ImportRejected):
        run_import("assignments", BytesIO(text.encode()), "a.csv", actor=SYSTEM)
    assert not Assignment.objects.filter(client__client_no="C3", employee__username="M1").exists()
    appraise()
    assert figures(results()["M1"]) == tuple(EXPECTED["M1"][:6]) + (EXPECTED["M1"][6],)


def test_two_quarters_running_at_the_top_recommend_promotion_and_below_60_an_exit_review_rule_p6(
    quarter_bank, appraise, bank
):
    from appraisal import selectors

    # 2025Q4 with the same teams and figures as 2026Q1 (contracts of 2025 alike).
    from marketing import services as marketing_services
    from marketing.models import ClientMetric

    marketing_services.metrics_save(
        [
            {
                "client_id": metric.client_id,
                "month": metric.month.replace(year=2025, month=metric.month.month + 9),
                **{name: getattr(metric, name) for name in ClientMetric.FIGURES},
            }
            for metric in ClientMetric.objects.all()
        ],
        actor=SYSTEM,
    )
    for contract in list(PerformanceContract.objects.all()):
        contract.pk, contract.year = None, 2025
        contract.valid_from, contract.valid_to = PerformanceContract.period_of(2025)
        contract.save()
    services.reviews_save(
        [{"employee": quarter_bank["people"]["M1"], "quarter": "2025Q4", "qualitative": Decimal(80)}],
        actor=SYSTEM,
    )
    appraise("2025Q4")
    appraise(QUARTER)
    found = results()
    advice = selectors.recommendations(list(found.values()), QUARTER)
    # Hefei has 2 managers: the top 10 % is at least the first. M1 first twice: promote. M3
    # (66) and M2 (67.73) stay above 60: no exit review.
    assert advice == {found["M1"].employee_id: "PROMOTE", found["M3"].employee_id: "PROMOTE"}


def test_a_units_results_come_from_its_managers_credits_summed_once_rule_p2(quarter_bank, appraise):
    from appraisal import selectors

    appraise()
    hefei = Result.objects.filter(run_id=QuarterResults.objects.get(quarter=QUARTER).run_id, city__code="HF")
    totals = dict(selectors.unit_totals(hefei, QUARTER))
    # C1 and C2 whole, whoever of Hefei held them: deposits (3,400,000 / 3) + 500,000; the
    # managers' own actuals, rounded each, would add up to 1,633,333.34.
    assert totals == {
        "DEPOSITS": Decimal("1633333.33"),
        "LOANS": Decimal("2000000.00"),
        "INTERMEDIATE": Decimal("30000.00"),
        "PRODUCTS": Decimal("3000.00"),
    }
