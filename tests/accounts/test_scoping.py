from accounts.models import Unit, User
from accounts.scoping import scoped


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_province_analyst_sees_every_unit(province_analyst):
    assert codes(scoped(Unit.objects, province_analyst)) == ["AH", "HF", "HF01", "HF0101", "WH", "WH01", "WH0101"]


def test_city_person_sees_own_city_subtree_only(hefei_person):
    assert codes(scoped(Unit.objects, hefei_person)) == ["HF", "HF01", "HF0101"]


def test_wuhu_manager_is_refused_hefei_people(wuhu_manager, hefei_manager):
    visible = scoped(User.objects, wuhu_manager)
    assert wuhu_manager in visible
    assert hefei_manager not in visible
