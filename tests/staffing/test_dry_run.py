"""A dry run of a tiers or metrics file reports what it would change before anything is
written: clients whose tier, segment or responsible department change, and the compliance
breaches that appear or clear (issue 8, point 9)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.actors import SYSTEM
from accounts.models import User
from marketing.models import ClientMetric, TierEntry
from runs.models import RunStatus
from tests.marketing.test_imports import load


def by_title(report):
    return {consequence.title: consequence.lines for consequence in report.consequences}


def test_a_metrics_dry_run_tells_the_segment_and_the_breaches_it_would_bring(staffing_bank):
    month = timezone.localdate().strftime("%Y-%m")
    before = ClientMetric.objects.count()
    report = load("metrics", f"client_no,month,aum\nI1,{month},1500000\n", dry_run=True)
    assert ClientMetric.objects.count() == before  # nothing written
    sections = list(by_title(report).items())
    standing, appear, clear = sections
    assert any(line.startswith("I1:") for line in standing[1])  # MID → HIGH
    # I1's lead CM2 works at an outlet and holds no AFP (A4); no deputy head joins (A9).
    assert {line.split(" ")[0] for line in appear[1]} == {"A4", "A9"}
    assert all("I1" in line for line in appear[1])


def test_a_tiers_dry_run_tells_the_new_tier_on_the_command_too(staffing_bank, tmp_path):
    today = timezone.localdate().isoformat()
    text = f"client_no,tier,owner_unit_code,valid_from,valid_to,reason\nC2,PROVINCE,AH,{today},,升级\n"
    report = load("tiers", text, dry_run=True)
    assert not TierEntry.objects.filter(client__client_no="C2").exists()
    standing = report.consequences[0]
    assert len(standing.lines) == 1 and standing.lines[0].startswith("C2:")
    path = tmp_path / "tiers.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "tiers", str(path), "--dry-run", stdout=out)
    assert "C2:" in out.getvalue()


def test_a_real_import_reports_no_consequences(staffing_bank):
    month = timezone.localdate().strftime("%Y-%m")
    assert load("metrics", f"client_no,month,aum\nI1,{month},1500000\n").consequences == []


@pytest.mark.usefixtures("media")
def test_the_import_page_shows_a_dry_runs_consequences(staffing_bank, start_run, login):
    month = timezone.localdate().strftime("%Y-%m")
    run = start_run(SYSTEM, "metrics", f"client_no,month,aum\nI1,{month},1500000\n", dry_run=True)
    assert run.status == RunStatus.SUCCEEDED and len(run.consequences) == 3
    admin = User.objects.create_superuser("ROOT", password="x")
    page = login(admin).get(reverse("run-detail", args=[run.pk]))
    assert page.status_code == 200
    assert run.consequences[1]["title"] in page.content.decode()
