from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """Staffing and assignment (SPEC.md §3): qualifications, relationship teams, compliance."""

    name = "staffing"
    verbose_name = _("Staffing")

    def ready(self):
        from . import visibility

        visibility.register()
