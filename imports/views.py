"""Per-KIND files for the staff import page (runs.views): the template to fill in and the
current data in the import's own format. Each needs the permission of importing the KIND."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from .access import importable_kinds, may_import
from .engine import REGISTRY
from .exports import EXPORT_FORMATS, XLSX_TYPE

__all__ = ["importable_kinds", "kind_export", "kind_template"]  # importable_kinds: its old home


def kind_or_403(user, kind):
    if kind not in REGISTRY:
        raise Http404
    if not may_import(user, kind):
        raise PermissionDenied
    return kind


@login_required
def kind_template(request, kind):
    kind_or_403(request.user, kind)
    from .workbooks import template_workbook

    response = HttpResponse(template_workbook(kind), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


@login_required
def kind_export(request, kind):
    kind_or_403(request.user, kind)
    from .exports import kind_export_response  # built with the KIND exports of issue 6

    fmt = request.GET.get("format")
    return kind_export_response(kind, actor=request.user, fmt=fmt if fmt in EXPORT_FORMATS else "csv")
