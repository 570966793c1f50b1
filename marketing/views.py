"""Pages of the client registry for branch staff: thin — selectors read (scoped to the person,
rule O5), services write, forms only validate, templates show."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS
from accounts.scoping import scoped
from bankops.querystrings import query_without
from imports.exports import label_of, report_filename, requested_format, table_response, yes_no

from . import caching, selectors, services
from .filters import BusinessRequestFilter, ClientFilter
from .forms import BusinessRequestForm, OnForm, ResponsibleOverrideForm
from .models import Client, ClientKind, ClientMetric, RequestNature, Segment, Tier
from .paging import RegistryPaginator

PAGE_SIZE = 50
LIST_PAGE_SIZE = 100
CLIENT_REQUESTS_SHOWN = 10

# Pages may show money in 万元 (SPEC.md), and so do their reports, under a header that says so;
# storage and the files of the import KINDs stay in yuan.
TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")


def to_wan(value):
    """Yuan → 万元, rounded half-up to 2 places; None stays None."""
    return None if value is None else (value / TEN_THOUSAND).quantize(CENT, ROUND_HALF_UP)


def grouped(value):
    """A figure with thousands separators ("12,345.67"), "" for none."""
    return "" if value is None else f"{value:,}"


def department_label(code):
    """A department code of rules C5/C6 with its name (rule O2), "" for none."""
    if not code:
        return ""
    name = PROVINCE_MARKETING_DEPARTMENTS.get(code)
    return f"{name} ({code})" if name else code


def department_name(code):
    """The name of a department of rules C5/C6 (rule O2), for a report's column beside its code."""
    return PROVINCE_MARKETING_DEPARTMENTS.get(code, code or "")


def present(client):
    """Labels and 万元 figures of a client annotated by selectors.with_standing, for a template."""
    client.tier_label = Tier(client.tier).label
    client.segment_label = Segment(client.segment).label if client.segment else ""
    client.responsible_label = department_label(client.responsible_department)
    client.deposit_label = department_label(getattr(client, "deposit_department", None))
    client.aum_wan = to_wan(client.aum)
    client.contribution_wan = to_wan(client.annual_contribution)
    # Grouped here, not by |intcomma (slow per cell on a page of fifty rows).
    client.aum_text = grouped(client.aum_wan)
    client.contribution_text = grouped(client.contribution_wan)
    client.deposits_wan = to_wan(client.deposits_avg)
    return client


def dated_form(request):
    """The `?on=` form of a page, showing today when the date is absent, and the date to use."""
    data = request.GET.copy()
    if not data.get("on"):
        data["on"] = timezone.localdate().isoformat()
    form = OnForm(data)
    return form, form.date()


# --- the client list -----------------------------------------------------------------------

# The client list as a report: what the page shows, names beside codes, the flags as 是/否 and the
# figures in 万元. The `clients` import file is imports.exports.kind_export.
CLIENT_REPORT_COLUMNS = [
    pgettext_lazy("export column", "Client no."),
    pgettext_lazy("export column", "Client name"),
    pgettext_lazy("export column", "Client kind"),
    pgettext_lazy("export column", "Account branch code"),
    pgettext_lazy("export column", "Account branch"),
    pgettext_lazy("export column", "Industry"),
    pgettext_lazy("export column", "Has loans"),
    pgettext_lazy("export column", "Real estate"),
    pgettext_lazy("export column", "Institution or interbank"),
    pgettext_lazy("export column", "Import/export"),
    pgettext_lazy("export column", "SME in a supply chain, cluster or market"),
    pgettext_lazy("export column", "Growth potential"),
    pgettext_lazy("export column", "Group parent no."),
    pgettext_lazy("export column", "Group parent"),
    pgettext_lazy("export column", "Tier"),
    pgettext_lazy("export column", "Segment"),
    pgettext_lazy("export column", "Responsible department code"),
    pgettext_lazy("export column", "Responsible department"),
    pgettext_lazy("export column", "Deposit department code"),
    pgettext_lazy("export column", "Deposit department"),
    pgettext_lazy("export column", "AUM (10k yuan)"),
    pgettext_lazy("export column", "Annual contribution (10k yuan)"),
    pgettext_lazy("export column", "Daily-average deposits (10k yuan)"),
]
CLIENT_FLAGS = ("has_loan", "real_estate", "institution", "import_export", "sme_chain", "potential")
CLIENT_REPORT_FIELDS = (
    "client_no",
    "name",
    "kind",
    "account_unit__code",
    "account_unit__name",
    "industry",
    *CLIENT_FLAGS,
    "visible_parent_no",
    "visible_parent_name",
    "tier",
    "segment",
    "responsible_department",
    "deposit_department",
    "aum",
    "annual_contribution",
    "deposits_avg",
)


