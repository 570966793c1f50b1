"""The admin panel of the client registry: the tier-list administrators' daily tool.

Changelists and choice lists are scoped to the administrator's subtree (rule O5, ScopedAdmin);
every write goes through marketing.services, so the admin enforces the rules the pages, the API
and the imports enforce. Bulk loading is the shared import page (/admin/import/).
"""

import datetime

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import ReadableHistoryAdmin, ReadOnlyScopedAdmin, ScopedAdmin, validated_by
from imports.exports import table_response

from . import selectors, services
from .models import BusinessRequest, Client, ResponsibleOverride, SegmentThresholds, TierEntry

# The `tiers` import columns (INTERFACES.md): an export is a file the import page takes back.
TIER_COLUMNS = ["client_no", "tier", "owner_unit_code", "valid_from", "valid_to", "reason", "marketing_mode"]
TIER_EXPORT_FIELDS = [
    "client__client_no",
    "tier",
    "owner_unit__code",
    "valid_from",
    "valid_to",
    "reason",
    "marketing_mode",
]


# --- clients ---------------------------------------------------------------------------------


class TierEntryInline(admin.TabularInline):
    """The client's whole tier history (rule C2), read-only: entries are added and ended on the
    tier-list entries' own page."""

    model = TierEntry
    fields = ["tier", "owner_unit", "valid_from", "valid_to", "end_reason", "marketing_mode", "reason", "added_by"]
    readonly_fields = fields
    ordering = ["valid_from", "tier"]
    empty_value_display = "—"
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner_unit", "added_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


CLIENT_FORM_FIELDS = [
    "client_no",
    "name",
    "kind",
    "account_unit",
    "industry",
    "has_loan",
    "real_estate",
    "institution",
    "import_export",
    "sme_chain",
    "potential",
    "group_parent",
]


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = CLIENT_FORM_FIELDS

    actor = None  # the administrator, set by ClientAdmin.get_form

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        cleaned.setdefault("client_no", self.instance.client_no)
        return validated_by(self, self.validate, "client_no", "account_unit", "group_parent", actor=self.actor)

    @staticmethod
    def validate(*, client_no, account_unit, group_parent, actor):
        """Rules C1/O5 as the service checks them: reach, group parents (no loop)."""
        data = services.ClientData(
            client_no=client_no,
            name="",
            kind="",
            account_unit=account_unit,
            group_parent_no=group_parent.client_no if group_parent else None,
        )
        problems = services.clients_check([data], actor=actor).get(client_no)
        if problems:
            raise ValidationError(problems)


