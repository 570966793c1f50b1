"""Every write of the appraisal. Each service takes a required actor and checks its rights and
reach itself.

The quarterly batch (rule P4) is a run (runs.Run, kind "appraisal") in four steps, each a
Celery task that takes ids and may be delivered twice:

1. `appraisal_prepare` freezes the inputs: the newest scheme, every customer manager in post
   during the quarter with their unit, city branch and grade, their review and their contract
   targets, as one DRAFT Result of the run per manager, and the run's credit parts: ranges of
   client numbers splitting the quarter's assignments about evenly (APPRAISAL_CREDIT_PARTS, one
   per worker process). It then fans out one task per part.
2. `appraisal_credit_part` writes the credits of one part's clients to the run's managers (rule
   P2, credit.py: one INSERT … SELECT) and marks the part written, in one transaction: a part
   delivered twice writes nothing. The part that leaves none unwritten claims the next step
   (a conditional UPDATE of the run's phase) and fans out one task per city branch, the
   largest first.
3. `appraisal_city_part` reads the city branch's managers' credited sums (CreditSum, one GROUP BY)
   and scores them (rule P3). A second delivery rewrites the same lines.
4. the part that leaves no manager unscored claims the run's last step and `appraisal_finish`
   ranks (P3), rates (P9), and switches the quarter to the run's results (QuarterResults) in
   one transaction.

Why two fan-outs: writing the credits costs most at province scale, and it is cheapest when
each month of metrics is read once, in client order, by as many parts as there are processes
(bench/RESULTS.md); scoring is by city branch, as the results are read and approved.

Guarantees: a rerun computes the same results from the same data. Two runs of one quarter never
overlap: a second start is REFUSED while one is alive (it has written progress within
APPRAISAL_STALE_SECONDS: every step writes it when it begins and ends, and no step takes that
long); a run that died half way (a worker killed) is taken for dead after that, and starting the
quarter again RESUMES it: the steps that did not finish are sent again (each step is one
transaction, so a dead step left nothing). Until a run finishes, the quarter's results are the
previous run's. A quarter whose results were approved is not run again: its
published results change through appeals.
"""

import datetime
import logging
import threading
from collections import Counter, defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.actors import SYSTEM, history_user, is_system, reaches, reaches_whole_bank, require
from accounts.models import LeadershipMember, Position, Unit, UnitKind
from bankops import bulk
from bankops.dated import in_force
from bankops.locks import exclusive
from marketing.models import ClientMetric
from runs.models import FINISHED, Run, RunStatus
from staffing.models import GradePolicy, PerformanceContract, Qualification, QualificationKind
from staffing.rules import plain
from staffing.services import people_check, refuse_records

from . import credit, rules
from .models import (
    BALANCES,
    DEFAULT_CAP,
    DEFAULT_WEIGHTS,
    FIGURE,
    Appeal,
    AppealStatus,
    AppraisalPolicy,
    Approval,
    BasePay,
    Calibration,
    CreditPart,
    QuarterResults,
    Result,
    ResultLine,
    ResultStatus,
    Review,
    Scheme,
    SchemeIndicator,
)

log = logging.getLogger(__name__)
User = get_user_model()

RUN_KIND = "appraisal"
RUN_PERMISSION = "appraisal.run_appraisal"
PHASE_CREDIT, PHASE_COMPUTE, PHASE_FINISH = "credit", "compute", "finish"


# --- schemes (rule P3) ------------------------------------------------------------------------


def scheme_current():
    """The newest scheme version; the default scheme of SPEC.md when none was saved yet."""
    scheme = Scheme.objects.prefetch_related("indicators").order_by("-version").first()
    return scheme or scheme_save(name=_("Points scheme"), weights=DEFAULT_WEIGHTS, actor=SYSTEM)


def scheme_check(*, weights, **figures):
    """{field: message} of what is wrong with a scheme's figures: the weights must add up to 1
    and not be negative, and the quantitative and qualitative shares must add up to 1."""
    problems = {}
    total = sum(weights.values(), Decimal(0))
    if total != 1:
        problems["weights"] = _("The weights add up to %(sum)s; they must add up to 1.") % {"sum": plain(total)}
    if any(weight < 0 for weight in weights.values()):
        problems["weights"] = _("A weight cannot be negative.")
    shares = (figures.get("quantitative_share", Decimal("0.80")), figures.get("qualitative_share", Decimal("0.20")))
    if sum(shares) != 1:
        problems["qualitative_share"] = _("The quantitative and qualitative shares must add up to 1.")
    return problems


