"""Holes found in review, pinned: admin history, self-promotion, import scope and robustness."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounts import rules, selectors, services
from accounts.actors import SYSTEM
from accounts.models import Department, Unit, UnitKind, User
from imports.engine import ImportRejected, run_import
from tests.imports.test_import_command import UNITS, run
from tests.test_platform import make_admin

ROOT = Path(__file__).resolve().parent.parent.parent


def test_rule_O1_kinds_strictly_descend_so_no_cycle_can_form():
    rank = {UnitKind.PROVINCE: 0, UnitKind.CITY: 1, UnitKind.SUB_BRANCH: 2}
    for kind, parents in rules.ALLOWED_PARENT_KINDS.items():
        for parent in parents - {None}:
            assert rank[parent] < rank.get(kind, 3), (kind, parent)


def test_admin_history_of_a_person_outside_the_subtree_is_not_found(login, wuhu_manager, hefei_manager):
    client = login(make_admin(wuhu_manager))
    assert client.get(f"/admin/accounts/user/{hefei_manager.pk}/history/").status_code == 404
    version = hefei_manager.history.latest().history_id
    assert client.get(f"/admin/accounts/user/{hefei_manager.pk}/history/{version}/").status_code == 404
    assert client.get(f"/admin/accounts/user/{wuhu_manager.pk}/history/").status_code == 200


def test_a_branch_administrator_cannot_make_anyone_a_superuser(login, wuhu_manager):
    client = login(make_admin(wuhu_manager))
    page = client.get(f"/admin/accounts/user/{wuhu_manager.pk}/change/")
    assert "is_superuser" not in page.context["adminform"].form.fields


def test_employee_import_cannot_move_people_from_outside_the_subtree(wuhu_manager, hefei_manager):
    text = "employee_no,name,unit_code,position\nH0101,张客户经理,WH0101,CUSTOMER_MANAGER\n"
    with pytest.raises(ImportRejected) as rejected:
        run_import("employees", text.encode(), "e.csv", actor=wuhu_manager)
    assert str(rejected.value.errors[0]).startswith("row 2, column employee_no:")
    assert User.objects.get(username="H0101").unit.code == "HF0101"


def test_empty_unnamed_columns_are_ignored_but_unnamed_values_are_not(db, tmp_path):
    code, _out, _err = run(tmp_path, "units", UNITS.replace("\n", ",\n"))
    assert code == 0 and Unit.objects.count() == 5
    code, _out, err = run(tmp_path, "units", "code,name,kind,\nZZ,z,PROVINCE,oops\n")
    assert code == 1 and "row 1, column #4:" in err


def test_xlsx_with_formatted_empty_columns_imports(db, tmp_path):
    book = Workbook()
    sheet = book.active
    for line in UNITS.strip().splitlines():
        sheet.append(line.split(",") + [None, None])
    sheet.cell(row=1, column=9).number_format = "0.00"  # a formatted but empty column
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(tmp_path, "units", buffer.getvalue(), name="units.xlsx")[0] == 0


def test_header_names_are_not_case_sensitive(db, tmp_path):
    assert run(tmp_path, "units", "Code,Name,KIND\nAH,安徽省分行,PROVINCE\n")[0] == 0


def test_a_department_looping_to_itself_is_reported_not_crashed(bank, tmp_path):
    code, _out, err = run(
        tmp_path, "departments", "unit_code,code,name,parent_code\nHF,SELF,自身,SELF\nHF,A,甲,B\nHF,B,乙,A\n"
    )
    assert code == 1
    assert (
        "row 2, column parent_code:" in err
        and "row 3, column parent_code:" in err
        and "row 4, column parent_code:" in err
    )
    assert not Department.objects.exists()


def test_a_second_province_and_its_children_are_reported_not_crashed(bank, tmp_path):
    code, _out, err = run(tmp_path, "units", "code,name,kind,parent_code\nAH2,另一省行,PROVINCE,\nC9,某分行,CITY,AH2\n")
    assert code == 1 and "row 2, column kind:" in err
    assert not Unit.objects.filter(code__in=["AH2", "C9"]).exists()


def test_an_absent_optional_column_keeps_what_is_stored(bank, hefei_manager, tmp_path):
    # The employees file without grade or department keeps them; the units file without flags too.
    assert (
        run(tmp_path, "employees", "employee_no,name,unit_code,position\nH0101,张经理,HF0101,CUSTOMER_MANAGER\n")[0]
        == 0
    )
    manager = User.objects.get(username="H0101")
    assert (manager.name, manager.grade, manager.manager_kind) == ("张经理", "SENIOR", "CORPORATE")
    assert run(tmp_path, "units", "code,name,kind,parent_code\nHF0101,三孝口网点,OUTLET,HF01\n")[0] == 0
    assert Unit.objects.get(code="HF0101").city_area is True
    # An empty cell does mean none.
    assert (
        run(
            tmp_path, "employees", "employee_no,name,unit_code,position,grade\nH0101,张经理,HF0101,CUSTOMER_MANAGER,\n"
        )[0]
        == 0
    )
    assert User.objects.get(username="H0101").grade == ""


def test_people_pages_work_for_a_superuser_without_a_unit(client, bank, hefei_manager):
    admin = User.objects.create_superuser("root", password="x-Y-z-123456")
    client.force_login(admin)
    response = client.get(reverse("employee-list"))
    assert response.status_code == 200
    assert [p.username for p in response.context["page"].object_list] == ["H0101"]


def test_createsuperuser_noinput_needs_only_username_and_password(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankops.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'su.sqlite3'}",
        "DJANGO_SUPERUSER_USERNAME": "boss",
        "DJANGO_SUPERUSER_PASSWORD": "a-long-pass-987",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for command in (["migrate", "-v0"], ["createsuperuser", "--noinput"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


def test_rule_O4_and_O2_breaches_are_reported(bank, hefei_person):
    assert [b.unit_code for b in selectors.leadership_group_breaches(within=bank["AH"])] == ["AH", "HF", "WH"]
    services.leadership_member_set(unit=bank["HF"], member=hefei_person, role="LEADER", actor=SYSTEM)
    assert [b.unit_code for b in selectors.leadership_group_breaches(within=bank["AH"])] == ["AH", "WH"]
    [breach] = selectors.province_department_breaches(within=bank["AH"])
    assert breach.rule == "O2" and "CORP1" in str(breach.message)
    for code, name in rules.PROVINCE_MARKETING_DEPARTMENTS.items():
        services.department_save(unit=bank["AH"], code=code, name=name, actor=SYSTEM)
    assert selectors.province_department_breaches(within=bank["AH"]) == []


def test_admin_edit_of_a_post_gives_the_roles_of_the_new_post(client, bank, hefei_person):
    from django.contrib.auth.models import Group

    root = User.objects.create_superuser("root", password="x-Y-z-123456")
    client.force_login(root)
    page = client.get(f"/admin/accounts/user/{hefei_person.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        unit=bank["HF"].pk,
        position="CUSTOMER_MANAGER",
        groups=[g.pk for g in Group.objects.filter(name="branch_staff")],
        user_permissions=[],
        birth_date="",
        hired_on="",
    )
    response = client.post(f"/admin/accounts/user/{hefei_person.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(User.objects.get(pk=hefei_person.pk).groups.values_list("name", flat=True)) == {"customer_manager"}


def test_admin_keys_of_departments_and_seats_are_read_only_once_saved(login, province_analyst, bank):
    from tests.test_platform import make_admin

    department, _ = services.department_save(unit=bank["HF"], code="CORP", name="公司业务部", actor=SYSTEM)
    client = login(make_admin(province_analyst))
    form = client.get(f"/admin/accounts/department/{department.pk}/change/").context["adminform"].form
    assert "code" not in form.fields and "unit" not in form.fields
