"""`manage.py seed_demo`: load the demo Anhui bank through the bulk-import door, and demo logins.

The rows come from demo.org (units, departments, employees), demo.clients (clients, named lists,
monthly metrics), demo.staffing (qualifications, training, performance contracts, relationship
teams) and demo.appraisal (reviews, base pay) and enter by `run_import`, so every rule a real import
checks applies to them (the teams' rules A1–A10 included); then demo.appraisal runs the quarterly
appraisal of the metrics' last two quarters through the services and approves, publishes,
calibrates and appeals. Re-running it changes nothing.
"""

import unicodedata

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts import services
from accounts.actors import SYSTEM
from accounts.models import Department, LeadershipMember, Unit, User
from accounts.rules import Role
from appraisal.models import Appeal, BasePay, Calibration, Result, Review
from demo import appraisal as demo_appraisal
from demo import clients as demo_clients
from demo import org as demo
from demo import staffing as demo_staffing
from imports.engine import ImportRejected, run_import
from marketing.models import Client, ClientKind, ClientMetric, TierEntry
from staffing.models import Assignment, Override, PerformanceContract, Qualification, Training

SITE_URL = "http://127.0.0.1:8000/"
SHOWN_ERRORS = 20
LOGIN_HEADER = ("role", "username", "name", "unit", "password")


