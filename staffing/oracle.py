"""The compliance report computed in plain Python: the oracle of compliance.py's SQL.

It loads the rows as they are (units, people, qualifications, training, clients and their
monthly figures, the assignments) and counts, sums and looks up everything in Python, row by
row, without a query of the report's; only the verdicts and their words come from rules.py,
as in the SQL version. The tests hold the two against each other on generated banks. Too
slow for a province: it is for tests, at test size.
"""

import functools
from collections import defaultdict

from django.contrib.auth import get_user_model

from accounts.models import Department, Position, Unit, UnitKind
from accounts.rules import MARKET_DEPARTMENT_CODE, market_department_breach
from marketing.models import Client, ClientKind, ClientMetric, SegmentThresholds
from marketing.rules import Thresholds, segment_for

from . import rules
from .compliance import HEADS_AT, mark_overridden, sort
from .models import (
    Assignment,
    DesignatedCentre,
    GradePolicy,
    Qualification,
    QualificationKind,
    StaffingPolicy,
    TeamRole,
    Training,
)

User = get_user_model()
CM = Position.CUSTOMER_MANAGER


def report(prefix, on):
    """The breaches in force on `on` in the subtree of `prefix`, as compliance.breaches answers."""
    world = World(on)
    found = [
        *world.units_rules(prefix),
        *world.people_rules(prefix),
        *world.client_rules(prefix),
    ]
    return sort(mark_overridden([breach for breach in found if breach], on))


def count_in(people, test):
    return sum(1 for person in people if test(person))


