"""Reads of the appraisal, scoped (rule O5) and published as rule P5 says.

A quarter's results are those of its current run (QuarterResults: the latest run that
finished). Unit heads, leadership groups and province staff see their subtree's results in
every status; a customer manager sees their own, once published (INTERFACES.md).
"""

from collections import defaultdict

from django.db.models import Q

from accounts.models import Position
from accounts.scoping import scope_prefix, scoped
from runs.models import Run

from .models import FIGURE, Appeal, Credit, QuarterResults, Result, ResultStatus
from .services import RUN_KIND


def current_run_ids(quarter=None):
    rows = QuarterResults.objects.all()
    if quarter:
        rows = rows.filter(quarter=quarter)
    return rows.values("run_id")


def sees_others(user):
    """Whether `user` reads the results of their subtree in every status: anyone but a customer
    manager (unit heads, leadership groups, province staff, administrators)."""
    return user.is_superuser or getattr(user, "position", "") != Position.CUSTOMER_MANAGER


def result_list(*, user, quarter=None, unit=None):
    """The current results `user` may read, of a quarter and a unit's subtree when given."""
    results = Result.objects.filter(run_id__in=current_run_ids(quarter)).select_related(
        "employee", "unit", "city", "scheme"
    )
    if sees_others(user):
        results = scoped(results, user)
    else:
        results = results.filter(employee=user, status=ResultStatus.PUBLISHED)
    if unit is not None:
        results = results.filter(unit__path__startswith=unit.path)
    return results.order_by("-quarter", "city__path", "rank_city", "employee__username")


def my_results(*, user):
    """A manager's own results, published ones (rule P5), newest quarter first."""
    return (
        Result.objects.filter(run_id__in=current_run_ids(), employee=user, status=ResultStatus.PUBLISHED)
        .select_related("scheme", "city", "unit")
        .prefetch_related("lines", "appeals", "calibrations")
        .order_by("-quarter")
    )


def result_get(*, user, pk):
    """One result `user` may read, or None."""
    return result_list(user=user).prefetch_related("lines", "appeals", "calibrations").filter(pk=pk).first()


def result_credits(result):
    """The client-months behind a result (rule P2), with what each credited per figure:
    [(credit, {figure: credited})], by client then month."""
    credits = (
        Credit.objects.filter(run_id=result.run_id, employee_id=result.employee_id)
        .select_related("client")
        .order_by("client__client_no", "month")
    )
    return [(credit, {figure: credit.credited(figure) for figure in FIGURE.values()}) for credit in credits]


def city_distribution(results):
    """{rating: count} and score bands {"0–10": count, …} of a city branch's results."""
    ratings = defaultdict(int)
    bands = defaultdict(int)
    for result in results:
        ratings[result.rating] += 1
        if result.total is not None:
            low = min(int(result.total // 10) * 10, 90)
            bands[f"{low}–{low + 10}"] += 1
    return dict(ratings), dict(bands)


def appeal_list(*, user, status=None):
    appeals = Appeal.objects.select_related("result__employee", "result__city", "result__unit")
    if sees_others(user):
        appeals = scoped(appeals, user)
    else:
        appeals = appeals.filter(result__employee=user)
    if status:
        appeals = appeals.filter(status=status)
    return appeals.order_by("-filed_at")


def appraisal_runs(*, user):
    """The batch's runs `user` may see: all for the province, none below it (a run is the
    province's)."""
    prefix = scope_prefix(user)
    runs = Run.objects.filter(kind=RUN_KIND).select_related("started_by")
    if prefix is None or len(prefix) > 4 and not user.is_superuser:
        return runs.filter(Q(pk__in=[]))
    return runs.order_by("-created_at")