def width(text):
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table(rows):
    """Rows of text as aligned columns; CJK characters take two cells on a terminal."""
    widths = [max(width(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (size - width(cell)) for cell, size in zip(row, widths, strict=False)).rstrip()
        for row in rows
    )


class Command(BaseCommand):
    help = (
        "Load the demo Anhui province bank (units, departments, employees, clients, named lists, "
        "twelve months of client metrics, qualifications, training, performance contracts, "
        "relationship teams, reviews, base pay and two quarters' appraisal) and its demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["full", "small"],
            default="full",
            help="full: 17 city branches, ~6,000 employees, ~23,000 clients; small: 3 city branches, for tests",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database without units (make run); print the demo logins either way",
        )

    def handle(self, *args, scale, if_empty, **options):
        if if_empty and Unit.objects.exists():
            self.stdout.write(
                "The database holds a bank already: nothing loaded (run seed_demo without --if-empty to refresh the demo)."
            )
            rows = login_rows(demo.build_bank(scale).logins)
            if rows:  # the demo bank, not one of the bank's own imports
                self.stdout.write(table([LOGIN_HEADER] + rows))
                self.stdout.write(f"\nLog in at {SITE_URL}")
            return
        # With DEBUG on, Django logs every statement, and on SQLite quotes each one's parameters
        # in an extra query: for the ~10,000 bulk statements of a full seed that costs seconds and
        # memory and shows nothing anyone reads. The seed runs without the query log.
        # The appraisal runs are worked through in the seed (demo.appraisal.run_batch); the task
        # each start sends when the seed commits finds its run done and returns: in this process,
        # not in a thread the command would exit under.
        with override_settings(DEBUG=False, RUNS_IN_THREAD=False):
            self.seed(scale)

    @transaction.atomic
    def seed(self, scale):
        bank = demo.build_bank(scale)
        for kind in ("units", "departments", "employees"):
            self.load(kind, bank.csv(kind))
        self.seat_leadership(bank.seats)
        # Clients come after the org: their account units and list owners must exist.
        book = demo_clients.build_clients(bank, scale)
        for kind in ("clients", "tiers", "metrics"):
            self.load(kind, book.csv(kind))
        # Staffing after both: the people, and the clients' figures the teams are judged by.
        # Training and contracts run up to the year of the day the demo is loaded.
        staff = demo_staffing.build_staffing(bank, book, scale, today=timezone.localdate())
        for kind in ("qualifications", "training", "contracts", "assignments"):
            self.load(kind, staff.csv(kind))
        # The appraisal after staffing: the contracts' targets and the teams' credits.
        appraisal = demo_appraisal.build_appraisal(bank)
        for kind in ("reviews", "pay"):
            self.load(kind, appraisal.csv(kind))
        try:
            for line in demo_appraisal.appraise(bank, appraisal):
                self.stdout.write(line)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        logins = self.demo_logins(bank.logins, bank.tier_admins)

        clients = dict(Client.objects.values_list("kind").annotate(models.Count("pk")))
        self.stdout.write(
            f"\nunits: {Unit.objects.count()}, departments: {Department.objects.count()}, "
            f"employees: {User.objects.exclude(unit=None).count()}, "
            f"leadership seats: {LeadershipMember.objects.count()}\n"
            f"clients: {clients.get(ClientKind.CORPORATE, 0)} corporate, {clients.get(ClientKind.INDIVIDUAL, 0)} individual; "
            f"tier-list entries: {TierEntry.objects.count()}, monthly metrics: {ClientMetric.objects.count()}\n"
            f"qualifications: {Qualification.objects.count()}, training records: {Training.objects.count()}, "
            f"performance contracts: {PerformanceContract.objects.count()}, "
            f"team assignments: {Assignment.objects.count()} ({Override.objects.count()} overrides on record)\n"
            f"reviews: {Review.objects.count()}, base pay: {BasePay.objects.count()}, "
            f"appraisal results: {Result.objects.count()} ({Calibration.objects.count()} calibrated, "
            f"{Appeal.objects.count()} appeals)\n"
        )
        self.stdout.write(table([LOGIN_HEADER] + logins))
        self.stdout.write(f"\nLog in at {SITE_URL}")

    def load(self, kind, content):
        try:
            report = run_import(kind, content, f"demo-{kind}.csv", actor=SYSTEM)
        except ImportRejected as exc:
            shown = "\n".join(str(error) for error in exc.errors[:SHOWN_ERRORS])
            raise CommandError(f"the demo {kind} were rejected ({len(exc.errors)} errors):\n{shown}") from None
        self.stdout.write(str(report))

    def seat_leadership(self, seats):
        """Rule O4 seats go through the service, which checks the unit kind and membership."""
        units = {unit.code: unit for unit in Unit.objects.filter(code__in={code for code, _, _ in seats})}
        members = {user.username: user for user in User.objects.filter(username__in=[no for _, no, _ in seats])}
        for unit_code, employee_no, role in seats:
            services.leadership_member_set(unit=units[unit_code], member=members[employee_no], role=role, actor=SYSTEM)

    def demo_logins(self, logins, tier_admins):
        """Give the demo people a known password, and the tier-list administrators the admin and
        their role (an administrator's grant, as in a real bank); answers the rows of the logins
        table.

        Only what differs is written, so that a re-run leaves no history behind.
        """
        people = User.objects.in_bulk([no for _, no in logins], field_name="username")
        for _role, employee_no in logins:
            user = people[employee_no]
            if needs_demo_password(user):
                user.set_password(demo.DEMO_PASSWORD)
                user.save(update_fields=["password"])
        tier_admin = Group.objects.get(name=Role.TIER_ADMIN)
        for employee_no in tier_admins:
            user = people[employee_no]
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(tier_admin)  # no-op when held

        admin = User.objects.filter(username="admin").first() or User(username="admin", name="系统管理员")
        if needs_demo_password(admin) or not (admin.is_staff and admin.is_superuser and admin.is_active):
            admin.is_staff = admin.is_superuser = admin.is_active = True
            admin.set_password(demo.DEMO_PASSWORD)
            admin.save()
        return login_rows(logins)


def login_rows(logins):
    """The rows of the logins table for the demo people the database holds (none if it holds
    another bank)."""
    people = User.objects.select_related("unit").in_bulk([no for _, no in logins], field_name="username")
    rows = [
        (role, people[no].username, people[no].name, people[no].unit.name, demo.DEMO_PASSWORD)
        for role, no in logins
        if no in people and people[no].unit_id
    ]
    if rows and User.objects.filter(username="admin", is_superuser=True).exists():
        rows.append(("superuser", "admin", User.objects.get(username="admin").name, "—", demo.DEMO_PASSWORD))
    return rows


def needs_demo_password(user):
    # Checking an unusable or empty password still costs a full hash (Django's timing guard).
    return not user.password or not user.has_usable_password() or not user.check_password(demo.DEMO_PASSWORD)
