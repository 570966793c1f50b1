"""The tier-list administrators' admin panel: scoped (rule O5), writes through the services
(rules C2, C3), entries ended never edited nor deleted, exports in the `tiers` import columns."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from marketing import services
from marketing.models import BusinessRequest, Client, ClientKind, SegmentThresholds, Tier, TierEntry
from accounts.actors import SYSTEM

D = datetime.date
CHANGELIST = "/admin/marketing/tierentry/"


def make_tier_admin(user):
    """Staff with the marketing models' permissions (the tier-list administrator's role)."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="marketing"))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def entries(bank):
    """HF1 (Hefei outlet) on the province list through 2019, then on Hefei's city list; HF2
    (Hefei sub-branch) on Hefei's list from 2021; WH1 (Wuhu outlet) on the province list."""
    services.clients_save([
        services.ClientData(client_no="HF1", name="合肥甲公司", kind=ClientKind.CORPORATE, account_unit=bank["HF0101"], has_loan=True),
        services.ClientData(client_no="HF2", name="合肥乙公司", kind=ClientKind.CORPORATE, account_unit=bank["HF01"]),
        services.ClientData(client_no="WH1", name="芜湖丙公司", kind=ClientKind.CORPORATE, account_unit=bank["WH0101"]),
        services.ClientData(client_no="HFI", name="合肥个人", kind=ClientKind.INDIVIDUAL, account_unit=bank["HF0101"]),
    ], actor=SYSTEM)
    clients = {client.client_no: client for client in Client.objects.select_related("account_unit")}

    def add(no, tier, owner, start, end=None):
        return services.tier_entry_add(client=clients[no], tier=tier, owner_unit=bank[owner], valid_from=start, valid_to=end, reason="名单", actor=SYSTEM)

    return {
        "clients": clients,
        "HF1-province": add("HF1", Tier.PROVINCE, "AH", D(2018, 1, 1), D(2019, 12, 31)),
        "HF1-city": add("HF1", Tier.CITY, "HF", D(2020, 1, 1)),
        "HF2-city": add("HF2", Tier.CITY, "HF", D(2021, 1, 1)),
        "WH1-province": add("WH1", Tier.PROVINCE, "AH", D(2018, 1, 1)),
    }


def shown(response):
    return sorted((entry.client.client_no, entry.tier) for entry in response.context["cl"].result_list)


def test_tier_admin_filters_entries_in_force_on_any_date(login, province_analyst, entries):
    client = login(make_tier_admin(province_analyst))
    assert shown(client.get(CHANGELIST, {"on": "2019-06-30"})) == [("HF1", "PROVINCE"), ("WH1", "PROVINCE")]
    assert shown(client.get(CHANGELIST, {"on": "2020-01-01"})) == [("HF1", "CITY"), ("WH1", "PROVINCE")]
    assert shown(client.get(CHANGELIST, {"on": "2019-12-31", "tier": "PROVINCE"})) == [("HF1", "PROVINCE"), ("WH1", "PROVINCE")]
    assert len(shown(client.get(CHANGELIST))) == 4


def test_tier_admin_date_filter_offers_presets_and_keeps_a_typed_date(login, province_analyst, entries):
    response = login(make_tier_admin(province_analyst)).get(CHANGELIST, {"on": "2019-06-30"})
    page = response.content.decode()
    assert f"?on={timezone.localdate().isoformat()}" in page
    assert "?on=2019-06-30" in page


def test_tier_admin_refuses_a_date_that_is_not_one(login, province_analyst, entries):
    response = login(make_tier_admin(province_analyst)).get(CHANGELIST, {"on": "2019-02-30"})
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_tier_admin_changelist_is_scoped(login, wuhu_manager, entries):
    client = login(make_tier_admin(wuhu_manager))
    assert shown(client.get(CHANGELIST)) == [("WH1", "PROVINCE")]
    hefei_entry = entries["HF1-city"]
    assert client.get(f"{CHANGELIST}{hefei_entry.pk}/change/").status_code == 302  # "does not exist"
    clients = client.get("/admin/marketing/client/")
    assert [c.client_no for c in clients.context["cl"].result_list] == ["WH1"]


