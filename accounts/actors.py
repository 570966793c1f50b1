"""Who does a write: every service takes a required `actor` and checks it here (rule O5).

An actor is a person (a `User`) or `SYSTEM`, the explicit actor of commands, tasks and
migrations run by the bank's operators. A person must hold the permission a write needs and may
touch only rows in their unit's subtree; SYSTEM holds every permission and reaches the whole
bank. There is no default actor: a service called without one fails at the call.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Unit
from .scoping import EVERYTHING, scope_prefix, subtree_q


class SystemActor:
    """The explicit actor of the shell, Celery tasks and data migrations."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None
    username = "system"

    def __repr__(self):
        return "SYSTEM"

    def __str__(self):
        return _("the system")

    def has_perm(self, perm, obj=None):
        return True

    def has_perms(self, perms, obj=None):
        return True


SYSTEM = SystemActor()


def is_system(actor):
    return actor is SYSTEM


def reach(actor):
    """The unit path whose subtree `actor` may write to: "" for the whole bank, None for nothing."""
    if actor is SYSTEM:
        return EVERYTHING
    if actor is None:
        raise TypeError("a write needs an actor: a person, or accounts.actors.SYSTEM")
    return scope_prefix(actor)


def reaches_whole_bank(actor):
    """Whether `actor` reaches the whole tree: SYSTEM, a superuser, or staff of the province."""
    prefix = reach(actor)
    return prefix is not None and len(prefix) <= Unit.steplen


def reaches(actor, unit):
    """Whether `unit` (a Unit, or None for no unit) lies in `actor`'s subtree."""
    prefix = reach(actor)
    return prefix is not None and unit is not None and unit.path.startswith(prefix)


def within_reach(queryset, actor):
    """The rows of `queryset` that `actor` may write to: their subtree's (rule O5). Rows a
    person only sees for another reason (scoping.also_visible) are not theirs to change."""
    return queryset.filter(subtree_q(queryset.model, reach(actor)))


def require(actor, *perms):
    """Refuse `actor` unless they hold every permission of `perms` (and are an active person)."""
    prefix = reach(actor)
    if prefix is None or not actor.has_perms(perms):
        raise PermissionDenied(_("You do not have the right to do this."))


def require_reach(actor, *units):
    """Refuse `actor` unless every unit of `units` lies in their subtree (rule O5)."""
    for unit in units:
        if not reaches(actor, unit):
            raise PermissionDenied(_("%(unit)s lies outside your part of the bank.") % {"unit": unit or "—"})


def holds_rights_over(actor, person):
    """Whether `actor` holds every right of `person`'s account (a superuser's are all rights)."""
    if actor is SYSTEM or actor.is_superuser:
        return True
    if person.is_superuser:
        return False
    return not person.pk or person.get_all_permissions() <= actor.get_all_permissions()


def require_rights_over(actor, person):
    """Refuse `actor` acting on the account of `person` when it holds rights `actor` lacks: a
    branch administrator must not reset a superuser's password and log in as them."""
    if not holds_rights_over(actor, person):
        raise PermissionDenied(
            _("%(person)s holds rights you do not have: their account is not yours to change.")
            % {"person": person.username}
        )


def history_user(actor):
    """The person django-simple-history records as the author: none for SYSTEM."""
    return None if actor is SYSTEM else actor
