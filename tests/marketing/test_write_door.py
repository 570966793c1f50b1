"""One door for every write (issue 6, rule O5): every service takes a required actor and checks,
itself, the actor's permission and reach. Each service is driven here with an actor lacking the
permission and with one from outside the subtree; each is refused and nothing is written."""

import datetime
import inspect
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services as accounts_services
from accounts.actors import SYSTEM
from accounts.models import Department, LeadershipMember, Position, Unit, User
from appraisal import departments as appraisal_departments
from appraisal import services as appraisal_services
from appraisal.models import (
    Appeal,
    AppraisalPolicy,
    Approval,
    BasePay,
    Calibration,
    MilestoneRecord,
    PlanTarget,
    QuarterResults,
    Result,
    Review,
    Scheme,
)
from marketing import services as marketing_services
from marketing.models import (
    BusinessRequest,
    Client,
    ClientMetric,
    RequestNature,
    ResponsibleOverride,
    SegmentThresholds,
    Tier,
    TierEntry,
)
from runs.models import Run
from staffing import services as staffing_services
from staffing.models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    IndustryTeam,
    Override,
    PerformanceContract,
    Qualification,
    StaffingPolicy,
    Training,
)
from tests.helpers import make_person, make_staff, make_unit

D = datetime.date
TRACKED = [
    Unit,
    Department,
    User,
    LeadershipMember,
    Client,
    TierEntry,
    SegmentThresholds,
    BusinessRequest,
    Qualification,
    Training,
    PerformanceContract,
    Assignment,
    GradePolicy,
    StaffingPolicy,
    IndustryTeam,
    DesignatedCentre,
    Review,
    BasePay,
    AppraisalPolicy,
    Result,
    Appeal,
    PlanTarget,
    MilestoneRecord,
]


def written():
    """Every row and every history record the services could write."""
    counts = {
        model.__name__: model.objects.count()
        for model in [*TRACKED, ClientMetric, Override, ResponsibleOverride, Scheme, Approval, Calibration, Run]
    }
    counts["results"] = list(Result.objects.order_by("pk").values_list("status", "rating", "total"))
    counts["GradePolicy values"] = list(GradePolicy.objects.order_by("grade").values_list("capacity", flat=True))
    counts["request handlers"] = list(BusinessRequest.objects.order_by("pk").values_list("handler", "handling_reason"))
    counts.update({f"{model.__name__} history": model.history.count() for model in TRACKED})
    return counts


def person(no):
    return User.objects.select_related("unit").get(username=no)