def scheme_save(*, name, weights, caps=None, actor, **figures):
    """Save a scheme as its next version: {indicator: weight} adding up to 1, caps per indicator
    (default 1.5), and the shares and lines of Scheme. Earlier versions stay as they were."""
    require(actor, "appraisal.add_scheme")
    if not reaches_whole_bank(actor):
        raise PermissionDenied(_("The province keeps the appraisal schemes."))
    caps = caps or {}
    if problems := scheme_check(weights=weights, **figures):
        raise ValidationError(problems)
    with exclusive("appraisal:scheme"):
        last = Scheme.objects.order_by("-version").values_list("version", flat=True).first() or 0
        scheme = Scheme.objects.create(version=last + 1, name=name, created_by=history_user(actor), **figures)
        SchemeIndicator.objects.bulk_create(
            SchemeIndicator(scheme=scheme, indicator=indicator, weight=weight, cap=caps.get(indicator, DEFAULT_CAP))
            for indicator, weight in weights.items()
        )
    return scheme


def appraisal_policy_save(policy, *, actor):
    """Save the figures of AppraisalPolicy (the province's administrators)."""
    require(actor, "appraisal.change_appraisalpolicy")
    if not reaches_whole_bank(actor):
        raise PermissionDenied(_("The province keeps the appraisal policy."))
    policy.full_clean()
    policy._change_reason = ""
    policy.save()
    return policy


def rating_lines(scheme):
    return rules.RatingLines(
        excellent_share=scheme.excellent_share,
        good_share=scheme.good_share,
        needs_improvement_below=scheme.needs_improvement_below,
        unsatisfactory_below=scheme.unsatisfactory_below,
    )


# --- reviews and base pay (imports) -----------------------------------------------------------


def reviews_save(records, *, actor):
    """Create or update reviews (rule P3): dicts of employee, quarter (text), qualitative (0–100)
    and comment. Refuses the batch ({index: {field: message}}) when a row is out of range."""
    require(actor, "appraisal.add_review", "appraisal.change_review")
    problems = people_check(records, actor)
    for index, record in enumerate(records):
        if not Decimal(0) <= record["qualitative"] <= 100:
            problems.setdefault(index, {})["qualitative"] = _("A review scores 0 to 100.")
        try:
            rules.Quarter.parse(record["quarter"])
        except ValueError as exc:
            problems.setdefault(index, {})["quarter"] = str(exc)
    refuse_records(problems)
    rows = [
        {
            "employee_id": r["employee"].pk,
            "quarter": str(rules.Quarter.parse(r["quarter"])),
            "qualitative": r["qualitative"],
            "comment": r.get("comment") or "",
        }
        for r in records
    ]
    with transaction.atomic():
        return bulk.upsert(
            Review, rows, key=("employee_id", "quarter"), fields=["qualitative", "comment"], actor=history_user(actor)
        ).counts


def pay_save(records, *, actor):
    """Create or update base pay (rule P8): dicts of employee, year, base_pay."""
    require(actor, "appraisal.add_basepay", "appraisal.change_basepay")
    refuse_records(people_check(records, actor))
    rows = [{"employee_id": r["employee"].pk, "year": r["year"], "base_pay": r["base_pay"]} for r in records]
    with transaction.atomic():
        return bulk.upsert(
            BasePay, rows, key=("employee_id", "year"), fields=["base_pay"], actor=history_user(actor)
        ).counts


# --- the batch (rule P4) ----------------------------------------------------------------------


def quarter_runs(quarter):
    return Run.objects.filter(kind=RUN_KIND, params__quarter=str(quarter))


def alive(run):
    """Whether a run not yet finished still works: it wrote progress lately."""
    if run.status in FINISHED:
        return False
    seen = run.heartbeat_at or run.started_at or run.created_at
    return timezone.now() - seen < datetime.timedelta(seconds=settings.APPRAISAL_STALE_SECONDS)


