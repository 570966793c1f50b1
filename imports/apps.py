from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Bulk import")

    def ready(self):
        # Each app declares its KINDs in importers.py; the engine only collects them.
        autodiscover_modules("importers")
