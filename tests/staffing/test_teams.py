"""Group networks (A6) on the team page, and industry teams (A7)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.actors import SYSTEM
from marketing.models import Client
from staffing import services
from staffing.models import IndustryTeam


def test_a_group_heads_team_page_shows_its_subsidiaries_managers(staffing_bank, login):
    html = login(staffing_bank["people"]["PA1"]).get(reverse("client-team", args=["G1"])).content.decode()
    assert reverse("client-team", args=["G2"]) in html and "HFO1" in html


def test_an_industry_team_is_a_set_of_managers_serving_clients_of_one_industry(staffing_bank):
    people, units = staffing_bank["people"], staffing_bank["units"]
    Client.objects.filter(client_no__in=["C1", "C2"]).update(industry="汽车")
    Client.objects.filter(client_no="C4").update(industry="纺织")
    cars = Client.objects.filter(client_no__in=["C1", "C2"])
    team = services.industry_team_save(
        IndustryTeam(name="汽车行业小组", unit=units["HF01"], industry="汽车"),
        managers=[people["CM1"], people["CM2"]],
        clients=list(cars),
        actor=SYSTEM,
    )
    assert set(team.managers.values_list("username", flat=True)) == {"CM1", "CM2"}
    assert set(team.clients.values_list("client_no", flat=True)) == {"C1", "C2"}
    with pytest.raises(ValidationError) as refused:
        services.industry_team_save(
            IndustryTeam(name="另一组", unit=units["HF01"], industry="汽车"),
            managers=[people["CM1"]],
            clients=[Client.objects.get(client_no="C4")],
            actor=SYSTEM,
        )
    assert "clients" in refused.value.message_dict


def test_rule_A5_a_designated_vip_centre_may_lead_private_banking_clients(staffing_bank):
    """I4 (9 million, PRIVATE) handed to VCM of the VIP centre HFV (holding no CFP: A5 twice
    over); with a CFP and HFV designated, only A9's missing city officer remains."""
    from staffing import compliance
    from staffing.models import Assignment
    from tests.staffing.conftest import ON

    people, units = staffing_bank["people"], staffing_bank["units"]
    Assignment.objects.filter(client__client_no="I4", employee__username="PCM").update(employee=people["VCM"])
    rules_of_i4 = lambda: {b.rule for b in compliance.breaches("", ON) if b.client_no == "I4"}  # noqa: E731
    assert "A5" in rules_of_i4()
    services.qualifications_save(
        [{"employee": people["VCM"], "kind": "CFP", "valid_from": ON, "valid_to": None}], actor=SYSTEM
    )
    assert "A5" in rules_of_i4()  # a VIP centre, not designated
    services.designated_centre_set(units["HFV"], designated=True, actor=SYSTEM)
    assert rules_of_i4() == {"A9"}
    with pytest.raises(ValidationError):
        services.designated_centre_set(units["HF0101"], designated=True, actor=SYSTEM)
