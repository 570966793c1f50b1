"""The admin panel of the organisation: scoped changelists, and saves that go through services."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from treebeard.mp_tree import MP_Node

from . import services
from .actors import holds_rights_over, require_rights_over
from .models import Department, LeadershipMember, Unit, User
from .rules import Role
from .scoping import scoped

admin.site.site_header = _("BankOps administration")
admin.site.site_title = _("BankOps")
admin.site.index_title = _("Administration")


def validated_by(form, validate, *names, **extra):
    """Run a service's validation on the form's cleaned fields `names` (once they are all valid);
    its errors land next to the fields they name."""
    cleaned = form.cleaned_data
    if all(name in cleaned for name in names):
        try:
            validate(**{name: cleaned[name] for name in names}, **extra)
        except ValidationError as exc:
            form.add_error(None, exc)
    return cleaned


HISTORY_TYPES = {
    "+": pgettext_lazy("history", "Added"),
    "~": pgettext_lazy("history", "Changed"),
    "-": pgettext_lazy("history", "Deleted"),
}
NO_VALUE = "—"
TREE_BOOKKEEPING = {"depth", "numchild"}  # treebeard's own columns: `path` is read as the parent unit


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """History pages people read (templates/simple_history/object_history_list.html): per version
    when, who (or the system), the kind of change, and each changed field as "label: old → new"
    in display values (choice labels, yes/no, names, "—" for none); an added version lists the
    values it started with."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            # simple-history saves a posted version even with its Revert button hidden.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        parents = {}
        for index, record in enumerate(records):
            record.readable_type = HISTORY_TYPES.get(record.history_type, record.history_type)
            record.readable_changes = []
            if record.history_type == "+":
                record.readable_changes = [
                    (label, None, value) for label, value in self._history_values(record, parents) if value != NO_VALUE
                ]
            elif record.history_type == "~":
                # The older version is the next one on the page, or the first of the next page.
                older = records[index + 1] if index + 1 < len(records) else record.prev_record
                if older is not None:
                    record.readable_changes = self._history_changes(record, older, parents)

    def _history_fields(self, record):
        fields = [
            field for field in record.instance_type._meta.concrete_fields if field.editable and not field.auto_created
        ]
        tracked = {field.name for field in record.tracked_fields}
        return [field for field in fields if field.name in tracked and field.name not in TREE_BOOKKEEPING]

    def _history_values(self, record, parents):
        for field in self._history_fields(record):
            yield self._history_label(record, field), self._history_value(record, field, parents)

    def _history_changes(self, record, older, parents):
        changes = []
        for field in self._history_fields(record):
            if field.attname == "password":
                continue
            if getattr(record, field.attname) != getattr(older, field.attname):
                changes.append(
                    (
                        self._history_label(record, field),
                        self._history_value(older, field, parents),
                        self._history_value(record, field, parents),
                    )
                )
        return changes

    @staticmethod
    def _history_label(record, field):
        if field.name == "path" and issubclass(record.instance_type, MP_Node):
            return capfirst(pgettext("history", "parent unit"))
        return capfirst(field.verbose_name)

    @staticmethod
    def _history_value(record, field, parents):
        """One field of one version as people read it."""
        value = getattr(record, field.attname)
        if field.name == "path" and issubclass(record.instance_type, MP_Node):
            parent_path = value[: -record.instance_type.steplen] if value else ""
            if parent_path not in parents:
                parents[parent_path] = (
                    record.instance_type.objects.filter(path=parent_path).first() if parent_path else None
                )
            value = parents[parent_path]
        elif isinstance(field, models.ForeignKey) and value is not None:
            try:
                value = getattr(record, field.name)
            except field.related_model.DoesNotExist:
                value = DeletedObject(field.related_model, value)
        if value is None or value == "":
            return NO_VALUE
        if isinstance(value, DeletedObject):
            return pgettext("history", "%(kind)s no longer on record (no. %(pk)s)") % {
                "kind": value.model._meta.verbose_name,
                "pk": value.pk,
            }
        if isinstance(field, models.BooleanField):
            return pgettext("history", "Yes") if value else pgettext("history", "No")
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)