def appraisal_run_start(*, quarter, actor):
    """Start the batch for `quarter` ("2010Q2"): refuses, with a message and writing nothing, a
    quarter that does not parse, a quarter without metrics, a quarter whose results are
    approved, and a quarter whose run is still alive. Answers the queued run, or the dead run it
    took up again (_resume), with `resumed` saying which; its tasks are sent when the transaction
    commits."""
    require(actor, RUN_PERMISSION)
    if not reaches_whole_bank(actor):
        raise PermissionDenied(_("A run appraises the whole province: the province starts it."))
    try:
        quarter = rules.Quarter.parse(quarter)
    except ValueError as exc:
        raise ValidationError({"quarter": str(exc)}) from exc
    if not ClientMetric.objects.filter(month__gte=quarter.start, month__lte=quarter.end).exists():
        raise ValidationError(
            {"quarter": _("There are no metrics for %(quarter)s: import its months first.") % {"quarter": quarter}}
        )
    person = None if is_system(actor) else actor
    with exclusive(f"appraisal:{quarter}"):
        current = QuarterResults.objects.filter(quarter=str(quarter)).first()
        approved = []
        if current:
            approved = sorted(
                set(
                    Result.objects.filter(run_id=current.run_id)
                    .exclude(status=ResultStatus.DRAFT)
                    .values_list("city__name", flat=True)
                )
            )
        if approved:
            raise ValidationError(
                {
                    "quarter": _(
                        "The results of %(quarter)s are approved for %(cities)s: a quarter is computed again only "
                        "while all its results are drafts (approved results change through appeals)."
                    )
                    % {"quarter": quarter, "cities": "、".join(approved)}
                }
            )
        for earlier in quarter_runs(quarter).exclude(status__in=FINISHED).select_for_update():
            if alive(earlier):
                seen = earlier.heartbeat_at or earlier.started_at or earlier.created_at
                resume_at = timezone.localtime(seen + datetime.timedelta(seconds=settings.APPRAISAL_STALE_SECONDS))
                raise ValidationError(
                    {
                        "quarter": _(
                            "Run %(run)d of %(quarter)s is still working; a second run is refused. If its worker "
                            "was stopped, start the quarter again after %(time)s to resume it."
                        )
                        % {"run": earlier.pk, "quarter": quarter, "time": resume_at.strftime("%H:%M:%S")}
                    }
                )
            return _resume(earlier)
        run = Run.objects.create(
            kind=RUN_KIND,
            started_by=person,
            unit=person.unit if person else None,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            params={"quarter": str(quarter)},
        )
        transaction.on_commit(lambda: enqueue_prepare(run.pk))
    run.resumed = False
    return run


def _resume(run):
    """Take up a run that died (a worker killed): its steps that did not finish are sent again.
    Each step is one transaction, so a step that died left nothing: a run that died before its
    inputs were frozen is prepared again, its unwritten credit parts are written, its unscored
    city branches scored, and one that died in its last step finishes."""
    from .tasks import city_part, credit_part, finish, send

    now = timezone.now()
    unwritten = list(CreditPart.objects.filter(run=run, written=False).values_list("number", flat=True))
    unscored = unscored_cities(run.pk)
    summary = _("Resumed after it stopped without finishing.")
    if run.status == RunStatus.QUEUED or not Result.objects.filter(run=run).exists():
        Run.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, heartbeat_at=now, phase="", summary=summary)
        transaction.on_commit(lambda: enqueue_prepare(run.pk))
    elif unwritten:
        Run.objects.filter(pk=run.pk).update(heartbeat_at=now, phase=PHASE_CREDIT, summary=summary)
        for number in unwritten:
            transaction.on_commit(lambda number=number: send(credit_part, run.pk, number))
    elif unscored:
        Run.objects.filter(pk=run.pk).update(heartbeat_at=now, phase=PHASE_COMPUTE, summary=summary)
        for city_id in unscored:
            transaction.on_commit(lambda city_id=city_id: send(city_part, run.pk, city_id))
    else:
        Run.objects.filter(pk=run.pk).update(heartbeat_at=now, phase=PHASE_FINISH, summary=summary)
        transaction.on_commit(lambda: send(finish, run.pk))
    run.refresh_from_db()
    run.resumed = True
    return run


