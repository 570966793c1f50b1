"""What a dry run of a `tiers` or `metrics` file would change of its clients' standing: the
clients whose tier, segment or responsible department on today's date differ once the file is
written (inside the dry run's transaction, before its rollback). Registered with the import
engine (imports.engine.on_dry_run) by MarketingConfig.ready."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS
from imports.engine import Consequence

from .models import Client, Segment, Tier
from .selectors import with_standing

SHOWN = 50  # lines of a consequence shown; the rest are counted
FIELDS = ("tier", "segment", "responsible_department")


def standing_of(clients, on):
    """client_no → (tier, segment, responsible department) on `on` of `clients` (ids or a
    query of them), computed from the sources as they stand in this transaction."""
    rows = with_standing(Client.objects.filter(pk__in=clients), on=on).values_list("client_no", *FIELDS)
    return {number: tuple(values) for number, *values in rows}


def shown(name, value):
    if not value:
        return "—"
    if name == "tier":
        return str(Tier(value).label)
    if name == "segment":
        return str(Segment(value).label)
    return f"{PROVINCE_MARKETING_DEPARTMENTS.get(value, value)} ({value})"


def standing_probe(importer, stage):
    """The engine's dry-run probe for the KINDs tiers and metrics (their importers name the
    clients a file touches: affected_clients)."""
    on = timezone.localdate()
    clients = importer.affected_clients(stage)
    before = standing_of(clients, on)

    def finish():
        labels = {"tier": _("tier"), "segment": _("segment"), "responsible_department": _("responsible department")}
        lines = []
        for number, now in sorted(standing_of(clients, on).items()):
            then = before.get(number, (None,) * len(FIELDS))
            changed = [
                f"{labels[name]} {shown(name, old)} → {shown(name, new)}"
                for name, old, new in zip(FIELDS, then, now, strict=True)
                if old != new
            ]
            if changed:
                lines.append(f"{number}: " + "; ".join(changed))
        title = _("Clients whose tier, segment or responsible department would change on %(on)s") % {"on": on}
        return [Consequence(title, lines[:SHOWN] or [_("none")], max(0, len(lines) - SHOWN))]

    return finish
