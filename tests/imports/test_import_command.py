"""`manage.py import KIND FILE [--dry-run]` (INTERFACES.md "Bulk import"): whole or nothing."""

import pytest
from django.core.management import call_command

from accounts.models import Department, Unit, User

from .support import run, xlsx

UNITS = """code,name,kind,parent_code,city_area,credit_authority
AH,安徽省分行,PROVINCE,,,
HF,合肥分行,CITY,AH,,
HF01,合肥三孝口支行,SUB_BRANCH,HF,0,是
HF0101,三孝口网点,OUTLET,HF01,true,
HFVIP,合肥贵宾理财中心,VIP_CENTRE,HF,,
"""


@pytest.fixture
def units(db, tmp_path):
    assert run(tmp_path, "units", UNITS)[0] == 0
    return Unit.objects.all()


def test_units_import_builds_the_tree(units):
    tree = {unit.code: unit for unit in units}
    assert tree["HF0101"].path.startswith(tree["HF01"].path) and tree["HF01"].path.startswith(tree["HF"].path)
    assert tree["HF01"].credit_authority and not tree["HF01"].city_area
    assert tree["HF0101"].city_area


def test_units_import_takes_children_before_their_parents(db, tmp_path):
    text = "code,name,kind,parent_code\nHF01,支行,SUB_BRANCH,HF\nHF,合肥分行,CITY,AH\nAH,安徽省分行,PROVINCE,\n"
    assert run(tmp_path, "units", text)[0] == 0
    assert Unit.objects.get_parent(Unit.objects.get(code="HF01")).code == "HF"


def test_reimporting_the_same_file_changes_nothing(units, tmp_path):
    history = Unit.history.count()
    code, out, _err = run(tmp_path, "units", UNITS)
    assert code == 0
    assert "新建 0，更新 0，未变 5" in out
    assert Unit.history.count() == history


def test_csv_with_a_byte_order_mark_imports(db, tmp_path):
    assert run(tmp_path, "units", UNITS, encoding="utf-8-sig")[0] == 0
    assert Unit.objects.filter(code="AH").exists()


def test_xlsx_first_sheet_imports(db, tmp_path):
    content = xlsx(line.split(",") for line in UNITS.strip().splitlines())
    assert run(tmp_path, "units", content, name="units.xlsx")[0] == 0
    assert Unit.objects.count() == 5


def test_one_bad_row_rejects_the_whole_file_naming_row_and_column(units, tmp_path):
    text = (
        "code,name,kind,parent_code\n"
        "WH,芜湖分行,CITY,AH\n"  # fine on its own
        "WH01,镜湖支行,SUB_BRANCH,NOPE\n"  # row 3: unknown parent
        "WH02,弋江支行,OUTLET,AH\n"  # row 4: an outlet under the province
        "WH03,鸠江支行,BANK,WH\n"  # row 5: unknown kind
    )
    code, _out, err = run(tmp_path, "units", text)
    assert code == 1
    assert "row 3, column parent_code:" in err
    assert "row 4, column parent_code:" in err
    assert "row 5, column kind:" in err
    assert not Unit.objects.filter(code="WH").exists()


def test_an_error_found_while_writing_rolls_back_every_row(units, tmp_path):
    # Rows 2-3 are fine; row 4 moves the province under a city, which the service refuses.
    text = "code,name,kind,parent_code\nWH,芜湖分行,CITY,AH\nWH01,镜湖支行,SUB_BRANCH,WH\nHF,合肥分行,CITY,HF0101\n"
    code, _out, err = run(tmp_path, "units", text)
    assert code == 1 and "row 4, column parent_code:" in err
    assert not Unit.objects.filter(code__in=["WH", "WH01"]).exists()


def test_a_unit_cannot_become_its_own_ancestor(units, tmp_path):
    text = "code,name,kind,parent_code\nHF,合肥分行,CITY,AH\nA1,甲,SUB_BRANCH,A2\nA2,乙,SUB_BRANCH,A1\n"
    code, _out, err = run(tmp_path, "units", text)
    assert code == 1 and "row 3, column parent_code:" in err and "row 4, column parent_code:" in err


def test_moving_a_unit_moves_its_subtree(units, tmp_path):
    text = "code,name,kind,parent_code\nWH,芜湖分行,CITY,AH\nHF01,合肥三孝口支行,SUB_BRANCH,WH\n"
    assert run(tmp_path, "units", text)[0] == 0
    wuhu = Unit.objects.get(code="WH")
    assert Unit.objects.get(code="HF0101").path.startswith(wuhu.path)


def test_errors_speak_chinese_by_default_and_english_when_asked(db, tmp_path):
    from django.utils import translation

    _code, _out, err = run(tmp_path, "units", "code,name,kind\nHF,合肥分行,CITY\n")
    assert "row 2, column parent_code: 二级分行类机构须有上级机构。" in err
    with translation.override("en"):
        _code, _out, err = run(tmp_path, "units", "code,name,kind\nHF,合肥分行,CITY\n")
    assert "row 2, column parent_code: A unit of kind City branch needs a parent unit." in err


