from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """Staffing and assignment (SPEC.md §3): its models, rules and pages come with a later issue."""

    name = "staffing"
    verbose_name = _("Staffing")
