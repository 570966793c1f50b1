"""Reads of the appraisal, scoped (rule O5) and published as rule P5 says.

A quarter's results are those of its current run (QuarterResults: the latest run that
finished). Unit heads, leadership groups and province staff see their subtree's results in
every status; a customer manager sees their own, once published (INTERFACES.md).
"""

from collections import defaultdict

from django.db.models import Count, Prefetch

from accounts.models import LeadershipMember, Position, Unit
from accounts.scoping import scope_prefix, scoped, sees_whole_bank
from runs.models import Run

from . import credit
from .models import (
    BALANCES,
    FIGURE,
    Appeal,
    AppraisalPolicy,
    Approval,
    Calibration,
    Credit,
    QuarterResults,
    Result,
    ResultStatus,
)
from .rules import ZERO, Quarter, money, quarter_actual, recommendation
from .services import RUN_KIND


def current_run_ids(quarter=None):
    rows = QuarterResults.objects.all()
    if quarter:
        rows = rows.filter(quarter=quarter)
    return rows.values("run_id")


def sees_others(user):
    """Whether `user` reads the results of their subtree in every status (INTERFACES.md: unit
    heads, leadership groups, province staff): the staff of a unit who are not appraised
    themselves, and a customer manager who sits on a leadership group. A customer manager
    otherwise reads their own result, once published (rule P5)."""
    if user.is_superuser or sees_whole_bank(user) or user.has_perm("appraisal.view_result"):
        return True
    if getattr(user, "position", "") != Position.CUSTOMER_MANAGER:
        return True
    if not hasattr(user, "_in_leadership"):
        user._in_leadership = LeadershipMember.objects.filter(member=user).exists()
    return user._in_leadership


def result_list(*, user, quarter=None, unit=None):
    """The current results `user` may read, of a quarter and a unit's subtree when given: their
    subtree's in every status for those who see_others; else their subtree's published ones
    (rule P5: a unit sees the ranking of its managers once published), and for a customer
    manager only their own, once published (INTERFACES.md)."""
    results = scoped(
        Result.objects.filter(run_id__in=current_run_ids(quarter)).select_related("employee", "unit", "city", "scheme"),
        user,
    )
    if not sees_others(user):
        results = results.filter(status=ResultStatus.PUBLISHED)
        if getattr(user, "position", "") == Position.CUSTOMER_MANAGER:
            results = results.filter(employee=user)  # INTERFACES.md: a manager, their own
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


def result_credits(result):
    """The client-months behind a result (rule P2), with what each credited per figure:
    [(CreditMonth, {figure: credited})], by client then month."""
    credits = Credit.objects.filter(run_id=result.run_id, employee_id=result.employee_id).select_related("client")
    months = sorted(
        (month for credit in credits for month in credit.months()), key=lambda m: (m.client.client_no, m.month)
    )
    return [(month, {figure: month.credited(figure) for figure in FIGURE.values()}) for month in months]


