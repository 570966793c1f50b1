from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    """Appraisal (SPEC.md §4): schemes, the quarterly batch, ratings, publication, appeals,
    bonus with the pay floor, and the department appraisal."""

    name = "appraisal"
    verbose_name = _("Appraisal")
