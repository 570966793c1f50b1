"""REST API of the organisation (INTERFACES.md): read-only, scoped to the caller's subtree."""

from rest_framework import serializers, viewsets

from . import selectors
from .filters import EmployeeFilter, UnitFilter


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Org units (rule O1) of the caller's subtree (rule O5)."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    lookup_field = "code"

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)

    def get_object(self):
        return selectors.unit_get(user=self.request.user, code=self.kwargs["code"])


class EmployeeSerializer(serializers.Serializer):
    employee_no = serializers.CharField()
    name = serializers.CharField()
    unit_code = serializers.CharField(source="unit.code", allow_null=True)
    department_code = serializers.CharField(source="department.code", allow_null=True)
    position = serializers.CharField()
    manager_kind = serializers.CharField()
    grade = serializers.CharField()
    credit_manager = serializers.BooleanField()
    vip_area = serializers.BooleanField()


class EmployeeViewSet(viewsets.ReadOnlyModelViewSet):
    """Employees (rule O5) of the caller's subtree."""

    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter
    lookup_field = "username"
    lookup_url_kwarg = "employee_no"

    def get_queryset(self):
        return selectors.employee_list(user=self.request.user)

    def get_object(self):
        return selectors.employee_get(user=self.request.user, employee_no=self.kwargs["employee_no"])
