"""Rule A12: a credit request records its amount and goes to the team lead, the team member or
the unit head, as the grades' loan acceptance authorities say; the request shows who and why."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from accounts.models import Position
from marketing import services as registry
from tests.helpers import make_person
from tests.staffing.conftest import team


def credit(client, amount):
    return registry.business_request_create(
        client=client, nature="GENERAL", is_credit=True, description="授信", amount=amount, actor=SYSTEM
    )


@pytest.fixture
def desk(staffing_bank):
    """C2's team: CM1 (SENIOR, 50 million) leads; PR1 (PRINCIPAL, 100 million) joins as a member.
    C2 banks under HF01, which has no credit authority: its credit requests go to Hefei (C8),
    whose head is HFHEAD."""
    units, people, clients = staffing_bank["units"], staffing_bank["people"], staffing_bank["clients"]
    people["HFHEAD"] = make_person("HFHEAD", "合肥行长", units["HF"], Position.HEAD)
    people["PR1"] = make_person(
        "PR1", "资深经理", units["HF0101"], Position.CUSTOMER_MANAGER, manager_kind="CORPORATE", grade="PRINCIPAL"
    )
    team(clients, people, ("C2", "PR1", "MEMBER", 0), start=timezone.localdate() - datetime.timedelta(days=1))
    return staffing_bank


def test_a_request_within_the_leads_authority_goes_to_the_lead(desk):
    request = credit(desk["clients"]["C2"], Decimal("30000000"))
    request.refresh_from_db()
    assert request.accepting_unit.code == "HF"
    assert request.handler.username == "CM1" and "A12" in request.handling_reason


def test_beyond_the_lead_a_member_of_higher_grade_whose_authority_covers_it(desk):
    request = credit(desk["clients"]["C2"], Decimal("80000000"))
    request.refresh_from_db()
    assert request.handler.username == "PR1"


def test_beyond_the_team_the_receiving_units_head(desk):
    request = credit(desk["clients"]["C2"], Decimal("150000000"))
    request.refresh_from_db()
    assert request.handler.username == "HFHEAD"
    assert "A12" in request.handling_reason


def test_a_credit_request_without_an_amount_is_refused(desk, login):
    with pytest.raises(ValidationError):
        credit(desk["clients"]["C2"], None)
    page = login(desk["people"]["PA1"])
    response = page.post(
        reverse("client-request-create", args=["C2"]), {"nature": "GENERAL", "is_credit": "on", "description": "授信"}
    )
    assert response.status_code == 200  # the form again, with the amount asked for
    assert not desk["clients"]["C2"].requests.exists()


def test_the_request_list_shows_who_takes_it_in_and_why(desk, login):
    credit(desk["clients"]["C2"], Decimal("150000000"))
    page = login(desk["people"]["PA1"]).get(reverse("request-list")).content.decode()
    assert "HFHEAD" in page and "A12" in page
