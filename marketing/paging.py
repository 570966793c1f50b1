"""Counting client lists at province scale: a count of two million rows costs more than the
rest of the page, and it only changes when the registry does."""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from . import caching


def registry_count(queryset):
    """The exact count of a registry queryset, kept in the cache under the registry's version:
    the database triggers of migration marketing 0007 add 1 to it on every write to clients,
    named-list entries, metrics, thresholds and units, so a cached count is never read after
    a write that could change it. The key holds the query's SQL and parameters (the person's
    scope, the filters, the date)."""
    version = caching.registry_version()
    queryset = queryset.order_by()
    sql, params = queryset.query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    return cache.get_or_set(f"registry-count:{version}:{digest}", queryset.count, timeout=caching.TIMEOUT)


class RegistryPaginator(Paginator):
    @cached_property
    def count(self):
        return registry_count(self.object_list)


class RegistryPagination(PageNumberPagination):
    django_paginator_class = RegistryPaginator
