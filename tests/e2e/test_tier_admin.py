"""The tier-list administrator's daily tool in the browser at 1440 px: the entries' list stays
readable (no column squeezed to a character per line), an entry is ended with a date and a
reason, and its history reads in Chinese."""

import datetime

from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from marketing import services
from marketing.models import Client, ClientKind, Tier

SCREENSHOTS = "var/screenshots"
D = datetime.date
NAMES = [
    "安徽省合肥高新技术产业开发区建设投资集团有限公司",
    "合肥江淮汽车零部件制造股份有限公司",
    "芜湖长江港口物流有限责任公司",
    "合肥甲公司",
    "安徽皖通高速公路股份有限公司",
    "芜湖鸠江经济开发区管理委员会所属国有资产经营有限公司",
]
REASONS = [
    "年度名单评审：综合贡献度提升，调升至省行级客户名单并由省行公司业务一部直接营销",
    "新开户",
    "集团客户统一管理，列入二级分行级客户名单，由合肥分行大客户营销中心牵头营销和服务",
]


def tier_admin(user):
    # The browser tests' database is flushed between tests: the role's group is made again here.
    from importlib import import_module

    permissions = import_module("marketing.migrations.0002_tier_admin_role").TIER_ADMIN_PERMISSIONS
    group, _created = Group.objects.get_or_create(name="tier_admin")
    group.permissions.set(Permission.objects.filter(content_type__app_label="marketing", codename__in=permissions))
    user.is_staff = True
    user.save()
    user.groups.add(group)
    return user


def fill_the_lists(bank, actor):
    """Two dozen entries with long names and reasons, some ended with a reason."""
    services.clients_save(
        [
            services.ClientData(
                client_no=f"C{n:08d}",
                name=NAMES[n % len(NAMES)],
                kind=ClientKind.CORPORATE,
                account_unit=bank["HF0101"] if n % 2 else bank["HF01"],
            )
            for n in range(24)
        ],
        actor=actor,
    )
    for n, client in enumerate(Client.objects.order_by("client_no").select_related("account_unit")):
        tier, owner = (Tier.PROVINCE, bank["AH"]) if n % 3 else (Tier.CITY, bank["HF"])
        entry = services.tier_entry_add(
            client=client,
            tier=tier,
            owner_unit=owner,
            valid_from=D(2022, 1, 1),
            marketing_mode="DIRECT" if tier == Tier.PROVINCE else "",
            reason=REASONS[n % len(REASONS)],
            actor=actor,
        )
        if n % 4 == 0:
            services.tier_entry_end(
                entry=entry, valid_to=D(2024, 12, 31), reason="客户经营范围调整，退出名单", actor=actor
            )


def test_tier_entries_stay_readable_at_1440_px(log_in, province_analyst, bank):
    admin = tier_admin(province_analyst)
    fill_the_lists(bank, admin)
    page = log_in(admin)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/admin/marketing/tierentry/")
    expect(page.locator("#result_list tbody tr")).to_have_count(24)
    page.screenshot(path=f"{SCREENSHOTS}/tier-entries-1440.png", full_page=True)
    measured = page.evaluate("""() => {
        const cells = [...document.querySelectorAll('#result_list th, #result_list td')];
        const lines = cells.map(cell => {
            const style = getComputedStyle(cell);
            const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
            // The text's own box: a cell is stretched to its row's height, its text is not.
            const range = document.createRange();
            range.selectNodeContents(cell);
            return {text: cell.innerText.trim(), lines: range.getBoundingClientRect().height / lineHeight};
        });
        const table = document.querySelector('#result_list');
        return {lines, tableWidth: table.getBoundingClientRect().width, room: table.parentElement.clientWidth};
    }""")
    tall = [cell for cell in measured["lines"] if cell["lines"] > 3.2]
    assert not tall, tall  # three lines at most: nothing squeezed to a character per line
    assert measured["tableWidth"] <= measured["room"] + 1  # and the list fits, no sideways scrolling
    reason = page.locator("#result_list td.field-reason_column span[title]").first
    assert reason.get_attribute("title") == REASONS[0]  # the whole reason on hover


def test_an_entry_is_ended_with_a_date_and_a_reason_and_its_history_reads_in_chinese(log_in, province_analyst, bank):
    admin = tier_admin(province_analyst)
    fill_the_lists(bank, admin)
    page = log_in(admin)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/admin/marketing/tierentry/?q=C00000001")
    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "end_entries")
    page.click("button[name=index]")
    expect(page.locator("h1")).to_have_text("终止名单条目")
    page.fill("input[name=valid_to]", "2025-06-30")
    page.click("input[type=submit].default")
    expect(page.locator(".errornote")).to_contain_text("尚未终止任何条目")  # no reason: asked again, nothing ended
    expect(page.locator("input[name=valid_to]")).to_have_value("2025-06-30")
    page.fill("input[name=end_reason]", "客户迁出合肥")
    page.click("input[type=submit].default")
    expect(page.locator("ul.messagelist")).to_contain_text("1 个名单条目于 2025-06-30 终止")
    page.click("#result_list tbody tr a")
    page.click("a.historylink")
    history = page.locator("#change-history")
    expect(history).to_contain_text("终止原因: — → 客户迁出合肥")
    expect(history).to_contain_text("修改")
    page.screenshot(path=f"{SCREENSHOTS}/tier-entry-history.png", full_page=True)
    assert "None" not in history.inner_text() and "CHANGES" not in page.inner_text("body")