def enqueue_prepare(run_id):
    """Send the run's first task. In the embedded set-up (no broker) it runs in a thread of the
    process, as an import run does, so that a page answers at once and shows the progress."""
    from .tasks import prepare, send

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.RUNS_IN_THREAD:
        threading.Thread(target=_prepare_in_thread, args=[run_id], name=f"appraisal-{run_id}", daemon=True).start()
    else:
        send(prepare, run_id)


def _prepare_in_thread(run_id):
    from .tasks import prepare

    try:
        prepare.apply(args=[run_id])
    finally:
        connections.close_all()


def appraisal_scheduled():
    """Celery beat's start of the quarter just ended (rule P4), as the system; a quarter that
    cannot run (no metrics yet, approved, running) is logged and left."""
    quarter = rules.Quarter.containing(timezone.localdate()).previous()
    try:
        return appraisal_run_start(quarter=str(quarter), actor=SYSTEM)
    except ValidationError as exc:
        log.warning("scheduled appraisal of %s not started: %s", quarter, exc)
        return None


def in_post(quarter):
    """Rule P3: every customer manager in post during the quarter (hired by its end)."""
    return User.objects.filter(
        Q(hired_on__isnull=True) | Q(hired_on__lte=quarter.end),
        position=Position.CUSTOMER_MANAGER,
        is_active=True,
        unit__isnull=False,
    )


def city_of(unit, cities):
    """The city branch a unit belongs to (itself for a unit of the province's own)."""
    return cities.get(unit.path[: 2 * Unit.steplen], unit) if unit.depth >= 2 else unit


def appraisal_prepare(run_id):
    """Step 1: claim the run, remove what dead runs of the quarter left, freeze the inputs as the
    run's DRAFT results and its credit parts, and answer the parts' numbers to fan out to (None
    when the run was claimed already)."""
    claimed = Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now(), phase=PHASE_CREDIT
    )
    if not claimed:
        return None
    run = Run.objects.get(pk=run_id)
    quarter = rules.Quarter.parse(run.params["quarter"])
    try:
        with transaction.atomic():
            _remove_dead_runs(quarter, keep=run_id)
            scheme = scheme_current()
            managers = list(in_post(quarter).select_related("unit"))
            cities = {unit.path: unit for unit in Unit.objects.filter(depth=2)}
            reviews = dict(Review.objects.filter(quarter=str(quarter)).values_list("employee_id", "qualitative"))
            targets = defaultdict(dict)
            for employee_id, indicator, target in PerformanceContract.objects.filter(year=quarter.year).values_list(
                "employee_id", "indicator", "target"
            ):
                targets[employee_id][indicator] = target
            results = Result.objects.bulk_create(
                Result(
                    run_id=run_id,
                    quarter=str(quarter),
                    employee=manager,
                    unit=manager.unit,
                    city=city_of(manager.unit, cities),
                    scheme=scheme,
                    grade=manager.grade,
                    qualitative=reviews.get(manager.pk, rules.ZERO),
                    flags=[] if manager.pk in reviews else [rules.NO_REVIEW],
                    targets={indicator: str(target) for indicator, target in targets[manager.pk].items()},
                )
                for manager in managers
            )
            Run.objects.filter(pk=run_id).update(
                total=len(results),
                params={**run.params, "scheme": scheme.version, "review_missing": sum(1 for r in results if r.flags)},
            )
            parts = CreditPart.objects.bulk_create(
                CreditPart(run_id=run_id, number=number, client_from=client_from, client_to=client_to)
                for number, (client_from, client_to) in enumerate(
                    credit.part_bounds(quarter, settings.APPRAISAL_CREDIT_PARTS) if results else ()
                )
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a new run's results: the parts' plans need their count
                cursor.execute(f"ANALYZE {Result._meta.db_table}")
    except Exception as exc:
        _fail(run_id, exc)
        raise
    if not parts:
        appraisal_finish(run_id)
    return [part.number for part in parts]


def largest_first(sizes):
    """The parts of `sizes` ({part: managers}), largest first (ties by id): with the parts
    taken in this order, the workers run out of work at about the same time, instead of one
    taking a large city branch last while the others wait."""
    return sorted(sizes, key=lambda part: (-sizes[part], part))


def _remove_dead_runs(quarter, keep):
    """The rows of the quarter's runs that are neither the current results nor `keep`."""
    current = QuarterResults.objects.filter(quarter=str(quarter)).values_list("run_id", flat=True).first()
    dead = quarter_runs(quarter).exclude(pk__in=[keep, current]).values_list("pk", flat=True)
    credit.credits_remove(dead)
    Result.objects.filter(run_id__in=list(dead)).delete()


def appraisal_credit_part(run_id, number):
    """Step 2 for one credit part: write its credits, unless a delivery before did. Answers the
    city branches to score when this part was the last to be written and claimed the next step,
    else none."""
    if not Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now()):
        return []  # finished, failed or replaced: nothing to do
    run = Run.objects.get(pk=run_id)
    quarter = rules.Quarter.parse(run.params["quarter"])
    try:
        # One delivery of a part at a time: a second one waits, then finds the part written.
        with exclusive(f"appraisal:{run_id}:credit:{number}"):
            part = CreditPart.objects.get(run_id=run_id, number=number)
            if not part.written:
                credit.credits_write(run_id, quarter, part)
                CreditPart.objects.filter(pk=part.pk).update(written=True)
    except Exception as exc:
        _fail(run_id, exc)
        raise
    Run.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
    if CreditPart.objects.filter(run_id=run_id, written=False).exists():
        return []
    if not Run.objects.filter(pk=run_id, status=RunStatus.RUNNING, phase=PHASE_CREDIT).update(phase=PHASE_COMPUTE):
        return []
    return unscored_cities(run_id)


