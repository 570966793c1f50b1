"""Form widgets shared by the apps."""

import hashlib

from django import forms
from django.core.cache import cache
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# How long a drop-down's options drawn from the database are kept: a unit added or renamed shows
# in the drop-downs within this time (the filter itself always reads the database).
OPTIONS_CACHE_SECONDS = 60
STAMPED_SECONDS = 24 * 3600


class QuickSelect(forms.Select):
    """A drop-down written out in Python instead of one template per option, with its options
    from the database kept for a minute per query and language: a province's hundreds of units
    cost a millisecond, not a third of the page's time. Same markup as Select (no optgroups).

    `stamp`, a callable, says which version of the data the options show (say a counter that
    every write to their table moves): the options are then kept under it, a day, and never
    outlive a change. A page kept whole in a cache under the same version needs that."""

    def __init__(self, attrs=None, choices=(), stamp=None):
        super().__init__(attrs, choices)
        self.stamp = stamp

    def options_html(self):
        """Every option, none selected, written once per query and language and kept a minute
        (or a day under the stamp)."""

        def write():
            return "".join(
                format_html('<option value="{}">{}</option>', str(value), str(label)) for value, label in self.choices
            )

        if not isinstance(self.choices, ModelChoiceIterator):
            return write()
        query = str(self.choices.queryset.query)
        stamp = self.stamp() if self.stamp else None
        key = hashlib.sha256(f"{translation.get_language()}:{stamp}:{query}".encode()).hexdigest()
        return cache.get_or_set(
            f"quick-select:{key}", write, OPTIONS_CACHE_SECONDS if stamp is None else STAMPED_SECONDS
        )

    def render(self, name, value, attrs=None, renderer=None):
        options = self.options_html()
        for chosen in {str(item) for item in self.format_value(value)}:
            marker = format_html('<option value="{}">', chosen)
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(format_html('<select name="{}"{}>', name, flatatt(attrs)) + options + "</select>")
