"""FilterSets of the client pages. They filter querysets the selectors have already scoped and
annotated (tier, segment, responsible department as of a date), so each filter runs in SQL."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import UnitChoiceFilter
from accounts.models import Unit
from accounts.scoping import scoped
from bankops.widgets import QuickSelect

from . import caching
from .forms import department_choices
from .models import BusinessRequest, Client, ClientKind, RequestNature, Segment, Tier

NO_DEPARTMENT = "NONE"


class ClientFilter(django_filters.FilterSet):
    # The date itself is applied by the selector (selectors.client_list(on=...)): tier, segment
    # and responsible department are computed for it. The filter only validates and shows it.
    on = django_filters.DateFilter(method="keep", label=_("On"), widget=forms.DateInput(attrs={"type": "date"}))
    q = django_filters.CharFilter(method="search", label=_("Client no. or name"))
    kind = django_filters.ChoiceFilter(choices=ClientKind.choices, label=_("Kind"), empty_label=_("All"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"), empty_label=_("All"))
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("Segment"), empty_label=_("All"))
    account_unit = UnitChoiceFilter(
        path_lookup="account_unit__path",
        label=_("Account branch (with its subtree)"),
        empty_label=_("All"),
        # The page keeps this form in its cached fragment (marketing.caching): the units shown
        # are those of the registry's version, which every unit written moves.
        widget=QuickSelect(stamp=caching.registry_version),
    )
    responsible_department = django_filters.ChoiceFilter(
        method="responsible",
        label=_("Responsible department"),
        empty_label=_("All"),
        choices=department_choices() + [(NO_DEPARTMENT, _("None (marketed by the branches)"))],
    )
    # A choice, not a BooleanFilter: that one takes any other value for "all", so a typo would
    # answer the unfiltered list as if it were filtered.
    has_loan = django_filters.ChoiceFilter(
        method="loans",
        label=_("Has loans"),
        empty_label=_("All"),
        choices=[("true", _("Yes")), ("false", _("No"))],
    )

    class Meta:
        model = Client
        fields = ["on", "q", "kind", "tier", "segment", "account_unit", "responsible_department", "has_loan"]

    def loans(self, queryset, name, value):
        return queryset.filter(has_loan=value == "true")

    def keep(self, queryset, name, value):
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(client_no__icontains=value) | Q(name__icontains=value)) if value else queryset

    def responsible(self, queryset, name, value):
        if value == NO_DEPARTMENT:
            return queryset.filter(responsible_department__isnull=True)
        return queryset.filter(responsible_department=value)


class RequestStatus:
    OPEN, ACCEPTED = "open", "accepted"
    CHOICES = [(OPEN, _("Waiting for acceptance")), (ACCEPTED, _("Accepted"))]


class BusinessRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=RequestStatus.CHOICES, method="by_status", label=_("Status"), empty_label=_("All")
    )
    mine = django_filters.BooleanFilter(
        method="acceptable_by_me",
        label=_("Only those I may accept"),
        widget=forms.CheckboxInput,
    )
    nature = django_filters.ChoiceFilter(choices=RequestNature.choices, label=_("Nature"), empty_label=_("All"))
    q = django_filters.CharFilter(method="search", label=_("Client no. or name"))

    class Meta:
        model = BusinessRequest
        fields = ["status", "mine", "nature", "q"]

    def acceptable_by_me(self, queryset, name, value):
        """The requests routed to the person's unit or below it (whom services.business_request_accept lets accept)."""
        if not value:
            return queryset
        return queryset.filter(
            accepted_by__isnull=True, accepting_unit__in=scoped(Unit.objects.all(), self.request.user)
        )

    def by_status(self, queryset, name, value):
        return queryset.filter(accepted_at__isnull=value == RequestStatus.OPEN)

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(client__client_no__icontains=value) | Q(client__name__icontains=value))
            if value
            else queryset
        )
