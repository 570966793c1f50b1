from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Clients and tier lists (SPEC.md §2): its models, rules and pages come with a later issue."""

    name = "marketing"
    verbose_name = _("Marketing")