def unscored_cities(run_id):
    """The city branches with managers of the run not scored yet, the largest first: with the
    parts taken in this order, the workers run out of work at about the same time."""
    return largest_first(
        Counter(Result.objects.filter(run_id=run_id, quantitative__isnull=True).values_list("city_id", flat=True))
    )


def appraisal_city_part(run_id, city_id):
    """Step 3 for one city branch: score its managers from their credits. Answers whether the
    run is ready for its last step (no manager left unscored) and this part claimed it."""
    if not Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now()):
        return False  # finished, failed or replaced: nothing to do
    run = Run.objects.get(pk=run_id)
    quarter = rules.Quarter.parse(run.params["quarter"])
    try:
        # One part at a time: a part delivered twice (or resumed while a slow worker still works
        # on it) waits, then rewrites the same lines.
        with exclusive(f"appraisal:{run_id}:{city_id}"):
            results = list(Result.objects.filter(run_id=run_id, city_id=city_id).select_related("scheme"))
            if any(result.quantitative is not None for result in results):
                ResultLine.objects.filter(result__in=results).delete()
            credited = credit.credited_months(credit.monthly_sums(run_id, city_id))
            indicators = {}
            lines = []
            for result in results:
                if result.scheme_id not in indicators:
                    indicators[result.scheme_id] = list(result.scheme.indicators.all())
                lines += _score(result, indicators[result.scheme_id], credited.get(result.employee_id, {}), quarter)
            ResultLine.objects.bulk_create(lines, batch_size=2000)
            bulk.update_fields(Result, results, ["quantitative", "total", "flags"])
    except Exception as exc:
        _fail(run_id, exc)
        raise
    # Progress after the part's commit: the run's row is not held while a part works, so the
    # parts never wait on each other.
    Run.objects.filter(pk=run_id).update(done=F("done") + len(results), heartbeat_at=timezone.now())
    if Result.objects.filter(run_id=run_id, quantitative__isnull=True).exists():
        return False
    return bool(Run.objects.filter(pk=run_id, status=RunStatus.RUNNING, phase=PHASE_COMPUTE).update(phase=PHASE_FINISH))


def _score(result, indicators, credited, quarter):
    """Rule P3 for one result from its credited months: fills the result and answers its lines
    (unsaved)."""
    scheme = result.scheme
    score_lines, stored = [], []
    for indicator in indicators:
        figure = FIGURE[indicator.indicator]
        monthly = [credited.get(figure, {}).get(month, rules.ZERO) for month in quarter.months]
        annual = result.targets.get(indicator.indicator)
        score_line = rules.Line(
            indicator=indicator.indicator,
            weight=indicator.weight,
            cap=indicator.cap,
            balance=indicator.indicator in BALANCES,
            actual=rules.quarter_actual(monthly, indicator.indicator in BALANCES),
            annual_target=None if annual is None else Decimal(annual),
        )
        score_lines.append(score_line)
        completion = score_line.completion
        stored.append(
            ResultLine(
                result=result,
                indicator=indicator.indicator,
                weight=indicator.weight,
                cap=indicator.cap,
                target=None if score_line.target is None else rules.money(score_line.target),
                actual=rules.money(score_line.actual),
                completion=None if completion is None else completion.quantize(Decimal("0.0001")),
                points=rules.money(score_line.points),
            )
        )
    has_review = rules.NO_REVIEW not in result.flags
    score = rules.score(
        score_lines,
        result.qualitative if has_review else None,
        quantitative_share=scheme.quantitative_share,
        qualitative_share=scheme.qualitative_share,
    )
    result.quantitative, result.qualitative, result.total = score.quantitative, score.qualitative, score.total
    result.flags = score.flags
    return stored


