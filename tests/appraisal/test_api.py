"""GET /api/v1/appraisal/results/ (INTERFACES.md): scoped (rule O5), published as rule P5 says."""

from accounts import services as org
from accounts.actors import SYSTEM
from accounts.models import Position
from appraisal import services
from appraisal.models import QuarterResults
from tests.helpers import api_as, make_person

from .conftest import QUARTER

URL = "/api/v1/appraisal/results/"


def numbers(response):
    assert response.status_code == 200, response.content
    return sorted(row["employee_no"] for row in response.json()["results"])


def test_results_answer_the_contract_with_the_breakdown_and_rating(quarter_bank, appraise, province_analyst):
    appraise()
    rows = {
        row["employee_no"]: row for row in api_as(province_analyst).get(URL, {"quarter": QUARTER}).json()["results"]
    }
    m1 = rows["M1"]
    assert (m1["quarter"], m1["status"], m1["quantitative"], m1["qualitative"], m1["total"]) == (
        QUARTER,
        "DRAFT",
        "72.53",
        "80.00",
        "74.03",
    )
    assert (m1["rank_city"], m1["rank_province"], m1["rating"]) == (1, 1, "GOOD")
    deposits = next(line for line in m1["breakdown"] if line["indicator"] == "DEPOSITS")
    assert deposits == {
        "indicator": "DEPOSITS",
        "actual": "866666.67",
        "target": "2000000.00",
        "completion": "0.4333",
        "points": "17.33",
    }


def test_a_wuhu_person_sees_wuhu_managers_only_rule_o5(quarter_bank, appraise, bank):
    appraise()
    wuhu_head = make_person("W9", "芜湖行长", bank["WH"], Position.HEAD)
    assert numbers(api_as(wuhu_head).get(URL)) == ["M3"]
    assert numbers(api_as(wuhu_head).get(URL, {"unit": "WH01"})) == ["M3"]
    refused = api_as(wuhu_head).get(URL, {"unit": "HF"})
    assert refused.status_code == 400 and "unit" in refused.json()


def test_a_manager_sees_only_their_own_result_and_only_once_published_rule_p5(quarter_bank, appraise, bank):
    run = appraise()
    m3 = quarter_bank["people"]["M3"]
    assert numbers(api_as(m3).get(URL)) == []
    services.results_approve(run=run, city=bank["WH"], actor=SYSTEM)
    assert numbers(api_as(m3).get(URL)) == []  # approved, not yet published
    services.results_publish(run=run, city=bank["WH"], actor=SYSTEM)
    rows = api_as(m3).get(URL).json()["results"]
    assert [(row["employee_no"], row["status"]) for row in rows] == [("M3", "PUBLISHED")]
    m1 = quarter_bank["people"]["M1"]
    assert numbers(api_as(m1).get(URL)) == []  # Hefei's are not published


def test_the_staff_of_a_city_branch_read_its_drafts_and_a_manager_on_its_leadership_group_too(
    quarter_bank, appraise, bank, hefei_person
):
    appraise()
    assert numbers(api_as(hefei_person).get(URL)) == ["M1", "M2"]  # Hefei's, not Wuhu's
    desk = make_person("M9", "分行经理", bank["HF"], Position.CUSTOMER_MANAGER)  # after the run: no result
    assert numbers(api_as(desk).get(URL)) == []  # a manager: their own, once published
    org.leadership_member_set(unit=bank["HF"], member=desk, role="MEMBER", actor=SYSTEM)
    assert numbers(api_as(desk).get(URL)) == ["M1", "M2"]


def test_a_bad_quarter_is_a_400_with_the_field(province_analyst):
    response = api_as(province_analyst).get(URL, {"quarter": "2026-1"})
    assert response.status_code == 400 and "quarter" in response.json()


def test_only_the_latest_complete_run_of_a_quarter_is_answered(quarter_bank, appraise, province_analyst):
    appraise()
    second = appraise()
    assert QuarterResults.objects.get(quarter=QUARTER).run_id == second.pk
    assert numbers(api_as(province_analyst).get(URL, {"quarter": QUARTER})) == ["M1", "M2", "M3"]


def test_a_manager_never_reads_a_colleagues_result_even_published(quarter_bank, appraise, bank):
    run = appraise()
    services.results_approve(run=run, city=bank["HF"], actor=SYSTEM)
    services.results_publish(run=run, city=bank["HF"], actor=SYSTEM)
    assert numbers(api_as(quarter_bank["people"]["M2"]).get(URL)) == ["M2"]
