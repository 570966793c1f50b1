"""A tier-list reader's day in the browser: the client list, a client page with its chart, a
named list with derived entries, and a request routed to the unit that accepts it."""

import datetime
from decimal import Decimal

from playwright.sync_api import expect

from tests.helpers import grant
from tests.marketing.conftest import month

SCREENSHOTS = "var/screenshots"


def test_hefei_person_reads_a_client_and_its_chart_and_records_a_request(log_in, hefei_person, registry):
    for number, when in enumerate([datetime.date(2010, m, 1) for m in range(1, 7)]):
        month(registry["C1"], when, deposits_avg=Decimal(1_000_000 + number * 50_000), loans=Decimal(3_000_000))
    # A transactional test starts from an empty database: the role's permissions are given here.
    page = log_in(grant(hefei_person, "marketing.add_businessrequest"))
    page.goto("/clients/?on=2010-06-30")
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(4)  # C1, C3, C4, I1: Wuhu's clients are not there
    page.click("text=C1")
    expect(page.locator("h1")).to_contain_text("C1")
    expect(page.locator("#metrics-chart canvas")).to_have_count(1)  # ECharts drew, from our own static files
    page.screenshot(path=f"{SCREENSHOTS}/client.png", full_page=True)

    page.select_option("select[name=nature]", "GENERAL")
    page.fill("[name=description]", "开立一般结算账户")
    page.click("#requests ~ form button[type=submit], form:has([name=nature]) button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("合肥三孝口支行")  # HF01, where C1 banks (rule C8)


def test_city_named_list_shows_the_derived_entries(log_in, hefei_person, registry):
    page = log_in(hefei_person)
    page.goto("/clients/lists/?unit=HF&on=2010-06-30")
    expect(page.locator("table.grid tbody tr")).to_have_count(3)
    expect(page.locator("table.grid tbody tr.derived, table.grid tbody tr:has-text('C3')").first).to_be_visible()
    assert page.goto("/clients/lists/?unit=WH").status == 404
