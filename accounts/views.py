"""Pages of the organisation: thin — a selector reads, a template shows."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from imports.exports import label_of, report_filename, requested_format, table_response, yes_no

from . import selectors
from .filters import EmployeeFilter
from .models import Education, Grade, ManagerKind, Position, TitleLevel

PAGE_SIZE = 50
HISTORY_SIZE = 50


@login_required
def home(request):
    people = selectors.employee_list(user=request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "unit": selectors.unit_home(user=request.user),
            "unit_counts": selectors.unit_counts_by_kind(user=request.user),
            "staff_total": people.count(),
            "managers_total": people.filter(position=Position.CUSTOMER_MANAGER).count(),
        },
    )


@login_required
def unit_tree(request, code=None):
    if code is None:
        unit = selectors.unit_home(user=request.user)
        if unit is None:
            raise Http404
        return redirect("unit-tree", code=unit.code)
    unit = selectors.unit_get(user=request.user, code=code)
    children = list(selectors.unit_children(unit=unit))
    counts = selectors.staff_counts_by_branch(unit=unit, user=request.user)
    positions = list(Position)

    def row(path, label_unit, own):
        by_position = counts.get(path, {})
        return {
            "unit": label_unit,
            "own": own,
            "counts": [by_position.get(position, 0) for position in positions],
            "total": sum(by_position.values()),
        }

    rows = [row(unit.path, unit, True)] + [row(child.path, child, False) for child in children]
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(positions))]
    chart = {
        "categories": [_("This unit's own staff") if r["own"] else r["unit"].name for r in rows],
        "series": [
            {"name": position.label, "data": [r["counts"][i] for r in rows]} for i, position in enumerate(positions)
        ],
        "stacked": True,
        "unit": _("people"),
    }
    return render(
        request,
        "accounts/unit_tree.html",
        {
            "unit": unit,
            "trail": selectors.unit_trail(user=request.user, unit=unit),
            "positions": positions,
            "rows": rows,
            "totals": totals,
            "grand_total": sum(totals),
            "chart": chart if children else None,
            "departments": selectors.unit_departments(unit=unit),
            "leadership": selectors.unit_leadership(unit=unit),
        },
    )


# The people list as a report (the `employees` import file is imports.exports.kind_export).
EMPLOYEE_REPORT_COLUMNS = [
    pgettext_lazy("export column", "Employee no."),
    pgettext_lazy("export column", "Name"),
    pgettext_lazy("export column", "Unit code"),
    pgettext_lazy("export column", "Unit"),
    pgettext_lazy("export column", "Department code"),
    pgettext_lazy("export column", "Department"),
    pgettext_lazy("export column", "Position"),
    pgettext_lazy("export column", "Manager kind"),
    pgettext_lazy("export column", "Grade"),
    pgettext_lazy("export column", "Credit manager"),
    pgettext_lazy("export column", "VIP exclusive area"),
    pgettext_lazy("export column", "Birth date"),
    pgettext_lazy("export column", "Education"),
    pgettext_lazy("export column", "Professional title"),
    pgettext_lazy("export column", "Hired on"),
]
EMPLOYEE_REPORT_FIELDS = (
    "username",
    "name",
    "unit__code",
    "unit__name",
    "department__code",
    "department__name",
    "position",
    "manager_kind",
    "grade",
    "credit_manager",
    "vip_area",
    "birth_date",
    "education",
    "title_level",
    "hired_on",
)


def employee_report_rows(people):
    """The people as the report shows them: names beside codes, labels, 是/否; one streamed query."""
    position, manager_kind, grade = label_of(Position), label_of(ManagerKind), label_of(Grade)
    education, title_level = label_of(Education), label_of(TitleLevel)
    for (
        number,
        name,
        unit_code,
        unit_name,
        department_code,
        department_name,
        post,
        kind,
        level,
        credit_manager,
        vip_area,
        birth_date,
        schooling,
        title,
        hired_on,
    ) in people.values_list(*EMPLOYEE_REPORT_FIELDS).iterator():
        yield [
            number,
            name,
            unit_code,
            unit_name,
            department_code,
            department_name,
            position(post),
            manager_kind(kind),
            grade(level),
            yes_no(credit_manager),
            yes_no(vip_area),
            birth_date,
            education(schooling),
            title_level(title),
            hired_on,
        ]


@login_required
def employee_list(request):
    filterset = EmployeeFilter(request.GET, queryset=selectors.employee_list(user=request.user), request=request)
    people = filterset.qs
    if export := requested_format(request, filterset):
        filename = report_filename(pgettext("export file", "people"))
        return table_response(filename, EMPLOYEE_REPORT_COLUMNS, employee_report_rows(people), export)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/employee_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def employee_detail(request, employee_no):
    person = selectors.employee_get(user=request.user, employee_no=employee_no)
    history = selectors.employee_history(person=person, limit=HISTORY_SIZE)
    return render(request, "accounts/employee_detail.html", {"person": person, "history": history})
