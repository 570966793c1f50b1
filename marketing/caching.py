"""Registry pages and answers kept in the cache under the registry's version (issue 7).

A client list, a named list or a page of the clients API is the same for the same person, URL,
language and day until the registry changes: the cache keeps what was rendered (a template
fragment, a serialized page) and a second look costs no SQL but the version's one row.

What keeps it true: the key holds the registry's version, to which the database triggers of
migration marketing 0007 add 1 on every write to units, clients, named-list entries, metrics
and thresholds, whoever writes and however (marketing.standing.bump for a month's attached
partition); today's date, which is the default `on` of every page; the language; the person
and their reach; and the full URL with its query. So a write, a new day or a person moved to
another unit reads fresh rows; an old entry is never read again and ages out.

Only what is computed from those sources may be cached here. A page that also shows other
tables (business requests, people) is not, or those tables' writes must bump the version too.
A scope widened by `accounts.scoping.also_visible` (a customer manager's teams, by staffing)
is keyed by the person and by the stamps of what widens it (`scoping.scope_stamp`: one query
for a person below the province, none for the province).

The cache is Django's default: memory of each server process (settings.CACHES), or a shared
one such as Redis when configured.
"""

import hashlib

from django.utils import timezone
from django.utils.translation import get_language

from accounts.scoping import scope_prefix, scope_stamp

from . import standing

TIMEOUT = 24 * 3600  # an old version's entries age out; a current one is valid all day


def registry_version():
    """The registry's version (one query)."""
    return standing.state().version


def registry_key(request, name):
    """The cache key of the registry view `name` as `request` asks for it (one query, the
    version; and the stamps of what widens a person's view below the province)."""
    user = request.user
    parts = (
        registry_version(),
        timezone.localdate().isoformat(),
        get_language(),
        user.pk,
        scope_prefix(user),
        scope_stamp(user),
        request.build_absolute_uri(),
    )
    return f"registry:{name}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"
