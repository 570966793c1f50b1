"""Counting client lists at province scale: a count of two million rows costs more than the
rest of the page, and it only changes when the registry does."""

import functools
import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from accounts.scoping import scope_stamp

from . import caching


def registry_count(queryset, user):
    """The exact count of a registry queryset as `user` reads it, kept in the cache under the
    registry's version: the database triggers of migration marketing 0007 add 1 to it on every
    write to clients, named-list entries, metrics, thresholds and units, so a cached count is
    never read after a write that could change it. The key holds the query's SQL and parameters
    (the person's scope, the filters, the date) and the stamps of what widens the person's
    view (scoping.scope_stamp: a customer manager's teams)."""
    version = caching.registry_version()
    queryset = queryset.order_by()
    sql, params = queryset.query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params, scope_stamp(user))).encode()).hexdigest()
    return cache.get_or_set(f"registry-count:{version}:{digest}", queryset.count, timeout=caching.TIMEOUT)


class RegistryPaginator(Paginator):
    def __init__(self, object_list, per_page, *, user, **options):
        super().__init__(object_list, per_page, **options)
        self.user = user

    @cached_property
    def count(self):
        return registry_count(self.object_list, self.user)


class RegistryPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = functools.partial(RegistryPaginator, user=request.user)
        return super().paginate_queryset(queryset, request, view)
