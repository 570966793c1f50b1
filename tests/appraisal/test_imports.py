"""The reviews and pay imports (INTERFACES.md), and contracts against the scheme's indicators:
bad rows are named by row and column and nothing is written."""

import datetime
from decimal import Decimal

import pytest

from accounts.actors import SYSTEM
from appraisal import services
from appraisal.models import BasePay, Review
from imports.engine import ImportRejected, run_import
from staffing.models import PerformanceContract


def load(kind, text):
    return run_import(kind, text.encode(), f"{kind}.csv", actor=SYSTEM)


def refused(kind, text):
    with pytest.raises(ImportRejected) as rejected:
        load(kind, text)
    return [str(error) for error in rejected.value.errors]


def test_reviews_are_imported_and_a_second_import_changes_nothing(hefei_manager, wuhu_manager):
    text = "employee_no,quarter,qualitative,comment\nH0101,2026Q1,85.5,好\nW0101,2026q1,70,\n"
    assert load("reviews", text).counts.created == 2
    assert load("reviews", text).counts.unchanged == 2
    assert Review.objects.get(employee=wuhu_manager).quarter == "2026Q1"


def test_a_review_outside_0_to_100_or_a_bad_quarter_names_row_and_column_and_writes_nothing(hefei_manager):
    errors = refused(
        "reviews",
        "employee_no,quarter,qualitative\nH0101,2026Q1,100.5\nH0101,2026Q5,50\nX9,2026Q1,50\n",
    )
    assert errors[0].startswith("row 2, column qualitative:")
    assert errors[1].startswith("row 3, column quarter:")
    assert errors[2].startswith("row 4, column employee_no:")
    assert not Review.objects.exists()


def test_base_pay_is_imported_in_yuan(hefei_manager):
    load("pay", 'employee_no,year,base_pay\nH0101,2026,"120,000.50"\n')
    assert BasePay.objects.get().base_pay == Decimal("120000.50")
    errors = refused("pay", "employee_no,year,base_pay\nH0101,2026,-5\n")
    assert errors[0].startswith("row 2, column base_pay:")


def test_a_contract_for_an_unknown_indicator_is_refused_with_row_and_column(hefei_manager):
    errors = refused("contracts", "employee_no,year,indicator,target\nH0101,2026,PROFIT,100\n")
    assert errors[0].startswith("row 2, column indicator:")
    assert not PerformanceContract.objects.exists()


def test_beat_starts_the_quarter_just_ended_rule_p4(monkeypatch, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["appraisal-quarterly"]
    assert schedule["task"] == "appraisal.quarterly"
    started = []
    monkeypatch.setattr(services, "appraisal_run_start", lambda *, quarter, actor: started.append(quarter))
    monkeypatch.setattr(services.timezone, "localdate", lambda: datetime.date(2026, 4, 5))
    services.appraisal_scheduled()
    assert started == ["2026Q1"]
