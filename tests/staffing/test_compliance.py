"""The compliance report against the hand-worked staffing bank (tests/staffing/conftest.py)."""

import pytest

from staffing import compliance
from tests.staffing.conftest import ON

EXPECTED = [
    # (rule, unit, person, client, overridden)
    ("O3", "HF01", "", "", False),
    ("S3", "HF0102", "", "", False),
    ("S4", "HF0102", "", "", False),
    ("S4", "WH0101", "", "", False),
    ("S5", "HFW", "", "", False),
    ("S5", "HFW", "WM2", "", False),
    ("S6", "HFV", "", "", False),
    ("S7", "HF0101", "CM2", "", False),
    ("S8", "HF0101", "CM2", "", False),
    ("S9", "HF0101", "", "", False),
    ("A1", "HF0101", "CM2", "C1", True),
    ("A2", "WH0101", "", "C3", False),
    ("A4", "HF0101", "CM2", "I2", True),
    ("A6", "HF0101", "CM1", "G1", False),
    ("A8", "HF0101", "CM2", "", True),
    ("A9", "HF0101", "", "I2", True),
    ("A9", "HFW", "", "I4", False),
    ("A10", "HF0101", "", "C4", False),
]


def rows(breaches):
    return [(b.rule, b.unit_code, b.employee_no, b.client_no, b.overridden) for b in breaches]


@pytest.mark.django_db
def test_the_report_finds_every_hand_worked_breach_and_no_other(staffing_bank):
    assert rows(compliance.breaches("", ON)) == EXPECTED
