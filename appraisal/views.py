"""Pages of the appraisal (rules P4, P5, P6, P8, P9): thin — selectors read (scoped, rule O5;
a manager reads their own results once published), services write with the person as actor,
forms only parse, templates show. Figures are grouped here, not in the templates."""

from collections import Counter
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from accounts.models import Grade, Position, Unit
from accounts.scoping import sees_whole_bank
from bankops.querystrings import query_without
from imports.exports import EXPORT_FORMATS, report_filename, table_response
from runs.models import RunStatus
from staffing.forms import show_refusal
from staffing.models import Indicator
from staffing.rules import plain

from . import rules, selectors, services
from .forms import (
    BANDS,
    AppealForm,
    ApprovalFilterForm,
    BonusForm,
    CalibrationForm,
    DecideForm,
    RankingForm,
    RunStartForm,
)
from .models import BALANCES, FIGURE, AppealStatus, AppraisalPolicy, Rating, ResultStatus

PAGE_SIZE = 50
CREDITS_PAGE_SIZE = 100
APPROVAL_PAGE_SIZE = 100
OPEN_APPEALS_SHOWN = 200

PHASE_LABELS = {
    "": "",
    services.PHASE_CREDIT: gettext_lazy("crediting the clients' months to the managers"),
    services.PHASE_COMPUTE: gettext_lazy("scoring the managers"),
    services.PHASE_FINISH: gettext_lazy("ranking and rating"),
}


# --- presentation helpers ---------------------------------------------------------------------


def yuan(value):
    """Money with thousands separators and 2 places ("12,345.67"); "—" for none."""
    return "—" if value is None else f"{rules.money(value):,.2f}"


def percent(value, places=2):
    """A share (0.4, 1.0425) as a percentage ("40", "104.25"); "—" for none."""
    if value is None:
        return "—"
    return plain((value * 100).quantize(Decimal(1).scaleb(-places)))


def flag_words(flag):
    """A result's flag (rule P3) as people read it."""
    if flag == rules.NO_REVIEW:
        return _("No review: the qualitative score is 0")
    if flag.startswith(rules.NO_TARGET):
        code = flag.removeprefix(rules.NO_TARGET)
        label = Indicator(code).label if code in Indicator.values else code
        return _("No target for %(indicator)s: no points") % {"indicator": label}
    if flag == rules.NOT_CERTIFIED:
        return _("No valid certificate")
    return flag


def rating_label(rating):
    return Rating(rating).label if rating in Rating.values else "—"


def present_result(result):
    """Labels of a result for a template (no query)."""
    result.rating_label = rating_label(result.rating)
    result.rank_rating_label = rating_label(result.rank_rating)
    result.status_label = ResultStatus(result.status).label
    result.flag_words = [flag_words(flag) for flag in result.flags or ()]
    result.grade_label = Grade(result.grade).label if result.grade in Grade.values else "—"
    return result


def nav(request):
    """Which entries of the appraisal's sub-navigation the person has."""
    user = request.user
    return {
        "manager": getattr(user, "position", "") == Position.CUSTOMER_MANAGER,
        "others": selectors.sees_others(user),
        "runs": sees_whole_bank(user) or user.has_perm(services.RUN_PERMISSION),
    }


def page(request, template, context):
    return render(request, f"appraisal/{template}", {"appraisal_nav": nav(request), **context})


