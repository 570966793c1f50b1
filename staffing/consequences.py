"""What a dry run of a `tiers` or `metrics` file would do to the compliance report: the
breaches of its clients' rules (A1–A6, A9, A10) and of the city-area outlets (S3, by their
corporate deposits) that would appear or clear on today's date — a client moving up to the
province list whose lead is now too junior under A1/A2, say. Registered with the import engine
(imports.engine.on_dry_run) by StaffingConfig.ready."""

from django.utils import timezone
from django.utils.translation import gettext as _

from imports.engine import Consequence
from marketing.consequences import SHOWN

from . import compliance


def identity(breach):
    return (breach.rule, breach.unit_code, breach.employee_no, breach.client_no)


def snapshot(clients, on):
    found = compliance.breaches("", on, clients=clients) + compliance.breaches("", on, only={"S3"})
    return {identity(breach): breach for breach in found}


def line(breach):
    subject = " ".join(filter(None, [breach.client_no or breach.unit_code, breach.employee_no]))
    return f"{breach.rule} {subject}: {breach.message}"


def breaches_probe(importer, stage):
    on = timezone.localdate()
    clients = importer.affected_clients(stage)
    before = snapshot(clients, on)

    def finish():
        after = snapshot(clients, on)
        appear = [line(after[key]) for key in after if key not in before]
        clear = [line(before[key]) for key in before if key not in after]
        return [
            Consequence(
                _("Compliance breaches that would appear on %(on)s") % {"on": on},
                appear[:SHOWN] or [_("none")],
                max(0, len(appear) - SHOWN),
            ),
            Consequence(
                _("Compliance breaches that would clear on %(on)s") % {"on": on},
                clear[:SHOWN] or [_("none")],
                max(0, len(clear) - SHOWN),
            ),
        ]

    return finish