class ScopedAdmin(ReadableHistoryAdmin):
    """A changelist, its history pages and its choice lists limited to the administrator's
    subtree (rule O5). History is for reading: reverting would bypass the services
    (SIMPLE_HISTORY_REVERT_DISABLED)."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def _visible_or_404(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Rows written elsewhere (by their import KIND or on the pages, through the services):
    here they are read, in the administrator's subtree."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "scope_unit_lookup"):
            kwargs["queryset"] = scoped(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UnitForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        Unit.objects.order_by("path"), required=False, label=_("parent unit"), to_field_name="code"
    )

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "city_area", "credit_authority"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            self.fields["parent"].queryset = scoped(Unit.objects.order_by("path"), request.user)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.initial["parent"] = (
                Unit.objects.filter(path=self.instance.parent_path).values_list("code", flat=True).first()
            )

    def clean(self):
        super().clean()
        return validated_by(
            self, services.unit_validate, "kind", "parent", unit=self.instance if self.instance.pk else None
        )


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitForm
    list_display = ["indented_name", "code", "kind", "city_area", "credit_authority"]
    list_filter = ["kind", "city_area", "credit_authority"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    list_per_page = 100

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, unit):
        return "\u3000" * (unit.depth - 1) + unit.name

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in ["name", "kind", "parent", "city_area", "credit_authority"]}
        if change:
            services.unit_update(unit=Unit.objects.get(pk=obj.pk), actor=request.user, **values)
        else:
            form.instance = services.unit_create(code=form.cleaned_data["code"], actor=request.user, **values)

    def has_delete_permission(self, request, obj=None):
        return False  # units are history: a closed unit is moved or renamed, never deleted


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["unit", "code", "name", "parent"]

    def clean(self):
        super().clean()
        return validated_by(self, services.department_validate, "unit", "parent", department=self.instance)


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    form = DepartmentForm
    list_display = ["name", "code", "unit", "parent"]
    list_filter = ["unit__kind", "code"]
    search_fields = ["code", "name", "unit__code", "unit__name"]
    list_select_related = ["unit", "parent"]
    autocomplete_fields = ["unit"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "code"] if obj else []  # the key: a changed key would be another department

    def save_model(self, request, obj, form, change):
        # `obj` holds the form's values over the stored ones (the read-only key included).
        form.instance, _outcome = services.department_save(
            unit=obj.unit, code=obj.code, name=obj.name, parent=obj.parent, actor=request.user
        )


class EmployeePasswordForm(AdminPasswordChangeForm):
    """The admin's password form, saving through the service (who may set whose password)."""

    actor = None  # the administrator, set by EmployeeAdmin.user_change_password

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        return services.employee_password_set(user=self.user, password=password, actor=self.actor)


class EmployeeChangeForm(UserChangeForm):
    def clean(self):
        super().clean()
        return validated_by(self, services.employee_validate, "unit", "department")


class LeadershipMemberForm(forms.ModelForm):
    class Meta:
        model = LeadershipMember
        fields = ["unit", "member", "role"]

    def validate_unique(self):
        pass  # the service updates an existing seat instead of refusing it

    def clean(self):
        super().clean()
        return validated_by(self, services.leadership_member_validate, "unit", "member")


class RoleFilter(admin.SimpleListFilter):
    """The roles (Django groups) by their names for people, not their stable codes."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return list(Role.LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, group):
        return Role.LABELS.get(group.name, group.name)


@admin.register(User)
class EmployeeAdmin(UserAdmin, ScopedAdmin):
    form = EmployeeChangeForm
    list_display = ["username", "name", "unit", "position", "grade", "is_active"]
    list_filter = ["position", "grade", "manager_kind", "is_staff", "is_active", RoleFilter]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    search_fields = ["username", "name"]
    list_select_related = ["unit"]
    ordering = ["username"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        (None, {"fields": ["username", "password", "name"]}),
        (
            _("Post"),
            {
                "fields": [
                    "unit",
                    "department",
                    "position",
                    "manager_kind",
                    "grade",
                    "credit_manager",
                    "vip_area",
                ]
            },
        ),
        (_("Personal details"), {"fields": ["birth_date", "education", "title_level", "hired_on"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "name", "unit", "position", "password1", "password2"]})]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out access: a branch administrator must not widen their own scope.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["is_staff", "is_superuser", "groups", "user_permissions"]

    def has_change_permission(self, request, obj=None):
        # An account holding rights the administrator lacks is only shown, never changed.
        return super().has_change_permission(request, obj) and (obj is None or holds_rights_over(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        person = self.get_object(request, unquote(id))
        if person is None:
            raise Http404
        require_rights_over(request.user, person)
        self.change_password_form = type("PasswordForm", (EmployeePasswordForm,), {"actor": request.user})
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        services.employee_save(user=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # The form writes `groups` back as posted: give the roles of the post again after it.
        super().save_related(request, form, formsets, change)
        services.roles_sync([form.instance])


@admin.register(LeadershipMember)
class LeadershipMemberAdmin(ScopedAdmin):
    form = LeadershipMemberForm
    list_display = ["unit", "member", "role"]
    list_filter = ["role"]
    list_select_related = ["unit", "member"]
    autocomplete_fields = ["unit", "member"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "member"] if obj else []  # the key: another seat is added, not this one changed

    def save_model(self, request, obj, form, change):
        form.instance = services.leadership_member_set(
            unit=obj.unit, member=obj.member, role=obj.role, actor=request.user
        )
