"""REST API of staffing (INTERFACES.md): the compliance report and relationship teams, scoped
(rule O5)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.actors import require
from accounts.models import Unit
from accounts.scoping import scoped
from marketing.api import ON, date_param
from marketing.models import Client

from . import compliance, selectors, services
from .models import Assignment, TeamRole


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


class AssignmentSerializer(serializers.Serializer):
    """A team place as the `assignments` import has it (INTERFACES.md), read and written."""

    client_no = serializers.CharField(source="client.client_no")
    employee_no = serializers.CharField(source="employee.username")
    role = serializers.ChoiceField(choices=TeamRole.choices)
    split = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, required=False)
    override_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=300)


class AssignmentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Relationship teams (rules A1–A10): the places the caller may see (rule O5), and a new
    one made through the same service as the page, the admin and the import: a refusal is a 400
    naming the field and the rule. `?client=` narrows the list to one client's team history."""

    serializer_class = AssignmentSerializer
    filter_backends = []

    def get_queryset(self):
        rows = scoped(Assignment.objects.select_related("client", "employee"), self.request.user)
        client = self.request.query_params.get("client")
        if client:
            rows = rows.filter(client__client_no=client)
        return rows.order_by("client__client_no", "-valid_from", "employee__username")

    def create(self, request, *args, **kwargs):
        # The service checks the rights again; asked first here, someone without them gets a 403
        # before their body is read, not a 400 about its fields.
        try:
            require(request.user, *services.ASSIGN_PERMISSIONS)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        client = (
            scoped(Client.objects.select_related("account_unit"), request.user)
            .filter(client_no=values["client"]["client_no"])
            .first()
        )
        employee = selectors.assignable_person(actor=request.user, employee_no=values["employee"]["username"])
        problems = {}
        if client is None:
            problems["client_no"] = [_("No client %(no)s that you may see.") % {"no": values["client"]["client_no"]}]
        if employee is None:
            problems["employee_no"] = [
                _("No employee has the number %(no)s in your part of the bank.")
                % {"no": values["employee"]["username"]}
            ]
        if problems:
            raise ValidationError(problems)
        item = services.AssignmentData(
            client=client,
            employee=employee,
            role=values["role"],
            split=values["split"],
            valid_from=values["valid_from"],
            valid_to=values.get("valid_to"),
            override_reason=values.get("override_reason", ""),
        )
        try:
            services.assignments_save([item], actor=request.user)
        except DjangoValidationError:
            fields = {"client": "client_no", "employee": "employee_no"}
            raise ValidationError(
                {fields.get(name, name): [message] for name, message in item.problems.items()}
            ) from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        saved = Assignment.objects.select_related("client", "employee").get(
            client=client, employee=employee, valid_from=item.valid_from
        )
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)
