import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.actors import SYSTEM
from imports.engine import REGISTRY, ImportRejected, UsageError, run_import


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one KIND, whole or not at all (INTERFACES.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="one of: " + ", ".join(sorted(REGISTRY)))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--user", help="username recorded as the author of the changes")

    def handle(self, *args, kind, file, dry_run, user, **options):
        actor = SYSTEM  # an operator at the shell reaches the whole bank
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}", returncode=2)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from None
        try:
            report = run_import(kind, content, file.name, dry_run=dry_run, actor=actor)
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(_("%(file)s: rejected, nothing written (%(count)d errors)") % {
                "file": file.name, "count": len(exc.errors)})
            sys.exit(1)
        self.stdout.write(str(report))