def client_report_rows(clients, user):
    """The clients of the list as its report shows them: one streamed query. A group parent the
    person may not see reads as the client page says it (rule O5): no number, no name."""
    parents = scoped(Client.objects.filter(pk=OuterRef("group_parent_id")), user)
    clients = clients.annotate(
        visible_parent_no=Subquery(parents.values("client_no")[:1]),
        visible_parent_name=Subquery(parents.values("name")[:1]),
    )
    kind_label, tier_label, segment_label = label_of(ClientKind), label_of(Tier), label_of(Segment)
    hidden_parent = _("a client outside your part of the bank")
    answers = {True: yes_no(True), False: yes_no(False)}  # translated once, not per cell
    for row in clients.values("group_parent_id", *CLIENT_REPORT_FIELDS).iterator():
        parent_name = row["visible_parent_name"] if row["visible_parent_no"] else None
        if row["group_parent_id"] and not row["visible_parent_no"]:
            parent_name = hidden_parent
        yield [
            row["client_no"],
            row["name"],
            kind_label(row["kind"]),
            row["account_unit__code"],
            row["account_unit__name"],
            row["industry"],
            *(answers[row[flag]] for flag in CLIENT_FLAGS),
            row["visible_parent_no"],
            parent_name,
            # As the page shows it: an individual is on no named list, a corporate has no segment.
            tier_label(row["tier"]) if row["kind"] == ClientKind.CORPORATE else "",
            segment_label(row["segment"]),
            row["responsible_department"],
            department_name(row["responsible_department"]),
            row["deposit_department"],
            department_name(row["deposit_department"]),
            to_wan(row["aum"]),
            to_wan(row["annual_contribution"]),
            to_wan(row["deposits_avg"]),
        ]


class ClientListing:
    """The client list's filters and page, computed on first use: when the page's fragment is
    in the cache (marketing.caching), nothing is."""

    def __init__(self, request, on_form, on):
        self.request, self.on_form, self.on = request, on_form, on

    @cached_property
    def filter(self):
        clients = selectors.client_list(user=self.request.user, on=self.on)
        return ClientFilter(self.on_form.data, queryset=clients, request=self.request)

    @cached_property
    def page(self):
        page = RegistryPaginator(self.filter.qs, PAGE_SIZE, user=self.request.user).get_page(
            self.request.GET.get("page")
        )
        page.object_list = [present(client) for client in page.object_list]
        return page


@login_required
def client_list(request):
    on_form, on = dated_form(request)
    listing = ClientListing(request, on_form, on)
    if fmt := requested_format(request, listing.filter):
        filename = report_filename(pgettext("export file", "clients"), on)
        return table_response(filename, CLIENT_REPORT_COLUMNS, client_report_rows(listing.filter.qs, request.user), fmt)
    return render(
        request,
        "marketing/client_list.html",
        {
            "listing": listing,
            "query": query_without(request, "page", "export"),
            "on": on,
            "cache_key": caching.registry_key(request, "client-list"),
            "cache_timeout": caching.TIMEOUT,
        },
    )


# --- one client ----------------------------------------------------------------------------

CHART_FIGURES = ["deposits_avg", "loans", "aum"]