def test_admin_add_form_refuses_a_city_entry_owned_by_the_province_next_to_the_field(login, province_analyst, bank, entries):
    client = login(make_tier_admin(province_analyst))
    response = client.post(f"{CHANGELIST}add/", {
        "client": entries["clients"]["HF2"].pk, "tier": "CITY", "owner_unit": bank["AH"].pk,
        "valid_from": "2020-01-01", "valid_to": "2020-06-30", "marketing_mode": "", "reason": "省行自定城市名单",
    })
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["owner_unit"]
    assert "省行自定城市名单" in response.content.decode()  # the input is kept
    assert not TierEntry.objects.filter(reason="省行自定城市名单").exists()


def test_admin_add_form_refuses_an_overlapping_entry_next_to_the_field(login, hefei_person, bank, entries):
    client = login(make_tier_admin(hefei_person))
    response = client.post(f"{CHANGELIST}add/", {
        "client": entries["clients"]["HF1"].pk, "tier": "CITY", "owner_unit": bank["HF"].pk,
        "valid_from": "2022-01-01", "reason": "重复",
    })
    assert "valid_from" in response.context["adminform"].form.errors


def test_admin_add_form_refuses_an_individual(login, province_analyst, bank, entries):
    client = login(make_tier_admin(province_analyst))
    response = client.post(f"{CHANGELIST}add/", {
        "client": entries["clients"]["HFI"].pk, "tier": "PROVINCE", "owner_unit": bank["AH"].pk,
        "valid_from": "2022-01-01", "reason": "个人",
    })
    assert "client" in response.context["adminform"].form.errors


def test_admin_adds_an_entry_through_the_service(login, province_analyst, bank, entries):
    admin_user = make_tier_admin(province_analyst)
    response = login(admin_user).post(f"{CHANGELIST}add/", {
        "client": entries["clients"]["HF2"].pk, "tier": "PROVINCE", "owner_unit": bank["AH"].pk,
        "valid_from": "2024-01-01", "marketing_mode": "LEAD", "reason": "升入省行名单",
    })
    assert response.status_code == 302
    entry = TierEntry.objects.get(reason="升入省行名单")
    assert (entry.tier, entry.added_by, entry.marketing_mode) == (Tier.PROVINCE, province_analyst, "LEAD")
    assert entry.history.latest().history_user == province_analyst


def test_a_city_admin_cannot_choose_the_province_as_owner(login, hefei_person, bank, entries):
    client = login(make_tier_admin(hefei_person))
    response = client.post(f"{CHANGELIST}add/", {
        "client": entries["clients"]["HF2"].pk, "tier": "PROVINCE", "owner_unit": bank["AH"].pk,
        "valid_from": "2024-01-01", "reason": "越权",
    })
    assert "owner_unit" in response.context["adminform"].form.errors
    assert not TierEntry.objects.filter(reason="越权").exists()


def test_entries_are_ended_by_the_action_never_edited_or_deleted(login, province_analyst, entries):
    client = login(make_tier_admin(province_analyst))
    entry = entries["WH1-province"]
    view = client.get(f"{CHANGELIST}{entry.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.post(f"{CHANGELIST}{entry.pk}/change/", {"reason": "改"}).status_code == 403
    assert client.get(f"{CHANGELIST}{entry.pk}/delete/").status_code == 403
    assert "delete_selected" not in dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)

    response = client.post(CHANGELIST, {"action": "end_today", "_selected_action": [entry.pk, entries["HF1-province"].pk]}, follow=True)
    entry.refresh_from_db()
    assert entry.valid_to == timezone.localdate()
    assert entry.history.latest().history_user == province_analyst
    assert TierEntry.objects.get(pk=entries["HF1-province"].pk).valid_to == D(2019, 12, 31)  # already over: unchanged
    assert {m.level_tag for m in response.context["messages"]} == {"success", "info"}


