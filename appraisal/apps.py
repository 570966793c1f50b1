from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    """Appraisal (SPEC.md §4): its models, rules and pages come with a later issue."""

    name = "appraisal"
    verbose_name = _("Appraisal")
