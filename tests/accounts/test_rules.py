"""Rules O1, O3, O4 as pure functions, and their enforcement by the services."""

import pytest
from django.core.exceptions import ValidationError

from accounts import rules, services
from accounts.actors import SYSTEM
from accounts.models import Department, LeadershipMember, UnitKind
from tests.helpers import grant

K = UnitKind


@pytest.mark.parametrize(
    "kind, parent",
    [
        (K.PROVINCE, None),
        (K.CITY, K.PROVINCE),
        (K.SUB_BRANCH, K.CITY),
        (K.OUTLET, K.SUB_BRANCH),
        (K.WEALTH_CENTRE, K.SUB_BRANCH),
        (K.WEALTH_CENTRE, K.CITY),
        (K.VIP_CENTRE, K.SUB_BRANCH),
        (K.VIP_CENTRE, K.CITY),
    ],
)
def test_rule_O1_allows_each_kind_under_its_parent_kind(kind, parent):
    assert rules.unit_parent_breach(kind, parent) is None


@pytest.mark.parametrize(
    "kind, parent",
    [
        (K.PROVINCE, K.CITY),
        (K.CITY, None),
        (K.CITY, K.SUB_BRANCH),
        (K.SUB_BRANCH, K.PROVINCE),
        (K.OUTLET, K.CITY),
        (K.OUTLET, K.OUTLET),
        (K.VIP_CENTRE, K.PROVINCE),
        (K.WEALTH_CENTRE, K.OUTLET),
    ],
)
def test_rule_O1_refuses_a_kind_under_the_wrong_parent(kind, parent):
    breach = rules.unit_parent_breach(kind, parent)
    assert breach.rule == "O1" and breach.message


def test_rule_O1_service_refuses_an_outlet_under_a_city(bank):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(code="X", name="网点", kind=K.OUTLET, parent=bank["HF"], actor=SYSTEM)
    assert "parent" in refused.value.message_dict


def test_rule_O1_the_tree_has_one_root(bank):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(code="AH2", name="另一个省行", kind=K.PROVINCE, actor=SYSTEM)
    assert "kind" in refused.value.message_dict


def test_rule_O1_a_cycle_is_impossible(bank):
    with pytest.raises(ValidationError):
        services.unit_update(unit=bank["HF"], name="合肥分行", kind=K.CITY, parent=bank["HF01"], actor=SYSTEM)


def test_rule_O1_a_kind_change_must_still_fit_the_children(bank):
    # HF01 has an outlet under it: it cannot become a wealth centre, under which no outlet hangs.
    with pytest.raises(ValidationError) as refused:
        services.unit_update(unit=bank["HF01"], name="x", kind=K.WEALTH_CENTRE, parent=bank["HF"], actor=SYSTEM)
    assert "kind" in refused.value.message_dict


def test_rule_O3_every_sub_branch_needs_a_market_department():
    assert rules.market_department_breach("HF01", K.SUB_BRANCH, {"CORP"}).rule == "O3"
    assert rules.market_department_breach("HF01", K.SUB_BRANCH, {"MARKET"}) is None
    assert rules.market_department_breach("HF", K.CITY, set()) is None


def test_rule_O3_breaches_of_a_subtree_in_one_query(bank, django_assert_num_queries):
    from accounts.selectors import market_department_breaches

    services.department_save(unit=bank["HF01"], code="MARKET", name="市场部", actor=SYSTEM)
    with django_assert_num_queries(1):
        breaches = market_department_breaches(within=bank["AH"])
    assert [(b.rule, b.unit_code) for b in breaches] == [("O3", "WH01")]


def test_rule_O4_leadership_groups_exist_only_at_province_and_cities(bank, hefei_person, hefei_manager):
    seat = services.leadership_member_set(unit=bank["HF"], member=hefei_person, role="LEADER", actor=SYSTEM)
    assert LeadershipMember.objects.get(pk=seat.pk).role == "LEADER"
    with pytest.raises(ValidationError) as refused:
        services.leadership_member_set(unit=bank["HF0101"], member=hefei_manager, role="MEMBER", actor=SYSTEM)
    assert "unit" in refused.value.message_dict


def test_rule_O4_members_are_employees_of_that_unit(bank, hefei_manager):
    with pytest.raises(ValidationError) as refused:
        services.leadership_member_set(unit=bank["HF"], member=hefei_manager, role="MEMBER", actor=SYSTEM)
    assert "member" in refused.value.message_dict


def test_rule_O2_departments_nest_within_one_unit(bank):
    corp, _ = services.department_save(unit=bank["HF"], code="CORP", name="公司业务部", actor=SYSTEM)
    key, _ = services.department_save(
        unit=bank["HF"], code="KEY_ACCOUNT", name="大客户营销中心", parent=corp, actor=SYSTEM
    )
    assert key.parent == corp
    with pytest.raises(ValidationError):
        services.department_save(unit=bank["HF01"], code="X", name="x", parent=corp, actor=SYSTEM)
    with pytest.raises(ValidationError):
        services.department_save(unit=bank["HF"], code="CORP", name="公司业务部", parent=key, actor=SYSTEM)
    assert Department.objects.count() == 2


def test_history_records_who_changed_a_unit(bank, province_analyst):
    province_analyst = grant(province_analyst, "accounts.change_unit")
    services.unit_update(unit=bank["HF"], name="合肥市分行", kind=K.CITY, parent=bank["AH"], actor=province_analyst)
    latest = bank["HF"].history.latest()
    assert latest.name == "合肥市分行" and latest.history_user == province_analyst