# Each service, called on Hefei's rows. `w` holds the world of the fixture below.
CALLS = {
    "unit_create": lambda w, actor: accounts_services.unit_create(
        code="HFX", name="新网点", kind="OUTLET", parent=w["bank"]["HF01"], actor=actor
    ),
    "unit_update": lambda w, actor: accounts_services.unit_update(
        unit=Unit.objects.get(code="HF01"), name="改名支行", kind="SUB_BRANCH", parent=w["bank"]["HF"], actor=actor
    ),
    "department_save": lambda w, actor: accounts_services.department_save(
        unit=w["bank"]["HF01"], code="MARKET", name="市场部", actor=actor
    ),
    "employees_save": lambda w, actor: accounts_services.employees_save(
        [
            accounts_services.EmployeeData(
                employee_no="NEW1", name="新员工", unit=w["bank"]["HF0101"], position=Position.TELLER
            )
        ],
        actor=actor,
    ),
    "employee_save": lambda w, actor: accounts_services.employee_save(user=renamed(person("H0101")), actor=actor),
    "employee_password_set": lambda w, actor: accounts_services.employee_password_set(
        user=person("H0101"), password="Another-secret-2026", actor=actor
    ),
    "leadership_member_set": lambda w, actor: accounts_services.leadership_member_set(
        unit=w["bank"]["HF"], member=person("H0001"), role="LEADER", actor=actor
    ),
    "clients_save": lambda w, actor: marketing_services.clients_save(
        [
            marketing_services.ClientData(
                client_no="NEWC", name="新客户", kind="CORPORATE", account_unit=w["bank"]["HF0101"]
            )
        ],
        actor=actor,
    ),
    "tier_entries_save": lambda w, actor: marketing_services.tier_entries_save(
        [
            marketing_services.TierEntryData(
                client=w["registry"]["C4"],
                tier=Tier.CITY,
                owner_unit=w["bank"]["HF"],
                valid_from=D(2015, 1, 1),
                reason="x",
            )
        ],
        actor=actor,
    ),
    "tier_entry_add": lambda w, actor: marketing_services.tier_entry_add(
        client=w["registry"]["C4"],
        tier=Tier.CITY,
        owner_unit=w["bank"]["HF"],
        valid_from=D(2015, 1, 1),
        reason="x",
        actor=actor,
    ),
    "tier_entry_end": lambda w, actor: marketing_services.tier_entry_end(
        entry=TierEntry.objects.select_related("owner_unit").get(client__client_no="C4"),
        valid_to=D(2015, 1, 1),
        reason="x",
        actor=actor,
    ),
    "responsible_override_set": lambda w, actor: marketing_services.responsible_override_set(
        client=w["registry"]["C4"], department="CORP1", reason="集团授信", actor=actor
    ),
    "segment_thresholds_set": lambda w, actor: marketing_services.segment_thresholds_set(
        valid_from=D(2011, 1, 1),
        private_min=Decimal("9000000"),
        high_min=Decimal("1000000"),
        mid_min=Decimal("200000"),
        actor=actor,
    ),
    "metrics_save": lambda w, actor: marketing_services.metrics_save(
        [{"client_id": w["registry"]["C4"].pk, "month": D(2011, 1, 1), **dict.fromkeys(ClientMetric.FIGURES)}],
        actor=actor,
    ),
    "metrics_save_staged": lambda w, actor: staged_metrics(
        "client_no,month,aum\nC4,2011-01,1\n", marketing_services.metrics_save_staged, actor=actor, figures=["aum"]
    ),
    "business_request_create": lambda w, actor: marketing_services.business_request_create(
        client=w["registry"]["C4"], nature=RequestNature.GENERAL, is_credit=False, description="x", actor=actor
    ),
    "business_request_accept": lambda w, actor: marketing_services.business_request_accept(
        request=w["request"], actor=actor
    ),
    "qualifications_save": lambda w, actor: staffing_services.qualifications_save(
        [{"employee": person("H0101"), "kind": "AFP", "valid_from": D(2015, 1, 1), "valid_to": None}], actor=actor
    ),
    "training_save": lambda w, actor: staffing_services.training_save(
        [{"employee": person("H0101"), "year": 2015, "days": Decimal(12)}], actor=actor
    ),
    "contracts_save": lambda w, actor: staffing_services.contracts_save(
        [{"employee": person("H0101"), "year": 2015, "indicator": "LOANS", "target": Decimal(1)}], actor=actor
    ),
    "assignments_save": lambda w, actor: staffing_services.assignments_save(
        [
            staffing_services.AssignmentData(
                client=w["registry"]["C4"],
                employee=person("H0101"),
                role="LEAD",
                split=Decimal(100),
                valid_from=D(2015, 1, 1),
            )
        ],
        actor=actor,
    ),
    "assignment_end": lambda w, actor: staffing_services.assignment_end(w["assignment"], on=D(2016, 1, 1), actor=actor),
    "assignment_hand_over": lambda w, actor: staffing_services.assignment_hand_over(
        w["assignment"], to=person("H0001"), on=D(2016, 6, 1), actor=actor
    ),
    "grade_policy_save": lambda w, actor: staffing_services.grade_policy_save(
        recapacitated(GradePolicy.objects.get(grade="JUNIOR")), actor=actor
    ),
    "staffing_policy_save": lambda w, actor: staffing_services.staffing_policy_save(
        StaffingPolicy(pk=1, training_days=3), actor=actor
    ),
    "credit_request_route": lambda w, actor: staffing_services.credit_request_route(w["credit"], actor=actor),
    "designated_centre_set": lambda w, actor: staffing_services.designated_centre_set(
        w["vip"], designated=True, actor=actor
    ),
    "industry_team_save": lambda w, actor: staffing_services.industry_team_save(
        IndustryTeam(name="汽车行业小组", unit=w["bank"]["HF01"], industry=""),
        managers=[person("H0101")],
        clients=[w["registry"]["C1"]],
        actor=actor,
    ),
    "scheme_save": lambda w, actor: appraisal_services.scheme_save(
        name="新方案", weights={"DEPOSITS": Decimal(1)}, actor=actor
    ),
    "appraisal_policy_save": lambda w, actor: appraisal_services.appraisal_policy_save(
        AppraisalPolicy(appeal_days=3), actor=actor
    ),
    "reviews_save": lambda w, actor: appraisal_services.reviews_save(
        [{"employee": person("H0101"), "quarter": "2015Q2", "qualitative": Decimal(70)}], actor=actor
    ),
    "pay_save": lambda w, actor: appraisal_services.pay_save(
        [{"employee": person("H0101"), "year": 2015, "base_pay": Decimal(1000)}], actor=actor
    ),
    "appraisal_run_start": lambda w, actor: appraisal_services.appraisal_run_start(quarter="2015Q1", actor=actor),
    "result_calibrate": lambda w, actor: appraisal_services.result_calibrate(
        w["result"], rating="NEEDS_IMPROVEMENT", reason="x", actor=actor
    ),
    "results_approve": lambda w, actor: appraisal_services.results_approve(
        run=w["result"].run, city=w["bank"]["HF"], actor=actor
    ),
    "results_publish": lambda w, actor: appraisal_services.results_publish(
        run=w["result"].run, city=w["bank"]["HF"], actor=actor
    ),
    "appeal_file": lambda w, actor: appraisal_services.appeal_file(w["published"], reason="x", actor=actor),
    "appeal_decide": lambda w, actor: appraisal_services.appeal_decide(
        w["appeal"], upheld=True, decision="x", qualitative=Decimal(90), actor=actor
    ),
    "plan_targets_save": lambda w, actor: appraisal_departments.plan_targets_save(
        [
            {
                "client": w["registry"]["C4"],
                "year": 2015,
                "indicator": "DEPOSITS",
                "target": Decimal(1),
                "department": None,
            }
        ],
        actor=actor,
    ),
    "milestone_record_set": lambda w, actor: appraisal_departments.milestone_record_set(
        city=w["bank"]["HF"], year=2015, milestone="SELECTION", done_on=D(2015, 3, 1), actor=actor
    ),
}


