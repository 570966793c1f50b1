from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo bank of `manage.py seed_demo`: it builds on every other app, so it comes last."""

    name = "demo"
    verbose_name = _("Demo bank")