def metrics_chart(metrics):
    """The monthly series of the client's chart in 万元 (strings: Decimal, never float)."""
    field = ClientMetric._meta.get_field
    return {
        "months": [metric.month.strftime("%Y-%m") for metric in metrics],
        "unit": _("10k yuan"),
        "series": [
            {
                "name": capfirst(field(name).verbose_name),
                "data": [
                    None if getattr(metric, name) is None else str(to_wan(getattr(metric, name))) for metric in metrics
                ],
            }
            for name in CHART_FIGURES
        ],
    }


def client_page(request, client, *, on, override_form=None, request_form=None):
    """The client page, with forms either fresh or bound and showing their errors."""
    user = request.user
    group_condition = Q(group_parent=client)
    if client.group_parent_id:
        group_condition |= Q(pk=client.group_parent_id)
    group = list(selectors.client_list(user=user, on=on).filter(group_condition))
    parent = next((member for member in group if member.pk == client.group_parent_id), None)
    metrics = list(selectors.monthly_metrics(client=client))
    for metric in metrics:
        metric.wan = [to_wan(getattr(metric, name)) for name in ClientMetric.FIGURES]
    segments = []
    if client.kind == ClientKind.INDIVIDUAL:
        segments = [
            {"month": month, "aum_wan": to_wan(aum), "segment": segment, "label": Segment(segment).label}
            for month, aum, segment in selectors.segment_history(client=client)
        ]
    requests = list(selectors.requests_list(user=user).filter(client=client)[:CLIENT_REQUESTS_SHOWN])
    for business_request in requests:
        business_request.can_accept = services.may_accept(user, business_request)
    can_override = user.has_perm("marketing.change_client")
    if can_override and override_form is None:
        override_form = ResponsibleOverrideForm(
            initial={
                "responsible_override": client.responsible_override,
                "responsible_override_reason": client.responsible_override_reason,
            }
        )
    return render(
        request,
        "marketing/client_detail.html",
        {
            "client": client,
            "on": on,
            "parent": present(parent) if parent else None,
            "parent_hidden": client.group_parent_id is not None and parent is None,
            "subsidiaries": [present(member) for member in group if member.group_parent_id == client.pk],
            "computed_responsible": department_label(client.computed_responsible),
            "tier_history": selectors.tier_history(client=client),
            "segment_history": segments,
            "metrics": metrics[::-1],  # newest first in the table; the chart runs oldest first
            "figure_labels": [
                capfirst(ClientMetric._meta.get_field(name).verbose_name) for name in ClientMetric.FIGURES
            ],
            "chart": metrics_chart(metrics),
            "requests": requests,
            "can_override": can_override,
            "can_record": user.has_perm("marketing.add_businessrequest"),
            "override_form": override_form,
            "request_form": request_form or BusinessRequestForm(),
        },
    )


@login_required
def client_detail(request, client_no):
    on = OnForm(request.GET).date()
    client = present(selectors.client_get(user=request.user, client_no=client_no, on=on))
    return client_page(request, client, on=on)


@login_required
@require_POST
def client_override(request, client_no):
    """Rule C5: an authorised person overrides the responsible department, with a reason."""
    on = timezone.localdate()
    client = selectors.client_get(user=request.user, client_no=client_no, on=on)
    if not request.user.has_perm("marketing.change_client"):
        raise PermissionDenied
    form = ResponsibleOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.responsible_override_set(
                client=client,
                department=form.cleaned_data["responsible_override"],
                reason=form.cleaned_data["responsible_override_reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The responsible department of %(client)s is saved.") % {"client": client.name})
            return redirect("client-detail", client_no=client.client_no)
    return client_page(request, present(client), on=on, override_form=form)


@login_required
@require_POST
def client_request_create(request, client_no):
    """Rule C8: record a business request; it is routed to the unit that accepts it."""
    on = timezone.localdate()
    client = selectors.client_get(user=request.user, client_no=client_no, on=on)
    form = BusinessRequestForm(request.POST)
    if form.is_valid():
        try:
            created = services.business_request_create(client=client, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The request is routed to %(unit)s: %(reason)s")
                % {
                    "unit": created.accepting_unit.name,
                    "reason": created.routing_reason,
                },
            )
            return redirect(reverse("client-detail", args=[client.client_no]) + "#requests")
    return client_page(request, present(client), on=on, request_form=form)


