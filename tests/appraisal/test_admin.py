"""The appraisal's admin: a scheme's next version is saved through scheme_save (rule P3)."""

from decimal import Decimal

from appraisal.models import Scheme
from tests.helpers import make_staff

FIGURES = {
    "name": "积分制考核方案（2027）",
    "quantitative_share": "0.7",
    "qualitative_share": "0.3",
    "excellent_share": "0.15",
    "good_share": "0.5",
    "needs_improvement_below": "60",
    "unsatisfactory_below": "40",
    "cap_DEPOSITS": "1.5",
    "cap_LOANS": "1.5",
    "cap_INTERMEDIATE": "1.2",
    "cap_PRODUCTS": "1.5",
}


def test_the_admin_saves_the_next_scheme_version_with_its_weights_and_refuses_weights_not_adding_to_1(
    login, province_analyst
):
    client = login(make_staff(province_analyst, "appraisal"))
    form = client.get("/admin/appraisal/scheme/add/").content.decode()
    assert 'name="weight_DEPOSITS"' in form and 'name="cap_PRODUCTS"' in form
    weights = {"weight_DEPOSITS": "0.5", "weight_LOANS": "0.3", "weight_INTERMEDIATE": "0.2", "weight_PRODUCTS": "0.1"}
    refused = client.post("/admin/appraisal/scheme/add/", {**FIGURES, **weights})
    assert refused.status_code == 200 and "1.1" in refused.content.decode()
    assert Scheme.objects.count() == 1
    weights["weight_DEPOSITS"] = "0.4"
    saved = client.post("/admin/appraisal/scheme/add/", {**FIGURES, **weights})
    assert saved.status_code == 302
    scheme = Scheme.objects.get(version=2)
    assert scheme.quantitative_share == Decimal("0.7") and scheme.created_by == province_analyst
    assert {line.indicator: (line.weight, line.cap) for line in scheme.indicators.all()}["INTERMEDIATE"] == (
        Decimal("0.2"),
        Decimal("1.2"),
    )
    assert Scheme.objects.get(version=1).quantitative_share == Decimal("0.80")  # the old version stays


def test_the_browsable_api_answers_the_results_page(login, province_analyst):
    response = login(province_analyst).get("/api/v1/appraisal/results/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