def recapacitated(policy):
    policy.capacity = 1
    return policy


def staged_metrics(text, service, **options):
    """Call `service` with a file of metrics staged as the import stages it (imports.staging)."""
    from imports import engine, staging
    from marketing.importers import MetricImporter

    table = engine.open_table(text.encode(), "metrics.csv")
    try:
        with staging.Stage(MetricImporter(actor=SYSTEM), table.header) as stage:
            stage.load(table, lambda done, total, phase: None)
            return service(stage, **options)
    finally:
        table.close()


def appraised(bank):
    """A finished run of 2015Q1 with a draft result in Hefei and a published one, written as the
    batch would leave them."""
    run = Run.objects.create(kind="appraisal", status="SUCCEEDED", params={"quarter": "2015Q1"})
    QuarterResults.objects.create(quarter="2015Q1", run=run)
    scheme = appraisal_services.scheme_current()
    figures = {"quarter": "2015Q1", "scheme": scheme, "qualitative": 50, "quantitative": 50, "total": 50}
    rated = {"rating": "COMPETENT", "rank_rating": "COMPETENT", "rank_city": 1, "rank_province": 1}
    draft = Result.objects.create(
        run=run, employee=person("H0101"), unit=bank["HF0101"], city=bank["HF"], **figures, **rated
    )
    other = Result.objects.create(
        run=run, employee=person("H0001"), unit=bank["HF"], city=bank["HF"], status="PUBLISHED", **figures, **rated
    )
    return draft, other


def renamed(user):
    user.name = "改名"
    return user


def services_with_actor():
    """Every write service of the apps: the public functions with a keyword `actor`, less the
    checks and predicates that only answer whether a write would pass."""
    found = set()
    for module in (accounts_services, marketing_services, staffing_services, appraisal_services, appraisal_departments):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if (
                "actor" in inspect.signature(function).parameters
                and not name.endswith(("_check", "_validate"))
                and not name.startswith("may_")
            ):
                found.add(name)
    return found