@admin.register(Client)
class ClientAdmin(ScopedAdmin):
    form = ClientForm
    list_display = ["client_no", "name", "kind", "account_unit", "industry", "has_loan"]
    list_filter = ["kind", "has_loan", "institution", "real_estate", "import_export", "sme_chain", "potential"]
    search_fields = ["client_no", "name"]
    list_select_related = ["account_unit"]
    autocomplete_fields = ["account_unit", "group_parent"]
    inlines = [TierEntryInline]
    fieldsets = [
        (None, {"fields": ["client_no", "name", "kind", "account_unit", "group_parent"]}),
        (
            _("Attributes"),
            {
                "fields": [
                    "industry",
                    "has_loan",
                    "real_estate",
                    "institution",
                    "import_export",
                    "sme_chain",
                    "potential",
                ]
            },
        ),
        (
            _("Responsible department (rule C5)"),
            {
                "fields": ["responsible_override", "responsible_override_reason"],
                "description": _("An override is set on the client's page, with its reason."),
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = ["responsible_override", "responsible_override_reason"]
        return readonly + ["client_no"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        parent = data.get("group_parent")
        services.clients_save(
            [
                services.ClientData(
                    client_no=obj.client_no,
                    name=data["name"],
                    kind=data["kind"],
                    account_unit=data["account_unit"],
                    industry=data["industry"],
                    has_loan=data["has_loan"],
                    real_estate=data["real_estate"],
                    institution=data["institution"],
                    import_export=data["import_export"],
                    sme_chain=data["sme_chain"],
                    potential=data["potential"],
                    group_parent_no=parent.client_no if parent else None,
                )
            ],
            actor=request.user,
        )
        obj.pk = Client.objects.values_list("pk", flat=True).get(client_no=obj.client_no)

    def has_delete_permission(self, request, obj=None):
        return False  # clients carry history, metrics and requests: never deleted


# --- tier-list entries (rules C2, C3, C7) ----------------------------------------------------


class InForceOnFilter(admin.SimpleListFilter):
    """Entries in force on a date: a few preset dates, or any YYYY-MM-DD in `?on=`."""

    title = _("in force on")
    parameter_name = "on"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        month_end = today.replace(day=1) - datetime.timedelta(days=1)
        quarter_end = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - datetime.timedelta(days=1)
        year_end = datetime.date(today.year - 1, 12, 31)
        presets = [
            (today, _("Today")),
            (month_end, _("End of last month")),
            (quarter_end, _("End of last quarter")),
            (year_end, _("End of last year")),
        ]
        choices, seen = [], set()
        for day, label in presets:
            if day not in seen:
                seen.add(day)
                choices.append((day.isoformat(), f"{label} ({day.isoformat()})"))
        value = self.value()
        if value and value not in {code for code, _label in choices}:
            choices.append((value, value))  # a date typed into the address: shown as chosen
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            on = datetime.date.fromisoformat(value)
        except ValueError:
            raise IncorrectLookupParameters(value) from None
        return queryset.filter(selectors.in_force(on))


def tier_entry_validate(*, actor, **values):
    """Rules C2/C3/C7 on one entry, as the service checks it before writing."""
    entry = services.TierEntryData(**values)
    if not services.tier_entries_check([entry], actor=actor):
        raise ValidationError(entry.problems)


class TierEntryForm(forms.ModelForm):
    actor = None  # the administrator, set by TierEntryAdmin.get_form

    class Meta:
        model = TierEntry
        fields = ["client", "tier", "owner_unit", "valid_from", "valid_to", "marketing_mode", "reason"]

    def clean(self):
        super().clean()
        return validated_by(
            self,
            tier_entry_validate,
            "client",
            "tier",
            "owner_unit",
            "valid_from",
            "valid_to",
            "reason",
            "marketing_mode",
            actor=self.actor,
        )


class EndEntriesForm(forms.Form):
    """The intermediate page of the "End selected entries…" action."""

    valid_to = forms.DateField(
        label=_("End date"),
        widget=AdminDateWidget,
        help_text=_("The last day the entries are in force (inclusive)."),
    )
    end_reason = forms.CharField(
        label=_("Reason for ending"),
        max_length=TierEntry._meta.get_field("end_reason").max_length,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Kept with each entry and shown in its history."),
    )


def truncated(text, length):
    """`text` cut to `length` characters, the whole of it on hover."""
    if len(text) <= length:
        return text
    return format_html('<span title="{}">{}…</span>', text, text[: length - 1])


@admin.register(TierEntry)
class TierEntryAdmin(ScopedAdmin):
    """Entries are added here (services.tier_entry_add) and ended by an action with a date and a
    reason, never edited or deleted: the list's history stays whole (rule C2)."""

    form = TierEntryForm
    change_list_template = "marketing/admin_tierentry_change_list.html"
    list_display = [
        "client_column",
        "tier",
        "owner_column",
        "from_column",
        "to_column",
        "marketing_mode",
        "reason_column",
        "added_by_column",
    ]
    list_display_links = ["client_column"]
    list_filter = [("owner_unit", admin.RelatedOnlyFieldListFilter), "tier", InForceOnFilter]
    search_fields = ["client__client_no", "client__name"]
    list_select_related = ["client", "owner_unit", "added_by"]
    autocomplete_fields = ["client", "owner_unit"]
    actions = ["end_entries", "export_csv", "export_xlsx"]
    ordering = ["client__client_no", "valid_from", "tier"]
    empty_value_display = "—"

    # Columns that keep the list readable at 1440 px (static/css/admin.css): no cell is squeezed
    # to a character per line, long text is cut with the whole of it on hover.

    @admin.display(description=_("client"), ordering="client__client_no")
    def client_column(self, entry):
        return format_html('{} <span class="nowrap">({})</span>', entry.client.name, entry.client.client_no)

    @admin.display(description=_("owner unit"), ordering="owner_unit__path")
    def owner_column(self, entry):
        return format_html('<span class="nowrap" title="{}">{}</span>', entry.owner_unit.code, entry.owner_unit.name)

    @admin.display(description=_("valid from"), ordering="valid_from")
    def from_column(self, entry):
        return entry.valid_from.isoformat()

    @admin.display(description=_("valid to"), ordering="valid_to")
    def to_column(self, entry):
        if entry.valid_to is None:
            return "—"
        if entry.end_reason:
            return format_html('<span title="{}">{}</span>', entry.end_reason, entry.valid_to.isoformat())
        return entry.valid_to.isoformat()

    @admin.display(description=_("reason"))
    def reason_column(self, entry):
        return truncated(entry.reason, 8)

    @admin.display(description=_("added by"), ordering="added_by__name")
    def added_by_column(self, entry):
        if entry.added_by is None:
            return "—"
        person = entry.added_by
        return format_html('<span class="nowrap" title="{}">{}</span>', person.username, person.name or person.username)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["end_reason", "added_by"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False  # an entry is only ended, by the action below
        return super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in TierEntryForm.Meta.fields}
        entry = services.tier_entry_add(actor=request.user, **values)
        obj.pk, obj.added_by = entry.pk, entry.added_by

    @admin.action(description=_("End selected entries…"), permissions=["change"])
    def end_entries(self, request, queryset):
        """An intermediate page asks for the end date and the reason; confirmed, each entry ends
        through the service, and what it refuses is told entry by entry."""
        entries = list(queryset.select_related("client", "owner_unit"))
        if "confirm" in request.POST:
            form = EndEntriesForm(request.POST)
            if form.is_valid():
                self.end(request, entries, form.cleaned_data["valid_to"], form.cleaned_data["end_reason"])
                return None  # back to the changelist, with the messages
        else:
            form = EndEntriesForm(initial={"valid_to": timezone.localdate()})
        context = {
            **self.admin_site.each_context(request),
            "title": _("End tier-list entries"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "entries": entries,
            "action_name": "end_entries",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "marketing/admin_tierentry_end.html", context)

    def end(self, request, entries, valid_to, reason):
        ended, unchanged, refused = 0, 0, []
        for entry in entries:
            if entry.valid_to is not None and entry.valid_to <= valid_to:
                unchanged += 1
                continue
            try:
                services.tier_entry_end(entry=entry, valid_to=valid_to, reason=reason, actor=request.user)
            except ValidationError as exc:
                refused.append(f"{entry}: {' '.join(exc.messages)}")
            else:
                ended += 1
        if ended:
            self.message_user(
                request,
                ngettext(
                    "%(count)d entry ends on %(date)s.",
                    "%(count)d entries end on %(date)s.",
                    ended,
                )
                % {"count": ended, "date": valid_to.isoformat()},
                messages.SUCCESS,
            )
        if unchanged:
            self.message_user(
                request,
                ngettext(
                    "%(count)d entry already ends by then: left as it is.",
                    "%(count)d entries already end by then: left as they are.",
                    unchanged,
                )
                % {"count": unchanged},
                messages.INFO,
            )
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    # --- exports in the `tiers` import format ---------------------------------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name=name)
        return [export, *super().get_urls()]

    def export_view(self, request, fmt):
        """Every entry the changelist's filters and search select (all pages), scoped (rule O5)."""
        if fmt not in ("csv", "xlsx"):
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{reverse('admin:marketing_tierentry_changelist')}?{ERROR_FLAG}=1")
        return self.export(changelist.get_queryset(request), fmt)

    def export(self, queryset, fmt):
        rows = queryset.order_by("client__client_no", "valid_from", "tier").values_list(*TIER_EXPORT_FIELDS)
        return table_response("tiers", TIER_COLUMNS, rows.iterator(), fmt)

    @admin.action(description=_("Export selected entries to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self.export(queryset, "csv")

    @admin.action(description=_("Export selected entries to Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self.export(queryset, "xlsx")


# --- segment thresholds (rule C4) ------------------------------------------------------------


class SegmentThresholdsForm(forms.ModelForm):
    actor = None  # the administrator, set by SegmentThresholdsAdmin.get_form

    class Meta:
        model = SegmentThresholds
        fields = ["valid_from", "private_min", "high_min", "mid_min"]

    def clean(self):
        super().clean()
        return validated_by(
            self, services.segment_thresholds_validate, "private_min", "high_min", "mid_min", actor=self.actor
        )


@admin.register(SegmentThresholds)
class SegmentThresholdsAdmin(ReadableHistoryAdmin):
    """Dated rows: a change of thresholds is a new row from its date, so past segments keep the
    thresholds of their day. The province keeps them (services.segment_thresholds_validate)."""

    form = SegmentThresholdsForm
    list_display = ["valid_from", "private_min", "high_min", "mid_min"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["valid_from"] if obj else []  # the key: thresholds from another date are another row

    def save_model(self, request, obj, form, change):
        form.instance = services.segment_thresholds_set(
            valid_from=obj.valid_from,
            private_min=obj.private_min,
            high_min=obj.high_min,
            mid_min=obj.mid_min,
            actor=request.user,
        )

    def has_delete_permission(self, request, obj=None):
        return False


# --- business requests (rule C8) -------------------------------------------------------------


@admin.register(BusinessRequest)
class BusinessRequestAdmin(ReadOnlyScopedAdmin):
    """Read-only: requests are recorded and accepted on the pages, through the services."""

    list_display = [
        "received_at",
        "client",
        "nature",
        "is_credit",
        "client_tier",
        "accepting_unit",
        "accepted_by",
        "accepted_at",
    ]
    list_filter = ["nature", "is_credit", "client_tier", ("accepting_unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["client__client_no", "client__name", "description"]
    list_select_related = ["client", "accepting_unit", "accepted_by"]
    date_hierarchy = "received_at"


@admin.register(ResponsibleOverride)
class ResponsibleOverrideAdmin(ReadOnlyScopedAdmin):
    """Rule C5's overrides on record (set on the client's page or admin, through the service): read."""

    list_display = ["client", "department", "reason", "by", "at"]
    list_filter = ["department"]
    search_fields = ["client__client_no", "client__name", "reason"]
    list_select_related = ["client", "by"]


# --- the rest of the admin in Chinese ----------------------------------------------------------

# django-axes names its app by its label only ("Axes"); its models' names come from our catalog.
apps.get_app_config("axes").verbose_name = _("Login throttling")
