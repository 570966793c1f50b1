from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None: a name looked up by its code in a template."""
    return mapping.get(key)