def test_a_city_admin_does_not_end_the_provinces_entries(login, hefei_person, entries):
    client = login(make_tier_admin(hefei_person))
    province_entry = entries["HF1-province"]
    TierEntry.objects.filter(pk=province_entry.pk).update(valid_to=None, valid_from=D(2018, 1, 1))
    TierEntry.objects.filter(pk=entries["HF1-city"].pk).update(valid_from=D(2030, 1, 1))  # keep the lists apart
    response = client.post(CHANGELIST, {"action": "end_today", "_selected_action": [province_entry.pk, entries["HF2-city"].pk]}, follow=True)
    assert TierEntry.objects.get(pk=province_entry.pk).valid_to is None
    assert TierEntry.objects.get(pk=entries["HF2-city"].pk).valid_to == timezone.localdate()
    assert "error" in {m.level_tag for m in response.context["messages"]}


def test_ending_an_entry_that_starts_later_is_refused_with_a_message(login, province_analyst, bank, entries):
    future = services.tier_entry_add(
        client=entries["clients"]["HF2"], tier=Tier.PROVINCE, owner_unit=bank["AH"],
        valid_from=timezone.localdate() + datetime.timedelta(days=30), reason="明年",
    actor=SYSTEM)
    response = login(make_tier_admin(province_analyst)).post(CHANGELIST, {"action": "end_today", "_selected_action": [future.pk]}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert TierEntry.objects.get(pk=future.pk).valid_to is None


def test_export_action_writes_the_tiers_import_columns(login, wuhu_manager, entries):
    client = login(make_tier_admin(wuhu_manager))
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [entries["WH1-province"].pk]})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines == ["client_no,tier,owner_unit_code,valid_from,valid_to,reason,marketing_mode", "WH1,PROVINCE,AH,2018-01-01,,名单,"]
    # A Hefei entry smuggled into the selection is not exported: the action sees the scoped list only.
    response = client.post(CHANGELIST, {"action": "export_xlsx", "_selected_action": [entries["WH1-province"].pk, entries["HF1-city"].pk]})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert [row[0] for row in rows] == ["client_no", "WH1"]


def test_tier_changelist_links_to_the_import_page(login, province_analyst, entries):
    page = login(make_tier_admin(province_analyst)).get(CHANGELIST).content.decode()
    assert f'href="{reverse("admin-import")}"' in page


def test_client_admin_shows_the_whole_tier_history_read_only(login, province_analyst, entries):
    client = login(make_tier_admin(province_analyst))
    hf1 = entries["clients"]["HF1"]
    response = client.get(f"/admin/marketing/client/{hf1.pk}/change/")
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.tier for form in inline] == ["PROVINCE", "CITY"]
    assert client.get("/admin/marketing/client/", {"q": "乙公司"}).context["cl"].result_list[0].client_no == "HF2"
    assert client.get(f"/admin/marketing/client/{hf1.pk}/delete/").status_code == 403


def test_client_admin_saves_through_the_service_and_refuses_its_own_parent(login, province_analyst, bank, entries):
    client = login(make_tier_admin(province_analyst))
    hf2 = entries["clients"]["HF2"]
    form = {
        "name": "合肥乙公司（新）", "kind": "CORPORATE", "account_unit": bank["HF01"].pk, "industry": "",
        "group_parent": hf2.pk, "tier_entries-TOTAL_FORMS": "0", "tier_entries-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/marketing/client/{hf2.pk}/change/", form)
    assert "group_parent" in response.context["adminform"].form.errors
    form["group_parent"] = entries["clients"]["HF1"].pk
    response = client.post(f"/admin/marketing/client/{hf2.pk}/change/", form)
    assert response.status_code == 302
    hf2.refresh_from_db()
    assert (hf2.name, hf2.group_parent.client_no) == ("合肥乙公司（新）", "HF1")
    assert hf2.history.latest().history_user == province_analyst


