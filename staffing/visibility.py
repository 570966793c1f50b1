"""Rule O5 widened by the teams: a person also sees the clients on whose team they are today,
wherever those clients bank, with the clients' named-list entries, figures, requests and teams
(accounts.scoping.also_visible). Nothing else of the unit where such a client banks."""

from django.db.models import Max, Q
from django.utils import timezone

from accounts.scoping import also_visible
from bankops.dated import in_force
from marketing.models import BusinessRequest, Client, ClientMetric, TierEntry

from .models import Assignment


def served_clients(user):
    """The ids of the clients on whose team `user` is today (a subquery)."""
    return Assignment.objects.filter(in_force(timezone.localdate()), employee=user).values("client_id")


def teams_stamp(user):
    """Changes whenever the person's assignments do (their history only grows)."""
    return Assignment.history.filter(employee_id=user.pk).aggregate(last=Max("history_id"))["last"]


def register():
    also_visible(Client, lambda user: Q(pk__in=served_clients(user)), stamp=teams_stamp)
    for model in (ClientMetric, TierEntry, BusinessRequest, Assignment):
        also_visible(model, lambda user: Q(client__in=served_clients(user)), stamp=teams_stamp)
