import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.actors import SYSTEM
from imports.access import may_import
from imports.engine import REGISTRY, ImportRejected, UsageError, run_import

PHASES = {
    "parse": gettext_lazy("reading"),
    "check": gettext_lazy("checking"),
    "write": gettext_lazy("writing"),
    "done": gettext_lazy("done"),
}


class TerminalProgress:
    """One line on a terminal's stderr, rewritten in place as the import goes: the report on
    stdout stays clean, and a redirected stderr gets none of it."""

    def __init__(self, stream):
        self.stream, self.shown = stream, False

    def __call__(self, done, total, phase):
        rows = f"{done:,}/{total:,}" if total else f"{done:,}"
        line = _("%(phase)s: %(rows)s rows") % {"phase": PHASES.get(phase, phase), "rows": rows}
        self.stream.write(f"\r{line}\033[K", ending="")
        self.stream.flush()
        self.shown = True

    def end(self):
        if self.shown:
            self.stream.write("")  # ends the progress line
            self.shown = False


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one KIND, whole or not at all (INTERFACES.md)."
    # A scheduled load runs it many times: the system checks (most of a second) are for migrate,
    # runserver and `manage.py check`, which a deployment runs anyway.
    requires_system_checks = []

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
        if kind in REGISTRY and not may_import(actor, kind):
            raise CommandError(f"{user} may not import {kind}", returncode=2)
        try:
            stream = file.open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from None
        progress = TerminalProgress(self.stderr) if self.stderr.isatty() else None
        try:
            with stream:
                try:
                    report = run_import(kind, stream, file.name, dry_run=dry_run, actor=actor, progress=progress)
                finally:
                    if progress:
                        progress.end()  # before the report or the errors
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            if exc.more:
                self.stderr.write(_("… and %(count)d more errors") % {"count": exc.more})
            self.stderr.write(
                _("%(file)s: rejected, nothing written (%(count)d errors)") % {"file": file.name, "count": exc.total}
            )
            sys.exit(1)
        self.stdout.write(str(report))
        for consequence in report.consequences:  # a dry run: what the file would change
            self.stdout.write(f"{consequence.title}:")
            for line in consequence.lines:
                self.stdout.write(f"  {line}")
            if consequence.more:
                self.stdout.write("  " + _("… and %(count)d more") % {"count": consequence.more})
