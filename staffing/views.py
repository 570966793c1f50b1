"""Pages of staffing: thin — selectors read (scoped, rule O5), services write (rules A1–A10),
forms only parse, templates show."""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import Unit
from accounts.scoping import get_scoped_or_404
from bankops.querystrings import query_without
from imports.exports import report_filename, table_response
from marketing.models import ClientKind, Segment, Tier

from . import compliance, selectors, services
from .forms import AssignForm, EndForm, HandOverForm, ReportForm, show_refusal
from .models import Assignment

BOOK_SHOWN = 500  # a manager's book is a few hundred clients (rule A8's capacities)

# What each rule asks, for the report's group headings (SPEC.md §3).
RULE_TITLES = {
    "O3": gettext_lazy("O3 (= S2): every sub-branch has a market department"),
    # xgettext:no-python-format
    "S1": gettext_lazy("S1: customer managers are at least 20% of the staff"),
    "S3": gettext_lazy("S3: a busy city-area outlet has a customer manager"),
    "S4": gettext_lazy("S4: every outlet has a lobby manager"),
    "S5": gettext_lazy("S5: a wealth centre's eight qualified advisers"),
    "S6": gettext_lazy("S6: a VIP centre's staff and qualified people"),
    "S7": gettext_lazy("S7: customer managers hold a valid certificate"),
    "S8": gettext_lazy("S8: customer managers train ten days a year"),
    "S9": gettext_lazy("S9 (advisory): an assistant per N managers"),
    "A1": gettext_lazy("A1: a client of 10 million a year has a senior lead"),
    "A2": gettext_lazy("A2: a client of 3 million a year has an intermediate lead"),
    "A3": gettext_lazy("A3: a mid-range individual's lead works at an outlet"),
    "A4": gettext_lazy("A4: a high-end individual's lead works at a VIP centre and holds AFP"),
    "A5": gettext_lazy("A5: a private-banking individual's lead works at a wealth centre and holds CFP"),
    "A6": gettext_lazy("A6: a group's network is led from its highest-tier unit"),
    "A8": gettext_lazy("A8: a manager's clients stay within their grade's capacity"),
    "A9": gettext_lazy("A9: senior co-maintenance of large individual clients"),
    "A10": gettext_lazy("A10: one lead, splits adding up to 100%"),
}


def may_assign(user):
    return user.has_perms(["staffing.add_assignment", "staffing.change_assignment"])


RULE_ROWS_SHOWN = 20  # rows of each rule on the whole report
RULE_PAGE_SIZE = 200  # rows a page when one rule is asked for


@login_required
def compliance_page(request):
    """The compliance report of a unit's subtree on a date, grouped by rule, each breach linked
    to its unit, person or client; overridden ones marked. CSV/XLSX for Excel. The rendered
    report is kept in the cache under the version of its sources (compliance.sources_version),
    the person's reach and the URL: a report seen again costs those few reads."""
    form = ReportForm(request.GET or None)
    unit, on, asked = None, timezone.localdate(), False
    if form.is_valid():
        on = form.cleaned_data["on"]
        try:
            unit = compliance.report_unit(user=request.user, code=form.cleaned_data["unit"] or None)
        except Unit.DoesNotExist:
            form.add_error("unit", _("No unit %(code)s that you may see.") % {"code": form.cleaned_data["unit"]})
        else:
            asked = True
    elif not request.GET:
        form = ReportForm(initial={"on": on})
        unit, asked = compliance.report_unit(user=request.user), True
    if asked and request.GET.get("export") in ("csv", "xlsx"):
        found = compliance.report(user=request.user, on=on, unit=unit)
        header = [_("Rule"), _("Unit"), _("Employee no."), _("Client no."), _("What"), _("Overridden")]
        rows = (
            [b.rule, b.unit_code, b.employee_no, b.client_no, str(b.message), _("yes") if b.overridden else ""]
            for b in found
        )
        filename = report_filename(pgettext("export file", "staffing compliance"), on)
        return table_response(filename, header, rows, request.GET["export"])
    report = None
    if asked:
        key = compliance.page_key(request, unit=unit, on=on)
        report = cache.get(key)
        if report is None:
            found = compliance.report(user=request.user, on=on, unit=unit)
            html = render_to_string("staffing/compliance_report.html", report_context(request, found, on), request)
            report = {"html": html, "total": len(found)}
            cache.set(key, report, compliance.caching.TIMEOUT)
    context = {"form": form, "unit": unit, "on": on, "report": report}
    return render(request, "staffing/compliance.html", context)


def report_context(request, found, on):
    """What the report's part of the page shows: at province scale a report runs to thousands
    of rows, so each rule shows its first RULE_ROWS_SHOWN and one rule asked for (?rule=) is
    paged whole; the export has them all."""
    groups = OrderedDict()
    for breach in found:
        groups.setdefault(breach.rule, []).append(breach)
    only = request.GET.get("rule")
    shown, page = [], None
    for rule, items in groups.items():
        if only and rule != only:
            continue
        if only:
            page = Paginator(items, RULE_PAGE_SIZE).get_page(request.GET.get("page"))
            rows = list(page.object_list)
        else:
            rows = items[:RULE_ROWS_SHOWN]
        shown.append((rule, RULE_TITLES.get(rule, rule), rows, len(items)))
    return {
        "on": on,
        "groups": shown,
        "all_rules": [(rule, len(items)) for rule, items in groups.items()],
        "only": only,
        "page": page,
        "query": query_without(request, "rule", "page"),
        "page_query": query_without(request, "page"),
        "names": selectors.names_of([breach for _rule, _title, rows, _count in shown for breach in rows]),
        "total": len(found),
        "overridden": sum(1 for b in found if b.overridden),
        "chart_data": {
            "categories": list(groups),
            "series": [{"name": _("Breaches"), "data": [str(len(items)) for items in groups.values()]}],
        },
    }


