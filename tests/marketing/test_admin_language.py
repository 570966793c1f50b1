"""The whole admin speaks Chinese: the login-throttling answer, django-axes' pages, Django's own
admin strings that its catalog lacks, and the two-box selector's strings (issue 6, item 5)."""

import re

from django.contrib.auth import get_user_model

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def test_the_sixth_admin_login_after_five_failures_is_answered_in_chinese(client, province_analyst):
    province_analyst.is_staff = True
    province_analyst.set_password("right-password-1")
    province_analyst.save()
    for _ in range(5):
        client.post(ADMIN_LOGIN, {"username": "P0001", "password": "wrong"})
    sixth = client.post(ADMIN_LOGIN, {"username": "P0001", "password": "right-password-1"})
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session
    page = sixth.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录失败次数过多" in page and "该用户名在 15 分钟内无法登录" in page and "从此地址登录失败 5 次后" in page
    assert 'href="/admin/login/"' in page  # back to the login page it came from
    text = re.sub(r"<[^>]+>", " ", page.split("<main>")[1])
    assert not re.search(r"[A-Za-z]{3,}", text), text  # no English sentence left


def test_the_admin_index_names_every_app_and_model_in_chinese(client, db):
    admin = get_user_model().objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "登录限制" in page and "登录尝试" in page and "登录失败" in page and "登录日志" in page
    assert "模型名称" in page and "新增链接" in page  # the table's hidden headers, read aloud by screen readers
    for english in ["Axes", "Access attempts", "Access failures", "Access logs", "Model name", "Add link"]:
        assert english not in page
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    assert "尝试时间" in attempts and "Attempt Time" not in attempts and "Locked Out" not in attempts


def test_the_two_box_selector_of_a_persons_groups_speaks_chinese(client, hefei_person):
    admin = get_user_model().objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{hefei_person.pk}/change/").content.decode()
    assert '"Choose all %s": "全选%s"' in page  # given to Django's JavaScript gettext
    assert '"Remove all %s": "移除全部%s"' in page
    assert client.get("/admin/accounts/user/add/").content.decode().count("创建用户后，可以编辑更多的用户选项。") == 1


def test_roles_read_in_chinese_in_the_people_admin(client, province_analyst):
    from tests.helpers import make_staff

    client.force_login(make_staff(province_analyst, "accounts"))
    page = client.get("/admin/accounts/user/").content.decode()
    assert "省行分析员" in page
    assert "?role=tier_admin" in page and ">tier_admin<" not in page