# --- business requests (rule C8) -----------------------------------------------------------

REQUEST_REPORT_COLUMNS = [
    pgettext_lazy("export column", "Received at"),
    pgettext_lazy("export column", "Received by"),
    pgettext_lazy("export column", "Client no."),
    pgettext_lazy("export column", "Client name"),
    pgettext_lazy("export column", "Client tier at the time"),
    pgettext_lazy("export column", "Nature"),
    pgettext_lazy("export column", "Credit business"),
    pgettext_lazy("export column", "Description"),
    pgettext_lazy("export column", "Accepting unit code"),
    pgettext_lazy("export column", "Accepting unit"),
    pgettext_lazy("export column", "Why there"),
    pgettext_lazy("export column", "Accepted"),
    pgettext_lazy("export column", "Accepted by"),
    pgettext_lazy("export column", "Accepted at"),
]
REQUEST_REPORT_FIELDS = (
    "received_at",
    "received_by__name",
    "received_by__username",
    "client__client_no",
    "client__name",
    "client_tier",
    "nature",
    "is_credit",
    "description",
    "accepting_unit__code",
    "accepting_unit__name",
    "routing_reason",
    "accepted_by__name",
    "accepted_by__username",
    "accepted_at",
)


def request_report_rows(requests):
    """The requests as the page shows them, times local to the bank: one streamed query."""
    tier_label, nature_label = label_of(Tier), label_of(RequestNature)
    for row in requests.values(*REQUEST_REPORT_FIELDS).iterator():
        accepted_at = row["accepted_at"]
        yield [
            timezone.localtime(row["received_at"]),
            row["received_by__name"] or row["received_by__username"],
            row["client__client_no"],
            row["client__name"],
            tier_label(row["client_tier"]),
            nature_label(row["nature"]),
            yes_no(row["is_credit"]),
            row["description"],
            row["accepting_unit__code"],
            row["accepting_unit__name"],
            row["routing_reason"],
            yes_no(accepted_at),
            row["accepted_by__name"] or row["accepted_by__username"],
            timezone.localtime(accepted_at) if accepted_at else None,
        ]


@login_required
def request_list(request):
    filterset = BusinessRequestFilter(request.GET, queryset=selectors.requests_list(user=request.user), request=request)
    if fmt := requested_format(request, filterset):
        filename = report_filename(pgettext("export file", "business requests"))
        return table_response(filename, REQUEST_REPORT_COLUMNS, request_report_rows(filterset.qs), fmt)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for business_request in page.object_list:
        business_request.can_accept = services.may_accept(request.user, business_request)
    return render(
        request,
        "marketing/request_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without(request, "page", "export"),
        },
    )


@login_required
@require_POST
def request_accept(request, pk):
    business_request = get_object_or_404(selectors.requests_list(user=request.user), pk=pk)
    try:
        services.business_request_accept(request=business_request, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("You accepted the request of %(client)s.") % {"client": business_request.client.name}
        )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("request-list")


# --- deposit responsibility (rule C6) ------------------------------------------------------


DEPOSIT_REPORT_COLUMNS = [
    pgettext_lazy("export column", "Deposit department code"),
    pgettext_lazy("export column", "Deposit department"),
    pgettext_lazy("export column", "Clients"),
    pgettext_lazy("export column", "Daily-average deposits (10k yuan)"),
    pgettext_lazy("export column", "Share (%)"),
]