class World:
    """Every row the rules read, loaded once, indexed in dicts."""

    def __init__(self, on):
        self.on = on
        self.policy = StaffingPolicy.current()
        self.units = {unit.pk: unit for unit in Unit.objects.all()}
        self.by_path = {unit.path: unit for unit in self.units.values()}
        self.markets = set(Department.objects.filter(code=MARKET_DEPARTMENT_CODE).values_list("unit_id", flat=True))
        self.people = {p.pk: p for p in User.objects.filter(is_active=True, unit__isnull=False)}
        self.holds = defaultdict(set)  # person → qualification kinds valid on `on`
        for q in Qualification.objects.all():
            if q.is_in_force(on):
                self.holds[q.employee_id].add(q.kind)
        self.days = {(t.employee_id, t.year): t.days for t in Training.objects.all()}
        self.clients = {c.pk: c for c in Client.objects.all()}
        self.latest = {}  # client → its metrics of the latest month on or before `on`
        for metric in ClientMetric.objects.filter(month__lte=on).order_by("month"):
            self.latest[metric.client_id] = metric
        stored = SegmentThresholds.in_force(on)
        self.thresholds = Thresholds(stored.private_min, stored.high_min, stored.mid_min)
        self.team = defaultdict(list)  # client → assignments in force on `on`
        for assignment in Assignment.objects.all():
            if assignment.is_in_force(on):
                self.team[assignment.client_id].append(assignment)
        self.designated = {row.unit_id for row in DesignatedCentre.objects.all()}
        self.capacity = {grade: policy.capacity for grade, policy in GradePolicy.table().items()}

    # --- helpers ------------------------------------------------------------------------------

    def unit_of(self, person):
        return self.units[person.unit_id]

    def staff_of(self, unit):
        return [p for p in self.people.values() if p.unit_id == unit.pk]

    def under(self, prefix, path):
        return path.startswith(prefix)

    def figure(self, client, name):
        metric = self.latest.get(client.pk)
        return getattr(metric, name) if metric is not None else None

    def segment(self, client):
        if client.kind != ClientKind.INDIVIDUAL:
            return None
        return segment_for(self.figure(client, "aum"), self.thresholds, client.potential)

    def lead(self, client):
        leads = sorted(
            (a for a in self.team[client.pk] if a.role == TeamRole.LEAD),
            key=lambda a: self.people_any(a.employee_id).username,
        )
        return self.people_any(leads[0].employee_id) if leads else None

    def people_any(self, pk):
        return self.people.get(pk) or User.objects.get(pk=pk)

    # --- the rules ----------------------------------------------------------------------------

    def units_rules(self, prefix):
        for unit in self.units.values():
            if not self.under(prefix, unit.path):
                continue
            code, staff = unit.code, self.staff_of(unit)
            count = functools.partial(count_in, staff)
            if unit.kind == UnitKind.SUB_BRANCH:
                yield market_department_breach(
                    code, unit.kind, {MARKET_DEPARTMENT_CODE} if unit.pk in self.markets else set()
                )
            if unit.kind in (UnitKind.PROVINCE, UnitKind.CITY):
                within = [p for p in self.people.values() if self.unit_of(p).path.startswith(unit.path)]
                yield rules.staff_share_breach(code, sum(1 for p in within if p.position == CM), len(within))
            if unit.city_area:
                corporate = [
                    c for c in self.clients.values() if c.account_unit_id == unit.pk and c.kind == ClientKind.CORPORATE
                ]
                deposits = sum((self.figure(c, "deposits_avg") or 0 for c in corporate), 0)
                yield rules.outlet_manager_breach(code, deposits, len(corporate), count(lambda p: p.position == CM))
            if unit.kind == UnitKind.OUTLET:
                yield rules.lobby_manager_breach(code, count(lambda p: p.position == Position.LOBBY_MANAGER))
            if unit.kind == UnitKind.WEALTH_CENTRE:
                advisers = [p for p in staff if p.position in rules.S5_POSITIONS]
                yield rules.wealth_centre_breach(code, len(advisers))
                for person in advisers:
                    yield rules.wealth_adviser_breach(
                        code, person.username, bool(self.holds[person.pk] & set(rules.S5_QUALIFICATIONS))
                    )
            if unit.kind == UnitKind.VIP_CENTRE:
                yield rules.vip_centre_breach(
                    code,
                    len(staff),
                    count(lambda p: p.position == Position.MARKETING_MANAGER and p.vip_area),
                    count(lambda p: p.position == Position.WEALTH_MANAGER and p.vip_area),
                    count(lambda p: bool(self.holds[p.pk] & set(rules.S6_QUALIFICATIONS))),
                )
            managers = count(lambda p: p.position == CM)
            if managers >= self.policy.managers_per_assistant:
                yield rules.assistants_breach(
                    code,
                    managers,
                    count(lambda p: p.position == Position.ASSISTANT),
                    self.policy.managers_per_assistant,
                )

    def people_rules(self, prefix):
        year = rules.training_year(self.on)
        served = defaultdict(set)
        for client_id, team in self.team.items():
            for assignment in team:
                served[assignment.employee_id].add(client_id)
        for person in self.people.values():
            unit = self.unit_of(person)
            if not self.under(prefix, unit.path):
                continue
            if person.position == CM:
                yield rules.certificate_breach(
                    unit.code,
                    person.username,
                    QualificationKind.CM_CERT in self.holds[person.pk],
                    self.on,
                    self.policy.certificate_deadline,
                )
                if person.hired_on is None or person.hired_on.year <= year:
                    yield rules.training_breach(
                        unit.code, person.username, self.days.get((person.pk, year), 0), year, self.policy.training_days
                    )
            if person.grade and served[person.pk]:
                yield rules.capacity_breach(
                    unit_code=unit.code,
                    employee_no=person.username,
                    clients=len(served[person.pk]),
                    grade=person.grade,
                    capacity=self.capacity[person.grade],
                )

    def client_rules(self, prefix):
        children = defaultdict(list)
        for client in self.clients.values():
            if client.group_parent_id:
                children[client.group_parent_id].append(client)
        for client in self.clients.values():
            unit = self.units[client.account_unit_id]
            if not self.under(prefix, unit.path):
                continue
            lead = self.lead(client)
            lead_no = lead.username if lead else ""
            yield rules.lead_grade_breach(
                unit_code=unit.code,
                client_no=client.client_no,
                kind=client.kind,
                contribution=self.figure(client, "annual_contribution"),
                lead_no=lead_no,
                lead_grade=lead.grade if lead else "",
            )
            yield rules.lead_placement_breach(
                unit_code=unit.code,
                client_no=client.client_no,
                segment=self.segment(client),
                lead_no=lead_no,
                position=lead.position if lead else "",
                manager_kind=lead.manager_kind if lead else "",
                unit_kind=self.unit_of(lead).kind if lead else "",
                holds=self.holds[lead.pk] & {QualificationKind.AFP, QualificationKind.CFP} if lead else set(),
                designated=bool(lead) and lead.unit_id in self.designated,
            )
            if children[client.pk]:
                depths = [
                    self.unit_of(self.people_any(a.employee_id)).depth
                    for child in children[client.pk]
                    for a in self.team[child.pk]
                    if a.role == TeamRole.LEAD
                ]
                yield rules.group_network_breach(
                    unit_code=unit.code,
                    client_no=client.client_no,
                    lead_no=lead_no,
                    lead_depth=self.unit_of(lead).depth if lead else None,
                    highest_depth=min(depths) if depths else None,
                )
            if client.kind == ClientKind.INDIVIDUAL:
                yield rules.co_maintenance_breach(
                    unit_code=unit.code,
                    client_no=client.client_no,
                    aum=self.figure(client, "aum"),
                    present=self.co_maintainers(client, unit),
                )
            team = self.team[client.pk]
            if team:
                yield rules.team_shape_breach(
                    unit_code=unit.code,
                    client_no=client.client_no,
                    leads=sum(1 for a in team if a.role == TeamRole.LEAD),
                    split_total=sum(a.split for a in team),
                )

    def co_maintainers(self, client, unit):
        """A9: which of DEPUTY, HEAD, CITY the client's team holds: people whose unit holds the
        client's account unit, by position and kind (heads of a sub-branch or a city branch)."""
        present = set()
        for assignment in self.team[client.pk]:
            person = self.people_any(assignment.employee_id)
            place = self.unit_of(person)
            if not unit.path.startswith(place.path):
                continue
            if place.kind in HEADS_AT and person.position == Position.DEPUTY_HEAD:
                present.add("DEPUTY")
            if place.kind in HEADS_AT and person.position == Position.HEAD:
                present.add("HEAD")
            if place.kind == UnitKind.CITY:
                present.add("CITY")
        return present
