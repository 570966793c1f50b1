"""Dated records: the shared kit of every record that holds for a period (named-list entries,
assignments, qualifications), both ends inclusive, an open end when `valid_to` is empty.

- `Dated`, the abstract model: the two dates and the CHECK that they are in order;
- `in_force(on)`, the SQL condition of the records in force on a date;
- `Dated.is_in_force(on)` and `overlap(...)`, the same in plain Python (the oracle);
- `clashes(periods)`, the overlaps of one key's periods (no two in force on the same day);
- `range_refusal(day)`, why a date lies outside the years a record may name (those the imports'
  date parser takes too), else None: a service refuses it before any arithmetic on it overflows.
"""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


def range_refusal(day):
    """The message refusing `day` (a date, or None for an open end) when it lies outside
    FIRST_DAY..LAST_DAY, else None."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        return _("A date from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
    return None


def in_force(on, prefix=""):
    """Records in force on `on`: started, and not ended before it (valid_to is inclusive)."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def period_constraint(name):
    """The CHECK that a record does not end before it starts."""
    return models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name=name)


def overlap(first_from, first_to, second_from, second_to):
    """Whether two periods share a day; an end of None is open, both ends are inclusive."""
    return (first_to is None or second_from <= first_to) and (second_to is None or first_from <= second_to)


def clashes(periods):
    """The overlapping pairs among `periods`, (valid_from, valid_to, payload) tuples of one key:
    yields (later, earlier) where `later` starts inside a period before it. Each period is held
    against the one reaching furthest among those before it, so that a long period clashes with
    every later one it covers, not only with the next."""
    furthest = None
    for period in sorted(periods, key=lambda period: period[0]):
        if furthest is not None and overlap(furthest[0], furthest[1], period[0], period[1]):
            yield period, furthest
        if furthest is None or (furthest[1] is not None and (period[1] is None or period[1] > furthest[1])):
            furthest = period


class Dated(models.Model):
    """A record that holds from `valid_from` to `valid_to`, both days included; open-ended when
    `valid_to` is empty. Subclasses add `period_constraint(...)` to their Meta.constraints."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True

    def is_in_force(self, on):
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
