"""The staffing admin: assignments added through the rules (A1–A10), grades edited by the
province, the lists scoped (rule O5)."""

from decimal import Decimal

from staffing.models import Assignment, GradePolicy
from tests.helpers import make_staff
from tests.staffing.conftest import ON

ADD = "/admin/staffing/assignment/add/"


def test_the_admin_refuses_an_assignment_with_its_rule_next_to_the_field(staffing_bank, login):
    people, clients = staffing_bank["people"], staffing_bank["clients"]
    admin_user = make_staff(people["PA1"], "staffing")
    # C3 (Wuhu, 4 million a year) to a junior lead: A2, and this administrator may not override.
    data = {"client": clients["C3"].pk, "employee": people["CM2"].pk, "role": "LEAD", "split": "100", "valid_from": ON}
    response = login(admin_user).post(ADD, {**data, "valid_from": ON.isoformat(), "override_reason": ""})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "A2" in str(errors["employee"])
    assert not Assignment.objects.filter(client=clients["C3"]).exists()


def test_the_admin_adds_an_assignment_through_the_service(staffing_bank, login):
    people, clients = staffing_bank["people"], staffing_bank["clients"]
    admin_user = make_staff(people["PA1"], "staffing")
    response = login(admin_user).post(
        ADD,
        {
            "client": clients["C3"].pk,
            "employee": people["CM3"].pk,
            "role": "LEAD",
            "split": "100",
            "valid_from": ON.isoformat(),
        },
    )
    assert response.status_code == 302
    made = Assignment.objects.get(client=clients["C3"])
    assert (made.employee, made.added_by, made.history.latest().history_user) == (
        people["CM3"],
        admin_user,
        admin_user,
    )


def test_grades_are_edited_by_the_province_only(staffing_bank, login):
    junior = GradePolicy.objects.get(grade="JUNIOR")
    url = f"/admin/staffing/gradepolicy/{junior.pk}/change/"
    form = {"pay_coefficient": "1.10", "capacity": "220", "loan_authority": "6000000.00"}
    province = make_staff(staffing_bank["people"]["PA1"], "staffing")
    assert login(province).post(url, form).status_code == 302
    junior.refresh_from_db()
    assert (junior.capacity, junior.loan_authority) == (220, Decimal("6000000.00"))
    hefei = make_staff(staffing_bank["people"]["HFO1"], "staffing")
    response = login(hefei).post(url, {**form, "capacity": "999"})
    junior.refresh_from_db()
    assert junior.capacity == 220 and response.status_code == 403