def test_unknown_columns_are_an_error_not_ignored(db, tmp_path):
    code, _out, err = run(tmp_path, "units", "code,name,kind,colour\nAH,安徽,PROVINCE,red\n")
    assert code == 1 and "row 1, column colour:" in err


def test_a_missing_required_column_is_named(db, tmp_path):
    code, _out, err = run(tmp_path, "units", "code,name\nAH,安徽\n")
    assert code == 1 and "row 1, column kind:" in err


def test_a_key_twice_in_one_file_is_an_error(db, tmp_path):
    code, _out, err = run(tmp_path, "units", "code,name,kind\nAH,安徽,PROVINCE\nAH,安徽,PROVINCE\n")
    assert code == 1 and "row 3, column code:" in err


def test_dry_run_validates_and_writes_nothing(db, tmp_path):
    code, out, _err = run(tmp_path, "units", UNITS, "--dry-run")
    assert code == 0 and "5" in out
    assert Unit.objects.count() == 0


def test_dry_run_reports_bad_rows_too(db, tmp_path):
    code, _out, err = run(tmp_path, "units", "code,name,kind,parent_code\nHF,合肥,CITY,AH\n", "--dry-run")
    assert code == 1 and "row 2, column parent_code:" in err


def test_usage_errors_exit_with_code_2(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as unknown_kind:
        call_command("import", "planets", str(tmp_path / "x.csv"))
    assert unknown_kind.value.returncode == 2
    with pytest.raises(CommandError) as missing_file:
        call_command("import", "units", str(tmp_path / "missing.csv"))
    assert missing_file.value.returncode == 2
    (tmp_path / "units.pdf").write_bytes(b"%PDF")
    with pytest.raises(CommandError) as wrong_type:
        call_command("import", "units", str(tmp_path / "units.pdf"))
    assert wrong_type.value.returncode == 2


DEPARTMENTS = """unit_code,code,name,parent_code
HF,CORP,公司业务部,
HF,KEY_ACCOUNT,大客户营销中心,CORP
HF01,MARKET,市场部,
"""


def test_departments_import_with_parents_in_the_same_unit(units, tmp_path):
    assert run(tmp_path, "departments", DEPARTMENTS)[0] == 0
    assert Department.objects.get(unit__code="HF", code="KEY_ACCOUNT").parent.code == "CORP"


def test_departments_refuse_a_parent_of_another_unit(units, tmp_path):
    code, _out, err = run(
        tmp_path, "departments", "unit_code,code,name,parent_code\nHF,CORP,公司业务部,\nHF01,X,某部,CORP\n"
    )
    assert code == 1 and "row 3, column parent_code:" in err
    assert not Department.objects.exists()


EMPLOYEES = """employee_no,name,unit_code,position,department_code,manager_kind,grade,credit_manager,birth_date,education,title_level,hired_on
E001,张三,HF01,CUSTOMER_MANAGER,MARKET,CORPORATE,SENIOR,1,1985-03-02,BACHELOR,MID,2008-07-01
E002,李四,HF0101,LOBBY_MANAGER,,,,否,,,,
"""


def test_employees_import_gives_everyone_a_login_without_a_usable_password(units, tmp_path):
    assert run(tmp_path, "departments", DEPARTMENTS)[0] == 0
    assert run(tmp_path, "employees", EMPLOYEES)[0] == 0
    manager = User.objects.get(username="E001")
    assert manager.name == "张三" and manager.unit.code == "HF01" and manager.department.code == "MARKET"
    assert manager.grade == "SENIOR" and manager.credit_manager and str(manager.birth_date) == "1985-03-02"
    assert not manager.has_usable_password()
    assert set(manager.groups.values_list("name", flat=True)) == {"customer_manager"}
    assert set(User.objects.get(username="E002").groups.values_list("name", flat=True)) == {"branch_staff"}


def test_employees_reimport_updates_only_what_changed(units, tmp_path):
    run(tmp_path, "departments", DEPARTMENTS)
    run(tmp_path, "employees", EMPLOYEES)
    history = User.history.count()
    code, out, _err = run(tmp_path, "employees", EMPLOYEES.replace("SENIOR", "PRINCIPAL"))
    assert code == 0
    assert User.history.count() == history + 1
    assert User.objects.get(username="E001").grade == "PRINCIPAL"


def test_employees_refuse_unknown_units_departments_and_bad_values(units, tmp_path):
    text = (
        "employee_no,name,unit_code,position,department_code,birth_date,credit_manager\n"
        "E001,张三,NOPE,TELLER,,,\n"
        "E002,李四,HF01,TELLER,NOPE,,\n"
        "E003,王五,HF01,ASTRONAUT,,1990-02-30,maybe\n"
        "E004,,HF01,TELLER,,,\n"
    )
    code, _out, err = run(tmp_path, "employees", text)
    assert code == 1
    for expected in [
        "row 2, column unit_code:",
        "row 3, column department_code:",
        "row 4, column position:",
        "row 4, column birth_date:",
        "row 4, column credit_manager:",
        "row 5, column name:",
    ]:
        assert expected in err
    assert not User.objects.exists()
