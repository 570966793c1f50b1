"""Overrides: the shared kit of every rule a person may override with a written reason.

`OverrideRecord` is the abstract record — the rule, the reason, who and when — that each app
extends with what the override concerned: staffing.Override (an assignment's refusal under
A1–A9: the client, the person, the assignment, what the rule said) and
marketing.ResponsibleOverride (a client's responsible department under C5). Records are only
added: an override ended or replaced is a new record, so the trail stays whole.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def reason_constraint(name):
    """The CHECK that an override carries its reason."""
    return models.CheckConstraint(condition=~Q(reason=""), name=name)


class OverrideRecord(models.Model):
    rule = models.CharField(_("rule"), max_length=8)
    reason = models.CharField(_("reason for the override"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True
