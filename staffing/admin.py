"""Administration of staffing: the grades' and the policy's figures, qualifications, training,
contracts, assignments and the overrides on record. Every write goes through staffing.services
(the same checks as the pages, the API and the imports); lists are scoped (rule O5)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.actors import reaches_whole_bank
from accounts.admin import ReadableHistoryAdmin, ReadOnlyScopedAdmin, ScopedAdmin

from . import services
from .models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    IndustryTeam,
    Override,
    PerformanceContract,
    Qualification,
    StaffingPolicy,
    Training,
)


class PolicyAdmin(ReadableHistoryAdmin):
    """A policy's fixed rows: edited, never added or deleted."""

    service = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The province keeps the policy's figures (services._policy_save refuses the rest).
        return super().has_change_permission(request, obj) and reaches_whole_bank(request.user)

    def save_model(self, request, obj, form, change):
        type(self).service(obj, actor=request.user)


@admin.register(GradePolicy)
class GradePolicyAdmin(PolicyAdmin):
    service = services.grade_policy_save
    list_display = ["grade", "pay_coefficient", "capacity", "loan_authority"]
    readonly_fields = ["grade"]
    fields = ["grade", "pay_coefficient", "capacity", "loan_authority"]


@admin.register(StaffingPolicy)
class StaffingPolicyAdmin(PolicyAdmin):
    service = services.staffing_policy_save
    list_display = ["__str__", "certificate_deadline", "training_days", "managers_per_assistant"]


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["employee__username", "employee__name"]


@admin.register(Training)
class TrainingAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "year", "days"]
    list_filter = ["year"]
    search_fields = ["employee__username", "employee__name"]


@admin.register(PerformanceContract)
class PerformanceContractAdmin(ReadOnlyScopedAdmin):
    list_display = ["employee", "year", "indicator", "target", "signed_by"]
    list_filter = ["year", "indicator"]
    search_fields = ["employee__username", "employee__name"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyScopedAdmin):
    list_display = ["rule", "client", "employee", "reason", "by", "at"]
    list_filter = ["rule"]
    search_fields = ["client__client_no", "employee__username", "reason"]


class AssignmentForm(forms.ModelForm):
    """A new assignment, checked by the service before it is saved: a refusal lands next to
    its field, with the rule; the override reason counts only for those with the right."""

    actor = None  # the administrator, set by AssignmentAdmin.get_form
    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        max_length=300,
        help_text=_("Only where a rule of A1–A9 refuses the assignment and you may override it."),
    )

    class Meta:
        model = Assignment
        fields = ["client", "employee", "role", "split", "valid_from", "valid_to"]

    def item(self):
        data = self.cleaned_data
        return services.AssignmentData(
            client=data["client"],
            employee=data["employee"],
            role=data["role"],
            split=data["split"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            override_reason=data.get("override_reason", ""),
        )

    def clean(self):
        super().clean()
        if not self.errors:
            item = self.item()
            if services.assignments_save_check([item], actor=self.actor):
                for name, message in item.problems.items():
                    self.add_error(name if name in self.fields else None, message)
        return self.cleaned_data


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    """Assignments are made here through the service (rules A1–A10) and never deleted: a team's
    history stays whole. An assignment is ended or handed over on the client's team page."""

    form = AssignmentForm
    list_display = ["client", "employee", "role", "split", "valid_from", "valid_to", "added_by"]
    list_filter = ["role"]
    search_fields = ["client__client_no", "client__name", "employee__username", "employee__name"]
    autocomplete_fields = ["client", "employee"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.assignments_save([form.item()], actor=request.user)
        saved = Assignment.objects.get(
            client=form.cleaned_data["client"],
            employee=form.cleaned_data["employee"],
            valid_from=form.cleaned_data["valid_from"],
        )
        obj.pk, obj.added_by = saved.pk, saved.added_by


class IndustryTeamForm(forms.ModelForm):
    actor = None  # the administrator, set by IndustryTeamAdmin.get_form

    class Meta:
        model = IndustryTeam
        fields = ["name", "unit", "industry", "managers", "clients"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not self.errors:
            self.instance.unit, self.instance.industry = data["unit"], data["industry"]
            problems = services.industry_team_check(
                self.instance, managers=data["managers"], clients=data["clients"], actor=self.actor
            )
            for name, message in problems.items():
                self.add_error(name, message)
        return data


@admin.register(IndustryTeam)
class IndustryTeamAdmin(ScopedAdmin):
    """Rule A7: a set of managers serving a set of clients of one industry."""

    form = IndustryTeamForm
    list_display = ["name", "industry", "unit"]
    search_fields = ["name", "industry"]
    autocomplete_fields = ["managers", "clients"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # saved with its members in save_related, through the service

    def save_related(self, request, form, formsets, change):
        services.industry_team_save(
            form.instance,
            managers=form.cleaned_data["managers"],
            clients=form.cleaned_data["clients"],
            actor=request.user,
        )


@admin.register(DesignatedCentre)
class DesignatedCentreAdmin(ReadableHistoryAdmin):
    """Rule A5: the VIP centres the province designates for private banking; added and
    withdrawn through the service, never edited."""

    list_display = ["unit"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.designated_centre_set(obj.unit, designated=True, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.designated_centre_set(obj.unit, designated=False, actor=request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("unit"):
            self.delete_model(request, row)