def breakdown(request, result):
    """What explains a result (rules P2, P3, P9): its lines, calibrations, appeals and the
    client-months credited (paged), with the monthly sums that make each line's actual."""
    present_result(result)
    lines = []
    for line in sorted(result.lines.all(), key=lambda line: list(FIGURE).index(line.indicator)):
        lines.append(
            {
                "label": line.get_indicator_display(),
                "balance": line.indicator in BALANCES,
                "weight": percent(line.weight),
                "cap": percent(line.cap, 0),
                "target": yuan(line.target),
                "actual": yuan(line.actual),
                "completion": percent(line.completion),
                "points": line.points,
                "no_target": f"{rules.NO_TARGET}{line.indicator}" in (result.flags or ()),
            }
        )
    credits = selectors.result_credits(result)
    # Every month of the quarter, credited or not: a balance's actual is their mean.
    months = {month: dict.fromkeys(FIGURE.values(), rules.ZERO) for month in rules.Quarter.parse(result.quarter).months}
    for credit, credited in credits:
        sums = months.setdefault(credit.month, dict.fromkeys(FIGURE.values(), rules.ZERO))
        for figure, value in credited.items():
            sums[figure] += value
    figures = list(FIGURE.items())  # [(indicator, figure)]
    month_rows = [
        {"month": month, "values": [yuan(sums[figure]) for _indicator, figure in figures]}
        for month, sums in sorted(months.items())
    ]
    quarter_row = []
    if credits:
        for indicator, figure in figures:
            total = sum((sums[figure] for sums in months.values()), rules.ZERO)
            quarter_row.append(yuan(total / 3 if indicator in BALANCES else total))
    credit_page = Paginator(credits, CREDITS_PAGE_SIZE).get_page(request.GET.get("cpage"))
    credit_rows = [
        {
            "client": credit.client,
            "month": credit.month,
            "split": plain(credit.split),
            "days": credit.days,
            "month_days": credit.month_days,
            "figures": [(yuan(credit.figures[figure]), yuan(credited[figure])) for _indicator, figure in figures],
        }
        for credit, credited in credit_page.object_list
    ]
    calibrations = [
        {
            "from": rating_label(c.from_rating),
            "to": rating_label(c.to_rating),
            "reason": c.reason,
            "by": c.by,
            "at": c.at,
        }
        for c in result.calibrations.all()
    ]
    return {
        "result": result,
        "lines": lines,
        "figure_labels": [Indicator(indicator).label for indicator, _figure in figures],
        "month_rows": month_rows,
        "quarter_row": quarter_row,
        "credit_rows": credit_rows,
        "credit_page": credit_page,
        "credit_total": len(credits),
        "credit_query": query_without(request, "page", "cpage"),
        "calibrations": calibrations,
        "appeals": [present_appeal(appeal) for appeal in result.appeals.all()],
        "shares": {
            "quantitative": percent(result.scheme.quantitative_share, 0),
            "qualitative": percent(result.scheme.qualitative_share, 0),
        },
    }


def present_appeal(appeal):
    appeal.status_label = AppealStatus(appeal.status).label
    return appeal


# --- 1. my scorecard --------------------------------------------------------------------------


@login_required
def scorecard(request):
    """A manager's published results (rule P5), the chosen quarter's breakdown line by line, and
    the appeal of it within the window. Those who are no customer manager read the ranking."""
    if getattr(request.user, "position", "") != Position.CUSTOMER_MANAGER:
        return redirect("appraisal-ranking")
    results = list(selectors.my_results(user=request.user))
    for result in results:
        present_result(result)
    chosen = None
    form = None
    if request.method == "POST":
        form = AppealForm(request.POST)
        wanted = request.POST.get("result")
        chosen = next((r for r in results if str(r.pk) == wanted), None)
        if chosen is None:
            raise Http404
        if form.is_valid():
            try:
                services.appeal_file(chosen, reason=form.cleaned_data["reason"], actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc, {})
            else:
                messages.success(request, _("Your appeal of %(quarter)s is filed.") % {"quarter": chosen.quarter})
                return redirect(f"{reverse('appraisal-home')}?{urlencode({'quarter': chosen.quarter})}")
    else:
        wanted = request.GET.get("quarter")
        chosen = next((r for r in results if r.quarter == wanted), results[0] if results else None)
    my_appeals = selectors.appeal_list(user=request.user).select_related("decided_by")[:PAGE_SIZE]
    context = {"results": results, "chosen": chosen, "my_appeals": [present_appeal(a) for a in my_appeals]}
    if chosen is not None:
        detail = selectors.result_detail(user=request.user, pk=chosen.pk)
        context.update(breakdown(request, detail))
        approval = selectors.approval_of(chosen)
        today = timezone.localdate()
        window_open = (
            chosen.status == ResultStatus.PUBLISHED
            and approval is not None
            and (approval.appeal_until is None or today <= approval.appeal_until)
        )
        has_open = any(a.status == AppealStatus.OPEN for a in detail.appeals.all())
        context.update(
            {
                "approval": approval,
                "window_open": window_open,
                "has_open_appeal": has_open,
                "appeal_form": form
                or (AppealForm(initial={"result": chosen.pk}) if window_open and not has_open else None),
            }
        )
    return page(request, "scorecard.html", context)


