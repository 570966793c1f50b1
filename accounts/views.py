"""Pages of the organisation: thin — a selector reads, a template shows."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from imports.exports import table_response

from . import selectors
from .filters import EmployeeFilter
from .models import Position

PAGE_SIZE = 50
HISTORY_SIZE = 50


@login_required
def home(request):
    people = selectors.employee_list(user=request.user)
    return render(request, "accounts/home.html", {
        "unit": selectors.unit_home(user=request.user),
        "unit_counts": selectors.unit_counts_by_kind(user=request.user),
        "staff_total": people.count(),
        "managers_total": people.filter(position=Position.CUSTOMER_MANAGER).count(),
    })


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
        "series": [{"name": position.label, "data": [r["counts"][i] for r in rows]} for i, position in enumerate(positions)],
        "stacked": True,
        "unit": _("people"),
    }
    return render(request, "accounts/unit_tree.html", {
        "unit": unit,
        "trail": selectors.unit_trail(user=request.user, unit=unit),
        "positions": positions,
        "rows": rows,
        "totals": totals,
        "grand_total": sum(totals),
        "chart": chart if children else None,
        "departments": selectors.unit_departments(unit=unit),
        "leadership": selectors.unit_leadership(unit=unit),
    })


EMPLOYEE_COLUMNS = [
    "employee_no", "name", "unit_code", "position", "department_code", "manager_kind", "grade",
    "credit_manager", "vip_area", "birth_date", "education", "title_level", "hired_on",
]


def employee_export_row(person):
    return [
        person.username, person.name, person.unit.code if person.unit else "", person.position,
        person.department.code if person.department else "", person.manager_kind, person.grade,
        int(person.credit_manager), int(person.vip_area), person.birth_date, person.education,
        person.title_level, person.hired_on,
    ]


@login_required
def employee_list(request):
    filterset = EmployeeFilter(request.GET, queryset=selectors.employee_list(user=request.user), request=request)
    people = filterset.qs
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return table_response("employees", EMPLOYEE_COLUMNS, (employee_export_row(p) for p in people.iterator()), export)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/employee_list.html", {
        "filter": filterset, "page": page, "query": query.urlencode(),
    })


@login_required
def employee_detail(request, employee_no):
    person = selectors.employee_get(user=request.user, employee_no=employee_no)
    history = selectors.employee_history(person=person, limit=HISTORY_SIZE)
    return render(request, "accounts/employee_detail.html", {"person": person, "history": history})
