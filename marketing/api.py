"""REST API of the client registry (INTERFACES.md): clients and named lists, scoped (rule O5)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from imports import parsers

from . import caching, selectors
from .filters import ClientFilter
from .models import LISTED_TIERS, Client, TierEntry
from .paging import RegistryPagination


def date_param(request, name="on"):
    """The `on` date of a query (YYYY-MM-DD), today when absent; a 400 with the field when bad."""
    value = request.query_params.get(name)
    if not value:
        return timezone.localdate()
    try:
        return parsers.date(value)
    except DjangoValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


class CachedList:
    """A list endpoint whose answers are kept under the registry's version (marketing.caching):
    the same question on the same day gets the same page without the query."""

    cache_name = None

    def list(self, request, *args, **kwargs):
        key = caching.registry_key(request, self.cache_name)
        data = cache.get(key)
        if data is not None:
            return Response(data)
        response = self.answer(request, *args, **kwargs)
        cache.set(key, response.data, caching.TIMEOUT)
        return response

    def answer(self, request, *args, **kwargs):
        """The list as computed (the mixins' list, unless the view writes its own)."""
        return super().list(request, *args, **kwargs)


class ClientSerializer(serializers.Serializer):
    client_no = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    account_unit_code = serializers.CharField(source="account_unit.code")
    tier = serializers.CharField()
    segment = serializers.CharField(allow_null=True)
    responsible_department = serializers.CharField(allow_null=True)


ON = OpenApiParameter("on", OpenApiTypes.DATE, description="the date (default today)")


class ClientViewSet(CachedList, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clients with their tier, segment and responsible department on a date (rules C1–C5).

    The filters are the client list page's (tier, segment, account_unit with its subtree, kind,
    responsible_department, has_loan, q); a bad value answers 400 naming the parameter.
    """

    serializer_class = ClientSerializer
    cache_name = "api-clients"
    filterset_class = ClientFilter
    pagination_class = RegistryPagination
    lookup_field = "client_no"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the schema
            return Client.objects.none()
        return selectors.client_list(user=self.request.user, on=date_param(self.request))

    def get_object(self):
        return selectors.client_get(
            user=self.request.user, client_no=self.kwargs["client_no"], on=date_param(self.request)
        )


class TierEntrySerializer(serializers.Serializer):
    client_no = serializers.CharField()
    tier = serializers.ChoiceField(choices=[tier.value for tier in LISTED_TIERS])
    owner_unit_code = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    derived = serializers.BooleanField()


class TierListViewSet(CachedList, viewsets.GenericViewSet):
    """The named list a unit keeps, as in force on a date (rules C2, C3)."""

    serializer_class = TierEntrySerializer
    cache_name = "api-tiers"
    filter_backends = []
    queryset = TierEntry.objects.none()  # the list is read by selectors.tier_list; the browsable API asks for one

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, required=True, description="the owner unit's code"),
            ON,
        ]
    )
    def list(self, request):
        return super().list(request)

    def answer(self, request):
        code = request.query_params.get("unit")
        if not code:
            raise ValidationError({"unit": [_("A unit code is required.")]})
        try:
            unit = selectors.list_owner_get(user=request.user, code=code)
        except Http404:
            raise ValidationError({"unit": [_("No unit %(code)s whose list you may read.") % {"code": code}]}) from None
        rows = selectors.tier_list(user=request.user, unit=unit, on=date_param(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
