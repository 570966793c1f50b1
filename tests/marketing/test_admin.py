"""The tier-list administrators' admin panel: scoped (rule O5), writes through the services
(rules C2, C3), entries ended never edited nor deleted, exports in the `tiers` import columns."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from marketing import services
from marketing.models import BusinessRequest, Client, ClientKind, SegmentThresholds, Tier, TierEntry
from tests.export_files import csv_lines
from tests.helpers import make_staff

D = datetime.date
CHANGELIST = "/admin/marketing/tierentry/"


@pytest.fixture
def entries(bank):
    """HF1 (Hefei outlet) on the province list through 2019, then on Hefei's city list; HF2
    (Hefei sub-branch) on Hefei's list from 2021; WH1 (Wuhu outlet) on the province list."""
    services.clients_save(
        [
            services.ClientData(
                client_no="HF1",
                name="合肥甲公司",
                kind=ClientKind.CORPORATE,
                account_unit=bank["HF0101"],
                has_loan=True,
            ),
            services.ClientData(
                client_no="HF2", name="合肥乙公司", kind=ClientKind.CORPORATE, account_unit=bank["HF01"]
            ),
            services.ClientData(
                client_no="WH1", name="芜湖丙公司", kind=ClientKind.CORPORATE, account_unit=bank["WH0101"]
            ),
            services.ClientData(
                client_no="HFI", name="合肥个人", kind=ClientKind.INDIVIDUAL, account_unit=bank["HF0101"]
            ),
        ],
        actor=SYSTEM,
    )
    clients = {client.client_no: client for client in Client.objects.select_related("account_unit")}

    def add(no, tier, owner, start, end=None):
        return services.tier_entry_add(
            client=clients[no],
            tier=tier,
            owner_unit=bank[owner],
            valid_from=start,
            valid_to=end,
            reason="名单",
            actor=SYSTEM,
        )

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
    client = login(make_staff(province_analyst, "marketing"))
    assert shown(client.get(CHANGELIST, {"on": "2019-06-30"})) == [("HF1", "PROVINCE"), ("WH1", "PROVINCE")]
    assert shown(client.get(CHANGELIST, {"on": "2020-01-01"})) == [("HF1", "CITY"), ("WH1", "PROVINCE")]
    assert shown(client.get(CHANGELIST, {"on": "2019-12-31", "tier": "PROVINCE"})) == [
        ("HF1", "PROVINCE"),
        ("WH1", "PROVINCE"),
    ]
    assert len(shown(client.get(CHANGELIST))) == 4


def test_tier_admin_date_filter_offers_presets_and_keeps_a_typed_date(login, province_analyst, entries):
    response = login(make_staff(province_analyst, "marketing")).get(CHANGELIST, {"on": "2019-06-30"})
    page = response.content.decode()
    assert f"?on={timezone.localdate().isoformat()}" in page
    assert "?on=2019-06-30" in page


def test_tier_admin_refuses_a_date_that_is_not_one(login, province_analyst, entries):
    response = login(make_staff(province_analyst, "marketing")).get(CHANGELIST, {"on": "2019-02-30"})
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_tier_admin_changelist_is_scoped(login, wuhu_manager, entries):
    client = login(make_staff(wuhu_manager, "marketing"))
    assert shown(client.get(CHANGELIST)) == [("WH1", "PROVINCE")]
    hefei_entry = entries["HF1-city"]
    assert client.get(f"{CHANGELIST}{hefei_entry.pk}/change/").status_code == 302  # "does not exist"
    clients = client.get("/admin/marketing/client/")
    assert [c.client_no for c in clients.context["cl"].result_list] == ["WH1"]


def test_admin_add_form_refuses_a_city_entry_owned_by_the_province_next_to_the_field(
    login, province_analyst, bank, entries
):
    client = login(make_staff(province_analyst, "marketing"))
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "client": entries["clients"]["HF2"].pk,
            "tier": "CITY",
            "owner_unit": bank["AH"].pk,
            "valid_from": "2020-01-01",
            "valid_to": "2020-06-30",
            "marketing_mode": "",
            "reason": "省行自定城市名单",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["owner_unit"]
    assert "省行自定城市名单" in response.content.decode()  # the input is kept
    assert not TierEntry.objects.filter(reason="省行自定城市名单").exists()


