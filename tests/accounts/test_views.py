"""Pages of the organisation: each shows only the person's subtree (rule O5), in few queries."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.actors import SYSTEM
from accounts.models import Position
from tests.helpers import grant


def test_anonymous_visitor_is_sent_to_login(client, bank):
    response = client.get(reverse("unit-tree", args=["HF"]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_login_page_speaks_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_login_page_stays_chinese_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()


def test_login_page_speaks_english_when_chosen(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert "Log in" in response.content.decode()


def test_unit_tree_shows_staff_counts_per_child_subtree(login, hefei_person, hefei_manager, bank):
    response = login(hefei_person).get(reverse("unit-tree", args=["HF"]))
    assert response.status_code == 200
    rows = {row["unit"].code: row for row in response.context["rows"]}
    # The Hefei manager works at outlet HF0101, under sub-branch HF01: counted on HF01's row.
    managers = response.context["positions"].index(Position.CUSTOMER_MANAGER)
    assert rows["HF01"]["counts"][managers] == 1
    assert rows["HF"]["total"] == 1  # the city's own staff: the Hefei person
    assert response.context["grand_total"] == 2


def test_unit_tree_of_another_city_is_not_found_for_wuhu_manager(login, wuhu_manager):
    assert login(wuhu_manager).get(reverse("unit-tree", args=["HF"])).status_code == 404
    assert login(wuhu_manager).get(reverse("unit-tree", args=["HF0101"])).status_code == 404


def test_unit_tree_breadcrumb_stops_at_the_persons_own_unit(login, hefei_person):
    response = login(hefei_person).get(reverse("unit-tree", args=["HF0101"]))
    assert [unit.code for unit in response.context["trail"]] == ["HF", "HF01", "HF0101"]


def test_unit_tree_query_count_does_not_grow_with_children(
    login, province_analyst, bank, django_assert_max_num_queries
):
    client = login(province_analyst)
    for n in range(30):
        services.unit_create(code=f"HF9{n:02d}", name=f"支行{n}", kind="SUB_BRANCH", parent=bank["HF"], actor=SYSTEM)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("unit-tree", args=["HF"])).status_code == 200


def test_employee_list_hides_other_cities(login, wuhu_manager, hefei_manager):
    response = login(wuhu_manager).get(reverse("employee-list"))
    shown = [person.username for person in response.context["page"].object_list]
    assert shown == ["W0101"]


def test_employee_list_filters_by_unit_subtree_and_search(login, province_analyst, hefei_manager, wuhu_manager):
    client = login(province_analyst)
    response = client.get(reverse("employee-list"), {"unit": "HF01"})
    assert [p.username for p in response.context["page"].object_list] == ["H0101"]
    response = client.get(reverse("employee-list"), {"q": "赵"})
    assert [p.username for p in response.context["page"].object_list] == ["W0101"]


def test_employee_list_refuses_a_unit_filter_outside_the_subtree(login, wuhu_manager, hefei_manager):
    response = login(wuhu_manager).get(reverse("employee-list"), {"unit": "HF"})
    assert response.status_code == 200
    assert "unit" in response.context["filter"].errors
    assert [p.username for p in response.context["page"].object_list] == ["W0101"]


def test_employee_list_page_makes_a_bounded_number_of_queries(
    login, province_analyst, bank, django_assert_max_num_queries
):
    services.employees_save(
        [
            services.EmployeeData(
                employee_no=f"E{n:04d}", name=f"员工{n}", unit=bank["HF0101"], position=Position.TELLER
            )
            for n in range(120)
        ],
        actor=SYSTEM,
    )
    client = login(province_analyst)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("employee-list")).status_code == 200


def test_employee_export_is_scoped_and_is_a_report(login, wuhu_manager, hefei_manager):
    response = login(wuhu_manager).get(reverse("employee-list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("工号,姓名,机构代码,机构,")
    assert len(lines) == 2 and lines[1].startswith("W0101,")


def test_employee_detail_outside_the_subtree_is_not_found(login, wuhu_manager, hefei_manager):
    assert login(wuhu_manager).get(reverse("employee-detail", args=["H0101"])).status_code == 404


def test_employee_detail_shows_history_of_changes(login, province_analyst, hefei_manager, bank):
    province_analyst = grant(province_analyst, "accounts.add_user", "accounts.change_user")
    services.employees_save(
        [
            services.EmployeeData(
                employee_no="H0101",
                name="张客户经理",
                unit=bank["HF0101"],
                position=Position.CUSTOMER_MANAGER,
                manager_kind="CORPORATE",
                grade="PRINCIPAL",
            )
        ],
        actor=province_analyst,
    )
    response = login(province_analyst).get(reverse("employee-detail", args=["H0101"]))
    assert response.status_code == 200
    record, changes = response.context["history"][0]
    assert record.history_user == province_analyst
    assert [(str(label), old, new) for label, old, new in changes] == [("等级", "SENIOR", "PRINCIPAL")]


@pytest.mark.parametrize("name", ["home", "unit-tree-home", "employee-list", "password_change"])
def test_every_page_renders_for_a_branch_person(login, hefei_person, name):
    response = login(hefei_person).get(reverse(name), follow=True)
    assert response.status_code == 200
