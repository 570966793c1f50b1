from django import template

from imports.access import importable_kinds

register = template.Library()


@register.filter
def may_import_something(user):
    """Whether `user` may import at least one KIND (the "Imports" entry of the top bar)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_importable_kinds"):
        user._importable_kinds = importable_kinds(user)
    return bool(user._importable_kinds)
