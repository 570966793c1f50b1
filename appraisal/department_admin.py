"""Admin of the department appraisal (rules C9, C11): plan targets and the policy timeline's
milestones, read scoped (rule O5, ScopedAdmin) and written through appraisal.departments'
services, so the panel keeps the rules a page or an import keeps. Neither is deleted here: a
plan's history and a timeline stay whole (a target set to 0 withdraws it)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ScopedAdmin
from accounts.models import UnitKind

from . import departments
from .models import MilestoneRecord, PlanTarget


class PlanTargetForm(forms.ModelForm):
    """A target checked by the service before it is saved (rule C9: the client's tier on
    January 1st); an empty department takes the client's responsible department (rule C5)."""

    actor = None  # the administrator, set by PlanTargetAdmin.get_form

    class Meta:
        model = PlanTarget
        fields = ["year", "client", "indicator", "target", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "department" in self.fields:
            self.fields["department"] = forms.ChoiceField(
                label=_("responsible department"),
                required=False,
                choices=[("", _("the client's responsible department (rule C5)"))]
                + [(code, f"{name} · {code}") for code, name in departments.PROVINCE_MARKETING_DEPARTMENTS.items()],
            )

    def clean(self):
        super().clean()
        if not self.errors:
            problems, _rows = departments.plan_targets_check([self.record()], actor=self.actor)
            for name, message in problems.get(0, {}).items():
                self.add_error(name if name in self.fields else None, message)
        return self.cleaned_data

    def record(self):
        data = self.cleaned_data
        instance = self.instance
        return {
            "client": data.get("client") or instance.client,
            "year": data.get("year") or instance.year,
            "indicator": data.get("indicator") or instance.indicator,
            "target": data["target"],
            "department": data.get("department") or None,
        }


@admin.register(PlanTarget)
class PlanTargetAdmin(ScopedAdmin):
    form = PlanTargetForm
    list_display = ["year", "client", "indicator", "target", "department"]
    list_filter = ["year", "indicator", "department"]
    search_fields = ["client__client_no", "client__name"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        # The key of a stored target stays: a new year, client or indicator is a new target.
        return ["year", "client", "indicator"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        record = form.record()
        departments.plan_targets_save([record], actor=request.user)
        saved = PlanTarget.objects.get(client=record["client"], year=record["year"], indicator=record["indicator"])
        obj.pk = saved.pk


class MilestoneRecordForm(forms.ModelForm):
    class Meta:
        model = MilestoneRecord
        fields = ["city", "year", "milestone", "due_on", "done_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "due_on" in self.fields:
            self.fields["due_on"].required = False
            self.fields["due_on"].help_text = _("Empty: the policy's date (03-31, 04-30 or 06-30 of the year).")


@admin.register(MilestoneRecord)
class MilestoneRecordAdmin(ScopedAdmin):
    form = MilestoneRecordForm
    list_display = ["year", "city", "milestone", "due_on", "done_on", "note"]
    list_filter = ["year", "milestone"]
    search_fields = ["city__code", "city__name"]
    list_select_related = ["city"]

    def get_readonly_fields(self, request, obj=None):
        return ["city", "year", "milestone"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "city":
            field.queryset = field.queryset.filter(kind=UnitKind.CITY)  # rule C11: per city branch
        return field

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = departments.milestone_record_set(
            city=obj.city,
            year=obj.year,
            milestone=obj.milestone,
            done_on=data.get("done_on"),
            note=data.get("note", ""),
            due_on=data.get("due_on"),
            actor=request.user,
        )
        obj.pk = saved.pk
