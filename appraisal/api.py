"""REST API of the appraisal (INTERFACES.md): the quarter's results, scoped (rule O5) and
published as rule P5 says (selectors.result_list)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from accounts.models import Unit
from accounts.scoping import scoped

from . import rules, selectors
from .models import Result


class LineSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    actual = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    completion = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class ResultSerializer(serializers.Serializer):
    employee_no = serializers.CharField(source="employee.username")
    quarter = serializers.CharField()
    status = serializers.CharField()
    quantitative = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    qualitative = serializers.DecimalField(max_digits=7, decimal_places=2)
    total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    rank_city = serializers.IntegerField(allow_null=True)
    rank_province = serializers.IntegerField(allow_null=True)
    rating = serializers.CharField()
    unit_code = serializers.CharField(source="unit.code")
    city_code = serializers.CharField(source="city.code")
    scheme_version = serializers.IntegerField(source="scheme.version")
    flags = serializers.ListField(child=serializers.CharField())
    breakdown = LineSerializer(source="lines.all", many=True)


class ResultViewSet(viewsets.GenericViewSet):
    """The appraisal results of the latest complete run of each quarter (rules P3, P5, P9):
    unit heads, leadership groups and province staff read their subtree's in every status, a
    customer manager their own once published. `?quarter=YYYYQn`, `?unit=CODE` (a subtree)."""

    serializer_class = ResultSerializer
    filter_backends = []
    queryset = Result.objects.none()  # read by selectors.result_list (the browsable API asks for one)

    @extend_schema(
        parameters=[
            OpenApiParameter("quarter", OpenApiTypes.STR, description="YYYYQn (default: every quarter)"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="a unit's code: its subtree's managers"),
        ]
    )
    def list(self, request):
        quarter = request.query_params.get("quarter") or None
        code = request.query_params.get("unit") or None
        problems = {}
        if quarter:
            try:
                quarter = str(rules.Quarter.parse(quarter))
            except ValueError as exc:
                problems["quarter"] = [str(exc)]
        unit = None
        if code:
            unit = scoped(Unit.objects.all(), request.user).filter(code=code).first()
            if unit is None:
                problems["unit"] = [_("No unit %(code)s that you may see.") % {"code": code}]
        if problems:
            raise ValidationError(problems)
        results = selectors.result_list(user=request.user, quarter=quarter, unit=unit).prefetch_related("lines")
        if not selectors.sees_others(request.user):
            # INTERFACES.md: heads, leadership groups and the province read their subtree's; the
            # others their own, once published (a breakdown names the manager's clients).
            results = results.filter(employee=request.user)
        page = self.paginate_queryset(results)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
