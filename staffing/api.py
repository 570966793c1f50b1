"""REST API of staffing (INTERFACES.md): the compliance report, scoped (rule O5)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from accounts.models import Unit
from marketing.api import ON, date_param

from . import compliance


class BreachSerializer(serializers.Serializer):
    rule = serializers.CharField()
    unit_code = serializers.CharField()
    message = serializers.CharField()
    overridden = serializers.BooleanField()
    employee_no = serializers.CharField(allow_null=True)
    client_no = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        return instance.as_dict()


class ComplianceViewSet(viewsets.GenericViewSet):
    """The staffing compliance report (rules O3, S1–S9, A1–A10) of a unit's subtree on a date:
    the caller's own part of the bank when no unit is named."""

    serializer_class = BreachSerializer
    filter_backends = []
    queryset = Unit.objects.none()  # the report is read by staffing.compliance

    @extend_schema(
        parameters=[OpenApiParameter("unit", OpenApiTypes.STR, description="a unit's code (default: yours)"), ON]
    )
    def list(self, request):
        code = request.query_params.get("unit") or None
        try:
            unit = compliance.report_unit(user=request.user, code=code)
        except Unit.DoesNotExist:
            raise ValidationError({"unit": [_("No unit %(code)s that you may see.") % {"code": code}]}) from None
        found = compliance.report(user=request.user, on=date_param(request), unit=unit)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
