"""The demo bank of `manage.py seed_demo` (demo/): the rows it draws and what the small bank
holds once loaded through the import engine.

Seeding the small bank takes seconds, so the tests that read it share one seed per class
(`seeded_once`): seeded in a transaction that is rolled back after the class, each test in a
savepoint inside it (pytest-django's `db`), so what a test writes is gone for the next one."""

import datetime
import functools
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import Department, LeadershipMember, Position, Unit, UnitKind, User
from accounts.rules import ALLOWED_PARENT_KINDS
from appraisal import departments as appraisal_departments
from appraisal import selectors as appraisal_selectors
from appraisal import services as appraisal_services
from appraisal.models import (
    Appeal,
    AppealStatus,
    Approval,
    BasePay,
    Calibration,
    MilestoneRecord,
    PlanTarget,
    QuarterResults,
    Result,
    ResultLine,
    ResultStatus,
    Review,
)
from bankops.dated import in_force
from demo import appraisal as demo_appraisal
from demo import clients as demo_clients
from demo import org as demo
from demo import staffing as demo_staffing
from marketing.models import Client, ClientKind, ClientMetric, Segment, Tier, TierEntry
from marketing.selectors import standing_on
from runs.models import Run, RunStatus
from staffing.models import (
    Assignment,
    Override,
    PerformanceContract,
    Qualification,
    QualificationKind,
    TeamRole,
    Training,
)

STAFFING = (Qualification, Training, PerformanceContract, Assignment)
STAFFING_KINDS = ("qualifications", "training", "contracts", "assignments")
APPRAISAL = (
    Review,
    BasePay,
    Result,
    ResultLine,
    Approval,
    Calibration,
    Appeal,
    QuarterResults,
    Run,
    PlanTarget,
    MilestoneRecord,
)
NEEDS_A_TEAM = [Segment.MID, Segment.HIGH, Segment.PRIVATE]


def seed():
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


def snapshot():
    return (
        [
            model.objects.count()
            for model in (
                Unit,
                Department,
                User,
                LeadershipMember,
                Client,
                TierEntry,
                ClientMetric,
                *STAFFING,
                Override,
                *APPRAISAL,
            )
        ]
        + [
            model.history.count()
            for model in (
                Unit,
                Department,
                User,
                LeadershipMember,
                Client,
                TierEntry,
                *STAFFING,
                Review,
                BasePay,
                Result,
                PlanTarget,
                MilestoneRecord,
            )
        ]
        + [
            sorted(ClientMetric.objects.values_list("client__client_no", "month", *ClientMetric.FIGURES)),
            sorted(Assignment.objects.values_list("client__client_no", "employee__username", "valid_from", "valid_to")),
            sorted(PerformanceContract.objects.values_list("employee__username", "year", "indicator", "target")),
            sorted(Result.objects.values_list("quarter", "employee__username", "status", "total", "rating")),
            sorted(Appeal.objects.values_list("result__employee__username", "status", "new_total")),
            sorted(BasePay.objects.values_list("employee__username", "year", "base_pay")),
            sorted(PlanTarget.objects.values_list("client__client_no", "year", "indicator", "target", "department")),
            sorted(MilestoneRecord.objects.values_list("city__code", "year", "milestone", "due_on", "done_on", "note")),
        ]
    )