def appraisal_finish(run_id):
    """Step 3: rank within each city branch and the province (P3), rate (P9), and make the run's
    results the quarter's; the superseded draft results and credits are removed."""
    if not Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now()):
        return None
    run = Run.objects.get(pk=run_id)
    quarter = run.params["quarter"]
    try:
        with transaction.atomic(), exclusive(f"appraisal:{quarter}"):
            results = list(Result.objects.filter(run_id=run_id).select_related("scheme"))
            rank_and_rate(results)
            bulk.update_fields(Result, results, ["rank_city", "rank_province", "rank_rating", "rating"])
            before = QuarterResults.objects.filter(quarter=quarter).values_list("run_id", flat=True).first()
            QuarterResults.objects.update_or_create(quarter=quarter, defaults={"run_id": run_id})
            flagged = sum(1 for result in results if result.flags)
            Run.objects.filter(pk=run_id).update(
                status=RunStatus.SUCCEEDED,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
                phase="",
                done=len(results),
                counts={"managers": len(results), "flagged": flagged},
                summary=_summary(run, len(results), flagged),
            )
    except Exception as exc:
        _fail(run_id, exc)
        raise
    if before and before != run_id:  # superseded drafts: gone once the quarter has switched
        with transaction.atomic():
            credit.credits_remove([before])
            Result.objects.filter(run_id=before).delete()
    return run_id


def _summary(run, count, flagged):
    """The run's report, in the language of the person who started it (a worker has none)."""
    with translation.override(run.language or settings.LANGUAGE_CODE):
        return ngettext(
            "%(count)d manager appraised for %(quarter)s, %(flagged)d flagged.",
            "%(count)d managers appraised for %(quarter)s, %(flagged)d flagged.",
            count,
        ) % {"count": count, "quarter": run.params["quarter"], "flagged": flagged}


def rank_and_rate(results):
    """Ranks by total within each city branch and the province (ties share the better rank), and
    the rating by rank of rule P9 (the rating itself once more, calibrations being undone)."""
    province = rules.competition_ranks({result.pk: result.total for result in results})
    by_city = defaultdict(list)
    for result in results:
        result.rank_province = province[result.pk]
        by_city[result.city_id].append(result)
    for members in by_city.values():
        ranks = rules.competition_ranks({result.pk: result.total for result in members})
        for result in members:
            result.rank_city = ranks[result.pk]
            lines = rating_lines(result.scheme)
            result.rank_rating = rules.rating(result.rank_city, len(members), result.total, lines)
            result.rating = result.rank_rating


def _fail(run_id, exc):
    log.exception("appraisal run %s failed", run_id)
    language = Run.objects.filter(pk=run_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        summary = _("The run stopped on an error: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
    Run.objects.filter(pk=run_id).exclude(status__in=FINISHED).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), summary=summary
    )


# --- approval, calibration and publication (rules P5, P9) -------------------------------------


def may_lead(actor, city):
    """Whether `actor` may act for the city branch's leadership group: a member of it or of the
    province's, or SYSTEM / a superuser."""
    if is_system(actor) or actor.is_superuser:
        return True
    if not reaches(actor, city):
        return False
    return LeadershipMember.objects.filter(Q(unit=city) | Q(unit__kind=UnitKind.PROVINCE), member=actor).exists()


def _require_leadership(actor, city):
    require(actor)
    if not may_lead(actor, city):
        raise PermissionDenied(_("Only the leadership group of %(city)s may do this.") % {"city": city.name})


