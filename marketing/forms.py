"""Forms of the client pages: they only validate input; the services decide and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS

from .models import RequestNature


def department_choices():
    """The province's marketing departments of rule O2, by code (rule C5 names one of them)."""
    return [(code, f"{name} ({code})") for code, name in PROVINCE_MARKETING_DEPARTMENTS.items()]


class OnForm(forms.Form):
    """The date a page is about (`?on=YYYY-MM-DD`), today when absent or wrong."""

    on = forms.DateField(label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def date(self):
        if self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return timezone.localdate()


class ResponsibleOverrideForm(forms.Form):
    """Rule C5: override the computed responsible department, with the reason kept on record.
    The field names are the client's, so the service's errors land next to them."""

    responsible_override = forms.ChoiceField(
        label=_("Responsible department"),
        required=False,
        help_text=_("Leave empty to go back to the department the rules compute."),
    )
    responsible_override_reason = forms.CharField(
        label=_("Reason for the override"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_override"].choices = [("", _("As computed"))] + department_choices()


class BusinessRequestForm(forms.Form):
    """Rule C8: a client's business request, to be routed to the unit that accepts it."""

    nature = forms.ChoiceField(label=_("Nature"), choices=RequestNature.choices)
    is_credit = forms.BooleanField(label=_("Credit business"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300, widget=forms.TextInput(attrs={"size": 60}))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text=_("A credit request records its amount: it goes to the person whose authority covers it (rule A12)."),
    )