# --- 2. ranking and a result ------------------------------------------------------------------


def ranking_question(request):
    """The quarter and unit asked (defaults: the latest quarter with results, the whole subtree)
    and the form that shows them."""
    quarters = selectors.result_quarters()
    data = request.GET.copy()
    if not data.get("quarter") and quarters:
        data["quarter"] = quarters[0]
    form = RankingForm(data if quarters else None, user=request.user, quarters=quarters)
    quarter, unit = None, None
    if form.is_valid():
        quarter, unit = form.cleaned_data["quarter"], form.cleaned_data["unit"]
    return form, quarter, unit


RECOMMENDATIONS = {
    "PROMOTE": gettext_lazy("Promote"),
    "EXIT_REVIEW": gettext_lazy("Review for transfer out of the post"),
}


@login_required
def ranking(request):
    """A unit's ranking of its managers for a quarter (rule P5), paged, with a CSV/Excel export."""
    form, quarter, unit = ranking_question(request)
    results = selectors.result_list(user=request.user, quarter=quarter, unit=unit) if quarter else None
    if results is not None and (unit is None or unit.depth <= 1):
        results = results.order_by("rank_province", "employee__username")
    fmt = request.GET.get("export")
    if results is not None and fmt in EXPORT_FORMATS:
        return ranking_export(results, quarter, unit, fmt)
    page_ = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page")) if results is not None else None
    recommended = selectors.recommendations(list(page_), quarter) if page_ is not None else {}
    for result in page_ or ():
        present_result(result)
        result.recommendation = recommended.get(result.employee_id)
        result.recommendation_label = RECOMMENDATIONS.get(result.recommendation, "")
    policy = AppraisalPolicy.current()
    policy.promote_share_percent = plain(policy.promote_share * 100)
    totals = selectors.unit_totals(results, quarter) if page_ is not None and page_.paginator.count else []
    context = {
        "sees_breakdowns": selectors.sees_others(request.user),
        "unit_totals": [(Indicator(indicator).label, yuan(total)) for indicator, total in totals],
        "policy": policy,
        "form": form,
        "quarter": quarter,
        "unit": unit,
        "page": page_,
        "query": query_without(request, "page"),
        "export_query": query_without(request, "page", "export"),
    }
    return page(request, "ranking.html", context)


def ranking_export(results, quarter, unit, fmt):
    header = [
        _("Quarter"),
        _("Rank in the city branch"),
        _("Rank in the province"),
        _("Employee no."),
        _("Name"),
        _("Unit code"),
        _("Unit"),
        _("City branch"),
        _("Quantitative"),
        _("Qualitative"),
        _("Total"),
        _("Rating"),
        _("Status"),
        _("Flags"),
    ]
    rows = (
        [
            r.quarter,
            r.rank_city,
            r.rank_province,
            r.employee.username,
            r.employee.get_full_name(),
            r.unit.code,
            r.unit.name,
            r.city.name,
            r.quantitative,
            r.qualitative,
            r.total,
            str(rating_label(r.rating)),
            str(ResultStatus(r.status).label),
            "; ".join(str(flag_words(flag)) for flag in r.flags or ()),
        ]
        for r in results.iterator(chunk_size=1000)
    )
    ranking = pgettext("export file", "ranking")
    what = f"{ranking}_{quarter}" + (f"_{unit.code}" if unit else "")
    return table_response(report_filename(what), header, rows, fmt)


@login_required
def result_detail(request, pk):
    """One result with the breakdown that explains it, for those who may read it (404 else)."""
    result = selectors.result_detail(user=request.user, pk=pk)
    if result is None:
        raise Http404
    context = breakdown(request, result)
    context["approval"] = selectors.approval_of(result)
    return page(request, "result_detail.html", context)


# --- 3. runs ----------------------------------------------------------------------------------


def present_run(run):
    run.status_label = RunStatus(run.status).label
    run.phase_label = PHASE_LABELS.get(run.phase, run.phase)
    run.quarter = (run.params or {}).get("quarter", "")
    return run


