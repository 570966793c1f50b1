from django import forms
from django.utils.translation import gettext_lazy as _

from imports.engine import REGISTRY, kind_name

from .kinds import OTHER_KINDS
from .models import IMPORT_PREFIX, RunStatus


def kind_label(kind):
    """A KIND of import, or another kind of run (runs.kinds), by the name bank staff use."""
    return OTHER_KINDS.get(kind) or kind_name(kind)


class ImportStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Only check, write nothing"), required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, kind_label(kind)) for kind in kinds]


class RunFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *RunStatus.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All"))] + [(IMPORT_PREFIX + kind, kind_label(kind)) for kind in REGISTRY]