@login_required
def deposits(request):
    on_form, on = dated_form(request)
    rows = list(selectors.deposits_by_department(user=request.user, on=on))
    total = sum((row["deposits"] or Decimal(0) for row in rows), Decimal(0))
    for row in rows:
        row["label"] = department_label(row["deposit_department"])
        row["deposits_wan"] = to_wan(row["deposits"])
        row["share"] = (100 * (row["deposits"] or 0) / total).quantize(Decimal("0.1")) if total else None
    total_clients = sum(row["clients"] for row in rows)
    if fmt := requested_format(request):
        code = "deposit_department"
        lines = [
            [row[code], department_name(row[code]), row["clients"], row["deposits_wan"], row["share"]] for row in rows
        ]
        lines.append(
            ["", pgettext("export row", "Total"), total_clients, to_wan(total), Decimal(100) if total else None]
        )
        filename = report_filename(pgettext("export file", "deposit responsibility"), on)
        return table_response(filename, DEPOSIT_REPORT_COLUMNS, lines, fmt)
    return render(
        request,
        "marketing/deposits.html",
        {
            "on_form": on_form,
            "on": on,
            "rows": rows,
            "total_wan": to_wan(total),
            "total_clients": total_clients,
            "query": query_without(request, "page", "export"),
            "chart": {
                "categories": [row["label"] for row in rows],
                "series": [
                    {"name": _("Daily-average deposits"), "data": [str(row["deposits_wan"] or 0) for row in rows]}
                ],
                "unit": _("10k yuan"),
            },
        },
    )


# --- named lists (rules C2, C3) ------------------------------------------------------------

# A named list as a report; the `tiers` import file is imports.exports.kind_export (it holds the
# stored entries only: the derived C3 rows are computed from the upper lists).
TIER_REPORT_COLUMNS = [
    pgettext_lazy("export column", "Client no."),
    pgettext_lazy("export column", "Client name"),
    pgettext_lazy("export column", "Tier"),
    pgettext_lazy("export column", "List owner code"),
    pgettext_lazy("export column", "List owner"),
    pgettext_lazy("export column", "Valid from"),
    pgettext_lazy("export column", "Valid to"),
    pgettext_lazy("export column", "Reason"),
    pgettext_lazy("export column", "Derived (C3)"),
]


def tier_report_rows(rows, unit):
    """The list's rows as the page shows them (one streamed query)."""
    tier_label = label_of(Tier)
    for row in rows:
        yield [
            row["client_no"],
            row["name"],
            tier_label(row["tier"]),
            row["owner_unit_code"],
            unit.name,
            row["valid_from"],
            row["valid_to"],
            row["reason"],
            yes_no(row["derived"]),
        ]


def default_list_owner(user, owners):
    """The list a person most likely wants: the nearest owner above (or at) their unit."""
    own_path = user.unit.path if user.unit_id else ""
    above = [unit for unit in owners if own_path.startswith(unit.path)]
    return (above[-1] if above else owners[0]) if owners else None


class NamedListing:
    """A named list's owners, unit and page, computed on first use (see ClientListing)."""

    def __init__(self, request, on):
        self.request, self.on = request, on

    @cached_property
    def owners(self):
        return list(selectors.readable_list_owners(user=self.request.user))

    @cached_property
    def unit(self):
        code = self.request.GET.get("unit")
        if code:
            return selectors.list_owner_get(user=self.request.user, code=code)
        unit = default_list_owner(self.request.user, self.owners)
        if unit is None:
            raise Http404
        return unit

    @cached_property
    def rows(self):
        return selectors.tier_list(user=self.request.user, unit=self.unit, on=self.on)

    @cached_property
    def page(self):
        page = Paginator(self.rows, LIST_PAGE_SIZE).get_page(self.request.GET.get("page"))
        page.object_list = [{**row, "tier_label": Tier(row["tier"]).label} for row in page.object_list]
        return page

    @cached_property
    def derived_count(self):
        return self.rows.derived_count()


@login_required
def tier_lists(request):
    on_form, on = dated_form(request)
    listing = NamedListing(request, on)
    if fmt := requested_format(request):
        what = pgettext("export file", "named list")
        filename = report_filename(f"{what}_{listing.unit.name}", on)
        return table_response(filename, TIER_REPORT_COLUMNS, tier_report_rows(listing.rows, listing.unit), fmt)
    return render(
        request,
        "marketing/tier_list.html",
        {
            "on_form": on_form,
            "on": on,
            "listing": listing,
            "query": query_without(request, "page", "export"),
            "cache_key": caching.registry_key(request, "named-list"),
            "cache_timeout": caching.TIMEOUT,
        },
    )
