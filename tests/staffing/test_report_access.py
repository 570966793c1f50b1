"""The compliance command and endpoint (INTERFACES.md), and what a team lets a customer manager
see (rule O5)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from staffing import services
from staffing.models import Assignment
from tests.helpers import api_as
from tests.staffing.conftest import ON, team
from tests.staffing.test_compliance import EXPECTED


def command(*args):
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def as_rows(objects):
    return [(o["rule"], o["unit_code"], o["employee_no"] or "", o["client_no"] or "", o["overridden"]) for o in objects]


def test_the_command_prints_the_report_as_json(staffing_bank):
    objects = json.loads(command("--on", ON.isoformat(), "--format", "json"))
    assert as_rows(objects) == EXPECTED
    assert set(objects[0]) >= {"rule", "unit_code", "message", "overridden", "employee_no", "client_no"}
    assert objects[0]["rule"] == "O3"  # S2 is reported as O3


def test_the_command_covers_a_units_subtree(staffing_bank):
    objects = json.loads(command("--unit", "HF01", "--on", ON.isoformat(), "--format", "json"))
    assert {o["unit_code"] for o in objects} == {"HF01", "HF0101", "HF0102", "HFV"}
    assert as_rows(objects) == [row for row in EXPECTED if row[1] in {"HF01", "HF0101", "HF0102", "HFV"}]


def test_the_command_refuses_an_unknown_unit_and_a_bad_date(staffing_bank):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        command("--unit", "NOPE")
    with pytest.raises(CommandError):
        command("--on", "2011-02-30")


def test_the_endpoint_answers_the_callers_subtree(staffing_bank):
    wuhu = api_as(staffing_bank["people"]["CM3"])
    response = wuhu.get("/api/v1/compliance/", {"on": ON.isoformat()})
    assert response.status_code == 200
    assert as_rows(response.json()["results"]) == [row for row in EXPECTED if row[1].startswith("WH")]
    everything = api_as(staffing_bank["people"]["PA1"]).get("/api/v1/compliance/", {"on": ON.isoformat()}).json()
    assert everything["count"] == len(EXPECTED)


@pytest.mark.parametrize(
    ("params", "field"), [({"on": "2011-13-01"}, "on"), ({"unit": "HF"}, "unit"), ({"unit": "NOPE"}, "unit")]
)
def test_the_endpoint_answers_400_naming_the_parameter(staffing_bank, params, field):
    response = api_as(staffing_bank["people"]["CM3"]).get("/api/v1/compliance/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_rule_O5_a_manager_sees_the_clients_they_serve_elsewhere_and_nothing_else(staffing_bank, login):
    people, clients = staffing_bank["people"], staffing_bank["clients"]
    wuhu_manager = people["CM3"]
    page = login(wuhu_manager)
    listed = lambda: [row["client_no"] for row in api_as(wuhu_manager).get("/api/v1/clients/").json()["results"]]  # noqa: E731
    assert listed() == ["C3"]
    c2_link = reverse("client-detail", args=["C2"])  # not "C2": a CSRF token may hold those letters
    assert c2_link not in page.get(reverse("client-list")).content.decode()
    today = timezone.localdate()
    team(clients, people, ("C2", "CM3", "MEMBER", 0), start=today - datetime.timedelta(days=10))
    assert listed() == ["C2", "C3"]  # a Hefei client on whose team the Wuhu manager now is
    assert page.get(reverse("client-detail", args=["C2"])).status_code == 200
    assert c2_link in page.get(reverse("client-list")).content.decode()  # the cached page knows
    assert page.get(reverse("client-detail", args=["C1"])).status_code == 404  # nothing else of C2's outlet
    # The assignment ended yesterday: the client is gone again.
    joined = Assignment.objects.get(client=clients["C2"], employee=wuhu_manager)
    services.assignment_end(joined, on=today - datetime.timedelta(days=1), actor=SYSTEM)
    assert listed() == ["C3"]
    assert c2_link not in page.get(reverse("client-list")).content.decode()


def test_the_report_is_kept_until_a_row_it_reads_changes(staffing_bank, django_assert_max_num_queries):
    from staffing import compliance

    first = compliance.report(user=SYSTEM, on=ON)
    with django_assert_max_num_queries(10):  # the sources' version, not the rules' queries
        assert compliance.report(user=SYSTEM, on=ON) == first
    services.qualifications_save(
        [{"employee": staffing_bank["people"]["CM2"], "kind": "CM_CERT", "valid_from": ON, "valid_to": None}],
        actor=SYSTEM,
    )
    again = compliance.report(user=SYSTEM, on=ON)
    assert ("S7", "CM2") in {(b.rule, b.employee_no) for b in first}
    assert ("S7", "CM2") not in {(b.rule, b.employee_no) for b in again}


def test_a_login_writes_no_history_and_keeps_the_report(staffing_bank, client):
    from accounts.models import User

    person = staffing_bank["people"]["CM3"]
    person.set_password("Secret-2026-x")
    person.save()
    before = User.history.count()
    assert client.post("/accounts/login/", {"username": "CM3", "password": "Secret-2026-x"}).status_code == 302
    assert User.history.count() == before
    assert User.objects.get(pk=person.pk).last_login is not None
