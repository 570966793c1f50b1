from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    """Appraisal (SPEC.md §4): schemes, the quarterly batch, ratings, publication, appeals,
    bonus with the pay floor, and the department appraisal."""

    name = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self):
        from runs.kinds import register_kind

        from .services import RUN_KIND

        register_kind(RUN_KIND, _("Quarterly appraisal"))
