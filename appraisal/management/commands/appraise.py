import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.actors import SYSTEM
from appraisal import rules, services
from runs.models import Run, RunStatus

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Start the quarterly appraisal batch (rule P4) through Celery; --wait shows its progress to the end."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="YYYYQn, for example 2010Q2")
        parser.add_argument("--wait", action="store_true", help="print the progress and wait for the end")
        parser.add_argument("--user", help="username recorded as the one who started it (default: the system)")

    def handle(self, *args, quarter, wait, user, **options):
        try:
            rules.Quarter.parse(quarter)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        actor = SYSTEM
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}", returncode=2)
        try:
            run = services.appraisal_run_start(quarter=quarter, actor=actor)
        except ValidationError as exc:
            raise CommandError(" ".join(_messages(exc)), returncode=1) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=2) from None
        if run.resumed:
            message = _("Run %(run)d of %(quarter)s resumed: its unfinished parts are sent again.")
        else:
            message = _("Run %(run)d of %(quarter)s started.")
        self.stdout.write(message % {"run": run.pk, "quarter": quarter})
        # Without a broker the run works in this process: it must stay until the run ends.
        if not (wait or settings.CELERY_TASK_ALWAYS_EAGER):
            return
        run = self.follow(run.pk, verbose=wait)
        self.stdout.write(run.summary)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(_("The run did not finish: %(status)s.") % {"status": run.get_status_display()})

    def follow(self, run_id, *, verbose):
        shown = None
        while True:
            run = Run.objects.get(pk=run_id)
            figures = (run.status, run.done, run.total)
            if verbose and figures != shown:
                self.stdout.write(
                    _("%(status)s: %(done)d/%(total)s managers")
                    % {"status": run.get_status_display(), "done": run.done, "total": run.total or "?"}
                )
                shown = figures
            if run.finished:
                return run
            time.sleep(POLL_SECONDS)


def _messages(error):
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return error.messages
