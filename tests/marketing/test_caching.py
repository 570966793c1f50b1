"""Registry pages and answers from the cache (marketing.caching): a second look reads no list,
and nothing cached is read once the registry, the day, the person or the language differ."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.actors import SYSTEM
from marketing import services
from marketing.models import Client, Tier, TierEntry
from tests.helpers import api_as

from .test_views import clients, put_on_list  # noqa: F401 — the fixture

D = datetime.date


def registry_queries(queries):
    """The queries that read the registry's rows (not the session, the person, the version)."""
    return [q["sql"] for q in queries if "marketing_client" in q["sql"] or "marketing_tierentry" in q["sql"]]


def get(client, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200
    # (the logout form's CSRF token is masked anew on every page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return page, registry_queries(queries)


def test_a_list_seen_again_reads_no_rows(login, province_analyst, clients):  # noqa: F811
    browser = login(province_analyst)
    for url, data in [(reverse("client-list"), {"tier": "PROVINCE"}), (reverse("tier-lists"), {"unit": "AH"})]:
        first, read = get(browser, url, data)
        assert read
        again, read_again = get(browser, url, data)
        assert (again, read_again) == (first, [])


def test_a_write_shows_at_once_whoever_made_it(login, province_analyst, bank, clients):  # noqa: F811
    browser = login(province_analyst)
    url = reverse("client-list")
    page, _ = get(browser, url, {"tier": "CITY"})
    assert "HF002" in page and "HF101" not in page
    entry = TierEntry.objects.get(client=clients["HF002"], tier=Tier.CITY)
    services.tier_entry_end(
        entry=entry, valid_to=timezone.localdate() - datetime.timedelta(days=1), reason="降级", actor=SYSTEM
    )
    page, _ = get(browser, url, {"tier": "CITY"})
    assert "HF002" not in page
    # Behind the services' back (a shell, a script): the database's triggers count it.
    Client.objects.filter(client_no="HF001").update(name="合肥新钢铁集团")
    assert "合肥新钢铁集团" in get(browser, url)[0]
    # A unit renamed (the account branch column).
    outlet = bank["HF0101"]
    accounts_services.unit_update(unit=outlet, name="三孝口新网点", kind=outlet.kind, parent=bank["HF01"], actor=SYSTEM)
    page = get(browser, url)[0]
    assert "三孝口新网点" in page
    # The account-branch drop-down too, at once (its options are kept under the same version).
    assert '<option value="HF0101">三孝口新网点 (HF0101)</option>' in page


def test_each_person_language_and_day_has_their_own(login, province_analyst, wuhu_manager, clients, monkeypatch):  # noqa: F811
    url = reverse("client-list")
    assert "HF001" in get(login(province_analyst), url)[0]
    wuhu, read = get(login(wuhu_manager), url)
    assert read and "HF001" not in wuhu and "WH001" in wuhu
    browser = login(province_analyst)
    chinese = get(browser, url)[0]
    browser.cookies["django_language"] = "en"
    assert get(browser, url)[0] != chinese
    del browser.cookies["django_language"]
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *args: today + datetime.timedelta(days=1))
    tomorrow, read = get(browser, url)
    assert read and (today + datetime.timedelta(days=1)).isoformat() in tomorrow


def test_the_api_answers_from_the_cache_until_the_registry_changes(province_analyst, bank, clients):  # noqa: F811
    api = api_as(province_analyst)
    with CaptureQueriesContext(connection) as queries:
        first = api.get("/api/v1/clients/", {"tier": "PROVINCE"}).json()
    assert registry_queries(queries)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/clients/", {"tier": "PROVINCE"}).json() == first
    assert not registry_queries(queries)
    put_on_list(clients["HF002"], Tier.PROVINCE, bank["AH"], start=D(2021, 1, 1))
    numbers = [row["client_no"] for row in api.get("/api/v1/clients/", {"tier": "PROVINCE"}).json()["results"]]
    assert "HF002" in numbers
    tiers = api.get("/api/v1/tiers/", {"unit": "AH"}).json()["results"]
    assert "HF002" in [row["client_no"] for row in tiers]
    # A refused question is answered (in Chinese, by default), not cached.
    for _attempt in range(2):
        refused = api.get("/api/v1/tiers/", {"unit": "NOPE"})
        assert (refused.status_code, refused.json()) == (400, {"unit": ["没有您可查看其名单的机构 NOPE。"]})
    assert api.get("/api/v1/tiers/").json() == {"unit": ["请给出机构代码。"]}