@login_required
def run_list(request):
    """The quarterly batch's runs (rule P4) with their progress; a start form for those who may."""
    may_start = request.user.has_perm(services.RUN_PERMISSION)
    form = RunStartForm(request.POST or None) if may_start else None
    if request.method == "POST":
        if not may_start:
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.appraisal_run_start(quarter=form.cleaned_data["quarter"], actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc, {})
            else:
                if run.resumed:
                    message = _("The appraisal of %(quarter)s is resumed: its unfinished parts are sent again.")
                else:
                    message = _("The appraisal of %(quarter)s is started.")
                messages.success(request, message % {"quarter": run.params["quarter"]})
                if selectors.appraisal_runs(user=request.user).filter(pk=run.pk).exists():
                    return redirect("appraisal-run", pk=run.pk)
                return redirect("appraisal-runs")
    runs = selectors.appraisal_runs(user=request.user)
    page_ = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page_:
        present_run(run)
    return page(request, "runs.html", {"form": form, "page": page_, "query": query_without(request, "page")})


def run_or_404(request, pk):
    run = selectors.appraisal_runs(user=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return present_run(run)


@login_required
def run_detail(request, pk):
    run = run_or_404(request, pk)
    return page(request, "run_detail.html", {"run": run})


@login_required
def run_progress(request, pk):
    """The run's progress as runs.js polls it (the same shape as an import run's)."""
    run = run_or_404(request, pk)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": str(run.status_label),
            "phase": run.phase,
            "phase_label": str(run.phase_label),
            "done": run.done,
            "total": run.total,
            "percent": run.percent,
            "finished": run.finished,
        }
    )


# --- 4. approval and calibration --------------------------------------------------------------


@login_required
def approval(request):
    """A city branch's results of a quarter for its leadership group (rules P5, P9): the
    distribution, the counts against the allowed places, calibration per row, approve and
    publish. Others read it."""
    quarters = selectors.result_quarters()
    data = (request.POST if request.method == "POST" else request.GET).copy()
    if not data.get("quarter") and quarters:
        data["quarter"] = quarters[0]
    if not quarters:
        return page(request, "approval.html", {"form": None, "cities": True})
    form = ApprovalFilterForm(data, user=request.user, quarters=quarters)
    if not data.get("city"):
        first = form.fields["city"].queryset.first()
        if first is not None:
            data["city"] = first.code
            form = ApprovalFilterForm(data, user=request.user, quarters=quarters)
    if not form.is_valid():
        if request.method == "POST":
            raise Http404
        return page(request, "approval.html", {"form": form, "cities": form.fields["city"].queryset.exists()})
    quarter, city = form.cleaned_data["quarter"], form.cleaned_data["city"]
    run = selectors.quarter_run(quarter)
    may_act = services.may_lead(request.user, city)
    forms_by_result = {}
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied(_("Only the leadership group of %(city)s may do this.") % {"city": city.name})
        outcome = approval_action(request, run, city, forms_by_result)
        if outcome is not None:
            return outcome
    results = list(
        selectors.result_list(user=request.user, quarter=quarter)
        .filter(city=city)
        .prefetch_related("calibrations")
        .order_by("rank_city", "employee__username")
    )
    for result in results:
        present_result(result)
        result.moves = list(result.calibrations.all())
        if may_act and result.status == ResultStatus.DRAFT:
            result.form = forms_by_result.get(result.pk) or CalibrationForm(
                by_rank=result.rank_rating, current=result.rating, prefix=f"r{result.pk}"
            )
    counts = Counter(result.rating for result in results)
    managers = len(results)
    lines = services.rating_lines(results[0].scheme) if results else rules.RatingLines()
    excellent_places, good_places = lines.excellent_places(managers), lines.good_places(managers)
    ratings, bands = selectors.city_distribution(results)
    statuses = Counter(result.status for result in results)
    approval_row = selectors.approvals_of(run, [city]).get(city.pk) if run else None
    page_number = request.GET.get("page")
    page_ = Paginator(results, APPROVAL_PAGE_SIZE).get_page(page_number)
    context = {
        "form": form,
        "cities": True,
        "quarter": quarter,
        "city": city,
        "run": run,
        "may_act": may_act,
        "page": page_,
        "results_total": managers,
        "query": query_without(request, "page"),
        "counts": [
            {"rating": rating, "label": Rating(rating).label, "count": counts.get(rating, 0)}
            for rating in rules.RATINGS
        ],
        "excellent": {"count": counts.get("EXCELLENT", 0), "places": excellent_places},
        "good_or_better": {"count": counts.get("EXCELLENT", 0) + counts.get("GOOD", 0), "places": good_places},
        "statuses": {status: statuses.get(status, 0) for status in ResultStatus.values},
        "approval": approval_row,
        "may_approve": may_act and statuses.get(ResultStatus.DRAFT, 0) > 0,
        "may_publish": may_act and approval_row is not None and statuses.get(ResultStatus.APPROVED, 0) > 0,
        "rating_chart": {
            "categories": [str(Rating(rating).label) for rating in rules.RATINGS],
            "series": [{"name": _("Managers"), "data": [str(ratings.get(rating, 0)) for rating in rules.RATINGS]}],
        },
        "band_chart": {
            "categories": BANDS,
            "series": [{"name": _("Managers"), "data": [str(bands.get(band, 0)) for band in BANDS]}],
        },
    }
    return page(request, "approval.html", context)