@pytest.fixture
def world(registry, bank, hefei_person, hefei_manager):
    request = marketing_services.business_request_create(
        client=registry["C4"], nature=RequestNature.GENERAL, is_credit=False, description="x", actor=SYSTEM
    )
    # In Hefei's reach (a Hefei sub-branch's and the province's rows), but without any right.
    no_rights = make_person("P0099", "无权限", bank["AH"])
    no_rights.groups.clear()
    # Every right of the organisation, the registry, staffing and the appraisal, but in Wuhu.
    outsider = make_staff(
        make_person("W0001", "芜湖管理员", bank["WH"]), "accounts", "marketing", "staffing", "appraisal"
    )
    assignment_data = staffing_services.AssignmentData(
        client=registry["C1"], employee=person("H0101"), role="LEAD", split=Decimal(100), valid_from=D(2014, 1, 1)
    )
    staffing_services.assignments_save([assignment_data], actor=SYSTEM)
    credit = marketing_services.business_request_create(
        client=registry["C1"],
        nature=RequestNature.GENERAL,
        is_credit=True,
        amount=Decimal(1000),
        description="x",
        actor=SYSTEM,
    )
    BusinessRequest.objects.filter(pk=credit.pk).update(handler=None, handling_reason="")
    marketing_services.metrics_save(
        [{"client_id": registry["C4"].pk, "month": D(2015, 1, 1), "deposits_avg": Decimal(1)}],
        actor=SYSTEM,
        figures=["deposits_avg"],
    )
    result, published = appraised(bank)
    return {
        "result": result,
        "published": published,
        "appeal": Appeal.objects.create(result=published, reason="x"),
        "bank": bank,
        "registry": registry,
        "request": request,
        "credit": BusinessRequest.objects.get(pk=credit.pk),
        "vip": make_unit("HFV9", "合肥贵宾中心", "VIP_CENTRE", bank["HF01"]),
        "assignment": Assignment.objects.get(client=registry["C1"], valid_from=D(2014, 1, 1)),
        "no_rights": person(no_rights.username),
        "outsider": outsider,
    }


def test_every_write_service_is_driven_here():
    assert services_with_actor() == set(CALLS)


@pytest.mark.parametrize("service", sorted(CALLS))
@pytest.mark.parametrize("who", ["no_rights", "outsider"])
def test_a_service_refuses_an_actor_without_the_right_or_the_reach(world, service, who):
    before = written()
    with pytest.raises((PermissionDenied, ValidationError)):
        CALLS[service](world, world[who])
    assert written() == before


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_service_has_no_default_actor(world, service):
    with pytest.raises(TypeError):
        CALLS[service](world, None)


def test_the_system_actor_reaches_everything(world):
    CALLS["clients_save"](world, SYSTEM)
    client = Client.objects.get(client_no="NEWC")
    assert client.history.latest().history_user is None  # recorded as the system, not a person


# --- what the probe of issue 6 found ------------------------------------------------------------


def test_rule_C8_a_province_analyst_viewing_a_wuhu_request_gets_no_accept_button(login, world, province_analyst):
    wuhu_request = marketing_services.business_request_create(
        client=world["registry"]["C2"], nature=RequestNature.DAILY, is_credit=False, description="芜湖", actor=SYSTEM
    )
    assert wuhu_request.accepting_unit.code == "WH01"
    response = login(province_analyst).get("/clients/requests/")
    shown = {item.pk: item.can_accept for item in response.context["page"].object_list}
    assert shown[wuhu_request.pk] is False
    with pytest.raises(ValidationError):
        marketing_services.business_request_accept(request=wuhu_request, actor=province_analyst)
    wuhu_request.refresh_from_db()
    assert wuhu_request.accepted_by is None


def test_rule_O5_a_group_parent_outside_the_actors_reach_reads_as_no_such_client(world, wuhu_manager):
    from imports.engine import ImportRejected, run_import
    from tests.helpers import grant

    wuhu_manager = grant(wuhu_manager, "marketing.add_client", "marketing.change_client")
    with pytest.raises(ImportRejected) as rejected:
        run_import(
            "clients",
            "client_no,name,kind,account_unit_code,group_parent_no\nW9,芜湖子公司,CORPORATE,WH0101,C1\n".encode(),
            "c.csv",
            actor=wuhu_manager,
        )
    report = str(rejected.value)
    assert report.startswith("row 2, column group_parent_no:") and "C1" in report
    assert "合肥" not in report and not Client.objects.filter(client_no="W9").exists()


def test_rule_O5_a_stored_parent_outside_reach_stays_when_a_branch_saves_its_client(world, wuhu_manager):
    from tests.helpers import grant

    registry = world["registry"]
    marketing_services.clients_save(
        [
            marketing_services.ClientData(
                client_no="C2", name="C2", kind="CORPORATE", account_unit=world["bank"]["WH0101"], group_parent_no="C1"
            )
        ],
        actor=SYSTEM,
    )
    wuhu_manager = grant(wuhu_manager, "marketing.add_client", "marketing.change_client")
    marketing_services.clients_save(
        [
            marketing_services.ClientData(
                client_no="C2", name="C2 改名", kind="CORPORATE", account_unit=world["bank"]["WH0101"]
            )
        ],
        actor=wuhu_manager,
    )
    assert Client.objects.get(client_no="C2").group_parent_id == registry["C1"].pk