def test_rule_C4_segment_thresholds_are_dated_rows_the_province_keeps(login, province_analyst, wuhu_manager):
    client = login(make_tier_admin(province_analyst))
    response = client.post("/admin/marketing/segmentthresholds/add/", {
        "valid_from": "2011-01-01", "private_min": "100", "high_min": "200", "mid_min": "50"})
    assert "private_min" in response.context["adminform"].form.errors
    assert client.post("/admin/marketing/segmentthresholds/add/", {
        "valid_from": "2011-01-01", "private_min": "9000000", "high_min": "1000000", "mid_min": "200000"}).status_code == 302
    row = SegmentThresholds.objects.get()
    assert (row.valid_from.isoformat(), row.history.latest().history_user) == ("2011-01-01", province_analyst)
    assert client.get(f"/admin/marketing/segmentthresholds/{row.pk}/delete/").status_code == 403
    # A city branch's administrator does not change the province's thresholds.
    wuhu = login(make_tier_admin(wuhu_manager))
    response = wuhu.post("/admin/marketing/segmentthresholds/add/", {
        "valid_from": "2012-01-01", "private_min": "9000000", "high_min": "1000000", "mid_min": "200000"})
    assert response.status_code == 200 and SegmentThresholds.objects.count() == 1


def test_business_requests_are_read_only_and_scoped_in_the_admin(login, wuhu_manager, entries):
    hefei = services.business_request_create(client=entries["clients"]["HF1"], nature="DAILY", is_credit=False, description="合肥", actor=SYSTEM)
    wuhu = services.business_request_create(client=entries["clients"]["WH1"], nature="DAILY", is_credit=False, description="芜湖", actor=SYSTEM)
    client = login(make_tier_admin(wuhu_manager))
    response = client.get("/admin/marketing/businessrequest/")
    assert [item.pk for item in response.context["cl"].result_list] == [wuhu.pk]
    assert client.get(f"/admin/marketing/businessrequest/{hefei.pk}/change/").status_code == 302
    view = client.get(f"/admin/marketing/businessrequest/{wuhu.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.get("/admin/marketing/businessrequest/add/").status_code == 403
    assert BusinessRequest.objects.count() == 2


def test_tier_changelist_makes_a_bounded_number_of_queries(login, province_analyst, bank, entries, django_assert_max_num_queries):
    services.clients_save([
        services.ClientData(client_no=f"B{n:03d}", name=f"批量{n}", kind=ClientKind.CORPORATE, account_unit=bank["HF0101"])
        for n in range(60)
    ], actor=SYSTEM)
    services.tier_entries_save([
        services.TierEntryData(client=client, tier=Tier.CITY, owner_unit=bank["HF"], valid_from=D(2022, 1, 1), reason="批量")
        for client in Client.objects.filter(client_no__startswith="B").select_related("account_unit")
    ], actor=SYSTEM)
    client = login(make_tier_admin(province_analyst))
    with django_assert_max_num_queries(20):
        assert client.get(CHANGELIST, {"on": "2023-01-01"}).status_code == 200


def test_the_tier_admin_role_opens_the_tier_lists_and_imports_them(client, province_analyst):
    from django.contrib.auth.models import Group

    from imports.views import importable_kinds

    province_analyst.is_staff = True
    province_analyst.save()
    province_analyst.groups.add(Group.objects.get(name="tier_admin"))
    user = type(province_analyst).objects.get(pk=province_analyst.pk)
    assert {"clients", "tiers", "metrics"} <= set(importable_kinds(user))
    client.force_login(user)
    assert client.get("/admin/marketing/tierentry/").status_code == 200
    assert client.get("/admin/marketing/tierentry/add/").status_code == 200
