"""`python manage.py compliance [--unit CODE] [--on DATE] [--format json|text]` (INTERFACES.md):
the staffing compliance report (rules O3, S1–S9, A1–A10) of a unit's subtree, as the system."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.actors import SYSTEM
from accounts.models import Unit
from imports import parsers
from staffing import compliance


class Command(BaseCommand):
    help = "Print the staffing compliance report (rules O3, S1–S9, A1–A10) of a unit's subtree on a date."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="the unit's code (default: the whole bank)")
        parser.add_argument("--on", help="the date, YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, unit=None, on=None, format="text", **options):
        try:
            day = parsers.date(on) if on else timezone.localdate()
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        try:
            chosen = compliance.report_unit(user=SYSTEM, code=unit)
        except Unit.DoesNotExist:
            raise CommandError(f"No unit has the code {unit}.") from None
        found = compliance.report(user=SYSTEM, on=day, unit=chosen)
        if format == "json":
            self.stdout.write(json.dumps([breach.as_dict() for breach in found], ensure_ascii=False, indent=2))
            return
        for breach in found:
            subject = " ".join(filter(None, [breach.unit_code, breach.employee_no, breach.client_no]))
            mark = " [overridden]" if breach.overridden else ""
            self.stdout.write(f"{breach.rule:4} {subject}: {breach.message}{mark}")
        self.stdout.write(f"{len(found)} breaches on {day.isoformat()}.")
