from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    """Staffing and assignment (SPEC.md §3): qualifications, relationship teams, compliance."""

    name = "staffing"
    verbose_name = _("Staffing")

    def ready(self):
        from marketing.models import BusinessRequest

        from . import visibility

        visibility.register()
        from imports.engine import on_dry_run

        from .consequences import breaches_probe

        for kind in ("tiers", "metrics"):  # what a dry run of their files would do to the report
            on_dry_run(kind, breaches_probe)
        post_save.connect(route_credit_request, sender=BusinessRequest, dispatch_uid="staffing-credit-routing")


def route_credit_request(sender, instance, created, **kwargs):
    """Rule A12: a credit request recorded (by whichever door) goes to the person whose
    authority covers it; marketing records the request, staffing knows the team."""
    if created and instance.is_credit and instance.amount is not None:
        from accounts.actors import SYSTEM

        from . import services

        services.credit_request_route(instance, actor=SYSTEM)
