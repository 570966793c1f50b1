"""Forms of the staffing pages: they parse and name fields; staffing.services judges (rules
A1–A10), and its refusals land next to the field they concern."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TeamRole
from .selectors import assignable_person


def show_refusal(form, exc, fields_of):
    """A service's refusal (ValidationError or PermissionDenied) on `form`: each message next to
    the field `fields_of` maps its name to, the rest above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            field = fields_of.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(exc) or _("You do not have the right to do this."))


# A browser's date field reads and writes YYYY-MM-DD, whatever the language's date format.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActorForm(forms.Form):
    """A form that knows who fills it: the override reason is asked only of those who may
    override (rule A10), and people are looked up in their reach (rule O5)."""

    fields_of = {}  # a service's field name → this form's field

    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 50}),
        help_text=_("Only where a rule of A1–A9 refuses the assignment; kept on record."),
    )

    def __init__(self, *args, actor, may_override, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if not may_override:
            del self.fields["override_reason"]

    def person(self, name):
        number = self.cleaned_data.get(name)
        if not number:
            return None
        found = assignable_person(actor=self.actor, employee_no=number)
        if found is None:
            self.add_error(name, _("No employee has the number %(no)s in your part of the bank.") % {"no": number})
        return found

    def refused(self, item):
        """Show the service's refusals of `item` (an AssignmentData) on this form's fields."""
        for name, message in item.problems.items():
            field = self.fields_of.get(name, name)
            self.add_error(field if field in self.fields else None, message)


class AssignForm(ActorForm):
    fields_of = {"employee": "employee_no"}
    employee_no = forms.CharField(label=_("Employee number"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    split = forms.DecimalField(label=_("Credit split (%)"), min_value=0, max_value=100, decimal_places=2)
    valid_from = forms.DateField(label=_("From"), widget=DATE)
    valid_to = forms.DateField(label=_("To (inclusive)"), required=False, widget=DATE)
    field_order = ["employee_no", "role", "split", "valid_from", "valid_to", "override_reason"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"valid_from": timezone.localdate(), "role": TeamRole.MEMBER, "split": 0})
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        self.cleaned_data["employee"] = self.person("employee_no")
        return self.cleaned_data


class HandOverForm(ActorForm):
    fields_of = {"employee": "to_employee_no", "valid_from": "on", "valid_to": "on", "role": None, "split": None}
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    to_employee_no = forms.CharField(label=_("Hand over to (employee number)"), max_length=150)
    on = forms.DateField(label=_("From"), widget=DATE)
    field_order = ["assignment", "to_employee_no", "on", "override_reason"]

    def clean(self):
        super().clean()
        self.cleaned_data["to"] = self.person("to_employee_no")
        return self.cleaned_data


class EndForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Last day"), widget=DATE)


class ReportForm(forms.Form):
    """The compliance page's question: a unit (by code) and a date."""

    unit = forms.CharField(label=_("Unit code"), required=False, max_length=32)
    on = forms.DateField(label=_("On"), required=False, widget=DATE)

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()
