"""Client counts are cached under the registry's version: exact after any write."""

from marketing import selectors
from marketing.models import Client, ClientKind
from marketing.paging import registry_count

from .conftest import D, add_clients


def count(user):
    return registry_count(selectors.client_list(user=user, on=D(2010, 7, 1)), user)


def test_a_cached_count_is_not_read_after_a_write(registry, bank, province_analyst, django_assert_num_queries):
    assert count(province_analyst) == 6
    with django_assert_num_queries(3):  # the state row, the read model's state, the person's unit: no COUNT
        assert count(province_analyst) == 6
    add_clients(bank, ("C9", ClientKind.CORPORATE, "HF0101", {}))
    assert count(province_analyst) == 7
    Client.objects.filter(client_no="C9").delete()  # behind the services' back: the trigger still counts it
    assert count(province_analyst) == 6


def test_each_scope_and_filter_has_its_own_count(registry, province_analyst, hefei_person):
    assert count(province_analyst) == 6
    assert count(hefei_person) == 4
    corporate = selectors.client_list(user=province_analyst, on=D(2010, 7, 1)).filter(kind=ClientKind.CORPORATE)
    assert registry_count(corporate, province_analyst) == 4
