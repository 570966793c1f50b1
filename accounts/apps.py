from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        # A login is no change of the person: its time is written without a history record
        # (last_login is not in the history), so the history shows changes only and what is
        # kept under its newest record (the compliance report's cache) survives a login.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_login, dispatch_uid="accounts-record-login")


def record_login(sender, user, **kwargs):
    from django.utils import timezone

    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now())