def test_a_branch_administrator_cannot_reset_a_superusers_password(login, world, hefei_person):
    superuser = make_person("H0900", "超级管理员", world["bank"]["HF0101"])
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    hefei_admin = make_staff(hefei_person, "accounts")
    client = login(hefei_admin)
    page = f"/admin/accounts/user/{superuser.pk}/password/"
    assert client.get(page).status_code == 403
    response = client.post(page, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password("Taken-over-2026")
    # The account is shown, not changed.
    change = client.post(f"/admin/accounts/user/{superuser.pk}/change/", {"username": "H0900", "name": "被改"})
    assert change.status_code == 403 and User.objects.get(pk=superuser.pk).name == "超级管理员"


def test_a_branch_administrator_resets_a_password_of_their_subtree_through_the_service(login, world, hefei_person):
    hefei_admin = make_staff(hefei_person, "accounts")
    manager = person("H0101")
    response = login(hefei_admin).post(
        f"/admin/accounts/user/{manager.pk}/password/", {"password1": "New-secret-2026", "password2": "New-secret-2026"}
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("New-secret-2026") and manager.history.latest().history_user == hefei_admin


@pytest.mark.django_db(transaction=True)
def test_rule_C2_overlapping_entries_cannot_both_be_stored(bank):
    """The lock is the portable path; on PostgreSQL an exclusion constraint stands behind it, so
    even a writer that skips the service cannot store two overlapping entries of one list."""
    from django.db import IntegrityError, connection, transaction

    marketing_services.clients_save(
        [marketing_services.ClientData(client_no="X1", name="X1", kind="CORPORATE", account_unit=bank["HF0101"])],
        actor=SYSTEM,
    )
    client = Client.objects.get(client_no="X1")
    TierEntry.objects.create(client=client, tier=Tier.CITY, owner_unit=bank["HF"], valid_from=D(2020, 1, 1), reason="a")
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            TierEntry.objects.create(
                client=client, tier=Tier.CITY, owner_unit=bank["HF"], valid_from=D(2021, 1, 1), reason="b"
            )
    else:  # SQLite: every transaction takes the write lock first, so check-and-write cannot interleave
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with pytest.raises(ValidationError):
        marketing_services.tier_entry_add(
            client=client, tier=Tier.CITY, owner_unit=bank["HF"], valid_from=D(2021, 1, 1), reason="b", actor=SYSTEM
        )
    assert TierEntry.objects.filter(client=client).count() == 1


def test_rule_C2_an_entry_reopened_by_an_import_drops_its_end_reason(world):
    from imports.engine import run_import

    entry = TierEntry.objects.select_related("owner_unit").get(client__client_no="C4")
    marketing_services.tier_entry_end(entry=entry, valid_to=D(2015, 1, 1), reason="退出", actor=SYSTEM)
    run_import(
        "tiers",
        b"client_no,tier,owner_unit_code,valid_from,valid_to,reason\nC4,PROVINCE,AH,2010-07-01,,test\n",
        "t.csv",
        actor=SYSTEM,
    )
    entry.refresh_from_db()
    assert (entry.valid_to, entry.end_reason) == (None, "")


def test_a_branch_administrator_reimports_an_unchanged_superuser_row_but_cannot_change_it(world, hefei_person):
    from imports.engine import ImportRejected, run_import

    superuser = make_person("H0900", "超级管理员", world["bank"]["HF0101"])
    User.objects.filter(pk=superuser.pk).update(is_superuser=True)
    hefei_admin = make_staff(hefei_person, "accounts")
    header = "employee_no,name,unit_code,position\n"
    report = run_import("employees", (header + "H0900,超级管理员,HF0101,OTHER\n").encode(), "e.csv", actor=hefei_admin)
    assert report.counts.unchanged == 1
    with pytest.raises(ImportRejected) as rejected:
        run_import("employees", (header + "H0900,改名,HF0101,OTHER\n").encode(), "e.csv", actor=hefei_admin)
    assert str(rejected.value).startswith("row 2, column employee_no:")
    assert User.objects.get(pk=superuser.pk).name == "超级管理员"
