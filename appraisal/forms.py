"""Forms of the appraisal pages: they parse and name fields; appraisal.services judges (rules
P4, P5, P9), and its refusals land next to the field they concern (staffing.forms.show_refusal)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.scoping import scoped

from .models import Rating
from .rules import RATINGS

# Units offered in a unit select: the province, its city branches and their sub-branches (a
# few hundred at most), plus the person's own unit wherever it lies.
UNIT_SELECT_DEPTH = 3
BANDS = [*(f"{low}–{low + 10}" for low in range(0, 100, 10)), "≥100"]  # totals reach 140 (caps of 1.5)


class UnitChoiceField(forms.ModelChoiceField):
    """A unit of the person's subtree (rule O5), chosen by its code, indented by its depth."""

    def label_from_instance(self, obj):
        return "\u3000" * max(0, obj.depth - self.top) + f"{obj.name} ({obj.code})"


def subtree_units(user, *, max_depth=UNIT_SELECT_DEPTH, min_depth=1):
    units = scoped(Unit.objects.all(), user).filter(depth__gte=min_depth)
    own_depth = user.unit.depth if getattr(user, "unit_id", None) else 1
    return units.filter(depth__lte=max(max_depth, own_depth)).order_by("path")


def unit_field(user, *, label, required=False, **depths):
    field = UnitChoiceField(
        queryset=subtree_units(user, **depths),
        to_field_name="code",
        label=label,
        required=required,
        empty_label=_("— my part of the bank —") if not required else None,
    )
    field.top = user.unit.depth if getattr(user, "unit_id", None) else 1
    return field


def quarter_field(quarters):
    return forms.ChoiceField(label=_("Quarter"), choices=[(q, q) for q in quarters])


class RankingForm(forms.Form):
    """The ranking's question: a quarter having results and a unit of the person's subtree."""

    def __init__(self, *args, user, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"] = quarter_field(quarters)
        self.fields["unit"] = unit_field(user, label=_("Unit"))


class ApprovalFilterForm(forms.Form):
    """The approval queue's question: a quarter and a city branch of the person's subtree."""

    def __init__(self, *args, user, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"] = quarter_field(quarters)
        self.fields["city"] = unit_field(user, label=_("City branch"), required=True, min_depth=2, max_depth=2)
        self.fields["city"].queryset = self.fields["city"].queryset.filter(depth=2)


class GroupedDecimalField(forms.DecimalField):
    """A decimal typed as people write money, thousands grouped by commas ("5,000,000")."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").strip()
        return super().to_python(value)


class BonusForm(forms.Form):
    """The bonus allocation's question: a quarter, a unit within a city branch and the pool."""

    pool = GroupedDecimalField(
        label=_("Bonus pool (yuan)"),
        min_value=0,
        max_digits=16,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 16}),
    )

    def __init__(self, *args, user, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"] = quarter_field(quarters)
        self.fields["unit"] = unit_field(user, label=_("Unit"), required=True, min_depth=2)
        self.order_fields(["quarter", "unit", "pool"])

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if unit is not None and unit.depth < 2:
            raise forms.ValidationError(_("Choose a city branch or a unit within one: the pay floor is a city's."))
        return unit


class RunStartForm(forms.Form):
    quarter = forms.CharField(
        label=_("Quarter"),
        max_length=20,
        help_text=_("YYYYQn, for example 2026Q1."),
        widget=forms.TextInput(attrs={"size": 8, "placeholder": "2026Q1"}),
    )


class AppealForm(forms.Form):
    result = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("What you appeal and why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


def neighbours(by_rank, current):
    """Where a calibration may move a rating (rule P9): one step up or down from the rating by
    rank, or back to it; never where it stands."""
    if by_rank not in RATINGS:
        return []
    index = RATINGS.index(by_rank)
    return [RATINGS[i] for i in (index - 1, index, index + 1) if 0 <= i < len(RATINGS) and RATINGS[i] != current]


class CalibrationForm(forms.Form):
    """One row's calibration: a rating one step away and the reason (rule P9). The row's result
    travels beside it (a plain `result` field), the form prefixed by it."""

    rating = forms.ChoiceField(label=_("New rating"))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput(attrs={"size": 30}))

    def __init__(self, *args, by_rank, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [("", "—")] + [(r, Rating(r).label) for r in neighbours(by_rank, current)]


class DecideForm(forms.Form):
    """The leadership group's decision on an appeal (rule P5)."""

    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Uphold the appeal")), ("no", _("Reject the appeal: the result stands"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("Decision and its reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 40})
    )
    qualitative = forms.DecimalField(
        label=_("New qualitative score (0–100, optional)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        max_digits=5,
        widget=forms.TextInput(attrs={"size": 6, "inputmode": "decimal"}),
    )
