"""Pages of the client registry: scoped to the person (rule O5) in a bounded number of queries;
tiers on a date (C2, C3), segments (C4), responsible (C5) and deposit (C6) departments, requests
routed and accepted (C8)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from marketing import services
from marketing.models import BusinessRequest, Client, ClientKind, Tier
from tests.export_files import csv_lines
from tests.helpers import grant
from tests.marketing.conftest import month

D = datetime.date
LISTED_SINCE = D(2020, 1, 1)


def save_clients(bank, *rows):
    """rows: (client_no, name, kind, account unit code, {flags and group_parent_no})."""
    services.clients_save(
        [
            services.ClientData(client_no=no, name=name, kind=kind, account_unit=bank[unit], **extra)
            for no, name, kind, unit, extra in rows
        ],
        actor=SYSTEM,
    )
    return {client.client_no: client for client in Client.objects.select_related("account_unit")}


def put_on_list(client, tier, owner, start=LISTED_SINCE, end=None):
    return services.tier_entry_add(
        client=client, tier=tier, owner_unit=owner, valid_from=start, valid_to=end, reason="测试", actor=SYSTEM
    )


@pytest.fixture
def clients(bank):
    """HF001 (Hefei outlet, loans, province list) heads a group with HF002 (Hefei sub-branch, no
    loans, Hefei's city list) and WH001 (Wuhu outlet, province list); HF101 is a high-end Hefei
    individual, WH101 a mid-range Wuhu one."""
    clients = save_clients(
        bank,
        ("HF001", "合肥钢铁集团", ClientKind.CORPORATE, "HF0101", {"has_loan": True, "industry": "钢铁"}),
        ("HF002", "合肥钢铁贸易", ClientKind.CORPORATE, "HF01", {"group_parent_no": "HF001"}),
        ("WH001", "芜湖钢铁加工", ClientKind.CORPORATE, "WH0101", {"group_parent_no": "HF001"}),
        ("HF101", "张高端", ClientKind.INDIVIDUAL, "HF0101", {}),
        ("WH101", "李中端", ClientKind.INDIVIDUAL, "WH0101", {}),
    )
    put_on_list(clients["HF001"], Tier.PROVINCE, bank["AH"])
    put_on_list(clients["HF002"], Tier.CITY, bank["HF"])
    put_on_list(clients["WH001"], Tier.PROVINCE, bank["AH"])
    for when, deposits in [(D(2024, 1, 1), "1000000"), (D(2024, 2, 1), "1200000"), (D(2024, 3, 1), "1234567.89")]:
        month(
            clients["HF001"],
            when,
            deposits_avg=Decimal(deposits),
            loans=Decimal("5000000"),
            annual_contribution=Decimal("3000000"),
        )
    month(clients["HF002"], D(2024, 3, 1), deposits_avg=Decimal("200000"))
    month(clients["WH001"], D(2024, 3, 1), deposits_avg=Decimal("300000"))
    month(clients["HF101"], D(2024, 1, 1), aum=Decimal("150000"), deposits_avg=Decimal("100000"))
    month(clients["HF101"], D(2024, 3, 1), aum=Decimal("1500000"), deposits_avg=Decimal("400000"))
    month(clients["WH101"], D(2024, 3, 1), aum=Decimal("300000"), deposits_avg=Decimal("50000"))
    return clients


def listed(response):
    return [client.client_no for client in response.context["listing"].page.object_list]


# --- the client list -------------------------------------------------------------------------


def test_client_list_of_wuhu_manager_holds_only_wuhu_clients(login, wuhu_manager, clients):
    response = login(wuhu_manager).get(reverse("client-list"))
    assert response.status_code == 200
    assert listed(response) == ["WH001", "WH101"]
    assert "合肥钢铁集团" not in response.content.decode()


def test_client_list_shows_tier_segment_department_and_figures_in_10k_yuan(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-list"))
    rows = {client.client_no: client for client in response.context["page"].object_list}
    assert (rows["HF001"].tier, rows["HF001"].responsible_department) == (
        Tier.PROVINCE,
        "CORP1",
    )  # rule C5: credit client
    assert rows["HF002"].tier == Tier.CITY and rows["HF002"].responsible_department is None
    assert (rows["HF101"].segment, rows["HF101"].responsible_department) == ("HIGH", "PERSONAL")  # rule C4, C5
    assert rows["HF101"].aum_wan == Decimal("150.00")
    assert rows["HF001"].contribution_wan == Decimal("300.00")
    assert "300.00" in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"tier": "PROVINCE"}, ["HF001", "WH001"]),
        ({"tier": "CITY"}, ["HF002"]),
        (
            {"tier": "SUB_BRANCH", "kind": "CORPORATE", "on": "2019-12-31"},
            ["HF001", "HF002", "WH001"],
        ),  # rule C2: by date
        ({"segment": "HIGH"}, ["HF101"]),
        ({"segment": "MID"}, ["WH101"]),
        ({"account_unit": "HF01"}, ["HF001", "HF002", "HF101"]),  # the sub-branch's whole subtree
        ({"account_unit": "HF0101"}, ["HF001", "HF101"]),
        ({"responsible_department": "CORP1"}, ["HF001"]),
        ({"responsible_department": "SETTLEMENT"}, ["WH001"]),  # rule C5: no-loan province client
        ({"responsible_department": "NONE"}, ["HF002", "WH101"]),
        ({"has_loan": "true"}, ["HF001"]),
        ({"kind": "INDIVIDUAL"}, ["HF101", "WH101"]),
        ({"q": "钢铁"}, ["HF001", "HF002", "WH001"]),
        ({"q": "hf10"}, ["HF101"]),
    ],
)
def test_client_list_filters(login, province_analyst, clients, query, expected):
    response = login(province_analyst).get(reverse("client-list"), query)
    assert not response.context["filter"].errors
    assert listed(response) == expected


def test_client_list_defaults_to_today(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-list"))
    assert response.context["on"] == timezone.localdate()
    assert response.context["filter"].form["on"].value() == response.context["on"].isoformat()


def test_client_list_refuses_an_account_unit_outside_the_subtree(login, wuhu_manager, clients):
    response = login(wuhu_manager).get(reverse("client-list"), {"account_unit": "HF01"})
    assert "account_unit" in response.context["filter"].errors
    assert listed(response) == ["WH001", "WH101"]


def test_client_list_shows_an_empty_state(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-list"), {"q": "没有这个客户"})
    assert listed(response) == []
    assert 'class="empty"' in response.content.decode()


def test_client_list_bad_date_is_reported_and_today_used(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-list"), {"on": "2024-02-30", "tier": "PROVINCE"})
    assert "on" in response.context["listing"].filter.errors
    assert listed(response) == ["HF001", "WH001"]


def test_client_list_makes_a_bounded_number_of_queries(
    login, province_analyst, bank, clients, django_assert_max_num_queries
):
    save_clients(bank, *[(f"X{n:04d}", f"客户{n}", ClientKind.CORPORATE, "HF0101", {}) for n in range(120)])
    client = login(province_analyst)
    # Four of them read the read model's state: whether its rows are read (marketing.standing)
    # and the version keying the cached page, the cached count and the drop-down's options
    # (marketing.caching, marketing.paging, bankops.widgets).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("client-list"), {"tier": "SUB_BRANCH"}).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("client-list"), {"page": 3}).status_code == 200


def test_client_export_is_scoped_and_is_a_report(login, wuhu_manager, clients):
    response = login(wuhu_manager).get(reverse("client-list"), {"export": "csv"})
    lines = csv_lines(response)
    assert lines[0].startswith("客户号,客户名称,客户类型,账户行代码,账户行,")
    assert [line.split(",")[0] for line in lines[1:]] == ["WH001", "WH101"]
    # The group parent banks in Hefei: outside the person's part of the bank, no number, no name.
    assert (
        lines[1]
        == "WH001,芜湖钢铁加工,对公,WH0101,镜湖网点,,否,否,否,否,否,否,,您管辖范围以外的客户,省行级,,SETTLEMENT,结算与现金管理部,SETTLEMENT,结算与现金管理部,,,30.00"
    )


def test_client_export_follows_the_filters_and_offers_excel(login, province_analyst, clients):
    client = login(province_analyst)
    lines = csv_lines(client.get(reverse("client-list"), {"export": "csv", "segment": "HIGH"}))
    assert [line.split(",")[0] for line in lines[1:]] == ["HF101"]
    response = client.get(reverse("client-list"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- one client ------------------------------------------------------------------------------


def test_hefei_client_page_is_not_found_for_wuhu_manager(login, wuhu_manager, clients):
    client = login(grant(wuhu_manager, "marketing.change_client"))
    assert client.get(reverse("client-detail", args=["HF001"])).status_code == 404
    assert (
        client.post(
            reverse("client-override", args=["HF001"]),
            {"responsible_override": "CORP2", "responsible_override_reason": "x"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("client-request-create", args=["HF001"]), {"nature": "DAILY", "description": "x"}
        ).status_code
        == 404
    )
    assert not BusinessRequest.objects.exists()
    assert Client.objects.get(client_no="HF001").responsible_override == ""


def test_client_page_shows_tier_history_and_a_chart_of_vendored_echarts(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-detail", args=["HF001"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert [entry.tier for entry in response.context["tier_history"]] == [Tier.PROVINCE]
    assert response.context["client"].deposit_department == "CORP1"  # rule C6: client with loans
    chart = response.context["chart"]
    assert chart["months"] == ["2024-01", "2024-02", "2024-03"]
    assert chart["series"][0]["data"] == ["100.00", "120.00", "123.46"]
    assert 'id="metrics-data"' in page and "/static/vendor/echarts/echarts.min.js" in page
    # Nothing loads from elsewhere (a CDN): every script, style and link is this server's.
    # (Not a search for "cdn" in the page: a random CSRF token may hold those letters.)
    assert re.findall(r'(?:src|href)="((?:[a-z]+:)?//[^"]*)"', page) == []


def test_client_page_tier_on_a_past_date(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("client-detail", args=["HF001"]), {"on": "2019-06-30"})
    assert response.context["client"].tier == Tier.SUB_BRANCH


def test_client_page_of_an_individual_shows_its_segment_history(login, hefei_manager, clients):
    response = login(hefei_manager).get(reverse("client-detail", args=["HF101"]))
    assert [(change["month"], change["segment"]) for change in response.context["segment_history"]] == [
        (D(2024, 1, 1), "ORDINARY"),
        (D(2024, 3, 1), "HIGH"),
    ]
    assert response.context["client"].responsible_department == "PERSONAL"


def test_client_page_lists_group_members_within_the_persons_subtree(login, hefei_person, province_analyst, clients):
    response = login(hefei_person).get(reverse("client-detail", args=["HF001"]))
    assert [member.client_no for member in response.context["subsidiaries"]] == ["HF002"]
    assert "WH001" not in response.content.decode()
    response = login(province_analyst).get(reverse("client-detail", args=["HF001"]))
    assert [member.client_no for member in response.context["subsidiaries"]] == ["HF002", "WH001"]


def test_client_page_does_not_name_a_group_parent_outside_the_subtree(login, wuhu_manager, clients):
    response = login(wuhu_manager).get(reverse("client-detail", args=["WH001"]))
    assert response.context["parent"] is None and response.context["parent_hidden"]
    assert "合肥钢铁集团" not in response.content.decode()


def test_client_page_makes_a_bounded_number_of_queries(
    login, province_analyst, bank, clients, django_assert_max_num_queries
):
    hf001 = clients["HF001"]
    for year in range(2010, 2020):
        month(hf001, D(year, 6, 1), deposits_avg=Decimal(year))
    save_clients(
        bank,
        *[(f"S{n:03d}", f"子公司{n}", ClientKind.CORPORATE, "HF0101", {"group_parent_no": "HF001"}) for n in range(30)],
    )
    for n in range(5):
        services.business_request_create(
            client=hf001, nature="DAILY", is_credit=False, description=f"日常{n}", actor=SYSTEM
        )
    client = login(grant(province_analyst, "marketing.change_client"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("client-detail", args=["HF001"])).status_code == 200


# --- the responsible-department override (rule C5) -------------------------------------------


def test_override_form_is_only_for_authorised_people(login, hefei_manager, clients):
    client = login(hefei_manager)
    response = client.get(reverse("client-detail", args=["HF001"]))
    assert response.context["override_form"] is None
    assert 'action="/clients/HF001/override/"' not in response.content.decode()
    assert (
        client.post(
            reverse("client-override", args=["HF001"]),
            {"responsible_override": "CORP2", "responsible_override_reason": "x"},
        ).status_code
        == 403
    )
    assert Client.objects.get(client_no="HF001").responsible_override == ""


def test_override_without_a_reason_is_reshown_with_the_error(login, hefei_person, clients):
    client = login(grant(hefei_person, "marketing.change_client"))
    response = client.post(
        reverse("client-override", args=["HF001"]),
        {"responsible_override": "CORP2", "responsible_override_reason": "  "},
    )
    assert response.status_code == 200
    form = response.context["override_form"]
    assert "responsible_override_reason" in form.errors
    page = response.content.decode()
    assert '<option value="CORP2" selected>' in page  # the input is kept
    assert Client.objects.get(client_no="HF001").responsible_override == ""  # nothing written


def test_override_with_an_unknown_department_is_refused_next_to_the_field(login, hefei_person, clients):
    client = login(grant(hefei_person, "marketing.change_client"))
    response = client.post(
        reverse("client-override", args=["HF001"]), {"responsible_override": "NOPE", "responsible_override_reason": "x"}
    )
    assert "responsible_override" in response.context["override_form"].errors


def test_override_is_saved_with_its_reason_and_shown(login, hefei_person, clients):
    client = login(grant(hefei_person, "marketing.change_client"))
    response = client.post(
        reverse("client-override", args=["HF001"]),
        {"responsible_override": "INTERNATIONAL", "responsible_override_reason": "主要为进出口结算"},
        follow=True,
    )
    assert response.status_code == 200
    saved = Client.objects.get(client_no="HF001")
    assert (saved.responsible_override, saved.responsible_override_reason) == ("INTERNATIONAL", "主要为进出口结算")
    assert saved.history.latest().history_user == hefei_person
    assert response.context["client"].responsible_department == "INTERNATIONAL"
    assert response.context["computed_responsible"].endswith("(CORP1)")
    assert "主要为进出口结算" in response.content.decode()


# --- business requests (rule C8) -------------------------------------------------------------


def test_a_major_request_of_a_province_client_is_routed_to_the_province(login, hefei_manager, bank, clients):
    response = login(hefei_manager).post(
        reverse("client-request-create", args=["HF001"]),
        {"nature": "MAJOR", "description": "银团贷款竞争", "is_credit": "on", "amount": "300000000"},
        follow=True,
    )
    request = BusinessRequest.objects.get()
    assert (request.accepting_unit, request.client_tier, request.received_by) == (
        bank["AH"],
        Tier.PROVINCE,
        hefei_manager,
    )
    page = response.content.decode()
    assert bank["AH"].name in page and request.routing_reason in page


def test_a_credit_request_goes_up_from_a_sub_branch_without_credit_authority(login, hefei_person, bank, clients):
    login(hefei_person).post(
        reverse("client-request-create", args=["HF002"]),
        {"nature": "GENERAL", "description": "流动资金贷款", "is_credit": "on", "amount": "5000000"},
    )
    assert BusinessRequest.objects.get().accepting_unit == bank["HF"]


def test_a_daily_request_stays_at_the_sub_branch(login, hefei_manager, bank, clients):
    login(hefei_manager).post(
        reverse("client-request-create", args=["HF001"]), {"nature": "DAILY", "description": "开立账户"}
    )
    assert BusinessRequest.objects.get().accepting_unit == bank["HF01"]


def test_a_request_without_a_description_is_reshown_with_the_error(login, hefei_manager, clients):
    response = login(hefei_manager).post(
        reverse("client-request-create", args=["HF001"]), {"nature": "MAJOR", "description": ""}
    )
    assert response.status_code == 200
    assert "description" in response.context["request_form"].errors
    assert '<option value="MAJOR" selected>' in response.content.decode()
    assert not BusinessRequest.objects.exists()


def test_request_list_is_scoped_and_shows_where_and_why(login, wuhu_manager, hefei_person, clients):
    major = services.business_request_create(
        client=clients["HF001"], nature="MAJOR", is_credit=False, description="合肥竞争", actor=SYSTEM
    )
    daily = services.business_request_create(
        client=clients["HF001"], nature="DAILY", is_credit=False, description="合肥日常", actor=SYSTEM
    )
    services.business_request_create(
        client=clients["WH001"], nature="DAILY", is_credit=False, description="芜湖", actor=SYSTEM
    )
    response = login(wuhu_manager).get(reverse("request-list"))
    assert [item.client.client_no for item in response.context["page"].object_list] == ["WH001"]
    assert "合肥钢铁集团" not in response.content.decode()
    client = login(hefei_person)
    response = client.get(reverse("request-list"), {"status": "open"})
    assert {item.pk for item in response.context["page"].object_list} == {major.pk, daily.pk}
    assert major.routing_reason in response.content.decode()
    response = client.get(reverse("request-list"), {"mine": "on"})  # the province's request is not Hefei's to accept
    assert [item.pk for item in response.context["page"].object_list] == [daily.pk]


def test_people_of_the_accepting_unit_accept_a_request(login, province_analyst, clients):
    request = services.business_request_create(
        client=clients["HF001"], nature="MAJOR", is_credit=False, description="竞争性需求", actor=SYSTEM
    )
    client = login(province_analyst)
    listing = client.get(reverse("request-list"))
    assert listing.context["page"].object_list[0].can_accept
    response = client.post(reverse("request-accept", args=[request.pk]), follow=True)
    request.refresh_from_db()
    assert request.accepted_by == province_analyst and request.accepted_at is not None
    assert response.redirect_chain[-1][0] == reverse("request-list")


def test_someone_else_is_refused_acceptance_with_a_message(login, hefei_manager, clients):
    request = services.business_request_create(
        client=clients["HF001"], nature="MAJOR", is_credit=False, description="竞争性需求", actor=SYSTEM
    )
    client = login(hefei_manager)
    assert not client.get(reverse("request-list")).context["page"].object_list[0].can_accept
    response = client.post(reverse("request-accept", args=[request.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    request.refresh_from_db()
    assert request.accepted_by is None


def test_a_request_of_another_city_cannot_be_accepted(login, wuhu_manager, clients):
    request = services.business_request_create(
        client=clients["HF001"], nature="DAILY", is_credit=False, description="x", actor=SYSTEM
    )
    assert login(wuhu_manager).post(reverse("request-accept", args=[request.pk])).status_code == 404


def test_request_list_makes_a_bounded_number_of_queries(
    login, province_analyst, clients, django_assert_max_num_queries
):
    for n in range(60):
        services.business_request_create(
            client=clients["HF001" if n % 2 else "WH001"],
            nature="DAILY",
            is_credit=False,
            description=f"{n}",
            actor=SYSTEM,
        )
    client = login(province_analyst)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("request-list")).status_code == 200


# --- deposit responsibility (rule C6) --------------------------------------------------------


def test_rule_C6_deposits_by_responsible_department(login, province_analyst, wuhu_manager, clients):
    response = login(province_analyst).get(reverse("client-deposits"))
    rows = {row["deposit_department"]: (row["clients"], row["deposits_wan"]) for row in response.context["rows"]}
    assert rows == {
        "CORP1": (1, Decimal("123.46")),  # HF001 has loans
        "SETTLEMENT": (2, Decimal("50.00")),  # HF002 and WH001 have none
        "PERSONAL": (2, Decimal("45.00")),  # savings of HF101 and WH101
    }
    assert 'id="deposits-data"' in response.content.decode()
    chart = json.loads(
        response.content.decode().split('id="deposits-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["series"][0]["data"]) == 3
    response = login(wuhu_manager).get(reverse("client-deposits"))
    assert {row["deposit_department"]: row["clients"] for row in response.context["rows"]} == {
        "SETTLEMENT": 1,
        "PERSONAL": 1,
    }


# --- named lists (rules C2, C3) --------------------------------------------------------------


def test_hefei_list_marks_the_derived_entries(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("tier-lists"), {"unit": "HF"})
    rows = [(row["client_no"], row["derived"]) for row in response.context["page"].object_list]
    assert rows == [("HF001", True), ("HF002", False)]
    assert 'class="derived"' in response.content.decode()


def test_named_list_export_is_a_report_with_the_derived_flag(login, province_analyst, clients):
    response = login(province_analyst).get(reverse("tier-lists"), {"unit": "HF", "on": "2024-06-30", "export": "csv"})
    lines = csv_lines(response)
    assert lines[0] == "客户号,客户名称,层级,名单所属机构代码,名单所属机构,生效日期,失效日期,原因,派生（C3）"
    assert lines[1].startswith("HF001,合肥钢铁集团,二级分行级,HF,合肥分行,2020-01-01,,") and lines[1].endswith(",是")
    assert lines[2] == "HF002,合肥钢铁贸易,二级分行级,HF,合肥分行,2020-01-01,,测试,否"
    before = csv_lines(
        login(province_analyst).get(reverse("tier-lists"), {"unit": "HF", "on": "2019-12-31", "export": "csv"})
    )
    assert len(before) == 1


def test_named_list_of_the_province_shows_a_wuhu_manager_only_wuhu_clients(login, wuhu_manager, clients):
    client = login(wuhu_manager)
    response = client.get(reverse("tier-lists"), {"unit": "AH"})
    assert [row["client_no"] for row in response.context["page"].object_list] == ["WH001"]
    lines = csv_lines(client.get(reverse("tier-lists"), {"unit": "AH", "export": "csv"}))
    assert [line.split(",")[0] for line in lines[1:]] == ["WH001"]
    assert client.get(reverse("tier-lists"), {"unit": "HF"}).status_code == 404


def test_named_lists_open_on_the_persons_own_city(login, wuhu_manager, clients):
    response = login(wuhu_manager).get(reverse("tier-lists"))
    assert response.context["unit"].code == "WH"
    assert [owner.code for owner in response.context["owners"]] == ["AH", "WH"]


def test_named_list_makes_a_bounded_number_of_queries(
    login, province_analyst, bank, clients, django_assert_max_num_queries
):
    save_clients(bank, *[(f"L{n:03d}", f"名单客户{n}", ClientKind.CORPORATE, "HF0101", {}) for n in range(40)])
    for client_obj in Client.objects.filter(client_no__startswith="L"):
        put_on_list(client_obj, Tier.CITY, bank["HF"])
    client = login(province_analyst)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("tier-lists"), {"unit": "HF"}).status_code == 200


# --- every page ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["client-list", "request-list", "client-deposits", "tier-lists"])
def test_every_client_page_renders_for_a_branch_person_without_data(login, hefei_manager, name):
    assert login(hefei_manager).get(reverse(name)).status_code == 200


def test_the_clients_area_is_in_the_navigation(login, hefei_person):
    page = login(hefei_person).get(reverse("home")).content.decode()
    assert f'href="{reverse("client-list")}"' in page
