"""Row-level scoping (rule O5): the one door through which every read of scoped data passes.

A person sees the subtree of their unit: the units whose tree path starts with theirs. Each
scoped model names, in `scope_unit_lookup`, the lookup from itself to the unit it belongs to
("" for Unit itself, "unit", "account_unit", …). An app higher in the data flow may widen what
a person sees of a model for another reason with `also_visible(model, condition)` (a customer
manager and the clients on whose team they are, once staffing assigns them), without the model's
app knowing of it. Selectors, API viewsets, admin changelists, exports and searches all call
`scoped()`.
"""

from django.db.models import Q
from django.http import Http404

from .models import Unit

EVERYTHING = ""

# model → [condition(user) → Q]: rows a person sees besides their subtree's.
_ALSO_VISIBLE = {}
# [stamp(user) → value]: what the rows that widen a person's view look like now.
_STAMPS = []


def also_visible(model, condition, stamp=None):
    """Let `condition(user)` (a Q over `model`, or None when it widens nothing for that person)
    widen what a person sees of `model` (rule O5).
    `stamp(user)`, when given, answers a value that changes whenever the rows behind the
    condition change for that person: kept in cache keys (scope_stamp), so that nothing kept
    from before shows what they no longer see, or hides what they now do."""
    _ALSO_VISIBLE.setdefault(model, []).append(condition)
    if stamp is not None and stamp not in _STAMPS:
        _STAMPS.append(stamp)


def scope_stamp(user):
    """The stamps of what widens `user`'s view (also_visible): () for those who see the whole
    bank or nothing, whom nothing widens."""
    prefix = scope_prefix(user)
    if prefix is None or len(prefix) <= Unit.steplen:
        return ()
    return tuple(stamp(user) for stamp in _STAMPS)


def scope_prefix(user):
    """The unit path whose subtree `user` may see: "" for all of it, None for nothing."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return EVERYTHING
    if not hasattr(user, "_scope_prefix"):
        user._scope_prefix = user.unit.path if user.unit_id else None
    return user._scope_prefix


def sees_whole_bank(user):
    """Whether `user` sees the whole tree: a superuser, or staff of the province (the root)."""
    prefix = scope_prefix(user)
    return prefix is not None and len(prefix) <= Unit.steplen


def scope_q(model, user):
    """The condition that keeps the rows of `model` that `user` may see."""
    prefix = scope_prefix(user)
    if prefix is not None and len(prefix) <= Unit.steplen:
        prefix = EVERYTHING  # the province: the one tree's root (rule O1) holds every unit
    if prefix == EVERYTHING or prefix is None:
        return subtree_q(model, prefix)
    widening = [q for also in _ALSO_VISIBLE.get(model, ()) if (q := also(user)) is not None]
    if not widening:
        return subtree_q(model, prefix)
    # OR-ed with a LIKE over a joined unit's path, a widening defeats every index (a scan of
    # all the clients at province scale): the subtree is then named by its units' ids, which an
    # index serves as it serves the widening's ids.
    condition = Q(**{f"{model.scope_unit_lookup}__in" if model.scope_unit_lookup else "pk__in": subtree_units(user)})
    for also in widening:
        condition |= also
    return condition


def subtree_units(user):
    """The ids of the units of `user`'s subtree (kept on the user object: one query a request)."""
    if not hasattr(user, "_subtree_units"):
        user._subtree_units = list(
            Unit.objects.filter(path__startswith=scope_prefix(user)).values_list("pk", flat=True)
        )
    return user._subtree_units


def subtree_q(model, prefix):
    """The rows of `model` whose unit lies under the unit path `prefix` ("" all, None none)."""
    if prefix is None:
        return Q(pk__in=[])
    if prefix == EVERYTHING:
        # Always true, and unlike an empty Q() it survives being OR-ed with another condition.
        return Q(pk__isnull=False)
    lookup = model.scope_unit_lookup
    path = f"{lookup}__path" if lookup else "path"
    return Q(**{f"{path}__startswith": prefix})


def scoped(queryset, user):
    """`queryset` limited to what `user` may see (rule O5)."""
    return queryset.filter(scope_q(queryset.model, user))


def get_scoped_or_404(queryset, user, **lookup):
    """One row that `user` may see, or 404: a row outside the subtree does not exist for them."""
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