def test_admin_add_form_refuses_an_overlapping_entry_next_to_the_field(login, hefei_person, bank, entries):
    client = login(make_staff(hefei_person, "marketing"))
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "client": entries["clients"]["HF1"].pk,
            "tier": "CITY",
            "owner_unit": bank["HF"].pk,
            "valid_from": "2022-01-01",
            "reason": "重复",
        },
    )
    assert "valid_from" in response.context["adminform"].form.errors


def test_admin_add_form_refuses_an_individual(login, province_analyst, bank, entries):
    client = login(make_staff(province_analyst, "marketing"))
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "client": entries["clients"]["HFI"].pk,
            "tier": "PROVINCE",
            "owner_unit": bank["AH"].pk,
            "valid_from": "2022-01-01",
            "reason": "个人",
        },
    )
    assert "client" in response.context["adminform"].form.errors


def test_admin_adds_an_entry_through_the_service(login, province_analyst, bank, entries):
    admin_user = make_staff(province_analyst, "marketing")
    response = login(admin_user).post(
        f"{CHANGELIST}add/",
        {
            "client": entries["clients"]["HF2"].pk,
            "tier": "PROVINCE",
            "owner_unit": bank["AH"].pk,
            "valid_from": "2024-01-01",
            "marketing_mode": "LEAD",
            "reason": "升入省行名单",
        },
    )
    assert response.status_code == 302
    entry = TierEntry.objects.get(reason="升入省行名单")
    assert (entry.tier, entry.added_by, entry.marketing_mode) == (Tier.PROVINCE, province_analyst, "LEAD")
    assert entry.history.latest().history_user == province_analyst


def test_a_city_admin_cannot_choose_the_province_as_owner(login, hefei_person, bank, entries):
    client = login(make_staff(hefei_person, "marketing"))
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "client": entries["clients"]["HF2"].pk,
            "tier": "PROVINCE",
            "owner_unit": bank["AH"].pk,
            "valid_from": "2024-01-01",
            "reason": "越权",
        },
    )
    assert "owner_unit" in response.context["adminform"].form.errors
    assert not TierEntry.objects.filter(reason="越权").exists()


def end_entries(client, entries, **form):
    """Post the "End selected entries…" action: without `form` it opens the intermediate page,
    with it (valid_to, end_reason) it confirms."""
    data = {"action": "end_entries", "_selected_action": [entry.pk for entry in entries]}
    if form:
        data.update(confirm="yes", **form)
    return client.post(CHANGELIST, data, follow=True)