def result_calibrate(result, *, rating, reason, actor):
    """Rule P9: move a DRAFT result's rating by one step with a written reason, within the
    shares of the city branch. The move is kept (Calibration)."""
    _require_leadership(actor, result.city)
    reason = (reason or "").strip()
    problems = {}
    if not reason:
        problems["reason"] = _("Write the reason for the move.")
    with transaction.atomic():
        result = Result.objects.select_for_update().select_related("scheme", "city").get(pk=result.pk)
        if result.status != ResultStatus.DRAFT:
            problems["rating"] = _("Approved results are not calibrated.")
        ratings = list(
            Result.objects.filter(run_id=result.run_id, city_id=result.city_id).values_list("rating", flat=True)
        )
        if "rating" not in problems:
            problem = rules.calibration_problem(
                result.rating, rating, ratings, rating_lines(result.scheme), by_rank=result.rank_rating
            )
            if problem:
                problems["rating"] = problem
        if problems:
            raise ValidationError(problems)
        Calibration.objects.create(
            result=result, from_rating=result.rating, to_rating=rating, reason=reason, by=history_user(actor)
        )
        result.rating = rating
        result._change_reason = reason
        result.save(update_fields=["rating"])
    return result


def results_approve(*, run, city, actor):
    """Rule P5: the city branch's leadership group approves its managers' results of a run."""
    _require_leadership(actor, city)
    with transaction.atomic():
        if QuarterResults.objects.filter(run=run).first() is None:
            raise ValidationError(_("These results were replaced by a later run."))
        Approval.objects.get_or_create(
            run=run, city=city, defaults={"approved_by": history_user(actor), "approved_at": timezone.now()}
        )
        return Result.objects.filter(run=run, city=city, status=ResultStatus.DRAFT).update(status=ResultStatus.APPROVED)


def results_publish(*, run, city, actor):
    """Rule P5: approved results are published: each manager sees their own, and the appeal
    window opens for AppraisalPolicy.appeal_days."""
    _require_leadership(actor, city)
    with transaction.atomic():
        approval = Approval.objects.select_for_update().filter(run=run, city=city).first()
        if approval is None:
            raise ValidationError(_("Approve the results before publishing them."))
        if approval.published_at is None:
            approval.published_at = timezone.now()
            approval.published_by = history_user(actor)
            approval.appeal_until = timezone.localdate() + datetime.timedelta(
                days=AppraisalPolicy.current().appeal_days
            )
            approval.save()
        return Result.objects.filter(run=run, city=city, status=ResultStatus.APPROVED).update(
            status=ResultStatus.PUBLISHED
        )


# --- appeals (rule P5) ------------------------------------------------------------------------


def appeal_file(result, *, reason, actor):
    """A manager appeals their own published result within the window."""
    require(actor)
    if is_system(actor) or result.employee_id != actor.pk:
        raise PermissionDenied(_("Only the manager appraised may appeal their result."))
    problems = {}
    approval = Approval.objects.filter(run_id=result.run_id, city_id=result.city_id).first()
    if result.status != ResultStatus.PUBLISHED or approval is None:
        problems["reason"] = _("This result is not published.")
    elif approval.appeal_until and timezone.localdate() > approval.appeal_until:
        problems["reason"] = _("The appeal window closed on %(date)s.") % {"date": approval.appeal_until.isoformat()}
    if not (reason or "").strip():
        problems["reason"] = _("Write what you appeal and why.")
    if not problems and Appeal.objects.filter(result=result, status=AppealStatus.OPEN).exists():
        problems["reason"] = _("An appeal of this result is already open.")
    if problems:
        raise ValidationError(problems)
    return Appeal.objects.create(result=result, reason=reason.strip())