def city_distribution(results):
    """{rating: count} and score bands {"0–10": count, …} of a city branch's results."""
    ratings = defaultdict(int)
    bands = defaultdict(int)
    for result in results:
        ratings[result.rating] += 1
        if result.total is not None:
            low = min(int(result.total // 10) * 10, 100)
            bands["≥100" if low == 100 else f"{low}–{low + 10}"] += 1
    return dict(ratings), dict(bands)


def appeal_list(*, user, status=None):
    """Appeals: of the subtree for those who see_others, else one's own."""
    appeals = Appeal.objects.select_related("result__employee", "result__city", "result__unit")
    if sees_others(user):
        appeals = scoped(appeals, user)
    else:
        appeals = appeals.filter(result__employee=user)
    if status:
        appeals = appeals.filter(status=status)
    return appeals.order_by("-filed_at")


def appraisal_runs(*, user):
    """The batch's runs `user` may see: every run for the province's people and those who may
    start one (a run appraises the whole province), none for others."""
    runs = Run.objects.filter(kind=RUN_KIND).select_related("started_by")
    prefix = scope_prefix(user)
    if prefix is None or not (len(prefix) <= Unit.steplen or user.has_perm("appraisal.run_appraisal")):
        return runs.none()
    return runs.order_by("-created_at")


# --- reads of the pages (appraisal/views.py) --------------------------------------------------


def result_quarters():
    """The quarters that have results (a current run), newest first."""
    return list(QuarterResults.objects.order_by("-quarter").values_list("quarter", flat=True))


def quarter_run(quarter):
    """The run whose results are the quarter's, or None."""
    current = QuarterResults.objects.select_related("run").filter(quarter=quarter).first()
    return current.run if current else None


def result_detail(*, user, pk):
    """One result `user` may read with its lines, calibrations (and who made them) and appeals,
    or None. Its breakdown names the manager's clients: the ranking is the unit's (rule P5), the
    breakdown is for the manager themself and those who see_others."""
    results = result_list(user=user)
    if not sees_others(user):
        results = results.filter(employee=user)
    return (
        results.prefetch_related(
            "lines",
            Prefetch("calibrations", queryset=Calibration.objects.select_related("by").order_by("at")),
            Prefetch("appeals", queryset=Appeal.objects.select_related("decided_by").order_by("-filed_at")),
        )
        .filter(pk=pk)
        .first()
    )


def approval_of(result):
    """The city branch's approval of the result's run (publication, appeal window), or None."""
    return Approval.objects.filter(run_id=result.run_id, city_id=result.city_id).first()


def approvals_of(run, cities):
    """{city_id: Approval} of a run for the given city branches."""
    return {
        a.city_id: a
        for a in Approval.objects.filter(run=run, city__in=cities).select_related("approved_by", "published_by")
    }


def recommendations(results, quarter):
    """Rule P6 for `results` (of `quarter`, text): {employee_id: "PROMOTE" | "EXIT_REVIEW"} from
    each one's current results of the consecutive quarters ending with it (AppraisalPolicy's
    count); one query for the earlier quarters and one for the city branches' sizes."""
    policy = AppraisalPolicy.current()
    quarters = [str(Quarter.parse(quarter).previous(back)) for back in range(policy.quarters_running)]
    ids = [result.employee_id for result in results]
    if not ids:
        return {}
    rows = list(
        Result.objects.filter(run_id__in=current_run_ids(), quarter__in=quarters, employee_id__in=ids).values_list(
            "employee_id", "quarter", "run_id", "city_id", "rank_city", "total"
        )
    )
    sizes = {
        (row["run_id"], row["city_id"]): row["count"]
        for row in Result.objects.filter(run_id__in={row[2] for row in rows})
        .values("run_id", "city_id")
        .annotate(count=Count("pk"))
    }
    history = defaultdict(dict)
    for employee_id, which, run_id, city_id, rank, total in rows:
        if rank is not None and total is not None:
            history[employee_id][which] = (rank, sizes[(run_id, city_id)], total)
    found = {}
    for employee_id in ids:
        recent = [history[employee_id][q] for q in quarters if q in history[employee_id]]
        if len(recent) == len(quarters):
            decided = recommendation(
                recent,
                promote_share=policy.promote_share,
                exit_below=policy.exit_below,
                quarters_running=policy.quarters_running,
            )
            if decided:
                found[employee_id] = decided
    return found


def unit_totals(results, quarter):
    """Rule P2: a unit's results come from the same credit as its managers': [(indicator, the
    quarter's actual)] over the client-months credited to the managers of `results` (a
    queryset of one quarter's current results), summed exactly and rounded once. A client shared
    within the unit counts once in full, since the splits add up to 100."""
    months = Quarter.parse(quarter).months
    monthly = credit.credited_months(credit.unit_sums(results.values("run_id", "employee_id")))
    found = monthly.get(None, {})
    return [
        (indicator, money(quarter_actual([found.get(figure, {}).get(m, ZERO) for m in months], indicator in BALANCES)))
        for indicator, figure in FIGURE.items()
    ]
