"""Rule O5 widened by the teams: a person also sees the clients on whose team they are today,
wherever those clients bank, with the clients' named-list entries, figures, requests and teams
(accounts.scoping.also_visible). Nothing else of the unit where such a client banks."""

from django.db.models import Max, Q
from django.utils import timezone

from accounts.scoping import also_visible, scope_prefix
from bankops.dated import in_force
from marketing.models import BusinessRequest, Client, ClientMetric, TierEntry

from .models import Assignment


def served_elsewhere(user):
    """The ids of the clients on whose team `user` is today and that bank outside their subtree
    (those inside they see anyway): a list, kept on the user object (one query a request)."""
    if not hasattr(user, "_served_elsewhere"):
        served = Assignment.objects.filter(in_force(timezone.localdate()), employee=user).exclude(
            client__account_unit__path__startswith=scope_prefix(user)
        )
        user._served_elsewhere = sorted(set(served.values_list("client_id", flat=True)))
    return user._served_elsewhere


def widening(lookup):
    """The also_visible condition over `lookup` (the client's id): None for someone who serves
    no client outside their subtree, so that their reads are the plain subtree's."""

    def condition(user):
        ids = served_elsewhere(user)
        return Q(**{f"{lookup}__in": ids}) if ids else None

    return condition


def teams_stamp(user):
    """Changes whenever the person's assignments do (their history only grows)."""
    return Assignment.history.filter(employee_id=user.pk).aggregate(last=Max("history_id"))["last"]


def register():
    also_visible(Client, widening("pk"), stamp=teams_stamp)
    for model in (ClientMetric, TierEntry, BusinessRequest, Assignment):
        also_visible(model, widening("client"), stamp=teams_stamp)
