"""Shared fixtures: a small bank and the personas of ARCHITECTURE.md.

The bank: 安徽省分行 (AH) → 合肥分行 (HF) → 三孝口支行 (HF01) → 网点 (HF0101),
                           → 芜湖分行 (WH) → 镜湖支行 (WH01) → 网点 (WH0101).
Personas: a province analyst, a Hefei city-branch person, a Hefei customer manager at the outlet,
a Wuhu customer manager — the last must be refused what belongs to Hefei.
"""

import pytest
from django.core.cache import cache

from accounts.models import Position, UnitKind
from tests.helpers import make_person, make_unit


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a rolled-back database reuses ids and versions,
    which would find the pages and counts an earlier test left (marketing.caching, .paging)."""
    cache.clear()


@pytest.fixture
def bank(db):
    units = {}
    units["AH"] = make_unit("AH", "安徽省分行", UnitKind.PROVINCE)
    units["HF"] = make_unit("HF", "合肥分行", UnitKind.CITY, units["AH"])
    units["HF01"] = make_unit("HF01", "合肥三孝口支行", UnitKind.SUB_BRANCH, units["HF"])
    units["HF0101"] = make_unit("HF0101", "三孝口网点", UnitKind.OUTLET, units["HF01"], city_area=True)
    units["WH"] = make_unit("WH", "芜湖分行", UnitKind.CITY, units["AH"])
    units["WH01"] = make_unit("WH01", "芜湖镜湖支行", UnitKind.SUB_BRANCH, units["WH"])
    units["WH0101"] = make_unit("WH0101", "镜湖网点", UnitKind.OUTLET, units["WH01"])
    return units


@pytest.fixture
def province_analyst(bank):
    return make_person("P0001", "王省行", bank["AH"])


@pytest.fixture
def hefei_person(bank):
    return make_person("H0001", "李合肥", bank["HF"])


@pytest.fixture
def hefei_manager(bank):
    return make_person(
        "H0101", "张客户经理", bank["HF0101"], Position.CUSTOMER_MANAGER, manager_kind="CORPORATE", grade="SENIOR"
    )


@pytest.fixture
def wuhu_manager(bank):
    return make_person(
        "W0101", "赵芜湖", bank["WH0101"], Position.CUSTOMER_MANAGER, manager_kind="PERSONAL", grade="JUNIOR"
    )


@pytest.fixture
def login(client):
    """Log a persona in to the test client (force_login: django-axes guards the password path)."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in