def appeal_decide(appeal, *, upheld, decision, actor, qualitative=None):
    """The leadership group decides an appeal; an upheld appeal may re-score the qualitative
    score, which changes the total (rule P3) and the ranks and ratings by rank of the run (P9);
    the appeal keeps both totals."""
    result = appeal.result
    _require_leadership(actor, result.city)
    problems = {}
    if appeal.status != AppealStatus.OPEN:
        problems["decision"] = _("This appeal was decided already.")
    if not (decision or "").strip():
        problems["decision"] = _("Write the decision and its reason.")
    if qualitative is not None and not Decimal(0) <= qualitative <= 100:
        problems["qualitative"] = _("A review scores 0 to 100.")
    if qualitative is not None and not upheld:
        problems["qualitative"] = _("Only an upheld appeal re-scores.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        appeal.decision = decision.strip()
        appeal.decided_by = history_user(actor)
        appeal.decided_at = timezone.now()
        if qualitative is not None:
            result = Result.objects.select_for_update().select_related("scheme").get(pk=result.pk)
            appeal.old_qualitative, appeal.old_total = result.qualitative, result.total
            scheme = result.scheme
            quantitative = sum((line.points for line in result.lines.all() if line.points is not None), rules.ZERO)
            # The stored quantitative is the exact sum rounded once; re-score from it.
            quantitative = result.quantitative if result.quantitative is not None else quantitative
            result.qualitative = rules.money(qualitative)
            result.total = rules.money(
                scheme.quantitative_share * quantitative + scheme.qualitative_share * qualitative
            )
            result.flags = [flag for flag in result.flags if flag != rules.NO_REVIEW]
            result._change_reason = decision.strip()
            result.save(update_fields=["qualitative", "total", "flags"])
            appeal.new_qualitative, appeal.new_total = result.qualitative, result.total
            _rerank(result)
        appeal.save()
    return appeal


def _rerank(result):
    """The ranks of the run after a re-score of `result` (ties share the better rank). Only the
    re-scored manager's rating is worked out again (keeping a calibration's move): the others'
    published ratings stand as approved."""
    results = list(Result.objects.filter(run_id=result.run_id).select_related("scheme"))
    ranked = {other.pk: other for other in results}
    before = ranked[result.pk]
    move = rules.RATINGS.index(before.rating) - rules.RATINGS.index(before.rank_rating) if before.rank_rating else 0
    ratings = {other.pk: (other.rank_rating, other.rating) for other in results}
    rank_and_rate(results)
    for other in results:
        if other.pk != result.pk:
            other.rank_rating, other.rating = ratings[other.pk]
    index = min(max(rules.RATINGS.index(before.rank_rating) + move, 0), len(rules.RATINGS) - 1)
    before.rating = rules.RATINGS[index]
    bulk.update_fields(Result, results, ["rank_city", "rank_province", "rank_rating", "rating"])


# --- decisions and the bonus pool (rules P6, P8) ----------------------------------------------


def certified_on(employee_ids, day):
    """The people holding a valid customer-manager certificate on `day` (rule S7's, P8)."""
    return set(
        Qualification.objects.filter(
            in_force(day),
            employee_id__in=employee_ids,
            kind__in=[QualificationKind.CM_CERT, QualificationKind.RECOGNISED],
        ).values_list("employee_id", flat=True)
    )


def back_office_average(city, year):
    """Rule P8: the average base pay of the back-office staff (TELLER, OTHER) of a city branch."""
    pays = list(
        BasePay.objects.filter(
            year=year,
            employee__position__in=[Position.TELLER, Position.OTHER],
            employee__unit__path__startswith=city.path,
        ).values_list("base_pay", flat=True)
    )
    if not pays:
        return None
    return sum(pays, Decimal(0)) / len(pays)


def bonus_allocate(results, *, pool, city, year):
    """Rules P6 and P8 for one unit's managers (their results of a quarter): the floor, each
    top-up and bonus, and whether the pool was too small. Reads only; the page shows it."""
    policy = AppraisalPolicy.current()
    average = back_office_average(city, year)
    # The floor in yuan to the cent, as pay is: its gaps, and so the top-ups, then add up exactly.
    floor = None if average is None else rules.money(policy.pay_floor_share * average)
    ids = [result.employee_id for result in results]
    pay = dict(BasePay.objects.filter(year=year, employee_id__in=ids).values_list("employee_id", "base_pay"))
    certified = certified_on(ids, rules.Quarter.parse(results[0].quarter).end) if results else set()
    grades = GradePolicy.table()
    shares = [
        rules.Share(
            key=result.employee_id,
            total=result.total or rules.ZERO,
            coefficient=grades[result.grade].pay_coefficient if result.grade in grades else Decimal("1.00"),
            base_pay=pay.get(result.employee_id),
            certified=result.employee_id in certified,
        )
        for result in results
    ]
    return rules.allocate(pool, shares, floor)
