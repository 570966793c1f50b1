"""The platform: production settings, Celery wiring, login throttling, the admin panel."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import translation

from bankops.celery import ping
from tests.helpers import api_as

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankops.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3w9Qz-vT7pL_2mW8rB5nY1cX4hJ6dF0gSaEuIoPq7Zr2Lm9Xc4Vb8Nn1Tt6Yy3Hh5",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bankops.settings", "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_a_celery_task_round_trips(settings):
    # In-process by default; through Redis and a real worker when CELERY_BROKER_URL is set (CI).
    assert ping.delay().get(timeout=30) == "pong"


def test_failed_logins_are_throttled(client, hefei_person):
    hefei_person.set_password("right-password-1")
    hefei_person.save()
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "H0001", "password": "wrong"})
        assert response.status_code == 200 and response.context["form"].errors
    fifth = client.post(reverse("login"), {"username": "H0001", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": "H0001", "password": "right-password-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_login_lands_on_the_start_page(client, hefei_person):
    hefei_person.set_password("right-password-1")
    hefei_person.save()
    response = client.post(reverse("login"), {"username": "H0001", "password": "right-password-1"}, follow=True)
    assert response.status_code == 200 and response.request["PATH_INFO"] == "/"


def make_admin(user):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    return user


def test_admin_changelists_are_scoped(login, wuhu_manager, hefei_manager):
    client = login(make_admin(wuhu_manager))
    units = client.get("/admin/accounts/unit/")
    assert [unit.code for unit in units.context["cl"].result_list] == ["WH0101"]
    people = client.get("/admin/accounts/user/")
    assert [person.username for person in people.context["cl"].result_list] == ["W0101"]
    assert client.get(f"/admin/accounts/user/{hefei_manager.pk}/change/").status_code == 302  # "does not exist"


def test_admin_unit_form_refuses_a_wrong_parent_next_to_the_field(login, province_analyst, bank):
    client = login(make_admin(province_analyst))
    response = client.post(
        "/admin/accounts/unit/add/", {"code": "X1", "name": "错网点", "kind": "OUTLET", "parent": "HF"}
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert 'value="错网点"' in response.content.decode()


def test_a_refusal_is_a_chinese_page(login, wuhu_manager):
    response = login(wuhu_manager).get("/imports/")
    assert response.status_code == 403 and "无权" in response.content.decode()


def test_ping_answers_ok_to_a_logged_in_person_only(client, login, hefei_person):
    anonymous = client.get("/ping/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    response = login(hefei_person).get("/ping/")
    assert response.status_code == 200 and response.content == b"ok"


def test_the_browsers_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")


def test_the_api_root_links_to_the_api_not_to_the_pages(province_analyst):
    links = api_as(province_analyst).get("/api/v1/").json()
    assert links["clients"].endswith("/api/v1/clients/") and links["employees"].endswith("/api/v1/employees/")
    assert all("/api/v1/" in url for url in links.values())


def test_a_page_not_found_says_so_in_chinese_without_listing_the_urls(client, hefei_person, settings):
    settings.DEBUG = False
    client.force_login(hefei_person)
    response = client.get("/clients/C-NOPE/")
    html = response.content.decode()
    assert response.status_code == 404 and "未找到" in html and "URLconf" not in html


def test_numbers_are_grouped_by_thousands_in_chinese_too():
    with translation.override("zh-hans"):
        assert intcomma(Decimal("3023703.96")) == "3,023,703.96" and intcomma(3023703) == "3,023,703"
