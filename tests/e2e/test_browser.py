"""A branch person's day in the browser: log in, browse the tree, find people, switch language."""

import re

from playwright.sync_api import expect

SCREENSHOTS = "var/screenshots"


def test_login_page_is_chinese_and_a_wrong_password_is_told(page, hefei_person):
    page.goto("/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("input[name=username]", "H0001")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.locator("input[name=username]")).to_have_value("H0001")


def test_hefei_person_browses_own_subtree_and_not_wuhu(log_in, hefei_person, hefei_manager, wuhu_manager):
    page = log_in(hefei_person)
    expect(page.locator("h1")).to_contain_text("欢迎")
    page.click("text=组织机构")
    expect(page.locator("h1")).to_contain_text("合肥分行")
    expect(page.locator("#staff-chart canvas")).to_have_count(1)  # staff by position, drawn from our own static files
    page.screenshot(path=f"{SCREENSHOTS}/unit-tree.png", full_page=True)
    page.click("table.grid >> text=合肥三孝口支行")
    expect(page).to_have_url(re.compile(r"/org/HF01/$"))
    response = page.goto("/org/WH/")
    assert response.status == 404


def test_people_list_filters_and_switches_to_english(log_in, province_analyst, hefei_manager, wuhu_manager):
    page = log_in(province_analyst)
    page.goto("/people/")
    page.select_option("select[name=position]", "CUSTOMER_MANAGER")
    page.fill("input[name=q]", "赵")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("W0101")
    page.screenshot(path=f"{SCREENSHOTS}/people.png", full_page=True)
    page.select_option("select[name=language]", "en")
    expect(page.locator("h1")).to_have_text("People")
