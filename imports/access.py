"""Who may import what: a KIND's declared permissions (INTERFACES.md "Bulk import")."""

from django.core.exceptions import PermissionDenied

from accounts.actors import require

from .engine import REGISTRY


def may_import(actor, kind):
    """Whether `actor` (a person or SYSTEM) may import `kind`: an active person with a place in the
    bank holding the KIND's permissions; a KIND that declares none is for superusers only."""
    importer = REGISTRY.get(kind)
    if importer is None or actor is None:
        return False
    try:
        require(actor)
    except PermissionDenied:
        return False
    return actor.is_superuser or bool(importer.permissions and actor.has_perms(importer.permissions))


def importable_kinds(user):
    """The KINDs `user` may import, in the order of the contract (INTERFACES.md)."""
    return [kind for kind in REGISTRY if may_import(user, kind)]
