"""The staffing pages: the compliance report, a client's team with assign / hand over / end
(rules A1–A10 answering in the form), a manager's book (A8, A12), a unit's team structure."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from staffing import services
from staffing.models import Assignment, Override
from tests.helpers import grant, make_person
from tests.staffing.conftest import ON


@pytest.fixture
def hefei_admin(staffing_bank):
    person = make_person("HFADM", "合肥管理员", staffing_bank["units"]["HF"])
    return grant(person, "staffing.add_assignment", "staffing.change_assignment")


def test_the_compliance_page_groups_a_subtrees_breaches_by_rule_with_links(staffing_bank, login):
    page = login(staffing_bank["people"]["PA1"]).get(reverse("compliance"), {"unit": "HF01", "on": ON.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    for anchor in ('id="rule-O3"', 'id="rule-S7"', 'id="rule-A1"', 'id="rule-A10"'):
        assert anchor in html
    assert 'id="rule-A2"' not in html  # C3 banks in Wuhu, outside HF01
    assert reverse("client-team", args=["C4"]) in html and reverse("manager-book", args=["CM2"]) in html
    assert "三孝口网点" in html  # names beside the codes
    assert "overridden" in html or "已强制通过" in html


def test_the_compliance_page_refuses_a_unit_outside_the_persons_subtree(staffing_bank, login):
    page = login(staffing_bank["people"]["CM3"]).get(reverse("compliance"), {"unit": "HF01", "on": ON.isoformat()})
    assert page.status_code == 200
    assert "HF01" in page.content.decode() and 'id="rule-' not in page.content.decode()


def test_the_compliance_report_exports_for_excel(staffing_bank, login):
    response = login(staffing_bank["people"]["PA1"]).get(reverse("compliance"), {"on": ON.isoformat(), "export": "csv"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 18


def test_a_team_page_shows_the_team_its_history_and_overrides(staffing_bank, login):
    page = login(staffing_bank["people"]["PA1"]).get(reverse("client-team", args=["I2"])).content.decode()
    assert "CM2" in page and "客户指定由该经理维护" in page


def post(client, client_no, **data):
    return client.post(reverse("client-team", args=[client_no]), data)


def test_assigning_answers_the_rule_in_the_form_and_keeps_what_was_typed(staffing_bank, hefei_admin, login):
    page = login(hefei_admin)
    today = timezone.localdate().isoformat()
    # G2 (Hefei) gets a junior member: fine. Then C2's lead handed over to a junior (A2).
    response = post(page, "G2", action="assign", employee_no="CM2", role="MEMBER", split="0", valid_from=today)
    assert response.status_code == 302
    assert Assignment.objects.filter(client__client_no="G2", employee__username="CM2").exists()
    response = post(page, "C2", action="assign", employee_no="CM2", role="LEAD", split="100", valid_from=today)
    html = response.content.decode()
    assert response.status_code == 200 and "A10" in html  # two leads
    assert 'value="CM2"' in html  # what was typed is shown again
    assert "override_reason" not in html  # not this person's to override


def test_a_hand_over_ends_one_assignment_the_day_before_the_next_starts(staffing_bank, hefei_admin, login):
    page = login(hefei_admin)
    current = Assignment.objects.get(client__client_no="C2", employee__username="CM1")
    on = timezone.localdate()
    # CM3 works in Wuhu: outside a Hefei administrator's reach.
    response = post(page, "C2", action="hand_over", assignment=current.pk, to_employee_no="CM3", on=on.isoformat())
    assert response.status_code == 200 and "CM3" in response.content.decode()
    # VCM (SENIOR, Hefei) takes over: no gap, no overlap.
    response = post(page, "C2", action="hand_over", assignment=current.pk, to_employee_no="VCM", on=on.isoformat())
    assert response.status_code == 302
    current.refresh_from_db()
    taken = Assignment.objects.get(client__client_no="C2", employee__username="VCM")
    assert current.valid_to == on - datetime.timedelta(days=1) and taken.valid_from == on
    assert (taken.role, taken.split) == ("LEAD", Decimal("100.00"))


def test_an_override_needs_the_right_and_a_reason_and_stays_on_record(staffing_bank, hefei_admin, login):
    boss = grant(hefei_admin, "staffing.override_assignment")
    page = login(boss)
    today = timezone.localdate().isoformat()
    current = Assignment.objects.get(client__client_no="C2", employee__username="CM1")
    # C2 (5 million) to a junior lead: A2, refused without a reason, kept with one.
    refused = post(page, "C2", action="hand_over", assignment=current.pk, to_employee_no="CM2", on=today)
    assert refused.status_code == 200 and "A2" in refused.content.decode()
    done = post(
        page,
        "C2",
        action="hand_over",
        assignment=current.pk,
        to_employee_no="CM2",
        on=today,
        override_reason="客户要求",
    )
    assert done.status_code == 302
    assert Override.objects.filter(rule="A2", client__client_no="C2", reason="客户要求", by=boss).exists()


def test_ending_cannot_leave_a_team_without_its_lead(staffing_bank, hefei_admin, login):
    page = login(hefei_admin)
    member = Assignment.objects.get(client__client_no="I3", employee__username="VCM")
    response = post(page, "I3", action="end", assignment=member.pk, on=timezone.localdate().isoformat())
    assert response.status_code == 200 and "A10" in response.content.decode()
    member.refresh_from_db()
    assert member.valid_to is None


def test_a_person_without_the_right_cannot_post_to_a_team(staffing_bank, login):
    response = post(login(staffing_bank["people"]["PA1"]), "C2", action="end", assignment=1, on="2011-01-01")
    assert response.status_code == 403


def test_a_managers_book_shows_their_clients_capacity_authority_and_contract(staffing_bank, login):
    from accounts.actors import SYSTEM
    from staffing import services

    year = timezone.localdate().year
    target = {"employee": staffing_bank["people"]["CM2"], "year": year, "indicator": "DEPOSITS", "target": Decimal(8e6)}
    services.contracts_save([target], actor=SYSTEM)
    page = login(staffing_bank["people"]["CM2"]).get(reverse("manager-book", args=["CM2"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "4 / 2" in html  # four clients (C4's two leads included), a junior's capacity of two (A8)
    assert "5,000,000" in html  # a junior's loan authority (A12)
    assert all(no in html for no in ("C1", "C4", "I1", "I2"))
    assert "8,000,000.00" in html and "合肥三孝口支行" in html  # the contract, signed by the sub-branch (A11)


def test_a_units_team_structure_counts_managers_against_staff(staffing_bank, login):
    page = login(staffing_bank["people"]["PA1"]).get(reverse("unit-staffing", args=["AH"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("unit-staffing", args=["HF"]) in html
    assert "28.6%" in html  # Hefei: 4 managers of 14 staff
    wuhu = login(staffing_bank["people"]["CM3"]).get(reverse("unit-staffing", args=["HF"]))
    assert wuhu.status_code == 404


def test_the_compliance_page_shows_the_first_rows_of_each_rule_and_pages_one_rule_whole(
    staffing_bank, login, monkeypatch
):
    from staffing import views

    monkeypatch.setattr(views, "RULE_ROWS_SHOWN", 1)
    monkeypatch.setattr(views, "RULE_PAGE_SIZE", 1)
    client = login(staffing_bank["people"]["PA1"])
    question = {"unit": "HF", "on": ON.isoformat()}
    whole = client.get(reverse("compliance"), question)
    counts = dict(whole.context["all_rules"])
    rule = next(rule for rule, count in counts.items() if count > 1)
    shown = {name: rows for name, _title, rows, _count in whole.context["groups"]}
    assert all(len(rows) == 1 for rows in shown.values())
    assert f"rule={rule}" in whole.content.decode()
    one = client.get(reverse("compliance"), {**question, "rule": rule, "page": 2})
    assert [name for name, *_rest in one.context["groups"]] == [rule]
    assert one.context["page"].number == 2 and one.context["page"].paginator.count == counts[rule]
    exported = client.get(reverse("compliance"), {**question, "export": "csv"}).streaming_content
    lines = b"".join(exported).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + sum(counts.values())  # the export has every row


def test_the_compliance_page_seen_again_is_read_from_the_cache_until_a_source_changes(
    staffing_bank, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(staffing_bank["people"]["PA1"])
    question = {"unit": "HF", "on": ON.isoformat()}
    with CaptureQueriesContext(connection) as first:
        first_html = client.get(reverse("compliance"), question).content.decode()
    with django_assert_max_num_queries(len(first) - 5):
        assert client.get(reverse("compliance"), question).content.decode().count('id="rule-') == first_html.count(
            'id="rule-'
        )
    # An assignment ended: a source of the report changed, the page is computed again.
    services.assignment_end(Assignment.objects.filter(valid_to__isnull=True).first(), on=ON, actor=SYSTEM)
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("compliance"), question)
    assert len(again) > len(first) - 5
