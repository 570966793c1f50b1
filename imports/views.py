"""The admin panel's upload page: the same engine as `manage.py import`."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import REGISTRY, ImportRejected, UsageError, run_import


def importable_kinds(user):
    """The KINDs `user` may import: those whose declared permissions they hold (undeclared: superusers)."""
    return sorted(
        kind for kind, importer in REGISTRY.items()
        if user.is_superuser or (importer.permissions and user.has_perms(importer.permissions))
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"))
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=gettext_lazy("Only check, write nothing"), required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, kind) for kind in kinds]


def import_upload(request):
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = run_import(
                form.cleaned_data["kind"], upload.read(), upload.name,
                dry_run=form.cleaned_data["dry_run"], actor=request.user,
            )
        except UsageError as exc:
            form.add_error("file", str(exc))
        except ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(request, str(report))
            return redirect("admin-import")
    context = {
        **admin.site.each_context(request),
        "title": _("Bulk import"),
        "form": form,
        "errors": errors,
        "columns": {kind: REGISTRY[kind].columns for kind in kinds},
    }
    return render(request, "imports/upload.html", context)
