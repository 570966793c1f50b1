from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """The client registry (SPEC.md §2): clients, named lists, monthly figures, requests."""

    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self):
        from imports.engine import on_dry_run

        from .consequences import standing_probe

        for kind in ("tiers", "metrics"):  # what a dry run of their files would change
            on_dry_run(kind, standing_probe)
