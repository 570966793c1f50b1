import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from bankops.widgets import QuickSelect

from .models import Grade, ManagerKind, Position, Unit, UnitKind, User
from .scoping import scoped


def visible_units(request):
    return scoped(Unit.objects.order_by("path"), request.user) if request else Unit.objects.none()


@extend_schema_field(OpenApiTypes.STR)
class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    """A unit among those the person may see; matches the rows of its whole subtree."""

    def __init__(self, *args, path_lookup="unit__path", **kwargs):
        self.path_lookup = path_lookup
        kwargs.setdefault("queryset", visible_units)
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", QuickSelect)  # hundreds of units at province scale
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_lookup}__startswith": value.path})


class EmployeeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    unit = UnitChoiceFilter(label=_("Unit (with its subtree)"), empty_label=_("All"))
    position = django_filters.ChoiceFilter(choices=Position.choices, label=_("Position"), empty_label=_("All"))
    manager_kind = django_filters.ChoiceFilter(
        choices=ManagerKind.choices, label=_("Manager kind"), empty_label=_("All")
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"), empty_label=_("All"))

    class Meta:
        model = User
        fields = ["q", "unit", "position", "manager_kind", "grade"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(name__icontains=value))


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)  # an unknown kind is a 400, not an empty list
    parent = UnitChoiceFilter(path_lookup="path", label=_("Within unit"))

    class Meta:
        model = Unit
        fields = ["kind", "parent"]
