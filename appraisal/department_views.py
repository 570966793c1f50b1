"""Pages of the department appraisal (rules P7, C9–C11): thin — appraisal.departments reads
(scoped, rule O5) and writes (with the actor), the forms only parse, the templates show."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS

from . import departments, rules
from .models import Milestone

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)


class QuarterForm(forms.Form):
    quarter = forms.CharField(label=gettext_lazy("Quarter"), max_length=6, help_text="YYYYQn")

    def clean_quarter(self):
        try:
            return rules.Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class MilestoneForm(forms.Form):
    """Record a city branch's milestone (rule C11); departments.milestone_record_set judges."""

    city = forms.ModelChoiceField(queryset=None, label=gettext_lazy("City branch"), to_field_name="code")
    milestone = forms.ChoiceField(choices=Milestone.choices, label=gettext_lazy("Milestone"))
    done_on = forms.DateField(label=gettext_lazy("Done on"), required=False, widget=DATE)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


def _year(request, default):
    """(the form, the year asked for); `default()` answers the year when none is asked for."""
    form = YearForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["year"]
    if not request.GET or "year" not in request.GET:
        year = default()
        return YearForm(initial={"year": year}), year
    return form, None


@login_required
def plan_page(request):
    """Rule C9 and P7: plan completion and score per responsible department of a year (the
    province's staff and superusers), each department drilled down to its clients."""
    years = departments.plan_years(user=request.user)
    form, year = _year(request, lambda: departments.default_plan_year(user=request.user, years=years))
    allowed = departments.sees_plans(request.user)
    plans = departments.plan_completion(user=request.user, year=year) if allowed and year else []
    return render(
        request,
        "appraisal/departments/plans.html",
        {"form": form, "year": year, "years": years, "plans": plans, "allowed": allowed},
    )


@login_required
def plan_detail(request, code):
    """The drill-down of rule C9: a department's clients in a year's plan, paged."""
    if code not in PROVINCE_MARKETING_DEPARTMENTS:
        raise Http404
    if not departments.sees_plans(request.user):
        raise PermissionDenied(_("The plan completion of the province's departments is for the province's staff."))
    form, year = _year(request, lambda: departments.default_plan_year(user=request.user))
    page, rows = None, []
    if year:
        numbers = departments.plan_clients(user=request.user, year=year, department=code)
        page = Paginator(numbers, departments.CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
        rows = departments.plan_client_rows(
            user=request.user, year=year, department=code, client_nos=list(page.object_list)
        )
    return render(
        request,
        "appraisal/departments/plan_detail.html",
        {
            "form": form,
            "year": year,
            "code": code,
            "name": departments.department_name(code),
            "page": page,
            "rows": rows,
            "query": f"year={year}" if year else "",
        },
    )


@login_required
def shadow_page(request):
    """Rule C10 and P7: the shadow credit of the city-branch departments of a quarter, the
    account branches where the same results stay, and the direct-marketing expense."""
    form = QuarterForm(request.GET or None)
    quarter = None
    if request.GET and form.is_valid():
        quarter = form.cleaned_data["quarter"]
    elif "quarter" not in request.GET:
        default = departments.default_quarter()
        form, quarter = QuarterForm(initial={"quarter": str(default)}), default
    shadows = departments.shadow_credit(user=request.user, quarter=quarter) if quarter else []
    return render(
        request,
        "appraisal/departments/shadow.html",
        {"form": form, "quarter": quarter, "shadows": shadows},
    )


@login_required
def timeline_page(request):
    """Rule C11: every city branch the person sees × the policy's milestones, late ones marked;
    those with the right record a milestone here."""
    form, year = _year(request, lambda: departments.default_timeline_year(user=request.user))
    cities = departments.may_record_cities(actor=request.user)
    record_form = None
    if cities.exists():
        record_form = MilestoneForm(request.POST or None, cities=cities)
        if request.method == "POST" and record_form.is_valid():
            data = record_form.cleaned_data
            try:
                departments.milestone_record_set(
                    city=data["city"],
                    year=year or timezone.localdate().year,
                    milestone=data["milestone"],
                    done_on=data["done_on"],
                    note=data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                record_form.add_error(None, exc.messages)
            except PermissionDenied as exc:
                record_form.add_error(None, str(exc) or _("You do not have the right to do this."))
            else:
                messages.success(request, _("The milestone was recorded."))
                return redirect(f"{reverse('departments-timeline')}?year={year}")
    elif request.method == "POST":
        raise PermissionDenied
    rows = departments.timeline(user=request.user, year=year) if year else []
    return render(
        request,
        "appraisal/departments/timeline.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "milestones": Milestone.choices,
            "record_form": record_form,
            "late": sum(1 for _city, steps in rows for step in steps if step.late),
        },
    )
