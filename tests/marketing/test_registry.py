"""The client registry worked by hand from SPEC.md: tiers (C2, C3), segments (C4), responsible
departments (C5, C6), request routing (C8), as the selectors and services answer them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import SYSTEM
from marketing import rules, selectors, services
from marketing.models import Client, ClientKind, RequestNature, Tier, TierEntry
from marketing.rules import Thresholds
from tests.helpers import grant
from tests.marketing.conftest import add_clients, list_entry, month

D = datetime.date


def standing(user, on):
    return {client.client_no: client for client in selectors.client_list(user=user, on=on)}


def test_rule_C2_tier_is_the_highest_entry_in_force_on_the_date(registry, province_analyst):
    on_june = standing(province_analyst, D(2010, 6, 30))
    assert {no: c.tier for no, c in on_june.items()} == {
        "C1": "PROVINCE",
        "C2": "CITY",
        "C3": "HEAD_OFFICE",
        "C4": "SUB_BRANCH",
        "I1": "SUB_BRANCH",
        "I2": "SUB_BRANCH",
    }
    assert standing(province_analyst, D(2010, 7, 1))["C4"].tier == "PROVINCE"  # from its first day
    assert standing(province_analyst, D(2010, 12, 31))["C1"].tier == "PROVINCE"  # valid_to inclusive
    assert standing(province_analyst, D(2011, 1, 1))["C1"].tier == "SUB_BRANCH"
    assert standing(province_analyst, D(2010, 2, 28))["C2"].tier == "SUB_BRANCH"


def test_rule_C3_upper_entries_appear_on_the_city_list_for_exactly_as_long(registry, province_analyst, bank):
    def hefei(on):
        return [
            (row["client_no"], row["tier"], row["derived"], row["valid_to"])
            for row in selectors.tier_list(user=province_analyst, unit=bank["HF"], on=on)
        ]

    assert hefei(D(2010, 6, 30)) == [
        ("C1", "CITY", True, D(2010, 12, 31)),
        ("C3", "CITY", False, D(2010, 6, 30)),
        ("C3", "CITY", True, None),
    ]
    assert hefei(D(2011, 1, 1)) == [("C3", "CITY", True, None), ("C4", "CITY", True, None)]
    # The province's own list holds the upper entries themselves, not derived.
    province = selectors.tier_list(user=province_analyst, unit=bank["AH"], on=D(2010, 6, 30))
    assert [(row["client_no"], row["tier"], row["derived"]) for row in province] == [
        ("C1", "PROVINCE", False),
        ("C3", "HEAD_OFFICE", False),
    ]
    # Wuhu's list has its own city entry only.
    assert [
        row["client_no"] for row in selectors.tier_list(user=province_analyst, unit=bank["WH"], on=D(2010, 6, 30))
    ] == ["C2"]


def test_rule_C2_history_is_never_overwritten_an_entry_ends(registry, province_analyst):
    province_analyst = grant(province_analyst, "marketing.change_tierentry")
    entry = TierEntry.objects.get(client__client_no="C4")
    services.tier_entry_end(entry=entry, valid_to=D(2011, 3, 31), reason="退出名单", actor=province_analyst)
    entry.refresh_from_db()
    assert entry.valid_to == D(2011, 3, 31)
    assert [record.valid_to for record in entry.history.order_by("history_id")] == [None, D(2011, 3, 31)]
    assert entry.history.latest().history_user == province_analyst
    assert standing(province_analyst, D(2011, 4, 1))["C4"].tier == "SUB_BRANCH"


@pytest.mark.parametrize(
    "tier, owner, field",
    [
        (Tier.CITY, "AH", "owner_unit"),  # a CITY list owned by the province
        (Tier.PROVINCE, "HF", "owner_unit"),  # a province list owned by a city
        (Tier.CITY, "WH", "owner_unit"),  # a city list of another city than the client's
    ],
)
def test_rule_C2_list_owners_are_enforced(registry, bank, tier, owner, field):
    with pytest.raises(ValidationError) as refused:
        list_entry(registry, bank, "C4", tier, owner, D(2012, 1, 1))
    assert field in refused.value.message_dict


def test_rule_C2_entries_of_one_client_on_one_list_never_overlap(registry, bank):
    with pytest.raises(ValidationError) as refused:
        list_entry(registry, bank, "C1", Tier.PROVINCE, "AH", D(2010, 12, 31))
    assert "valid_from" in refused.value.message_dict
    list_entry(registry, bank, "C1", Tier.PROVINCE, "AH", D(2011, 1, 1))  # the day after: fine


def test_rule_C2_named_lists_hold_corporate_clients_only(registry, bank):
    with pytest.raises(ValidationError) as refused:
        list_entry(registry, bank, "I1", Tier.CITY, "HF", D(2010, 1, 1))
    assert "client" in refused.value.message_dict


def test_rule_C2_an_entry_cannot_end_before_it_starts(registry, bank):
    with pytest.raises(ValidationError) as refused:
        list_entry(registry, bank, "C4", Tier.CITY, "HF", D(2012, 1, 1), D(2011, 12, 31))
    assert "valid_to" in refused.value.message_dict


@pytest.mark.parametrize(
    "aum, potential, segment",
    [
        (Decimal("8000000"), False, "PRIVATE"),
        (Decimal("7999999.99"), False, "HIGH"),
        (Decimal("1000000"), False, "HIGH"),
        (Decimal("999999.99"), False, "MID"),
        (Decimal("200000"), False, "MID"),
        (Decimal("199999.99"), False, "ORDINARY"),
        (Decimal("199999.99"), True, "POTENTIAL"),
        (None, False, "ORDINARY"),
        (Decimal("9000000"), True, "PRIVATE"),
    ],
)
def test_rule_C4_segment_thresholds_both_in_python_and_sql(registry, province_analyst, aum, potential, segment):
    assert rules.segment_for(aum, Thresholds(), potential) == segment
    client = registry["I1"]
    Client.objects.filter(pk=client.pk).update(potential=potential)
    month(client, D(2010, 5, 1), aum=aum)
    assert standing(province_analyst, D(2010, 5, 31))["I1"].segment == segment


def test_rule_C4_segment_follows_the_aum_of_the_date_and_its_history_is_kept(registry, province_analyst):
    client = registry["I1"]
    month(client, D(2010, 1, 1), aum=Decimal("150000"))
    month(client, D(2010, 2, 1), aum=Decimal("250000"))
    month(client, D(2010, 3, 1), aum=Decimal("1200000"))
    month(client, D(2010, 4, 1), aum=Decimal("1100000"))
    assert standing(province_analyst, D(2010, 1, 31))["I1"].segment == "ORDINARY"
    assert standing(province_analyst, D(2010, 2, 15))["I1"].segment == "MID"
    assert standing(province_analyst, D(2010, 12, 31))["I1"].segment == "HIGH"
    assert standing(province_analyst, D(2009, 12, 31))["I1"].segment == "ORDINARY"  # no figures yet
    assert [(when, segment) for when, _aum, segment in selectors.segment_history(client=client)] == [
        (D(2010, 1, 1), "ORDINARY"),
        (D(2010, 2, 1), "MID"),
        (D(2010, 3, 1), "HIGH"),
    ]


def test_rule_C4_thresholds_are_dated_and_a_past_date_keeps_its_own(registry, province_analyst):
    province_analyst = grant(province_analyst, "marketing.add_segmentthresholds", "marketing.change_segmentthresholds")
    month(registry["I1"], D(2010, 1, 1), aum=Decimal("500000"))
    services.segment_thresholds_set(
        valid_from=D(2010, 6, 1),
        private_min=Decimal("5000000"),
        high_min=Decimal("400000"),
        mid_min=Decimal("100000"),
        actor=province_analyst,
    )
    assert standing(province_analyst, D(2010, 1, 31))["I1"].segment == "MID"  # the defaults held then
    assert standing(province_analyst, D(2010, 6, 30))["I1"].segment == "HIGH"
    month(registry["I1"], D(2010, 6, 1), aum=Decimal("500000"))
    assert [(when, segment) for when, _aum, segment in selectors.segment_history(client=registry["I1"])] == [
        (D(2010, 1, 1), "MID"),
        (D(2010, 6, 1), "HIGH"),
    ]


def test_rule_C4_a_city_branch_cannot_change_the_thresholds(registry, hefei_person):
    hefei_person = grant(hefei_person, "marketing.add_segmentthresholds", "marketing.change_segmentthresholds")
    with pytest.raises(ValidationError):
        services.segment_thresholds_set(
            valid_from=D(2010, 6, 1),
            private_min=Decimal("5000000"),
            high_min=Decimal("400000"),
            mid_min=Decimal("100000"),
            actor=hefei_person,
        )


def test_rule_C4_python_and_sql_agree_on_segments(registry, province_analyst):
    import random

    generator = random.Random(4)
    client = registry["I1"]
    for _ in range(40):
        aum = generator.choice(
            [
                None,
                Decimal(0),
                Decimal("199999.99"),
                Decimal("200000"),
                Decimal("999999.99"),
                Decimal("1000000"),
                Decimal("7999999.99"),
                Decimal("8000000"),
                Decimal(generator.randrange(0, 10**9)) / 100,
            ]
        )
        potential = generator.random() < 0.5
        Client.objects.filter(pk=client.pk).update(potential=potential)
        month(client, D(2010, 5, 1), aum=aum)
        assert standing(province_analyst, D(2010, 5, 31))["I1"].segment == rules.segment_for(
            aum, Thresholds(), potential
        ), aum


def test_corporates_have_no_segment(registry, province_analyst):
    assert standing(province_analyst, D(2010, 6, 30))["C1"].segment is None


def test_rule_C5_responsible_department_in_precedence_order(registry, province_analyst):
    month(registry["I1"], D(2010, 1, 1), aum=Decimal("8500000"))
    month(registry["I2"], D(2010, 1, 1), aum=Decimal("300000"))
    on = {no: c.responsible_department for no, c in standing(province_analyst, D(2010, 7, 1)).items()}
    assert on == {
        "C1": "INTERNATIONAL",  # import/export before credit
        "C2": None,  # a city-tier client: its city branch markets it
        "C3": "INSTITUTION",  # institution first, whatever its loans
        "C4": "SETTLEMENT",  # province tier, no loans
        "I1": "PERSONAL",  # private banking
        "I2": None,  # mid-range
    }


@pytest.mark.parametrize(
    "flags, department",
    [
        ({"institution": True, "real_estate": True}, "INSTITUTION"),
        ({"real_estate": True, "import_export": True}, "CORP2"),
        ({"import_export": True, "sme_chain": True}, "INTERNATIONAL"),
        ({"sme_chain": True, "has_loan": True}, "SME"),
        ({"has_loan": True}, "CORP1"),
        ({}, "SETTLEMENT"),
    ],
)
def test_rule_C5_first_match_wins(flags, department):
    assert rules.responsible_department(kind="CORPORATE", tier="PROVINCE", segment=None, flags=flags) == department
    assert rules.responsible_department(kind="CORPORATE", tier="CITY", segment=None, flags=flags) is None


def test_rule_C5_an_override_holds_only_while_the_province_leads_the_client(registry, province_analyst):
    province_analyst = grant(province_analyst, "marketing.change_client")
    services.responsible_override_set(
        client=registry["C4"], department="CORP1", reason="集团授信", actor=province_analyst
    )
    assert standing(province_analyst, D(2010, 6, 30))["C4"].responsible_department is None  # not yet province tier
    assert standing(province_analyst, D(2010, 7, 1))["C4"].responsible_department == "CORP1"


def test_rule_C5_override_with_reason_is_kept_on_record(registry, province_analyst):
    province_analyst = grant(province_analyst, "marketing.change_client")
    client = registry["C4"]
    with pytest.raises(ValidationError):
        services.responsible_override_set(client=client, department="CORP1", reason=" ", actor=province_analyst)
    services.responsible_override_set(client=client, department="CORP1", reason="集团授信", actor=province_analyst)
    assert standing(province_analyst, D(2010, 7, 1))["C4"].responsible_department == "CORP1"
    latest = client.history.latest()
    assert (latest.responsible_override, latest.responsible_override_reason, latest.history_user) == (
        "CORP1",
        "集团授信",
        province_analyst,
    )


def test_rule_C6_deposit_responsibility(registry, province_analyst):
    departments = {no: c.deposit_department for no, c in standing(province_analyst, D(2010, 7, 1)).items()}
    assert departments == {
        "C1": "CORP1",
        "C2": "SETTLEMENT",
        "C3": "INSTITUTION",
        "C4": "SETTLEMENT",
        "I1": "PERSONAL",
        "I2": "PERSONAL",
    }
    month(registry["C4"], D(2010, 6, 1), deposits_avg=Decimal("1000.50"))
    month(registry["C2"], D(2010, 6, 1), deposits_avg=Decimal("2000.25"))
    totals = {
        row["deposit_department"]: row["deposits"]
        for row in selectors.deposits_by_department(user=province_analyst, on=D(2010, 7, 1))
    }
    assert totals["SETTLEMENT"] == Decimal("3000.75")


def test_rule_C1_results_stay_at_the_account_branch_scoping(registry, wuhu_manager):
    assert set(standing(wuhu_manager, D(2010, 7, 1))) == {"C2", "I2"}


@pytest.mark.parametrize(
    "client_no, nature, is_credit, authority, accepted_at",
    [
        ("C1", RequestNature.MAJOR, False, True, "AH"),  # province tier, major → province
        ("C1", RequestNature.GENERAL, False, True, "HF01"),  # general → where it banks
        ("C2", RequestNature.MAJOR, False, True, "WH"),  # city tier, major → city branch
        ("C4", RequestNature.DAILY, True, False, "HF"),  # credit at a sub-branch without authority → up
        ("C4", RequestNature.DAILY, True, True, "HF01"),
    ],
)
def test_rule_C8_requests_are_routed_efficiency_first(
    registry, bank, province_analyst, client_no, nature, is_credit, authority, accepted_at
):
    province_analyst = grant(province_analyst, "marketing.add_businessrequest")
    sub_branch = bank["HF01"]
    sub_branch.credit_authority = authority
    sub_branch.save()
    request = services.business_request_create(
        client=registry[client_no],
        nature=nature,
        is_credit=is_credit,
        amount=Decimal(1000000) if is_credit else None,
        description="x",
        actor=province_analyst,
        on=D(2010, 6, 30),
    )
    assert request.accepting_unit.code == accepted_at
    assert request.routing_reason and request.received_by == province_analyst


def test_rule_C8_only_the_accepting_unit_accepts(registry, bank, hefei_manager, hefei_person):
    hefei_person = grant(hefei_person, "marketing.accept_subtree_requests")
    request = services.business_request_create(
        client=registry["C4"],
        nature=RequestNature.GENERAL,
        is_credit=False,
        description="x",
        on=D(2010, 6, 30),
        actor=SYSTEM,
    )
    assert request.accepting_unit.code == "HF01"
    with pytest.raises(ValidationError):
        services.business_request_accept(request=request, actor=hefei_manager)  # an outlet's person
    services.business_request_accept(request=request, actor=hefei_person)  # the city above, given the right, may
    assert request.accepted_by == hefei_person


def test_client_list_is_one_query_whatever_its_size(registry, province_analyst, django_assert_num_queries):
    with django_assert_num_queries(4):  # the read model's state, the person's unit, the thresholds, the list
        rows = list(selectors.client_list(user=province_analyst, on=D(2010, 7, 1)))
    assert len(rows) == 6


def test_rule_C8_a_client_booked_at_the_province_is_served_there(bank, province_analyst):
    clients = add_clients(bank, ("P1", ClientKind.CORPORATE, "AH", {}))
    request = services.business_request_create(
        client=clients["P1"], nature=RequestNature.DAILY, is_credit=False, description="x", actor=SYSTEM
    )
    assert request.accepting_unit.code == "AH"


def test_rule_C8_a_request_is_accepted_once(registry, hefei_person, province_analyst):
    hefei_person = grant(hefei_person, "marketing.accept_subtree_requests")
    request = services.business_request_create(
        client=registry["C4"], nature=RequestNature.GENERAL, is_credit=False, description="x", actor=SYSTEM
    )
    services.business_request_accept(request=request, actor=hefei_person)
    with pytest.raises(ValidationError):
        services.business_request_accept(request=request, actor=province_analyst)
    assert request.accepted_by == hefei_person


def test_rule_C8_an_unknown_nature_is_refused(registry):
    with pytest.raises(ValidationError) as refused:
        services.business_request_create(
            client=registry["C4"], nature="URGENT", is_credit=False, description="x", actor=SYSTEM
        )
    assert "nature" in refused.value.message_dict


def test_rule_C2_only_the_owner_unit_keeps_its_list(registry, bank, hefei_person):
    hefei_person = grant(hefei_person, "marketing.add_tierentry", "marketing.change_tierentry")
    entry = TierEntry.objects.get(client__client_no="C4")  # on the province's list
    with pytest.raises(ValidationError):
        services.tier_entry_end(entry=entry, valid_to=D(2011, 1, 1), reason="退出名单", actor=hefei_person)
    with pytest.raises(ValidationError) as refused:
        services.tier_entry_add(
            client=registry["C4"],
            tier=Tier.PROVINCE,
            owner_unit=bank["AH"],
            valid_from=D(2015, 1, 1),
            reason="x",
            actor=hefei_person,
        )
    assert "owner_unit" in refused.value.message_dict
    services.tier_entry_add(
        client=registry["C4"],
        tier=Tier.CITY,
        owner_unit=bank["HF"],
        valid_from=D(2015, 1, 1),
        reason="x",
        actor=hefei_person,
    )


def test_rule_C5_an_override_names_a_province_marketing_department(registry, province_analyst):
    province_analyst = grant(province_analyst, "marketing.change_client")
    with pytest.raises(ValidationError) as refused:
        services.responsible_override_set(
            client=registry["C4"], department="CANTEEN", reason="x", actor=province_analyst
        )
    assert "responsible_override" in refused.value.message_dict


def test_rule_C7_marketing_modes_belong_to_upper_tier_entries(registry, bank):
    with pytest.raises(ValidationError) as refused:
        list_entry(registry, bank, "C4", Tier.CITY, "HF", D(2015, 1, 1), marketing_mode="LEAD")
    assert "marketing_mode" in refused.value.message_dict
    assert TierEntry.objects.get(client__client_no="C1").marketing_mode == "LEAD"


def test_a_metrics_file_without_a_figure_column_keeps_that_figure(registry):
    from imports.engine import run_import

    month(registry["C1"], D(2010, 1, 1), deposits_avg=Decimal("100.00"), loans=Decimal("200.00"))
    run_import("metrics", b"client_no,month,annual_contribution\nC1,2010-01,300.50\n", "m.csv", actor=SYSTEM)
    figures = registry["C1"].metrics.get()
    assert (figures.deposits_avg, figures.loans, figures.annual_contribution) == (
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("300.50"),
    )
    run_import(
        "metrics", b"client_no,month,loans\nC1,2010-01-01,\n", "m.csv", actor=SYSTEM
    )  # a spreadsheet's first-of-month date; empty: none
    assert registry["C1"].metrics.get().loans is None


@pytest.mark.parametrize("seed", [5, 6])
def test_rules_C5_and_C6_python_and_sql_agree_on_generated_clients(bank, province_analyst, seed):
    """The responsible and deposit departments as the list's SQL computes them (selectors'
    expressions) against rules.responsible_department and rules.deposit_department, for clients
    drawn at random: every flag combination, tiers from the lists, segments from AUM."""
    import random

    draw = random.Random(seed)
    flags = ("has_loan", "real_estate", "institution", "import_export", "sme_chain")
    rows = [
        (
            f"R{n:03d}",
            draw.choice(list(ClientKind.values)),
            draw.choice(["HF0101", "WH0101", "HF01"]),
            {flag: draw.random() < 0.3 for flag in flags},
        )
        for n in range(80)
    ]
    clients = add_clients(bank, *rows)
    for no, kind, _unit, _flags in rows:
        if kind == ClientKind.CORPORATE and draw.random() < 0.5:
            tier = draw.choice([Tier.HEAD_OFFICE, Tier.PROVINCE])
            list_entry(clients, bank, no, tier, "AH", D(2010, 1, 1), draw.choice([None, D(2010, 3, 31)]))
        if kind == ClientKind.INDIVIDUAL:
            month(
                clients[no],
                D(2010, 1, 1),
                aum=draw.choice([None, Decimal(0), Decimal(300000), Decimal(1500000), Decimal(9000000)]),
            )
    on = D(2010, 6, 30)
    listed = standing(province_analyst, on)
    for no, kind, _unit, client_flags in rows:
        client = listed[no]
        assert client.computed_responsible == rules.responsible_department(
            kind=kind, tier=client.tier, segment=client.segment, flags=client_flags
        ), no
        assert client.deposit_department == rules.deposit_department(kind=kind, flags=client_flags), no


def test_rule_C5_every_override_and_its_withdrawal_is_one_shared_override_record(registry, province_analyst):
    from bankops.overrides import OverrideRecord
    from marketing.models import ResponsibleOverride
    from staffing.models import Override

    assert issubclass(ResponsibleOverride, OverrideRecord) and issubclass(Override, OverrideRecord)
    province_analyst = grant(province_analyst, "marketing.change_client")
    client = registry["C4"]
    services.responsible_override_set(client=client, department="CORP1", reason="集团授信", actor=province_analyst)
    services.responsible_override_set(client=client, department="", reason="", actor=province_analyst)
    records = list(ResponsibleOverride.objects.filter(client=client).order_by("at", "id"))
    assert [(r.rule, r.department, r.by) for r in records] == [
        ("C5", "CORP1", province_analyst),
        ("C5", "", province_analyst),
    ]
    assert records[0].reason == "集团授信" and records[1].reason  # a withdrawal says why too