@pytest.fixture(scope="class")
def seeded_once(django_db_setup, django_db_blocker):
    """The small demo bank for the tests of a class, and what seed_demo printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def compliance_report(on=None):
    out = io.StringIO()
    call_command("compliance", "--format", "json", *(["--on", on.isoformat()] if on else []), stdout=out)
    return json.loads(out.getvalue())


class TestSmallDemoBank:
    def test_small_seed_builds_one_province_tree(self, seeded):
        roots = Unit.objects.get_root_nodes()
        assert [(root.code, root.kind) for root in roots] == [("AH", UnitKind.PROVINCE)]
        units = list(Unit.objects.all())
        by_path = {unit.path: unit for unit in units}
        cities = [unit for unit in units if unit.kind == UnitKind.CITY]
        assert {city.name for city in cities} == {"合肥分行", "芜湖分行", "淮北分行"}
        assert all(by_path[city.parent_path].code == "AH" for city in cities)
        for unit in units:  # rule O1
            if unit.parent_path:
                assert by_path[unit.parent_path].kind in ALLOWED_PARENT_KINDS[unit.kind]
        # The centres hang under sub-branches: their clients' teams can have the sub-branch's
        # head and deputy head that rule A9 asks for.
        centres = [unit for unit in units if unit.kind in (UnitKind.VIP_CENTRE, UnitKind.WEALTH_CENTRE)]
        assert centres and all(by_path[unit.parent_path].kind == UnitKind.SUB_BRANCH for unit in centres)

    def test_small_seed_leaves_work_for_the_compliance_report(self, seeded):
        sub_branches = Unit.objects.filter(kind=UnitKind.SUB_BRANCH)
        with_market = sub_branches.filter(departments__code="MARKET").count()
        assert 0 < with_market < sub_branches.count()  # rule O3: most, not all
        lobby = Counter(User.objects.filter(position=Position.LOBBY_MANAGER).values_list("unit__code", flat=True))
        outlets = list(Unit.objects.filter(kind=UnitKind.OUTLET).values_list("code", flat=True))
        assert 0 < sum(lobby[code] == 1 for code in outlets) < len(outlets)  # rule S4
        assert set(LeadershipMember.objects.values_list("unit__kind", flat=True)) == {UnitKind.PROVINCE, UnitKind.CITY}

    def test_second_run_changes_nothing(self, seeded):
        before = snapshot()
        seed()
        assert snapshot() == before

    def test_demo_users_have_the_demo_password(self, seeded, client):
        bank = demo.build_bank("small")
        numbers = [employee_no for _, employee_no in bank.logins]
        people = {user.username: user for user in User.objects.filter(username__in=numbers + ["admin"])}
        assert len(people) == 5
        assert all(user.check_password(demo.DEMO_PASSWORD) for user in people.values())
        assert people["admin"].is_superuser
        analyst, keeper, hefei, wuhu = (people[number] for number in numbers)
        assert analyst.unit.code == "AH" and hefei.unit.code == "HF"
        # The tier-list administrator: a province person with the admin and the tier_admin role, no more.
        assert bank.tier_admins == [keeper.username] and keeper.unit.code == "AH"
        assert keeper.is_staff and not keeper.is_superuser
        assert "tier_admin" in set(keeper.groups.values_list("name", flat=True))
        assert (
            client.post(
                "/admin/login/?next=/admin/", {"username": keeper.username, "password": demo.DEMO_PASSWORD}
            ).status_code
            == 302
        )
        assert client.get("/admin/marketing/tierentry/").status_code == 200
        assert client.get("/admin/marketing/tierentry/export/csv/").status_code == 200
        assert client.get("/admin/accounts/unit/").status_code == 403  # the tier lists, not the organisation
        printed = [line.split() for line in seeded.splitlines()]
        assert ["tier-list", "administrator", keeper.username, keeper.name, "安徽省分行", demo.DEMO_PASSWORD] in printed
        assert wuhu.position == Position.CUSTOMER_MANAGER and wuhu.unit.kind == UnitKind.OUTLET
        assert wuhu.unit.path.startswith(Unit.objects.get(code="WH").path)

    def test_small_seed_has_clients_lists_and_metrics(self, seeded):
        kinds = Counter(Client.objects.values_list("kind", flat=True))
        assert 50 <= kinds[ClientKind.CORPORATE] and 200 <= kinds[ClientKind.INDIVIDUAL]
        assert kinds.total() < 1000  # --scale small: a few hundred
        assert TierEntry.objects.exists()
        assert ClientMetric.objects.count() == 12 * kinds.total()  # twelve months for every client
        assert Client.objects.filter(kind=ClientKind.CORPORATE, subsidiaries__isnull=False).exists()  # groups
        assert f"clients: {kinds[ClientKind.CORPORATE]} corporate, {kinds[ClientKind.INDIVIDUAL]} individual" in seeded

    def test_small_seed_named_lists_at_every_level(self, seeded):
        """Rule C2: the province keeps the head-office and province lists, each city branch its own."""
        province = TierEntry.objects.filter(tier=Tier.PROVINCE)
        assert province.exists() and set(province.values_list("owner_unit__code", flat=True)) == {"AH"}
        assert all(province.values_list("marketing_mode", flat=True))  # rule C7
        assert TierEntry.objects.filter(tier=Tier.HEAD_OFFICE, owner_unit__code="AH").exists()
        hefei = Unit.objects.get(code="HF")
        city_entries = TierEntry.objects.filter(tier=Tier.CITY, owner_unit=hefei).select_related("client__account_unit")
        assert city_entries.exists()
        assert all(entry.client.account_unit.path.startswith(hefei.path) for entry in city_entries)
        assert set(TierEntry.objects.values_list("client__kind", flat=True)) == {ClientKind.CORPORATE}
        assert TierEntry.objects.filter(valid_to__isnull=False).exists()  # lists change over time

    # --- staffing (demo.staffing) -----------------------------------------------------------

    def test_every_client_that_needs_one_has_a_team_today(self, seeded):
        """Every corporate client and every MID, HIGH and PRIVATE individual (rule C4) has a team
        in force today with one lead and splits adding up to 100 (rule A10); teams keep their
        history (hand-overs ended some assignments)."""
        today = timezone.localdate()
        needing = set(
            standing_on(Client.objects.all(), on=today)
            .filter(Q(kind=ClientKind.CORPORATE) | Q(segment__in=NEEDS_A_TEAM))
            .values_list("client_no", flat=True)
        )
        teams = {
            row["client__client_no"]: (row["leads"], row["total"])
            for row in Assignment.objects.filter(in_force(today))
            .values("client__client_no")
            .annotate(leads=Count("pk", filter=Q(role=TeamRole.LEAD)), total=Sum("split"))
        }
        assert needing and needing <= set(teams)
        assert all(leads == 1 and total == 100 for leads, total in teams.values())
        assert Assignment.objects.filter(valid_to__isnull=False).exists()
        # The demo's customer-manager login serves clients of their outlet.
        wuhu = User.objects.get(username=demo.build_bank("small").logins[3][1])
        assert Assignment.objects.filter(in_force(today), employee=wuhu, client__account_unit=wuhu.unit).exists()

    def test_compliance_report_has_some_breaches_but_few(self, seeded):
        """A handful of breaches, several rules, some overridden with a reason on record; the team
        shape (A10) is never broken."""
        found = compliance_report()
        rules = Counter(breach["rule"] for breach in found)
        assert 10 <= len(found) <= 60, rules
        assert "A10" not in rules
        assert {"S5", "S7", "S8", "A3", "A4", "A6", "A9"} <= set(rules), rules
        assert rules["A1"] + rules["A2"] >= 2
        overridden = {breach["rule"] for breach in found if breach["overridden"]}
        arisen = {breach["rule"] for breach in found if not breach["overridden"] and breach["rule"].startswith("A")}
        assert len(overridden) >= 3 and len(arisen) >= 3, (overridden, arisen)
        assert Override.objects.exists() and not Override.objects.filter(reason="").exists()
        assert not Override.objects.filter(rule="A10").exists()

    def test_managers_hold_certificates_train_and_have_targets(self, seeded):
        today = timezone.localdate()
        managers = User.objects.filter(position=Position.CUSTOMER_MANAGER, is_active=True)
        count = managers.count()
        certified = managers.filter(
            Exists(
                Qualification.objects.filter(in_force(today), employee=OuterRef("pk"), kind=QualificationKind.CM_CERT)
            )
        ).count()
        assert 0 < count - certified <= max(3, count // 20)  # rule S7: nearly all
        # Rule S8: the last complete year's days of every manager in post by its end.
        year = today.year - 1
        in_post = managers.filter(hired_on__lte=datetime.date(year, 12, 31)).count()
        days = list(Training.objects.filter(year=year, employee__in=managers).values_list("days", flat=True))
        assert len(days) == in_post and Training.objects.filter(year=year - 1).exists()
        assert 0 < sum(day < 10 for day in days) <= max(2, len(days) // 20)
        # Rule A11: this year's four targets for every manager, signed by their sub-branch.
        contracts = PerformanceContract.objects.filter(year=today.year, employee__in=managers)
        assert contracts.count() == 4 * count
        assert not contracts.filter(target__lte=0).exists() and not contracts.filter(signed_by=None).exists()
        # Rules A4/A5: the centres' personal managers hold AFP (VIP) or CFP (wealth), most of them.
        for kind, qualification in (
            (UnitKind.VIP_CENTRE, QualificationKind.AFP),
            (UnitKind.WEALTH_CENTRE, QualificationKind.CFP),
        ):
            centre = managers.filter(unit__kind=kind)
            held = centre.filter(qualifications__kind=qualification).distinct().count()
            assert centre.exists() and held >= centre.count() / 2

    # --- appraisal (demo.appraisal) ---------------------------------------------------------

    def test_reviews_for_the_quarters_and_pay_for_everyone(self, seeded):
        managers = User.objects.filter(position=Position.CUSTOMER_MANAGER, is_active=True)
        assert set(Review.objects.values_list("quarter", flat=True)) == set(demo_appraisal.QUARTERS)
        reviewed = Review.objects.filter(quarter="2025Q4", employee__in=managers).count()
        assert 0 < managers.count() - reviewed <= max(3, managers.count() // 20)  # a few managers without one
        scores = list(Review.objects.values_list("qualitative", flat=True))
        assert all(50 <= score <= 99 for score in scores) and len(set(scores)) > 10
        # Rule P8: every employee's base pay of the year, the back office below the managers.
        assert BasePay.objects.filter(year=2025).count() == User.objects.exclude(unit=None).count()
        average = dict(
            BasePay.objects.filter(year=2025)
            .values_list("employee__position")
            .annotate(average=Sum("base_pay") / Count("pk"))
        )
        back_office = max(average[Position.TELLER], average[Position.OTHER])
        assert back_office < average[Position.CUSTOMER_MANAGER] < average[Position.HEAD]

    def test_appraisal_runs_approved_and_published(self, seeded):
        """2025Q3 and 2025Q4 ran to the end; 2025Q3 is published everywhere, 2025Q4 but in a draft
        city branch, whose leadership group has calibrated a rating and not approved yet."""
        runs = {}
        for quarter in demo_appraisal.RUN_QUARTERS:
            run = QuarterResults.objects.select_related("run").get(quarter=quarter).run
            assert run.status == RunStatus.SUCCEEDED and run.kind == "appraisal"
            runs[quarter] = Result.objects.filter(run=run)
        q3, q4 = runs["2025Q3"], runs["2025Q4"]
        assert set(q3.values_list("status", flat=True)) == {ResultStatus.PUBLISHED}
        assert Approval.objects.filter(run_id=q3[0].run_id, published_at__isnull=False).count() == (
            q3.values("city").distinct().count()
        )
        statuses = Counter(q4.values_list("status", flat=True))
        assert statuses[ResultStatus.PUBLISHED] > statuses[ResultStatus.DRAFT] > 0
        drafts = set(q4.filter(status=ResultStatus.DRAFT).values_list("city__code", flat=True))
        assert drafts == {"HB"}  # DRAFT_CITIES at the small scale
        assert not Approval.objects.filter(run_id=q4[0].run_id, city__code__in=drafts).exists()
        calibrations = Calibration.objects.filter(result__in=q4)
        assert calibrations.count() == 1 and calibrations[0].result.city.code in drafts and calibrations[0].reason
        assert calibrations[0].result.rating == calibrations[0].to_rating != calibrations[0].result.rank_rating
        # Completions of the managers' contracts (rule A11) that look like a real quarter's.
        deposits = sorted(
            ResultLine.objects.filter(result__in=q4, indicator="DEPOSITS", completion__gt=0).values_list(
                "completion", flat=True
            )
        )
        assert 0.8 <= deposits[len(deposits) // 2] <= 1.2
        assert 0.6 <= deposits[len(deposits) // 10] and deposits[9 * len(deposits) // 10] <= 1.4
        assert set(q4.values_list("rating", flat=True)) >= {"EXCELLENT", "GOOD"}
        # Personal managers' books have loans and fee income too (demo.clients): their loans and
        # intermediate-business completions look like the corporate managers'.
        for kind in ("CORPORATE", "PERSONAL"):
            theirs = q4.filter(employee__manager_kind=kind)
            for indicator in ("LOANS", "INTERMEDIATE"):
                done = sorted(
                    ResultLine.objects.filter(result__in=theirs, indicator=indicator, completion__gt=0).values_list(
                        "completion", flat=True
                    )
                )
                assert len(done) >= theirs.count() / 3, (kind, indicator)
                assert 0.7 <= done[len(done) // 2] <= 1.2, (kind, indicator)

    def test_some_certified_managers_earn_below_the_pay_floor(self, seeded):
        """Rule P8 at work: in every city branch a few managers are topped up to the floor, and
        a small pool cannot meet the floors."""
        results = Result.objects.filter(quarter="2025Q4")
        for city in Unit.objects.filter(kind=UnitKind.CITY).order_by("path"):
            theirs = list(results.filter(city=city))
            allocation = appraisal_services.bonus_allocate(theirs, pool=Decimal(500000), city=city, year=2025)
            topped = [share for share in allocation.shares if share.top_up > 0]
            assert 1 <= len(topped) <= demo_appraisal.BELOW_FLOOR_PER_CITY, city.code
            assert not allocation.short
            small = appraisal_services.bonus_allocate(theirs, pool=Decimal(1000), city=city, year=2025)
            assert small.short and small.shortfall > 1000

    def test_the_department_appraisal_has_a_plan_and_a_timeline(self, seeded):
        """Rule C9: the 2025 plan of the province- and head-office-tier clients, completions
        around 0.7–1.3; rule C11: every milestone of every city branch, a few late, one not done."""
        analyst = User.objects.get(username=demo.build_bank("small").logins[0][1])
        plans = appraisal_departments.plan_completion(user=analyst, year=2025)
        assert plans and appraisal_departments.default_plan_year(user=analyst) == 2025
        for plan in plans:
            assert 70 <= plan.percent <= 130 and plan.score is not None, plan.code
        for department_plan in plans:
            for client_plan in appraisal_departments.plan_client_rows(
                user=analyst,
                year=2025,
                department=department_plan.code,
                client_nos=list(
                    appraisal_departments.plan_clients(user=analyst, year=2025, department=department_plan.code)
                ),
            ):
                for line in client_plan.lines.values():
                    assert Decimal("0.69") <= line.completion <= Decimal("1.31"), (client_plan.client, line)
        cities = Unit.objects.filter(kind=UnitKind.CITY)
        assert MilestoneRecord.objects.filter(year=2025).count() == 4 * cities.count()
        rows = appraisal_departments.timeline(user=analyst, year=2025, today=datetime.date(2026, 1, 15))
        statuses = Counter(step.status for _city, steps in rows for step in steps)
        assert statuses[appraisal_departments.DONE] > statuses[appraisal_departments.DONE_LATE] >= 2
        assert statuses[appraisal_departments.OVERDUE] == 1
        assert appraisal_departments.default_timeline_year(user=analyst) == 2025
        assert appraisal_departments.default_quarter() == appraisal_departments.rules.Quarter(2025, 4)

    def test_demo_manager_sees_their_published_result_and_appeals(self, seeded, client):
        wuhu = User.objects.get(username=demo.build_bank("small").logins[3][1])
        mine = list(appraisal_selectors.my_results(user=wuhu))
        assert mine and mine[0].quarter == "2025Q4" and all(result.employee == wuhu for result in mine)
        assert all(result.status == ResultStatus.PUBLISHED for result in mine)
        assert list(appraisal_selectors.result_list(user=wuhu, quarter="2025Q4")) == [mine[0]]
        client.force_login(wuhu)
        page = client.get("/appraisal/")
        assert page.status_code == 200 and "2025Q4" in page.content.decode()
        # Their appeal is open; elsewhere an appeal was upheld with a re-score (rule P5).
        appeals = Appeal.objects.select_related("result__employee", "result__city")
        assert [(a.result.employee, a.status) for a in appeals.filter(status=AppealStatus.OPEN)] == [
            (wuhu, AppealStatus.OPEN)
        ]
        decided = appeals.exclude(status=AppealStatus.OPEN).get()
        assert decided.status == AppealStatus.UPHELD and decided.result.city.code == "HF"
        assert decided.old_total < decided.new_total == decided.result.total and decided.decided_at
        assert "NO_REVIEW" not in decided.result.flags


def test_full_appraisal_rows_are_deterministic_and_plausible():
    bank = demo.build_bank()
    book = demo_appraisal.build_appraisal(bank)
    assert all(book.csv(kind) == demo_appraisal.build_appraisal(bank).csv(kind) for kind in ("reviews", "pay"))
    managers = [row for row in bank.employees if row["position"] == Position.CUSTOMER_MANAGER]
    per_quarter = Counter(row["quarter"] for row in book.reviews)
    assert set(per_quarter) == set(demo_appraisal.QUARTERS)
    for quarter, count in per_quarter.items():
        end = demo_appraisal.quarter_end(quarter).isoformat()
        in_post = sum(row["hired_on"] <= end for row in managers)
        assert 0.95 * in_post < count < in_post  # a few without a review
    assert "E001060" in {row["employee_no"] for row in book.reviews if row["quarter"] == "2025Q4"}
    late, quarter, _score = book.late_review
    assert (late, quarter) not in {(row["employee_no"], row["quarter"]) for row in book.reviews}
    assert {row["employee_no"] for row in book.pay} == {row["employee_no"] for row in bank.employees}


def test_full_bank_is_deterministic_and_plausible():
    bank = demo.build_bank()
    assert bank.csv("employees") == demo.build_bank().csv("employees")
    assert 5000 <= len(bank.employees) <= 7000
    kinds = Counter(row["kind"] for row in bank.units)
    assert kinds[UnitKind.CITY] == 17 and kinds[UnitKind.WEALTH_CENTRE] == 1 and kinds[UnitKind.VIP_CENTRE] >= 5
    parents = {row["code"]: row["parent_code"] for row in bank.units}

    def city_of(code):
        while parents[code] not in ("", "AH"):
            code = parents[code]
        return code

    staff, managers = Counter(), Counter()
    for row in bank.employees:
        staff[city_of(row["unit_code"])] += 1
        managers[city_of(row["unit_code"])] += row["position"] == Position.CUSTOMER_MANAGER
    shares = {city: managers[city] / staff[city] for city in staff if city != "AH"}
    assert sorted(city for city, share in shares.items() if share < 0.2) == sorted(demo.LEAN_CITIES)  # rule S1
    assert all(share <= 0.25 for share in shares.values())


@functools.cache
def full_demo():
    """The full bank and its client book (built once for the tests that read them)."""
    bank = demo.build_bank()
    return bank, demo_clients.build_clients(bank)


def test_full_client_book_is_deterministic_and_plausible():
    bank, book = full_demo()
    again = demo_clients.build_clients(demo.build_bank())
    assert all(book.csv(kind) == again.csv(kind) for kind in ("clients", "tiers", "metrics"))

    counts = book.counts()
    assert 2800 <= counts["corporate"] <= 3200 and 19000 <= counts["individual"] <= 21000
    corporates = [row for row in book.clients if row["kind"] == ClientKind.CORPORATE]
    assert 0.3 < sum(row["has_loan"] == "1" for row in corporates) / len(corporates) < 0.5
    for flag in ("real_estate", "institution", "import_export", "sme_chain"):
        assert 0 < sum(row[flag] == "1" for row in corporates) < len(corporates) * 0.1
    assert len({row["name"] for row in corporates}) == len(corporates)

    units = {row["code"]: row for row in bank.units}
    kinds = Counter(
        units[row["account_unit_code"]]["kind"] for row in book.clients if row["kind"] == ClientKind.INDIVIDUAL
    )
    assert (
        kinds[UnitKind.OUTLET] + kinds[UnitKind.VIP_CENTRE] + kinds[UnitKind.WEALTH_CENTRE] > 0.9 * counts["individual"]
    )
    assert kinds[UnitKind.WEALTH_CENTRE] > 0 and kinds[UnitKind.VIP_CENTRE] > 0

    tiers = Counter(row["tier"] for row in book.tiers)
    assert 20 <= tiers[Tier.HEAD_OFFICE] <= 60 and 120 <= tiers[Tier.PROVINCE] <= 200 and tiers[Tier.CITY] >= 200
    # Never two entries of one list at once; entries end and the client is listed again later.
    periods = {}
    for row in book.tiers:
        periods.setdefault((row["client_no"], row["tier"]), []).append((row["valid_from"], row["valid_to"] or "9999"))
    for spans in periods.values():
        spans.sort()
        assert all(end < start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    assert (
        sum(
            len({row["tier"] for row in book.tiers if row["client_no"] == no}) > 1
            for no in {r["client_no"] for r in book.tiers}
        )
        > 10
    )

    months = sorted({row[1] for row in book.metrics})
    assert months == [f"2025-{month:02d}" for month in range(1, 13)]
    latest = {row[0]: row for row in book.metrics if row[1] == months[-1]}
    contributions = [Decimal(row[7]) for row in latest.values() if row[7]]
    assert sum(value > 10_000_000 for value in contributions) >= 5  # rule A1
    assert sum(value > 3_000_000 for value in contributions) >= 50  # rule A2
    aum = [Decimal(row[6]) for row in latest.values() if row[6]]
    assert sum(value < 200_000 for value in aum) > 0.7 * len(aum)  # rule C4: most are ordinary
    assert sum(value >= 8_000_000 for value in aum) >= 5  # PRIVATE
    assert sum(1_000_000 <= value < 5_000_000 for value in aum) >= 50  # HIGH; rule A9's bands
    # Individuals' personal loans and fee income: 30–50% of the MID-or-higher ones with a loan
    # (flagged has_loan), every one of them with fees of about 0.1–0.3% of AUM a year.
    individuals = {row["client_no"]: row for row in book.clients if row["kind"] == ClientKind.INDIVIDUAL}
    upper = [row for number, row in latest.items() if number in individuals and Decimal(row[6]) >= 200_000]
    assert 0.3 < sum(bool(row[3]) for row in upper) / len(upper) < 0.5
    assert all(
        bool(row[3]) == (individuals[row[0]]["has_loan"] == "1") for row in latest.values() if row[0] in individuals
    )
    assert all(row[4] for row in upper)
    fees = sorted(12 * Decimal(row[4]) / Decimal(row[6]) for row in upper)
    assert Decimal("0.001") <= fees[len(fees) // 10] and fees[9 * len(fees) // 10] <= Decimal("0.0036")
    assert all(cell == "" or Decimal(cell) >= 0 for row in book.metrics for cell in row[2:])


def test_full_staffing_is_deterministic_and_plausible():
    bank, book = full_demo()  # the bank and the book are deterministic (the tests above)
    today = datetime.date(2026, 12, 1)
    staff = demo_staffing.build_staffing(bank, book, today=today)
    again = demo_staffing.build_staffing(bank, book, today=today)
    assert all(staff.csv(kind) == again.csv(kind) for kind in STAFFING_KINDS)

    # A run in a later year adds that year's training and contracts and the certificates renewed
    # since, and changes no row.
    later = demo_staffing.build_staffing(bank, book, today=datetime.date(2027, 6, 1))
    assert later.csv("assignments") == staff.csv("assignments")
    for kind in ("qualifications", "training", "contracts"):
        now, then = ({tuple(row.values()) for row in getattr(built, kind)} for built in (staff, later))
        assert now < then
    assert {row["year"] for row in staff.training} == {2024, 2025}
    assert {row["year"] for row in staff.contracts} == {2025, 2026}

    # Rule A10 on every day a team changes, and a team for every client that needs one.
    teams = defaultdict(list)
    for row in staff.assignments:
        end = datetime.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
        teams[row["client_no"]].append(
            (datetime.date.fromisoformat(row["valid_from"]), end, row["role"], int(row["split"]))
        )
    for periods in teams.values():
        changes = {start for start, *_ in periods} | {end + datetime.timedelta(days=1) for _, end, *_ in periods if end}
        for day in changes:
            team = [
                (role, split) for start, end, role, split in periods if start <= day and (end is None or day <= end)
            ]
            assert not team or (sum(role == TeamRole.LEAD for role, _ in team) == 1 and sum(s for _, s in team) == 100)
    latest = {row[0]: row for row in book.metrics if row[1] == "2025-12"}
    needing = [
        row["client_no"]
        for row in book.clients
        if row["kind"] == ClientKind.CORPORATE or Decimal(latest[row["client_no"]][6]) >= 200_000
    ]
    assert set(needing) == set(teams) and 6000 < len(staff.assignments) < 15000

    # Teams date from before the metrics, but for the hand-overs of the metrics' year; only those
    # carry an override reason, a few.
    starts = Counter(row["valid_from"][:4] for row in staff.assignments)
    assert starts["2025"] < 0.05 * len(staff.assignments)
    reasons = [row for row in staff.assignments if row["override_reason"]]
    assert 3 <= len({row["client_no"] for row in reasons}) <= 15
    assert all(row["valid_from"].startswith("2025") for row in reasons)
    # Every customer manager within the capacity of their grade (rule A8).
    load = Counter(
        (row["employee_no"]) for row in staff.assignments if not row["valid_to"] or row["valid_to"] >= "2025-12-31"
    )
    grades = {row["employee_no"]: row["grade"] for row in bank.employees}
    assert all(count <= 200 for number, count in load.items() if grades[number])


@pytest.mark.django_db
def test_if_empty_leaves_a_bank_alone_and_does_not_crash_on_its_own_people(bank):
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", "--if-empty", stdout=out)
    assert "nothing loaded" in out.getvalue() and "bankops2026" not in out.getvalue()
    assert Unit.objects.count() == 7  # the fixture's bank, untouched
