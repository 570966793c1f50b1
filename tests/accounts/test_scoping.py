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


def test_an_app_above_can_widen_what_a_person_sees(wuhu_manager, hefei_manager, monkeypatch):
    from django.db.models import Q

    from accounts import scoping

    monkeypatch.setattr(scoping, "_ALSO_VISIBLE", {})
    # As staffing will for a customer manager's team: here, a Wuhu person also sees one Hefei colleague.
    scoping.also_visible(User, lambda user: Q(username="H0101") if user.username == "W0101" else Q(pk__in=[]))
    assert set(scoped(User.objects, wuhu_manager).values_list("username", flat=True)) == {"W0101", "H0101"}
    assert set(scoped(User.objects, hefei_manager).values_list("username", flat=True)) == {"H0101"}
