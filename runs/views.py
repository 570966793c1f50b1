"""The staff import page and the runs it starts: thin — a service starts, selectors read."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.access import importable_kinds
from imports.engine import REGISTRY

from . import selectors, services
from .forms import ImportStartForm, RunFilterForm, kind_label
from .models import RunStatus

PAGE_SIZE = 50

PHASE_LABELS = {
    "": "",
    "wait": gettext_lazy("waiting for the import before it"),
    "parse": gettext_lazy("reading the file"),
    "check": gettext_lazy("checking the rows"),
    "write": gettext_lazy("writing"),
    "done": gettext_lazy("finishing"),
}


def kinds_or_403(user):
    """The KINDs `user` may import; refused when there are none (the pages are theirs alone)."""
    kinds = importable_kinds(user)
    if not kinds:
        raise PermissionDenied
    return kinds


def kind_columns(kind):
    importer = REGISTRY[kind]
    return [
        {"name": column.name, "label": importer.column_label(column.name), "required": column.required}
        for column in importer.columns
    ]


@login_required
def import_start(request):
    kinds = kinds_or_403(request.user)
    chosen = request.POST.get("kind") or request.GET.get("kind")
    chosen = chosen if chosen in kinds else kinds[0]
    form = ImportStartForm(request.POST or None, request.FILES or None, kinds=kinds, initial={"kind": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_run_start(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("run-detail", pk=run.pk)
    return render(
        request,
        "runs/import_start.html",
        {
            "form": form,
            "chosen": chosen,
            "kinds": [{"kind": kind, "label": kind_label(kind), "columns": kind_columns(kind)} for kind in kinds],
        },
    )


@login_required
def run_list(request):
    kinds_or_403(request.user)
    filters = RunFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    runs = selectors.run_list(user=request.user, kind=chosen.get("kind"), status=chosen.get("status"))
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        present(run)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "runs/run_list.html", {"filters": filters, "page": page, "query": query.urlencode()})


def present(run):
    """Labels of a run for a template."""
    run.kind_label = kind_label(run.import_kind or run.kind)
    run.status_label = RunStatus(run.status).label
    run.phase_label = PHASE_LABELS.get(run.phase, run.phase)
    return run


@login_required
def run_detail(request, pk):
    kinds_or_403(request.user)
    run = present(selectors.run_get(user=request.user, pk=pk))
    importer = REGISTRY.get(run.import_kind)
    errors = [
        {**error, "column_label": importer.column_label(error["column"]) if importer and error["column"] else ""}
        for error in run.errors
    ]
    return render(
        request,
        "runs/run_detail.html",
        {
            "run": run,
            "errors": errors,
            "waiting": selectors.run_is_waiting(run),
        },
    )


@login_required
def run_progress(request, pk):
    kinds_or_403(request.user)
    run = present(selectors.run_get(user=request.user, pk=pk))
    waiting = selectors.run_is_waiting(run)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": str(run.status_label),
            "phase": run.phase,
            "phase_label": str(PHASE_LABELS["wait"] if waiting else run.phase_label),
            "done": run.done,
            "total": run.total,
            "percent": run.percent,
            "waiting": waiting,
            "finished": run.finished,
        }
    )


@login_required
def run_file(request, pk):
    kinds_or_403(request.user)
    run = selectors.run_get(user=request.user, pk=pk)
    if not run.file:
        raise Http404
    try:
        content = run.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this run is no longer kept.")) from None
    return FileResponse(content, as_attachment=True, filename=run.filename or run.file.name)
