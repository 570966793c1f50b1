"""The assignments API: the same service as the page, the admin and the import (rules A1–A10),
a refusal a 400 naming the field and the rule, the list scoped (rule O5)."""

from staffing.models import Assignment
from tests.helpers import api_as, grant, make_person
from tests.staffing.conftest import ON

URL = "/api/v1/assignments/"


def writer(staffing_bank, unit="AH"):
    person = make_person(f"API{unit}", "接口用户", staffing_bank["units"][unit])
    return api_as(grant(person, "staffing.add_assignment", "staffing.change_assignment"))


def test_an_assignment_is_made_through_the_api(staffing_bank):
    body = {"client_no": "C3", "employee_no": "CM3", "role": "LEAD", "split": "100", "valid_from": ON.isoformat()}
    response = writer(staffing_bank).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["client_no"] == "C3"
    assert Assignment.objects.filter(client__client_no="C3", employee__username="CM3").exists()


def test_a_refused_assignment_is_a_400_with_the_rule(staffing_bank):
    api = writer(staffing_bank)
    junior = {"client_no": "C3", "employee_no": "CM2", "role": "LEAD", "split": "100", "valid_from": ON.isoformat()}
    response = api.post(URL, junior, format="json")
    assert response.status_code == 400 and "A2" in str(response.json()["employee_no"])
    two_leads = {"client_no": "C2", "employee_no": "CM3", "role": "LEAD", "split": "0", "valid_from": ON.isoformat()}
    response = api.post(URL, two_leads, format="json")
    assert response.status_code == 400 and "A10" in str(response.json())
    assert api.post(URL, {**junior, "split": "120"}, format="json").status_code == 400
    assert api.post(URL, {**junior, "client_no": "NOPE"}, format="json").json().keys() == {"client_no"}
    assert not Assignment.objects.filter(client__client_no="C3").exists()


def test_the_list_is_scoped_and_a_wuhu_writer_cannot_touch_hefei(staffing_bank):
    wuhu = writer(staffing_bank, "WH")
    listed = {row["client_no"] for row in wuhu.get(URL).json()["results"]}
    assert listed <= {"C3"}
    body = {"client_no": "C2", "employee_no": "CM3", "role": "MEMBER", "split": "0", "valid_from": ON.isoformat()}
    assert wuhu.post(URL, body, format="json").status_code == 400  # C2 does not exist for Wuhu


def test_dates_beyond_the_years_a_record_may_name_are_a_400_not_a_500(staffing_bank):
    body = {"client_no": "C3", "employee_no": "CM3", "role": "LEAD", "split": "100", "valid_from": ON.isoformat()}
    response = writer(staffing_bank).post(URL, {**body, "valid_to": "9999-12-31"}, format="json")
    assert response.status_code == 400 and "2100-12-31" in str(response.json()["valid_to"])
    response = writer(staffing_bank).post(URL, {**body, "valid_from": "1800-01-01"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"valid_from"}
    assert not Assignment.objects.filter(client__client_no="C3").exists()


def test_a_body_nested_too_deep_is_a_400(staffing_bank):
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    response = writer(staffing_bank).post(URL, deep, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_someone_without_the_right_gets_a_403_before_their_body_is_read(staffing_bank):
    reader = api_as(make_person("APIREAD", "只读用户", staffing_bank["units"]["AH"]))
    response = reader.post(URL, {"employee_no": 12345}, format="json")
    assert response.status_code == 403
