"""One door for every write (issue 6, rule O5): every service takes a required actor and checks,
itself, the actor's permission and reach. Each service is driven here with an actor lacking the
permission and with one from outside the subtree; each is refused and nothing is written."""

import datetime
import inspect
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services as accounts_services
from accounts.actors import SYSTEM
from accounts.models import Department, LeadershipMember, Position, Unit, User
from marketing import services as marketing_services
from marketing.models import BusinessRequest, Client, ClientMetric, RequestNature, SegmentThresholds, Tier, TierEntry
from tests.helpers import make_person, make_staff

D = datetime.date
TRACKED = [Unit, Department, User, LeadershipMember, Client, TierEntry, SegmentThresholds, BusinessRequest]


def written():
    """Every row and every history record the services could write."""
    counts = {model.__name__: model.objects.count() for model in [*TRACKED, ClientMetric]}
    counts.update({f"{model.__name__} history": model.history.count() for model in TRACKED})
    return counts


def person(no):
    return User.objects.select_related("unit").get(username=no)


# Each service, called on Hefei's rows. `w` holds the world of the fixture below.
CALLS = {
    "unit_create": lambda w, actor: accounts_services.unit_create(
        code="HFX", name="新网点", kind="OUTLET", parent=w["bank"]["HF01"], actor=actor),
    "unit_update": lambda w, actor: accounts_services.unit_update(
        unit=Unit.objects.get(code="HF01"), name="改名支行", kind="SUB_BRANCH", parent=w["bank"]["HF"], actor=actor),
    "department_save": lambda w, actor: accounts_services.department_save(
        unit=w["bank"]["HF01"], code="MARKET", name="市场部", actor=actor),
    "employees_save": lambda w, actor: accounts_services.employees_save([accounts_services.EmployeeData(
        employee_no="NEW1", name="新员工", unit=w["bank"]["HF0101"], position=Position.TELLER)], actor=actor),
    "employee_save": lambda w, actor: accounts_services.employee_save(
        user=renamed(person("H0101")), actor=actor),
    "employee_password_set": lambda w, actor: accounts_services.employee_password_set(
        user=person("H0101"), password="Another-secret-2026", actor=actor),
    "leadership_member_set": lambda w, actor: accounts_services.leadership_member_set(
        unit=w["bank"]["HF"], member=person("H0001"), role="LEADER", actor=actor),
    "clients_save": lambda w, actor: marketing_services.clients_save([marketing_services.ClientData(
        client_no="NEWC", name="新客户", kind="CORPORATE", account_unit=w["bank"]["HF0101"])], actor=actor),
    "tier_entries_save": lambda w, actor: marketing_services.tier_entries_save([marketing_services.TierEntryData(
        client=w["registry"]["C4"], tier=Tier.CITY, owner_unit=w["bank"]["HF"], valid_from=D(2015, 1, 1), reason="x")],
        actor=actor),
    "tier_entry_add": lambda w, actor: marketing_services.tier_entry_add(
        client=w["registry"]["C4"], tier=Tier.CITY, owner_unit=w["bank"]["HF"], valid_from=D(2015, 1, 1), reason="x",
        actor=actor),
    "tier_entry_end": lambda w, actor: marketing_services.tier_entry_end(
        entry=TierEntry.objects.select_related("owner_unit").get(client__client_no="C4"), valid_to=D(2015, 1, 1),
        actor=actor),
    "responsible_override_set": lambda w, actor: marketing_services.responsible_override_set(
        client=w["registry"]["C4"], department="CORP1", reason="集团授信", actor=actor),
    "segment_thresholds_set": lambda w, actor: marketing_services.segment_thresholds_set(
        valid_from=D(2011, 1, 1), private_min=Decimal("9000000"), high_min=Decimal("1000000"),
        mid_min=Decimal("200000"), actor=actor),
    "metrics_save": lambda w, actor: marketing_services.metrics_save(
        [{"client_id": w["registry"]["C4"].pk, "month": D(2011, 1, 1), **dict.fromkeys(ClientMetric.FIGURES)}],
        actor=actor),
    "business_request_create": lambda w, actor: marketing_services.business_request_create(
        client=w["registry"]["C4"], nature=RequestNature.GENERAL, is_credit=False, description="x", actor=actor),
    "business_request_accept": lambda w, actor: marketing_services.business_request_accept(
        request=w["request"], actor=actor),
}


def renamed(user):
    user.name = "改名"
    return user


def services_with_actor():
    """Every write service of the apps: the public functions with a keyword `actor`, less the
    checks and predicates that only answer whether a write would pass."""
    found = set()
    for module in (accounts_services, marketing_services):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters and not name.endswith(("_check", "_validate")) and not name.startswith("may_"):
                found.add(name)
    return found


@pytest.fixture
def world(registry, bank, hefei_person, hefei_manager):
    request = marketing_services.business_request_create(
        client=registry["C4"], nature=RequestNature.GENERAL, is_credit=False, description="x", actor=SYSTEM)
    # In Hefei's reach (a Hefei sub-branch's and the province's rows), but without any right.
    no_rights = make_person("P0099", "无权限", bank["AH"])
    no_rights.groups.clear()
    # Every right of the organisation and the registry, but in Wuhu.
    outsider = make_staff(make_person("W0001", "芜湖管理员", bank["WH"]), "accounts", "marketing")
    return {"bank": bank, "registry": registry, "request": request, "no_rights": person(no_rights.username),
            "outsider": outsider}


def test_every_write_service_is_driven_here():
    assert services_with_actor() == set(CALLS)


@pytest.mark.parametrize("service", sorted(CALLS))
@pytest.mark.parametrize("who", ["no_rights", "outsider"])
def test_a_service_refuses_an_actor_without_the_right_or_the_reach(world, service, who):
    before = written()
    with pytest.raises((PermissionDenied, ValidationError)):
        CALLS[service](world, world[who])
    assert written() == before


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_service_has_no_default_actor(world, service):
    with pytest.raises(TypeError):
        CALLS[service](world, None)


def test_the_system_actor_reaches_everything(world):
    CALLS["clients_save"](world, SYSTEM)
    client = Client.objects.get(client_no="NEWC")
    assert client.history.latest().history_user is None  # recorded as the system, not a person