def test_entries_are_ended_by_the_action_never_edited_or_deleted(login, province_analyst, entries):
    client = login(make_staff(province_analyst, "marketing"))
    entry = entries["WH1-province"]
    view = client.get(f"{CHANGELIST}{entry.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.post(f"{CHANGELIST}{entry.pk}/change/", {"reason": "改"}).status_code == 403
    assert client.get(f"{CHANGELIST}{entry.pk}/delete/").status_code == 403
    actions = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "end_today" not in actions and "end_entries" in actions

    response = end_entries(client, [entry, entries["HF1-province"]], valid_to="2024-06-30", end_reason="退出省行名单")
    entry.refresh_from_db()
    assert (entry.valid_to, entry.end_reason) == (D(2024, 6, 30), "退出省行名单")
    assert entry.history.latest().history_user == province_analyst
    untouched = TierEntry.objects.get(pk=entries["HF1-province"].pk)
    assert (untouched.valid_to, untouched.end_reason) == (D(2019, 12, 31), "")  # already over by then: unchanged
    assert {m.level_tag for m in response.context["messages"]} == {"success", "info"}
    assert response.request["PATH_INFO"] == CHANGELIST


def test_ending_asks_for_the_date_and_the_reason_on_an_intermediate_page(login, province_analyst, entries):
    client = login(make_staff(province_analyst, "marketing"))
    chosen = [entries["WH1-province"], entries["HF2-city"]]
    response = end_entries(client, chosen)
    assert response.status_code == 200
    assert response.templates[0].name == "marketing/admin_tierentry_end.html"
    form = response.context["form"]
    assert form.initial["valid_to"] == timezone.localdate() and set(form.fields) == {"valid_to", "end_reason"}
    assert [entry.pk for entry in response.context["entries"]] == sorted(entry.pk for entry in chosen)
    page = response.content.decode()
    assert "芜湖丙公司" in page and "合肥乙公司" in page and 'name="confirm"' in page
    assert page.count('name="_selected_action"') == 2
    assert not TierEntry.objects.filter(pk__in=[entry.pk for entry in chosen], valid_to__isnull=False).exists()


@pytest.mark.parametrize(
    "form, field",
    [
        ({"valid_to": "2024-06-30", "end_reason": "   "}, "end_reason"),
        ({"valid_to": "2024-06-30"}, "end_reason"),
        ({"valid_to": "2024-02-30", "end_reason": "退出名单"}, "valid_to"),
        ({"valid_to": "", "end_reason": "退出名单"}, "valid_to"),
        ({"valid_to": "2024-06-30", "end_reason": "长" * 201}, "end_reason"),
    ],
)
def test_an_invalid_end_form_is_shown_again_with_the_error_and_nothing_ends(
    login, province_analyst, entries, form, field
):
    client = login(make_staff(province_analyst, "marketing"))
    response = end_entries(client, [entries["WH1-province"], entries["HF2-city"]], **form)
    assert response.status_code == 200 and response.templates[0].name == "marketing/admin_tierentry_end.html"
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert "errornote" in page and "尚未终止任何条目" in page
    for name, value in form.items():
        if value.strip() and name != field:
            assert f'value="{value}"' in page  # what was typed is kept
    assert (
        not TierEntry.objects.filter(valid_to__isnull=True)
        .exclude(pk__in=[entries["HF1-city"].pk, entries["HF2-city"].pk, entries["WH1-province"].pk])
        .exists()
    )
    assert TierEntry.objects.get(pk=entries["WH1-province"].pk).valid_to is None
    assert TierEntry.objects.get(pk=entries["HF2-city"].pk).valid_to is None
    assert not TierEntry.objects.exclude(end_reason="").exists()


def test_a_city_admin_does_not_end_the_provinces_entries(login, hefei_person, entries):
    client = login(make_staff(hefei_person, "marketing"))
    province_entry = entries["HF1-province"]
    TierEntry.objects.filter(pk=province_entry.pk).update(valid_to=None, valid_from=D(2018, 1, 1))
    TierEntry.objects.filter(pk=entries["HF1-city"].pk).update(valid_from=D(2030, 1, 1))  # keep the lists apart
    response = end_entries(client, [province_entry, entries["HF2-city"]], valid_to="2025-12-31", end_reason="调整")
    assert TierEntry.objects.get(pk=province_entry.pk).valid_to is None
    assert TierEntry.objects.get(pk=entries["HF2-city"].pk).valid_to == D(2025, 12, 31)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and "合肥甲公司" in errors[0] and "AH" in errors[0]  # told which entry, and why


def test_ending_an_entry_before_it_starts_is_refused_with_a_message(login, province_analyst, bank, entries):
    future = services.tier_entry_add(
        client=entries["clients"]["HF2"],
        tier=Tier.PROVINCE,
        owner_unit=bank["AH"],
        valid_from=timezone.localdate() + datetime.timedelta(days=30),
        reason="明年",
        actor=SYSTEM,
    )
    response = end_entries(
        login(make_staff(province_analyst, "marketing")),
        [future],
        valid_to=timezone.localdate().isoformat(),
        end_reason="取消",
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert TierEntry.objects.get(pk=future.pk).valid_to is None


def test_a_date_beyond_2100_is_refused_before_the_read_model_adds_a_day_to_it(bank, entries):
    client = Client.objects.select_related("account_unit").get(client_no="HF2")
    entry = services.TierEntryData(
        client=client,
        tier=Tier.CITY,
        owner_unit=bank["HF"],
        valid_from=D(2030, 1, 1),
        reason="远期",
        valid_to=D(9999, 12, 31),
    )
    with pytest.raises(ValidationError) as refused:
        services.tier_entries_save([entry], actor=SYSTEM)
    assert "2100-12-31" in str(refused.value)
    assert not TierEntry.objects.filter(valid_from=D(2030, 1, 1)).exists()


def test_tier_entry_end_needs_a_reason_and_keeps_it(province_analyst, entries):
    province_analyst = make_staff(province_analyst, "marketing")
    entry = entries["WH1-province"]
    for reason in ["", "  ", None]:
        with pytest.raises(ValidationError) as refused:
            services.tier_entry_end(entry=entry, valid_to=D(2024, 6, 30), reason=reason, actor=province_analyst)
        assert list(refused.value.message_dict) == ["end_reason"]
    with pytest.raises(ValidationError) as refused:
        services.tier_entry_end(entry=entry, valid_to=D(2024, 6, 30), reason="长" * 201, actor=province_analyst)
    assert list(refused.value.message_dict) == ["end_reason"]
    assert TierEntry.objects.get(pk=entry.pk).valid_to is None and entry.history.count() == 1
    services.tier_entry_end(entry=entry, valid_to=D(2024, 6, 30), reason=" 退出省行名单 ", actor=province_analyst)
    entry.refresh_from_db()
    assert (entry.valid_to, entry.end_reason) == (D(2024, 6, 30), "退出省行名单")
    assert entry.history.latest().end_reason == "退出省行名单"


def test_the_history_of_an_ended_entry_reads_in_chinese(login, province_analyst, entries):
    client = login(make_staff(province_analyst, "marketing"))
    entry = entries["WH1-province"]
    end_entries(client, [entry], valid_to="2024-06-30", end_reason="客户经营范围调整")
    page = client.get(f"{CHANGELIST}{entry.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "修改" in page and "新增" in page
    assert "截止日期</strong>: —&nbsp;→&nbsp;2024-06-30" in page
    assert "终止原因</strong>: —&nbsp;→&nbsp;客户经营范围调整" in page
    assert "王省行 (P0001)" in page and "系统" in page  # who ended it; the entry was added by no one (a test fixture)
    assert "芜湖丙公司 (WH1)" in page and "省行级" in page and "安徽省分行 (AH)" in page  # what it started as
    for raw in ["None", "CHANGES", "Changes", "Changed", "Added", "2018-01-01 00:00"]:
        assert raw not in page


def test_a_version_is_shown_for_reading_and_a_posted_version_writes_nothing(login, province_analyst, entries):
    client = login(make_staff(province_analyst, "marketing"))
    entry = entries["WH1-province"]
    services.tier_entry_end(entry=entry, valid_to=D(2024, 6, 30), reason="退出", actor=province_analyst)
    first = entry.history.earliest()
    url = f"{CHANGELIST}{entry.pk}/history/{first.history_id}/"
    page = client.get(url).content.decode()
    assert '<fieldset class="history-version" disabled>' in page and 'name="_save"' not in page
    assert "客户营销" in page and "Historical" not in page and "Marketing" not in page  # the breadcrumbs
    before = (TierEntry.objects.count(), entry.history.count())
    form = {
        "client": entry.client_id,
        "tier": "PROVINCE",
        "owner_unit": entry.owner_unit_id,
        "valid_from": "2018-01-01",
        "reason": "名单",
        "_save": "1",
    }
    assert client.post(url, form).status_code == 403
    assert (TierEntry.objects.count(), entry.history.count()) == before
    assert TierEntry.objects.get(pk=entry.pk).valid_to == D(2024, 6, 30)


def test_history_pages_of_every_admin_show_display_values(login, province_analyst, bank, entries):
    from accounts import services as org_services

    superuser = type(province_analyst).objects.create_superuser("root", password="x-long-password-1")
    client = login(superuser)
    org_services.unit_update(
        unit=bank["HF01"],
        name="合肥三孝口支行（新）",
        kind=bank["HF01"].kind,
        parent=bank["HF"],
        city_area=False,
        credit_authority=True,
        actor=superuser,
    )
    page = client.get(f"/admin/accounts/unit/{bank['HF01'].pk}/history/").content.decode()
    assert "名称</strong>: 合肥三孝口支行&nbsp;→&nbsp;合肥三孝口支行（新）" in page
    assert "否&nbsp;→&nbsp;是" in page  # the credit authority, as yes/no
    assert "上级机构</strong>: 合肥分行 (HF)" in page and "numchild" not in page.lower()
    hf1 = entries["clients"]["HF1"]
    page = client.get(f"/admin/marketing/client/{hf1.pk}/history/").content.decode()
    assert "有贷户</strong>: 是" in page and "三孝口网点 (HF0101)" in page and "None" not in page
    thresholds = services.segment_thresholds_set(
        valid_from=D(2011, 1, 1), private_min=9000000, high_min=1000000, mid_min=200000, actor=superuser
    )
    page = client.get(f"/admin/marketing/segmentthresholds/{thresholds.pk}/history/").content.decode()
    assert "新增" in page and "None" not in page and "CHANGES" not in page


def test_export_action_writes_the_tiers_import_columns(login, wuhu_manager, entries):
    client = login(make_staff(wuhu_manager, "marketing"))
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [entries["WH1-province"].pk]})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines == [
        "client_no,tier,owner_unit_code,valid_from,valid_to,reason,marketing_mode",
        "WH1,PROVINCE,AH,2018-01-01,,名单,",
    ]
    # A Hefei entry smuggled into the selection is not exported: the action sees the scoped list only.
    response = client.post(
        CHANGELIST, {"action": "export_xlsx", "_selected_action": [entries["WH1-province"].pk, entries["HF1-city"].pk]}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert [row[0] for row in rows] == ["client_no", "WH1"]


def test_export_all_exports_every_entry_the_filters_select_on_all_pages(
    login, province_analyst, bank, entries, monkeypatch
):
    from marketing.admin import TierEntryAdmin

    monkeypatch.setattr(TierEntryAdmin, "list_per_page", 1)  # the filtered entries span pages: all are exported
    client = login(make_staff(province_analyst, "marketing"))
    response = client.get(f"{CHANGELIST}export/csv/", {"on": "2019-06-30", "tier": "PROVINCE"})
    assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="tiers.csv"'
    assert csv_lines(response) == [
        "client_no,tier,owner_unit_code,valid_from,valid_to,reason,marketing_mode",
        "HF1,PROVINCE,AH,2018-01-01,2019-12-31,名单,",
        "WH1,PROVINCE,AH,2018-01-01,,名单,",
    ]
    assert [line.split(",")[0] for line in csv_lines(client.get(f"{CHANGELIST}export/csv/", {"q": "合肥"}))[1:]] == [
        "HF1",
        "HF1",
        "HF2",
    ]
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(f"{CHANGELIST}export/xlsx/", {"owner_unit__id__exact": bank["HF"].pk})
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert [(row[0], row[2]) for row in rows] == [("client_no", "owner_unit_code"), ("HF1", "HF"), ("HF2", "HF")]


def test_export_all_is_scoped_to_the_administrators_subtree(login, wuhu_manager, entries):
    client = login(make_staff(wuhu_manager, "marketing"))
    assert [line.split(",")[0] for line in csv_lines(client.get(f"{CHANGELIST}export/csv/"))] == ["client_no", "WH1"]
    assert csv_lines(client.get(f"{CHANGELIST}export/csv/", {"q": "合肥"})) == [
        "client_no,tier,owner_unit_code,valid_from,valid_to,reason,marketing_mode"
    ]


def test_export_all_refuses_what_it_cannot_do(login, client, province_analyst, hefei_person, entries):
    admin_client = login(make_staff(province_analyst, "marketing"))
    assert admin_client.get(f"{CHANGELIST}export/pdf/").status_code == 404
    bad_filter = admin_client.get(f"{CHANGELIST}export/csv/", {"on": "2019-02-30"})
    assert bad_filter.status_code == 302 and bad_filter["Location"] == f"{CHANGELIST}?e=1"
    hefei_person.is_staff = True
    hefei_person.save()  # staff without the tier-list permissions
    client.force_login(hefei_person)
    assert client.get(f"{CHANGELIST}export/csv/").status_code == 403
    client.logout()
    assert client.get(f"{CHANGELIST}export/csv/").status_code == 302  # to the login page


def test_tier_changelist_offers_export_all_with_the_current_filters(login, province_analyst, entries):
    response = login(make_staff(province_analyst, "marketing")).get(CHANGELIST, {"tier": "CITY", "q": "合肥"})
    page = response.content.decode()
    assert f'href="{CHANGELIST}export/csv/?q=%E5%90%88%E8%82%A5&amp;tier=CITY"' in page
    assert f'href="{CHANGELIST}export/xlsx/?q=%E5%90%88%E8%82%A5&amp;tier=CITY"' in page
    assert "导出全部（CSV）" in page and "导出全部（Excel）" in page and "按当前筛选共 2 条" in page


def test_tier_changelist_columns_stay_short(login, province_analyst, entries):
    TierEntry.objects.filter(pk=entries["WH1-province"].pk).update(
        reason="年度名单评审：列入省行级客户名单并由省行直接营销"
    )
    page = login(make_staff(province_analyst, "marketing")).get(CHANGELIST).content.decode()
    assert '芜湖丙公司 <span class="nowrap">(WH1)</span>' in page
    assert '<span title="年度名单评审：列入省行级客户名单并由省行直接营销">年度名单评审：…</span>' in page
    assert "2018-01-01" in page and "2018年1月1日" not in page


def test_tier_changelist_links_to_the_import_page_with_the_tiers_kind(login, province_analyst, entries):
    page = login(make_staff(province_analyst, "marketing")).get(CHANGELIST).content.decode()
    assert f'href="{reverse("import-start")}?kind=tiers"' in page


def test_client_admin_shows_the_whole_tier_history_read_only(login, province_analyst, entries):
    client = login(make_staff(province_analyst, "marketing"))
    hf1 = entries["clients"]["HF1"]
    services.tier_entry_end(
        entry=entries["HF1-city"], valid_to=D(2023, 3, 31), reason="并入集团名单", actor=province_analyst
    )
    response = client.get(f"/admin/marketing/client/{hf1.pk}/change/")
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.tier for form in inline] == ["PROVINCE", "CITY"]
    assert "end_reason" in inline.readonly_fields and "并入集团名单" in response.content.decode()
    assert client.get("/admin/marketing/client/", {"q": "乙公司"}).context["cl"].result_list[0].client_no == "HF2"
    assert client.get(f"/admin/marketing/client/{hf1.pk}/delete/").status_code == 403


def test_client_admin_saves_through_the_service_and_refuses_its_own_parent(login, province_analyst, bank, entries):
    client = login(make_staff(province_analyst, "marketing"))
    hf2 = entries["clients"]["HF2"]
    form = {
        "name": "合肥乙公司（新）",
        "kind": "CORPORATE",
        "account_unit": bank["HF01"].pk,
        "industry": "",
        "group_parent": hf2.pk,
        "tier_entries-TOTAL_FORMS": "0",
        "tier_entries-INITIAL_FORMS": "0",
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
    client = login(make_staff(province_analyst, "marketing"))
    response = client.post(
        "/admin/marketing/segmentthresholds/add/",
        {"valid_from": "2011-01-01", "private_min": "100", "high_min": "200", "mid_min": "50"},
    )
    assert "private_min" in response.context["adminform"].form.errors
    assert (
        client.post(
            "/admin/marketing/segmentthresholds/add/",
            {"valid_from": "2011-01-01", "private_min": "9000000", "high_min": "1000000", "mid_min": "200000"},
        ).status_code
        == 302
    )
    row = SegmentThresholds.objects.get()
    assert (row.valid_from.isoformat(), row.history.latest().history_user) == ("2011-01-01", province_analyst)
    assert client.get(f"/admin/marketing/segmentthresholds/{row.pk}/delete/").status_code == 403
    # A city branch's administrator does not change the province's thresholds.
    wuhu = login(make_staff(wuhu_manager, "marketing"))
    response = wuhu.post(
        "/admin/marketing/segmentthresholds/add/",
        {"valid_from": "2012-01-01", "private_min": "9000000", "high_min": "1000000", "mid_min": "200000"},
    )
    assert response.status_code == 200 and SegmentThresholds.objects.count() == 1


def test_business_requests_are_read_only_and_scoped_in_the_admin(login, wuhu_manager, entries):
    hefei = services.business_request_create(
        client=entries["clients"]["HF1"], nature="DAILY", is_credit=False, description="合肥", actor=SYSTEM
    )
    wuhu = services.business_request_create(
        client=entries["clients"]["WH1"], nature="DAILY", is_credit=False, description="芜湖", actor=SYSTEM
    )
    client = login(make_staff(wuhu_manager, "marketing"))
    response = client.get("/admin/marketing/businessrequest/")
    assert [item.pk for item in response.context["cl"].result_list] == [wuhu.pk]
    assert client.get(f"/admin/marketing/businessrequest/{hefei.pk}/change/").status_code == 302
    view = client.get(f"/admin/marketing/businessrequest/{wuhu.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.get("/admin/marketing/businessrequest/add/").status_code == 403
    assert BusinessRequest.objects.count() == 2


def test_tier_changelist_makes_a_bounded_number_of_queries(
    login, province_analyst, bank, entries, django_assert_max_num_queries
):
    services.clients_save(
        [
            services.ClientData(
                client_no=f"B{n:03d}", name=f"批量{n}", kind=ClientKind.CORPORATE, account_unit=bank["HF0101"]
            )
            for n in range(60)
        ],
        actor=SYSTEM,
    )
    services.tier_entries_save(
        [
            services.TierEntryData(
                client=client, tier=Tier.CITY, owner_unit=bank["HF"], valid_from=D(2022, 1, 1), reason="批量"
            )
            for client in Client.objects.filter(client_no__startswith="B").select_related("account_unit")
        ],
        actor=SYSTEM,
    )
    client = login(make_staff(province_analyst, "marketing"))
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
