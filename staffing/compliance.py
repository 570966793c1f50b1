"""The staffing compliance report (rules O3, S1–S9, A1–A10) of a subtree on a date.

Every rule is evaluated set-based: one SQL query (or two) per rule over the whole subtree,
answering only the rows that break it; rules.py then words each breach. `oracle_report` computes
the same report in plain Python from loaded rows: the tests hold the two against each other on
generated banks. `breaches(...)` with `clients`/`employees` evaluates the rules of those rows
only: the assignment services use it to find what a change would break.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import StartsWith
from django.utils.translation import get_language

from accounts.models import Department, Position, Unit, UnitKind
from accounts.scoping import scope_prefix, scope_stamp, scoped
from accounts.selectors import market_department_breaches
from bankops.dated import in_force
from marketing import caching
from marketing.models import Client, ClientKind
from marketing.selectors import standing_on

from . import rules
from .models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    Override,
    Qualification,
    QualificationKind,
    StaffingPolicy,
    TeamRole,
    Training,
)

User = get_user_model()
CM = Position.CUSTOMER_MANAGER
# A9: the heads and deputy heads who co-maintain: of the client's sub-branch, or of its city
# branch (a centre hung straight under a city branch has no sub-branch above it).
HEADS_AT = (UnitKind.SUB_BRANCH, UnitKind.CITY)
CLIENT_RULES = ("A1", "A2", "A3", "A4", "A5", "A6", "A9", "A10")


def breaches(prefix, on, *, clients=None, employees=None, only=None):
    """The breaches in force on `on` in the subtree of the unit path `prefix` ("" for the whole
    bank), in the report's order, overridden ones marked. With `clients` (a queryset or ids),
    only the client rules of those clients; with `employees`, only A8 of those people (both
    given: both). `only` limits the rules (their IDs)."""
    policy = StaffingPolicy.current()
    wanted = set(only or rules.RULE_ORDER)
    if clients is not None or employees is not None:
        wanted &= set(CLIENT_RULES if clients is not None else ()) | ({"A8"} if employees is not None else set())
    found = []
    for produced, evaluate in EVALUATORS:
        if wanted & set(produced):
            found.extend(evaluate(prefix, on, policy=policy, clients=clients, employees=employees))
    found = [breach for breach in found if breach.rule in wanted]
    return sort(mark_overridden(found, on))


def sort(found):
    order = {rule: index for index, rule in enumerate(rules.RULE_ORDER)}
    return sorted(found, key=lambda b: (order[b.rule], b.unit_code, b.employee_no, b.client_no, str(b.message)))


def mark_overridden(found, on):
    """Mark the breaches an override on record covers: the same rule and client (or person, for
    A8), its assignment still in force on `on` (or none named)."""
    if not found:
        return found
    standing = (
        Override.objects.filter(rule__in={breach.rule for breach in found})
        .filter(Q(assignment__isnull=True) | in_force(on, "assignment__"))
        .values_list("rule", "client__client_no", "employee__username")
    )
    covered = {
        (rule, client_no or "", "" if client_no else employee_no or "") for rule, client_no, employee_no in standing
    }
    return [
        replace(breach, overridden=True)
        if (breach.rule, breach.client_no, "" if breach.client_no else breach.employee_no) in covered
        else breach
        for breach in found
    ]


# --- the rules, set-based ---------------------------------------------------------------------


def active_staff(prefix):
    return User.objects.filter(is_active=True, unit__isnull=False, unit__path__startswith=prefix)


def holds(on, kinds, employee="pk"):
    """Whether the person (the outer query's field `employee`) holds one of `kinds` on `on`."""
    return Exists(Qualification.objects.filter(in_force(on), employee=OuterRef(employee), kind__in=kinds))


def o3(prefix, on, **_):
    """S2 = O3: every sub-branch has a market department."""
    return market_department_breaches(within=Unit(path=prefix))


def s1(prefix, on, **_):
    """S1: per city branch (and the province), customer managers against all staff."""
    staff = active_staff(prefix)
    cities = (
        staff.filter(unit__depth__gte=2)
        .annotate(city=Substr("unit__path", 1, 2 * Unit.steplen))
        .values("city")
        .annotate(staff=Count("pk"), managers=Count("pk", filter=Q(position=CM)))
    )
    counts = {row["city"]: (row["managers"], row["staff"]) for row in cities}
    found = []
    for unit in Unit.objects.filter(path__startswith=prefix, kind__in=[UnitKind.PROVINCE, UnitKind.CITY]):
        if unit.kind == UnitKind.PROVINCE:
            totals = staff.aggregate(staff=Count("pk"), managers=Count("pk", filter=Q(position=CM)))
            managers, total = totals["managers"], totals["staff"]
        else:
            managers, total = counts.get(unit.path, (0, 0))
        found.append(rules.staff_share_breach(unit.code, managers, total))
    return found


def unit_staff(prefix, kinds, on, **counts):
    """Units of `kinds` in the subtree with counts of their own active employees: each keyword a
    Q over the employee (prefixed employees__), or an Exists over one."""
    units = Unit.objects.filter(path__startswith=prefix, kind__in=kinds)
    present = Q(employees__is_active=True)
    return units.annotate(
        **{name: Count("employees", filter=present & condition, distinct=True) for name, condition in counts.items()}
    )


def s3(prefix, on, **_):
    """S3: a city-area outlet with ≥ 10 million corporate deposits or ≥ 50 corporate clients."""
    units = Unit.objects.filter(path__startswith=prefix, city_area=True).annotate(
        managers=Count("employees", filter=Q(employees__is_active=True, employees__position=CM))
    )
    corporate = standing_on(Client.objects.filter(kind=ClientKind.CORPORATE, account_unit__city_area=True), on=on)
    sums = {
        row["account_unit_id"]: (row["deposits"] or 0, row["clients"])
        for row in corporate.filter(account_unit__path__startswith=prefix)
        .values("account_unit_id")
        .annotate(deposits=Sum("deposits_avg"), clients=Count("pk"))
    }
    return [rules.outlet_manager_breach(unit.code, *sums.get(unit.pk, (0, 0)), unit.managers) for unit in units]


def s4(prefix, on, **_):
    """S4: every outlet has a lobby manager."""
    units = unit_staff(prefix, [UnitKind.OUTLET], on, lobby=Q(employees__position=Position.LOBBY_MANAGER))
    return [rules.lobby_manager_breach(unit.code, unit.lobby) for unit in units]


def s5(prefix, on, **_):
    """S5: a wealth centre's advisers: at least 8, each qualified."""
    centres = unit_staff(prefix, [UnitKind.WEALTH_CENTRE], on, advisers=Q(employees__position__in=rules.S5_POSITIONS))
    found = [rules.wealth_centre_breach(unit.code, unit.advisers) for unit in centres]
    unqualified = (
        active_staff(prefix)
        .filter(unit__kind=UnitKind.WEALTH_CENTRE, position__in=rules.S5_POSITIONS)
        .exclude(holds(on, rules.S5_QUALIFICATIONS))
        .values_list("unit__code", "username")
    )
    found.extend(rules.wealth_adviser_breach(code, number, False) for code, number in unqualified)
    return found


def s6(prefix, on, **_):
    """S6: a VIP centre's staff, its exclusive area's managers, and its qualified people."""
    centres = unit_staff(
        prefix,
        [UnitKind.VIP_CENTRE],
        on,
        staff=Q(),
        marketing=Q(employees__position=Position.MARKETING_MANAGER, employees__vip_area=True),
        wealth=Q(employees__position=Position.WEALTH_MANAGER, employees__vip_area=True),
        qualified=Q(holds(on, rules.S6_QUALIFICATIONS, employee="employees")),
    )
    return [
        rules.vip_centre_breach(unit.code, unit.staff, unit.marketing, unit.wealth, unit.qualified) for unit in centres
    ]


def s7(prefix, on, *, policy, **_):
    """S7: after the deadline, every customer manager holds a valid certificate."""
    if on <= policy.certificate_deadline:
        return []
    lacking = (
        active_staff(prefix)
        .filter(position=CM)
        .exclude(holds(on, [QualificationKind.CM_CERT]))
        .values_list("unit__code", "username")
    )
    return [rules.certificate_breach(code, number, False, on, policy.certificate_deadline) for code, number in lacking]


def s8(prefix, on, *, policy, **_):
    """S8: every customer manager trained enough in the last complete year (not those hired after it)."""
    year = rules.training_year(on)
    given = Training.objects.filter(employee=OuterRef("pk"), year=year).values("days")[:1]
    days = Coalesce(Subquery(given), Value(Decimal(0)), output_field=DecimalField(max_digits=5, decimal_places=1))
    short = (
        active_staff(prefix)
        .filter(position=CM)
        .exclude(hired_on__gt=datetime.date(year, 12, 31))
        .annotate(days=days)
        .filter(days__lt=policy.training_days)
        .values_list("unit__code", "username", "days")
    )
    return [rules.training_breach(code, number, days, year, policy.training_days) for code, number, days in short]


def s9(prefix, on, *, policy, **_):
    """S9 (advisory): an assistant per N customer managers of a unit."""
    per = policy.managers_per_assistant
    units = (
        Unit.objects.filter(path__startswith=prefix)
        .annotate(
            managers=Count("employees", filter=Q(employees__is_active=True, employees__position=CM)),
            assistants=Count("employees", filter=Q(employees__is_active=True, employees__position=Position.ASSISTANT)),
        )
        .filter(managers__gte=per)
    )
    return [rules.assistants_breach(unit.code, unit.managers, unit.assistants, per) for unit in units]


def team(on):
    """The assignments of the (outer query's) client's team in force on `on`."""
    return Assignment.objects.filter(in_force(on), client=OuterRef("pk"))


def lead(on, field):
    """A field of the client's lead on `on` ("" when none): the first lead by employee number."""
    leads = team(on).filter(role=TeamRole.LEAD).order_by("employee__username").values(field)[:1]
    return Coalesce(Subquery(leads), Value(""), output_field=CharField())


def lead_depth(on):
    leads = team(on).filter(role=TeamRole.LEAD).order_by("employee__username").values("employee__unit__depth")[:1]
    return Subquery(leads, output_field=IntegerField())


def subject_clients(prefix, clients, **filters):
    chosen = Client.objects.filter(account_unit__path__startswith=prefix, **filters)
    return chosen if clients is None else chosen.filter(pk__in=clients)


def a1_a2(prefix, on, *, clients=None, **_):
    """A1/A2: a corporate client's lead's grade against its annual contribution."""
    (top, _a1, senior), (floor, _a2, intermediate) = rules.CONTRIBUTION_GRADES
    at_least = {
        grade: [g for g, rank in rules.GRADE_RANK.items() if rank >= rules.GRADE_RANK[grade]]
        for grade in (senior, intermediate)
    }
    rows = (
        standing_on(subject_clients(prefix, clients, kind=ClientKind.CORPORATE), on=on)
        .filter(annual_contribution__gte=floor)
        .annotate(lead_no=lead(on, "employee__username"), lead_grade=lead(on, "employee__grade"))
        .filter(
            Q(annual_contribution__gte=top) & ~Q(lead_grade__in=at_least[senior])
            | Q(annual_contribution__lt=top) & ~Q(lead_grade__in=at_least[intermediate])
        )
        .values_list("account_unit__code", "client_no", "annual_contribution", "lead_no", "lead_grade")
    )
    return [
        rules.lead_grade_breach(
            unit_code=code,
            client_no=number,
            kind=ClientKind.CORPORATE,
            contribution=contribution,
            lead_no=lead_no,
            lead_grade=lead_grade,
        )
        for code, number, contribution, lead_no, lead_grade in rows
    ]


def a3_a5(prefix, on, *, clients=None, **_):
    """A3–A5: where an individual's lead works and what they hold, by segment. Each client's
    lead is found once in SQL; the leads (a few thousand people at most) and their AFP/CFP are
    read once, and each client is judged against them."""
    lead_id = Subquery(team(on).filter(role=TeamRole.LEAD).order_by("employee__username").values("employee_id")[:1])
    rows = list(
        standing_on(subject_clients(prefix, clients, kind=ClientKind.INDIVIDUAL), on=on)
        .filter(segment__in=list(rules.SEGMENT_LEADS))
        .annotate(lead_id=lead_id)
        .values_list("account_unit__code", "client_no", "segment", "lead_id")
    )
    ids = {lead for *_rest, lead in rows if lead}
    leads = {person.pk: person for person in User.objects.filter(pk__in=ids).select_related("unit")}
    designated = set(DesignatedCentre.objects.values_list("unit_id", flat=True))
    held = defaultdict(set)
    kinds = [QualificationKind.AFP, QualificationKind.CFP]
    for person, kind in Qualification.objects.filter(in_force(on), employee__in=ids, kind__in=kinds).values_list(
        "employee_id", "kind"
    ):
        held[person].add(kind)
    found = []
    for code, number, segment, lead in rows:
        person = leads.get(lead)
        found.append(
            rules.lead_placement_breach(
                unit_code=code,
                client_no=number,
                segment=segment,
                lead_no=person.username if person else "",
                position=person.position if person else "",
                manager_kind=person.manager_kind if person else "",
                unit_kind=person.unit.kind if person and person.unit else "",
                holds=held[lead],
                designated=person is not None and person.unit_id in designated,
            )
        )
    return found


def a6(prefix, on, *, clients=None, **_):
    """A6: a group's network is led from the highest-tier unit serving the group."""
    subsidiaries_leads = (
        Assignment.objects.filter(in_force(on), role=TeamRole.LEAD, client__group_parent=OuterRef("pk"))
        .order_by("employee__unit__depth")
        .values("employee__unit__depth")[:1]
    )
    rows = (
        subject_clients(prefix, clients)
        .filter(Exists(Client.objects.filter(group_parent=OuterRef("pk"))))
        .annotate(
            lead_no=lead(on, "employee__username"),
            lead_depth=lead_depth(on),
            highest=Subquery(subsidiaries_leads, output_field=IntegerField()),
        )
        .filter(Q(lead_no="") | Q(highest__lt=F("lead_depth")))
        .values_list("account_unit__code", "client_no", "lead_no", "lead_depth", "highest")
    )
    return [
        rules.group_network_breach(
            unit_code=code, client_no=number, lead_no=lead_no, lead_depth=depth, highest_depth=highest
        )
        for code, number, lead_no, depth, highest in rows
    ]


def a8(prefix, on, *, employees=None, **_):
    """A8: a manager's clients (on any team, on the date) against their grade's capacity."""
    capacities = {grade: policy.capacity for grade, policy in GradePolicy.table().items()}
    capacity = Case(
        *[When(employee__grade=grade, then=Value(cap)) for grade, cap in capacities.items()],
        output_field=IntegerField(),
    )
    loads = Assignment.objects.filter(
        in_force(on), employee__is_active=True, employee__unit__path__startswith=prefix
    ).exclude(employee__grade="")
    if employees is not None:
        loads = loads.filter(employee__in=employees)
    rows = (
        loads.values("employee__username", "employee__unit__code", "employee__grade")
        .annotate(clients=Count("client_id", distinct=True), capacity=capacity)
        .filter(clients__gt=F("capacity"))
        .values_list("employee__unit__code", "employee__username", "employee__grade", "clients", "capacity")
    )
    return [
        rules.capacity_breach(unit_code=code, employee_no=number, clients=count, grade=grade, capacity=cap)
        for code, number, grade, count, cap in rows
    ]


def a9(prefix, on, *, clients=None, **_):
    """A9: the senior people an individual's AUM calls for are on its team."""
    (deputy_from, *_rest), (head_from, *_r), (city_from, *_c) = rules.CO_MAINTENANCE
    # The members whose unit holds the client's account unit (the client's path starts with theirs).
    client_path = ExpressionWrapper(OuterRef("account_unit__path"), output_field=CharField())
    members = team(on).filter(StartsWith(client_path, F("employee__unit__path")))
    rows = (
        standing_on(subject_clients(prefix, clients, kind=ClientKind.INDIVIDUAL), on=on)
        .filter(aum__gte=deputy_from)
        .annotate(
            deputy=Exists(members.filter(employee__position=Position.DEPUTY_HEAD, employee__unit__kind__in=HEADS_AT)),
            head=Exists(members.filter(employee__position=Position.HEAD, employee__unit__kind__in=HEADS_AT)),
            city=Exists(members.filter(employee__unit__kind=UnitKind.CITY)),
        )
        .filter(Q(deputy=False) | Q(aum__gte=head_from, head=False) | Q(aum__gte=city_from, city=False))
        .values_list("account_unit__code", "client_no", "aum", "deputy", "head", "city")
    )
    return [
        rules.co_maintenance_breach(
            unit_code=code,
            client_no=number,
            aum=aum,
            present={name for name, there in (("DEPUTY", deputy), ("HEAD", head), ("CITY", city)) if there},
        )
        for code, number, aum, deputy, head, city in rows
    ]


def a10(prefix, on, *, clients=None, **_):
    """A10: on the date, each team has one lead and splits adding up to 100. The assignments
    are grouped by client alone (no join: a province's half million teams group in memory),
    then the few offenders are named."""
    teams = Assignment.objects.filter(in_force(on))
    if prefix:
        teams = teams.filter(client__account_unit__path__startswith=prefix)
    if clients is not None:
        teams = teams.filter(client__in=clients)
    offenders = {
        client: (leads, total)
        for client, leads, total in teams.values("client_id")
        .annotate(leads=Count("pk", filter=Q(role=TeamRole.LEAD)), total=Sum("split"))
        .filter(~Q(leads=1) | ~Q(total=100))
        .values_list("client_id", "leads", "total")
    }
    named = Client.objects.filter(pk__in=list(offenders)).values_list("pk", "account_unit__code", "client_no")
    return [
        rules.team_shape_breach(unit_code=code, client_no=number, leads=offenders[pk][0], split_total=offenders[pk][1])
        for pk, code, number in named
    ]


def client_rules(evaluate):
    """A client rule: evaluated for `clients` when given, skipped when only people are asked."""

    def run(prefix, on, *, clients=None, employees=None, policy=None):
        if clients is None and employees is not None:
            return []
        return [b for b in evaluate(prefix, on, clients=clients) if b]

    return run


def unit_rules(evaluate):
    def run(prefix, on, *, clients=None, employees=None, policy=None):
        if clients is not None or employees is not None:
            return []
        return [b for b in evaluate(prefix, on, policy=policy) if b]

    return run


def people_rule(evaluate):
    def run(prefix, on, *, clients=None, employees=None, policy=None):
        if clients is not None and employees is None:
            return []
        return [b for b in evaluate(prefix, on, employees=employees) if b]

    return run


# Each evaluator and the rules it answers.
EVALUATORS = [
    (("O3",), unit_rules(o3)),
    (("S1",), unit_rules(s1)),
    (("S3",), unit_rules(s3)),
    (("S4",), unit_rules(s4)),
    (("S5",), unit_rules(s5)),
    (("S6",), unit_rules(s6)),
    (("S7",), unit_rules(s7)),
    (("S8",), unit_rules(s8)),
    (("S9",), unit_rules(s9)),
    (("A1", "A2"), client_rules(a1_a2)),
    (("A3", "A4", "A5"), client_rules(a3_a5)),
    (("A6",), client_rules(a6)),
    (("A8",), people_rule(a8)),
    (("A9",), client_rules(a9)),
    (("A10",), client_rules(a10)),
]


# --- the report as people and scripts ask for it ----------------------------------------------


def report_unit(*, user, code=None):
    """The unit whose subtree a report covers: `code` if `user` may see it (else Unit.DoesNotExist),
    or the root of what they see (None: the whole bank for SYSTEM, superusers and the province)."""
    if code:
        return scoped(Unit.objects.all(), user).get(code=code)
    prefix = scope_prefix(user)
    if prefix is None:
        raise Unit.DoesNotExist
    return Unit.objects.filter(path=prefix).first()


def report(*, user, on, unit=None):
    """The compliance report of `unit`'s subtree (the user's own part of the bank when None) on
    `on`, as `user` may read it (rule O5): a list of Breach, kept in the cache under the
    version of everything it is computed from (sources_version)."""
    unit = unit or report_unit(user=user)
    prefix = unit.path if unit is not None else ""
    parts = (sources_version(), prefix, on.isoformat(), get_language())
    key = "compliance:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    return cache.get_or_set(key, lambda: breaches(prefix, on), caching.TIMEOUT)


def page_key(request, *, unit, on):
    """The cache key of the compliance page's report as `request` asks for it: the version of
    its sources, the person's reach and the stamps of what widens it, the unit, the date, the
    language and the full URL (rule O5: nobody is shown what another may see)."""
    user = request.user
    parts = (
        sources_version(),
        scope_prefix(user),
        scope_stamp(user),
        unit.path if unit is not None else "",
        on.isoformat(),
        get_language(),
        request.get_full_path(),
    )
    return "compliance-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def sources_version():
    """A stamp that changes whenever a row the report reads does: the registry's version (units,
    clients, named lists, figures, thresholds: marketing.caching) and the newest history record
    of the people, departments, qualifications, training, assignments and the policy's figures
    (their history only grows, written by every service), and the overrides on record. A few
    index-only reads."""
    histories = (User, Department, Qualification, Training, Assignment, GradePolicy, StaffingPolicy)
    newest = [model.history.aggregate(last=Max("history_id"))["last"] for model in histories]
    overrides = Override.objects.aggregate(last=Max("pk"), count=Count("pk"))
    return (caching.registry_version(), *newest, overrides["last"], overrides["count"])
