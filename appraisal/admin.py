"""Administration of the appraisal: schemes (a change saves the next version, rule P3), the
policy's figures, reviews and base pay (read: they come in by their import KINDs), results,
calibrations and appeals (read: they are made on the approval and appeal pages). Every write
goes through appraisal.services; lists are scoped (rule O5)."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadableHistoryAdmin, ReadOnlyScopedAdmin
from staffing.models import Indicator

from . import (
    department_admin,  # noqa: F401 - registers the plans and the timeline
    services,
)
from .models import DEFAULT_CAP, Appeal, AppraisalPolicy, BasePay, Calibration, Result, Review, Scheme, SchemeIndicator

SCHEME_FIGURES = [
    "quantitative_share",
    "qualitative_share",
    "excellent_share",
    "good_share",
    "needs_improvement_below",
    "unsatisfactory_below",
]


def indicator_fields():
    """A weight and a cap field for each indicator: declared on the form's class, so that the
    admin lays them out (it reads a form's declared fields, not those added per instance)."""
    fields = {}
    for indicator in Indicator:
        fields[f"weight_{indicator.value}"] = forms.DecimalField(
            label=format_lazy(_("Weight: {indicator}"), indicator=indicator.label),
            max_digits=5,
            decimal_places=4,
            min_value=0,
        )
        fields[f"cap_{indicator.value}"] = forms.DecimalField(
            label=format_lazy(_("Cap: {indicator}"), indicator=indicator.label),
            max_digits=5,
            decimal_places=2,
            min_value=0,
        )
    return fields


class SchemeFormBase(forms.ModelForm):
    """A new version of the scheme: its figures and each indicator's weight and cap, starting
    from the current version's, checked by scheme_check (weights adding up to 1, shares adding
    up to 1) and saved by scheme_save."""

    actor = None  # the administrator, set by SchemeAdmin.get_form

    class Meta:
        model = Scheme
        fields = ["name", *SCHEME_FIGURES]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = services.scheme_current()
        stored = {line.indicator: line for line in current.indicators.all()}
        for name in SCHEME_FIGURES:
            self.fields[name].initial = getattr(current, name)
        self.fields["name"].initial = current.name
        for indicator in Indicator:
            line = stored.get(indicator.value)
            self.fields[f"weight_{indicator.value}"].initial = line.weight if line else Decimal(0)
            self.fields[f"cap_{indicator.value}"].initial = line.cap if line else DEFAULT_CAP

    def clean(self):
        data = super().clean()
        if not self.errors:
            weights, _caps, figures = self.figures()
            for name, message in services.scheme_check(weights=weights, **figures).items():
                self.add_error(name if name in self.fields else None, message)
        return data

    def figures(self):
        data = self.cleaned_data
        weights = {i.value: data[f"weight_{i.value}"] for i in Indicator if data[f"weight_{i.value}"]}
        caps = {i.value: data[f"cap_{i.value}"] for i in Indicator}
        return weights, caps, {name: data[name] for name in SCHEME_FIGURES}

    def save_scheme(self):
        weights, caps, figures = self.figures()
        return services.scheme_save(
            name=self.cleaned_data["name"], weights=weights, caps=caps, actor=self.actor, **figures
        )


SchemeForm = type("SchemeForm", (SchemeFormBase,), indicator_fields())


class SchemeIndicatorInline(admin.TabularInline):
    model = SchemeIndicator
    fields = ["indicator", "weight", "cap"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    """Versions of the scheme: a saved version is never changed (results name it); "add" saves
    the next version, starting from the current one's figures."""

    list_display = ["version", "name", "quantitative_share", "qualitative_share", "created_at", "created_by"]
    inlines = [SchemeIndicatorInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = SchemeForm
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["version", "name", *SCHEME_FIGURES, "created_at", "created_by"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None and request.method == "POST" else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = form.save_scheme()
        obj.pk, obj.version, obj.created_at = saved.pk, saved.version, saved.created_at  # for the admin's message
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        """Nothing: scheme_save wrote the version's indicators with it."""


@admin.register(AppraisalPolicy)
class AppraisalPolicyAdmin(ReadableHistoryAdmin):
    list_display = ["__str__", "appeal_days", "promote_share", "exit_below", "pay_floor_share"]

    def has_add_permission(self, request):
        return not AppraisalPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.appraisal_policy_save(obj, actor=request.user)


@admin.register(Review)
class ReviewAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "quarter", "qualitative", "comment"]
    list_filter = ["quarter"]
    search_fields = ["employee__username", "employee__name"]


@admin.register(BasePay)
class BasePayAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "year", "base_pay"]
    list_filter = ["year"]
    search_fields = ["employee__username", "employee__name"]


@admin.register(Result)
class ResultAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "quarter", "city", "total", "rank_city", "rank_province", "rating", "status"]
    list_filter = ["quarter", "status", "rating"]
    search_fields = ["employee__username", "employee__name"]
    list_select_related = ["employee", "city"]


@admin.register(Calibration)
class CalibrationAdmin(ReadOnlyScopedAdmin):
    list_display = ["result", "from_rating", "to_rating", "reason", "by", "at"]
    list_select_related = ["result__employee", "by"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyScopedAdmin):
    list_display = ["result", "status", "filed_at", "decided_by", "old_total", "new_total"]
    list_filter = ["status"]
    list_select_related = ["result__employee", "decided_by"]
