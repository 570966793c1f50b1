"""GET /api/v1/units/ (INTERFACES.md) and the employees endpoint: scoped, authenticated."""

from rest_framework.test import APIClient

from tests.helpers import api_as


def test_units_answer_a_wuhu_person_with_the_wuhu_subtree_only(wuhu_manager):
    response = api_as(wuhu_manager).get("/api/v1/units/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"code": "WH0101", "name": "镜湖网点", "kind": "OUTLET", "parent_code": "WH01"},
    ]


def test_units_answer_the_province_with_codes_kinds_and_parents(province_analyst):
    body = api_as(province_analyst).get("/api/v1/units/").json()
    assert body["count"] == 7
    parents = {unit["code"]: unit["parent_code"] for unit in body["results"]}
    assert parents == {
        "AH": None,
        "HF": "AH",
        "HF01": "HF",
        "HF0101": "HF01",
        "WH": "AH",
        "WH01": "WH",
        "WH0101": "WH01",
    }
    assert set(body) == {"count", "next", "previous", "results"}


def test_units_refuse_an_anonymous_caller(bank):
    response = APIClient().get("/api/v1/units/")
    assert response.status_code == 401


def test_unit_detail_outside_the_subtree_is_not_found(wuhu_manager):
    assert api_as(wuhu_manager).get("/api/v1/units/HF/").status_code == 404
    assert api_as(wuhu_manager).get("/api/v1/units/WH0101/").status_code == 200


def test_units_filter_by_kind_and_by_subtree(province_analyst):
    client = api_as(province_analyst)
    cities = client.get("/api/v1/units/", {"kind": "CITY"}).json()["results"]
    assert [unit["code"] for unit in cities] == ["HF", "WH"]
    hefei = client.get("/api/v1/units/", {"parent": "HF"}).json()["results"]
    assert [unit["code"] for unit in hefei] == ["HF", "HF01", "HF0101"]
    unknown = client.get("/api/v1/units/", {"kind": "XYZ"})
    assert unknown.status_code == 400 and "kind" in unknown.json()


def test_units_query_count_is_bounded(province_analyst, django_assert_max_num_queries):
    client = api_as(province_analyst)
    with django_assert_max_num_queries(5):
        client.get("/api/v1/units/")


def test_employees_endpoint_is_scoped(wuhu_manager, hefei_manager):
    body = api_as(wuhu_manager).get("/api/v1/employees/").json()
    assert [person["employee_no"] for person in body["results"]] == ["W0101"]
    assert api_as(wuhu_manager).get("/api/v1/employees/H0101/").status_code == 404


def test_session_login_works_for_the_browser(client, hefei_person):
    client.force_login(hefei_person)
    assert client.get("/api/v1/units/").json()["count"] == 3


def test_token_is_obtained_with_username_and_password(hefei_person):
    hefei_person.set_password("s3cret-pass")
    hefei_person.save()
    response = APIClient().post("/api/v1/auth/token/", {"username": "H0001", "password": "s3cret-pass"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert APIClient().get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_schema_and_docs_are_served_without_the_internet(client, hefei_person):
    client.force_login(hefei_person)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/units/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert "https://" not in docs.split("<body")[0]  # no CDN in the page head
