"""GET /api/v1/clients/ and /api/v1/tiers/ (INTERFACES.md): fields, filters, dates, scoping."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.actors import SYSTEM
from tests.helpers import api_as
from tests.marketing.conftest import month

D = datetime.date


def test_clients_answer_the_contract_fields_on_a_date(registry, province_analyst):
    month(registry["I1"], D(2010, 1, 1), aum=Decimal("1500000"))
    body = api_as(province_analyst).get("/api/v1/clients/", {"on": "2010-06-30"}).json()
    assert body["count"] == 6
    by_no = {row["client_no"]: row for row in body["results"]}
    assert by_no["C1"] == {
        "client_no": "C1",
        "name": "C1",
        "kind": "CORPORATE",
        "account_unit_code": "HF0101",
        "tier": "PROVINCE",
        "segment": None,
        "responsible_department": "INTERNATIONAL",
    }
    assert (by_no["I1"]["tier"], by_no["I1"]["segment"], by_no["I1"]["responsible_department"]) == (
        "SUB_BRANCH",
        "HIGH",
        "PERSONAL",
    )


def test_clients_filter_by_tier_segment_and_account_unit(registry, province_analyst):
    client = api_as(province_analyst)

    def numbers(**params):
        return [
            row["client_no"] for row in client.get("/api/v1/clients/", {"on": "2010-06-30", **params}).json()["results"]
        ]

    assert numbers(tier="HEAD_OFFICE") == ["C3"]
    assert numbers(tier="SUB_BRANCH") == ["C4", "I1", "I2"]
    assert numbers(segment="POTENTIAL") == ["I2"]
    assert numbers(account_unit="HF01") == ["C1", "C3", "C4", "I1"]
    assert numbers(account_unit="WH", tier="CITY") == ["C2"]


def test_clients_default_to_today(registry, province_analyst):
    rows = api_as(province_analyst).get("/api/v1/clients/").json()["results"]
    assert {row["client_no"]: row["tier"] for row in rows}["C1"] == "SUB_BRANCH"  # its entry ended in 2010


@pytest.mark.parametrize(
    "params, field",
    [
        ({"on": "2010-13-01"}, "on"),
        ({"on": "20100630"}, "on"),
        ({"tier": "GALAXY"}, "tier"),
        ({"segment": "RICH"}, "segment"),
        ({"account_unit": "NOPE"}, "account_unit"),
        ({"has_loan": "XYZ"}, "has_loan"),
        ({"has_loan": "yes"}, "has_loan"),
    ],
)
def test_clients_answer_400_with_the_field_for_bad_filters(registry, province_analyst, params, field):
    response = api_as(province_analyst).get("/api/v1/clients/", params)
    assert response.status_code == 400 and field in response.json()


def test_clients_are_scoped_for_a_wuhu_person(registry, wuhu_manager):
    client = api_as(wuhu_manager)
    assert [row["client_no"] for row in client.get("/api/v1/clients/").json()["results"]] == ["C2", "I2"]
    assert client.get("/api/v1/clients/C1/").status_code == 404
    assert client.get("/api/v1/clients/", {"account_unit": "HF"}).status_code == 400


def test_tiers_answer_a_city_list_with_derived_entries(registry, province_analyst):
    rows = api_as(province_analyst).get("/api/v1/tiers/", {"unit": "HF", "on": "2010-06-30"}).json()["results"]
    assert rows == [
        {
            "client_no": "C1",
            "tier": "CITY",
            "owner_unit_code": "HF",
            "valid_from": "2010-01-01",
            "valid_to": "2010-12-31",
            "derived": True,
        },
        {
            "client_no": "C3",
            "tier": "CITY",
            "owner_unit_code": "HF",
            "valid_from": "2009-01-01",
            "valid_to": "2010-06-30",
            "derived": False,
        },
        {
            "client_no": "C3",
            "tier": "CITY",
            "owner_unit_code": "HF",
            "valid_from": "2009-01-01",
            "valid_to": None,
            "derived": True,
        },
    ]


def test_tiers_of_the_province_for_a_wuhu_person_hold_only_wuhu_clients(registry, wuhu_manager, bank):
    from marketing import services

    services.tier_entry_add(
        client=registry["C2"],
        tier="PROVINCE",
        owner_unit=bank["AH"],
        valid_from=D(2010, 1, 1),
        reason="x",
        actor=SYSTEM,
    )
    client = api_as(wuhu_manager)
    rows = client.get("/api/v1/tiers/", {"unit": "AH", "on": "2010-06-30"}).json()["results"]
    assert [row["client_no"] for row in rows] == ["C2"]
    assert client.get("/api/v1/tiers/", {"unit": "HF", "on": "2010-06-30"}).status_code == 400
    assert client.get("/api/v1/tiers/", {"unit": "WH01", "on": "2010-06-30"}).json()["results"] == []  # keeps no list


def test_tiers_need_a_unit_and_refuse_anonymous_callers(registry, province_analyst):
    assert api_as(province_analyst).get("/api/v1/tiers/").status_code == 400
    assert APIClient().get("/api/v1/tiers/", {"unit": "AH"}).status_code == 401
    assert APIClient().get("/api/v1/clients/").status_code == 401


def test_the_browsable_api_shows_a_named_list(client, registry, province_analyst):
    client.force_login(province_analyst)
    response = client.get("/api/v1/tiers/", {"unit": "AH"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