def team_page(request, client, *, on, forms=None):
    history = list(selectors.team_history(client=client))
    visible = selectors.visible_people(user=request.user, ids={a.employee_id for a in history})
    allowed = may_assign(request.user)
    may_override = services.may_override(request.user)
    forms = forms or {}
    context = {
        "client": client,
        "on": on,
        "team": selectors.team_on(history, on),
        "history": history,
        "overrides": selectors.overrides_of(client=client),
        "network": selectors.group_network(user=request.user, client=client, on=on),
        "visible_people": visible,  # whose book the viewer may open
        "may_assign": allowed,
        "may_override": may_override,
        "assign_form": forms.get("assign") or AssignForm(actor=request.user, may_override=may_override),
        "hand_over_form": forms.get("hand_over"),
        "end_form": forms.get("end"),
        "hand_over_id": forms.get("hand_over_id"),
        "end_id": forms.get("end_id"),
    }
    return render(request, "staffing/client_team.html", context)


@login_required
def client_team(request, client_no):
    """A client's relationship team on a date and its whole history; assign, hand over and end
    (rules A1–A10) for those who may."""
    client = selectors.client_get(user=request.user, client_no=client_no)
    on = timezone.localdate()
    if request.method != "POST":
        return team_page(request, client, on=on)
    if not may_assign(request.user):
        raise PermissionDenied
    action = request.POST.get("action")
    handler = {"assign": _assign, "hand_over": _hand_over, "end": _end}.get(action)
    if handler is None:
        raise Http404
    outcome = handler(request, client)
    if isinstance(outcome, dict):  # the form with its errors
        return team_page(request, client, on=on, forms=outcome)
    messages.success(request, outcome)
    return redirect("client-team", client_no=client.client_no)


def _assign(request, client):
    may_override = services.may_override(request.user)
    form = AssignForm(request.POST, actor=request.user, may_override=may_override)
    if form.is_valid():
        data = form.cleaned_data
        item = services.AssignmentData(
            client=client,
            employee=data["employee"],
            role=data["role"],
            split=data["split"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            override_reason=data.get("override_reason", ""),
        )
        try:
            services.assignments_save([item], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            if item.problems:
                form.refused(item)
            else:
                show_refusal(form, exc, form.fields_of)
        else:
            return _("%(person)s is on the team from %(day)s.") % {"person": item.employee, "day": item.valid_from}
    return {"assign": form}


def _assignment(client, form):
    return get_object_or_404(
        Assignment.objects.select_related("employee", "client"), pk=form.cleaned_data["assignment"], client=client
    )


def _hand_over(request, client):
    may_override = services.may_override(request.user)
    form = HandOverForm(request.POST, actor=request.user, may_override=may_override)
    if form.is_valid():
        assignment = _assignment(client, form)
        try:
            services.assignment_hand_over(
                assignment,
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                actor=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc, form.fields_of)
        else:
            return _("%(from)s handed over to %(to)s on %(day)s.") % {
                "from": assignment.employee,
                "to": form.cleaned_data["to"],
                "day": form.cleaned_data["on"],
            }
    return {"hand_over": form, "hand_over_id": request.POST.get("assignment")}


def _end(request, client):
    form = EndForm(request.POST)
    if form.is_valid():
        assignment = _assignment(client, form)
        try:
            services.assignment_end(assignment, on=form.cleaned_data["on"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc, {"valid_to": "on"})
        else:
            return _("%(person)s leaves the team after %(day)s.") % {
                "person": assignment.employee,
                "day": form.cleaned_data["on"],
            }
    return {"end": form, "end_id": request.POST.get("assignment")}


@login_required
def manager_book(request, employee_no):
    """A manager's book of clients on a date, with their capacity (A8) and authority (A12)."""
    employee = selectors.employee_get(user=request.user, employee_no=employee_no)
    on = timezone.localdate()
    served, policy = selectors.book_load(employee=employee, on=on)
    clients = list(selectors.book(user=request.user, employee=employee, on=on)[:BOOK_SHOWN])
    for client in clients:
        client.standing_label = (
            Tier(client.tier).label
            if client.kind == ClientKind.CORPORATE
            else (Segment(client.segment).label if client.segment else "")
        )
    context = {
        "employee": employee,
        "on": on,
        "clients": clients,
        "authority": f"{policy.loan_authority:,.2f}" if policy else None,
        "served": served,
        "policy": policy,
        "over_capacity": policy is not None and served > policy.capacity,
        "qualifications": selectors.holds_on(employee=employee, on=on),
        "contracts": selectors.contracts_of(employee=employee, year=on.year),
    }
    return render(request, "staffing/manager_book.html", context)


@login_required
def unit_staffing(request, code=None):
    """A unit's team structure (the Shanghai statistics) per child unit, and its compliance."""
    if code is None:
        unit = compliance.report_unit(user=request.user) or Unit.get_first_root_node()
        if unit is None:
            raise Http404
        return redirect("unit-staffing", code=unit.code)
    unit = get_scoped_or_404(Unit.objects.all(), request.user, code=code)
    on = timezone.localdate()
    lines, total = selectors.team_structure(user=request.user, unit=unit, on=on)
    context = {"unit": unit, "on": on, "lines": lines, "total": total}
    return render(request, "staffing/unit_staffing.html", context)