def approval_action(request, run, city, forms_by_result):
    """A POST of the approval page: calibrate a row, approve or publish. Answers the redirect,
    or None to show the page again with the row's form and its error."""
    back = f"{reverse('appraisal-approval')}?{urlencode({'quarter': request.POST['quarter'], 'city': city.code})}"
    if request.GET.get("page"):
        back += f"&page={request.GET['page']}"
    action = request.POST.get("action")
    if run is None:
        raise Http404
    if action == "calibrate":
        result = (
            selectors.result_list(user=request.user, quarter=run.params["quarter"])
            .filter(city=city, pk=request.POST.get("result") or 0)
            .first()
        )
        if result is None:
            raise Http404
        form = CalibrationForm(request.POST, by_rank=result.rank_rating, current=result.rating, prefix=f"r{result.pk}")
        forms_by_result[result.pk] = form
        if form.is_valid():
            try:
                services.result_calibrate(
                    result, rating=form.cleaned_data["rating"], reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                show_refusal(form, exc, {})
                return None
            messages.success(
                request,
                _("%(person)s: %(from)s → %(to)s.")
                % {
                    "person": result.employee.get_full_name(),
                    "from": rating_label(result.rating),
                    "to": rating_label(form.cleaned_data["rating"]),
                },
            )
            return redirect(back)
        return None
    if action in ("approve", "publish"):
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm: approval and publication cannot be undone."))
            return redirect(back)
        service = services.results_approve if action == "approve" else services.results_publish
        try:
            count = service(run=run, city=city, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            text = (
                ngettext("%(count)d result of %(city)s approved.", "%(count)d results of %(city)s approved.", count)
                if action == "approve"
                else ngettext(
                    "%(count)d result of %(city)s published: the manager now sees it.",
                    "%(count)d results of %(city)s published: each manager now sees their own.",
                    count,
                )
            )
            messages.success(request, text % {"count": count, "city": city.name})
        return redirect(back)
    raise Http404


# --- 5. appeals -------------------------------------------------------------------------------


@login_required
def appeals(request):
    """Open appeals with a decide form for the city branch's leadership group, and the kept
    history of decided ones (rule P5)."""
    appeals_ = selectors.appeal_list(user=request.user).select_related("decided_by")
    bound = {}
    leadership = {}

    def may_decide(city):
        if city.pk not in leadership:
            leadership[city.pk] = services.may_lead(request.user, city)
        return leadership[city.pk]

    if request.method == "POST":
        appeal = appeals_.filter(pk=request.POST.get("appeal") or 0, status=AppealStatus.OPEN).first()
        if appeal is None:
            raise Http404
        if not may_decide(appeal.result.city):
            raise PermissionDenied(
                _("Only the leadership group of %(city)s may do this.") % {"city": appeal.result.city.name}
            )
        form = DecideForm(request.POST, prefix=f"a{appeal.pk}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.appeal_decide(
                    appeal,
                    upheld=data["upheld"],
                    decision=data["decision"],
                    qualitative=data["qualitative"],
                    actor=request.user,
                )
            except ValidationError as exc:
                show_refusal(form, exc, {})
            else:
                messages.success(
                    request,
                    _("The appeal of %(person)s is decided.") % {"person": appeal.result.employee.get_full_name()},
                )
                return redirect("appraisal-appeals")
        bound[appeal.pk] = form
    # The oldest first: they wait longest (the window is counted from publication).
    open_appeals = list(appeals_.filter(status=AppealStatus.OPEN).order_by("filed_at")[: OPEN_APPEALS_SHOWN + 1])
    open_capped = len(open_appeals) > OPEN_APPEALS_SHOWN
    open_appeals = open_appeals[:OPEN_APPEALS_SHOWN]
    for appeal in open_appeals:
        present_appeal(appeal)
        if may_decide(appeal.result.city):
            appeal.form = bound.get(appeal.pk) or DecideForm(prefix=f"a{appeal.pk}")
    decided = Paginator(appeals_.exclude(status=AppealStatus.OPEN), PAGE_SIZE).get_page(request.GET.get("page"))
    for appeal in decided:
        present_appeal(appeal)
    return page(
        request,
        "appeals.html",
        {
            "open_appeals": open_appeals,
            "open_capped": open_capped,
            "decided": decided,
            "query": query_without(request, "page"),
        },
    )


# --- 6. bonus ---------------------------------------------------------------------------------


@login_required
def bonus(request):
    """A unit's bonus pool shared among its managers (rules P6, P8): the pay floor and how it is
    reached, each top-up and bonus, and a warning when the pool cannot meet the floors."""
    if not selectors.sees_others(request.user):
        raise PermissionDenied
    quarters = selectors.result_quarters()
    data = request.GET.copy()
    if not data.get("quarter") and quarters:
        data["quarter"] = quarters[0]
    form = BonusForm(data if quarters and request.GET.get("pool") else None, user=request.user, quarters=quarters)
    if not form.is_bound:
        form.initial = {"quarter": data.get("quarter"), "unit": request.GET.get("unit")}
    context = {"form": form, "quarters": quarters}
    if form.is_bound and form.is_valid():
        context.update(bonus_context(request, **form.cleaned_data))
    return page(request, "bonus.html", context)


def bonus_context(request, *, quarter, unit, pool):
    results = list(selectors.result_list(user=request.user, quarter=quarter, unit=unit).order_by("rank_city"))
    year = rules.Quarter.parse(quarter).year
    city = unit if unit.depth == 2 else Unit.objects.get(path=unit.path[: 2 * Unit.steplen])
    context = {"quarter": quarter, "unit": unit, "city": city, "year": year, "results": results}
    if not results:
        return context
    allocation = services.bonus_allocate(results, pool=pool, city=city, year=year)
    average = services.back_office_average(city, year)
    policy = AppraisalPolicy.current()
    by_employee = {result.employee_id: present_result(result) for result in results}
    rows = []
    for share in allocation.shares:
        result = by_employee[share.key]
        gap = None
        if allocation.floor is not None and share.certified:
            gap = max(allocation.floor - (share.base_pay or rules.ZERO), rules.ZERO)
        rows.append(
            {
                "result": result,
                "coefficient": share.coefficient,
                "weight": f"{share.weight:,.4f}",  # total × coefficient exactly: the column adds up
                "certified": share.certified,
                "base_pay": yuan(share.base_pay),
                "no_base_pay": share.base_pay is None,
                "gap": yuan(gap) if gap is not None else "—",
                "top_up": yuan(share.top_up),
                "bonus": yuan(share.bonus),
                "pay": yuan(share.pay),
                "below_floor": allocation.floor is not None and share.pay < allocation.floor,
            }
        )
    shares = allocation.shares
    context.update(
        {
            "allocation": allocation,
            "rows": rows,
            "pool_text": yuan(allocation.pool),
            "average": yuan(average),
            "floor_share": percent(policy.pay_floor_share, 0),
            "floor": yuan(allocation.floor),
            "shortfall": yuan(allocation.shortfall),
            "drafts": sum(1 for r in results if r.status == ResultStatus.DRAFT),
            "sums": {
                "base_pay": yuan(sum((s.base_pay or rules.ZERO for s in shares), rules.ZERO)),
                "top_up": yuan(sum((s.top_up for s in shares), rules.ZERO)),
                "bonus": yuan(sum((s.bonus for s in shares), rules.ZERO)),
                "pay": yuan(sum((s.pay for s in shares), rules.ZERO)),
                "weight": f"{sum((s.weight for s in shares), rules.ZERO):,.4f}",
            },
        }
    )
    return context
