"""Writes to the client registry: validate, write, audit — one transaction each.

Every service takes a required `actor` (a person, or accounts.actors.SYSTEM) and checks, itself,
the actor's permission and reach (rule O5), so no page, API, admin action, import or task can
forget. A check-and-write that other writers could interleave runs under a lock
(bankops.locks.exclusive).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import (
    SYSTEM,
    history_user,
    reach,
    reaches,
    reaches_whole_bank,
    require,
    require_reach,
    within_reach,
)
from accounts.models import Unit, UnitKind
from accounts.rules import PROVINCE_MARKETING_DEPARTMENTS, leads_back
from accounts.scoping import EVERYTHING, scoped
from bankops import bulk, dated
from bankops.locks import exclusive

from . import partitions, rules, standing
from .models import (
    PROVINCE_OWNED_TIERS,
    BusinessRequest,
    Client,
    ClientKind,
    ClientMetric,
    RequestNature,
    ResponsibleOverride,
    SegmentThresholds,
    TierEntry,
)
from .selectors import client_tier_on

CLIENT_ATTRIBUTES = (
    "name",
    "kind",
    "account_unit_id",
    "industry",
    "has_loan",
    "real_estate",
    "institution",
    "import_export",
    "sme_chain",
    "potential",
)


@dataclass
class ClientData:
    client_no: str
    name: str
    kind: str
    account_unit: Unit
    industry: str = ""
    has_loan: bool = False
    real_estate: bool = False
    institution: bool = False
    import_export: bool = False
    sme_chain: bool = False
    potential: bool = False
    group_parent_no: str | None = None

    def attributes(self):
        values = {name: getattr(self, name) for name in CLIENT_ATTRIBUTES if name != "account_unit_id"}
        return {"client_no": self.client_no, "account_unit_id": self.account_unit.pk, **values}


def by_client_no(queryset, numbers):
    """The rows of `queryset` whose client_no is among `numbers`: one query per chunk of
    numbers, never one per row, and no `IN` list too long for the database (files hold millions)."""
    numbers = list(set(numbers))
    for start in range(0, len(numbers), bulk.BATCH_SIZE):
        yield from queryset.filter(client_no__in=numbers[start : start + bulk.BATCH_SIZE])


def unknown_client(number):
    return _("No client has the number %(no)s.") % {"no": number}


def _group_links(clients, *, actor):
    """client_no → group parent's client_no of every client of the batch, the batch's word before
    the database's, followed upwards to the group heads (a query per level; groups are shallow).
    Only clients in the actor's reach are followed: a parent outside it reads as no client."""
    links = {data.client_no: data.group_parent_no for data in clients}
    wanted = {parent for parent in links.values() if parent and parent not in links}
    reachable = within_reach(Client.objects.all(), actor)
    while wanted:
        found = dict(by_client_no(reachable.values_list("client_no", "group_parent__client_no"), wanted))
        links.update(found)
        wanted = {parent for parent in found.values() if parent and parent not in links}
    return links


def clients_check(clients, *, actor):
    """Rules C1/O5 over a batch of clients, set-based: the actor books clients only in their
    subtree and changes only its clients; a group parent is a client they reach, never the client
    itself nor below it. Answers {client_no: {field: message}} of the clients with problems."""
    problems = defaultdict(dict)
    numbers = [data.client_no for data in clients]
    stored = set(by_client_no(Client.objects.values_list("client_no", flat=True), numbers))
    mine = set(by_client_no(within_reach(Client.objects.values_list("client_no", flat=True), actor), numbers))
    links = _group_links(clients, actor=actor)
    for data in clients:
        number, parent = data.client_no, data.group_parent_no
        if number in stored and number not in mine:
            # Re-booking a client of another branch would take it from that branch (rule O5).
            problems[number]["client_no"] = _("Client %(no)s banks outside your part of the bank.") % {"no": number}
        if not reaches(actor, data.account_unit):
            problems[number]["account_unit"] = _("%(unit)s lies outside your part of the bank.") % {
                "unit": data.account_unit
            }
        if parent is None:
            continue
        if parent == number:
            problems[number]["group_parent"] = _("A client cannot be its own group parent.")
        elif parent not in links:
            problems[number]["group_parent"] = unknown_client(parent)
        elif leads_back(number, links.get):
            problems[number]["group_parent"] = _("This group parent would make the client its own group parent.")
    return dict(problems)


def clients_save(clients, *, actor, keep=()):
    """Create or update many clients set-based, after clients_check (raises ValidationError with
    the first bad client's problems). A group parent may be a client of the same batch: those
    links are written in a second pass, once the parent exists. The attributes in `keep` are left
    as stored on existing clients (an import without that column); so is a stored group parent
    outside the actor's reach, which they cannot see and so cannot mean to remove."""
    require(actor, "marketing.add_client", "marketing.change_client")
    clients = list(clients)
    many = len(clients) > standing.REFRESH_LIMIT
    with exclusive("clients"), standing.refreshing(everything=many) as touched:
        problems = clients_check(clients, actor=actor)
        if problems:
            raise ValidationError(next(iter(problems.values())))
        counts = _clients_write(clients, actor=actor, keep=keep)
        if not many:
            numbers = [data.client_no for data in clients]
            touched.update(by_client_no(Client.objects.values_list("pk", flat=True), numbers))
        return counts


def _clients_write(clients, *, actor, keep):
    link = "group_parent_id" not in keep
    parent_nos = {data.group_parent_no for data in clients if data.group_parent_no}
    stored_ids = dict(Client.objects.filter(client_no__in=parent_nos).values_list("client_no", "pk"))
    hidden_parents = {}
    if link and reach(actor) != EVERYTHING:
        orphans = [data.client_no for data in clients if not data.group_parent_no]
        hidden_parents = dict(
            by_client_no(
                Client.objects.exclude(group_parent__in=within_reach(Client.objects.all(), actor))
                .filter(group_parent__isnull=False)
                .values_list("client_no", "group_parent_id"),
                orphans,
            )
        )
    records = [
        {
            **data.attributes(),
            "group_parent_id": stored_ids.get(data.group_parent_no, hidden_parents.get(data.client_no)),
        }
        for data in clients
    ]
    fields = [name for name in (*CLIENT_ATTRIBUTES, "group_parent_id") if name not in keep]
    result = bulk.upsert(Client, records, key=("client_no",), fields=fields, actor=history_user(actor))
    pending = [data for data in clients if link and data.group_parent_no and data.group_parent_no not in stored_ids]
    if pending:
        new_ids = dict(
            Client.objects.filter(client_no__in={data.group_parent_no for data in pending}).values_list(
                "client_no", "pk"
            )
        )
        bulk.upsert(
            Client,
            [{"client_no": data.client_no, "group_parent_id": new_ids[data.group_parent_no]} for data in pending],
            key=("client_no",),
            fields=("group_parent_id",),
            actor=history_user(actor),
        )
    return result.counts


# --- named tier lists (rules C2, C3, C7) ------------------------------------------------------


@dataclass
class TierEntryData:
    client: Client
    tier: str
    owner_unit: Unit
    valid_from: datetime.date
    reason: str
    valid_to: datetime.date | None = None
    marketing_mode: str = ""
    problems: dict = field(default_factory=dict)  # field name → message, filled by the check

    def key(self):
        return (self.client.pk, self.tier, self.valid_from)


def may_keep_list(actor, owner_unit):
    """Rule C2: a named list is kept by its owner unit's people and those above them."""
    return reaches(actor, owner_unit)


def tier_entries_check(entries, *, actor):
    """Rules C2/C3/C7 over a batch of entries, set-based: who keeps the list and may own it, the
    period, the marketing mode, and no two entries of one client on one list in force on the same
    day. Fills `entry.problems`; answers whether all are fine. Run it under the lock of
    tier_entries_save when writing after it, or a concurrent writer may slip in between."""
    for entry in entries:
        if not may_keep_list(actor, entry.owner_unit):
            entry.problems["owner_unit"] = _("The list of %(code)s is kept by that unit, not by yours.") % {
                "code": entry.owner_unit.code
            }
        if entry.client.kind != ClientKind.CORPORATE:
            entry.problems["client"] = _("Named lists hold corporate clients; this client is an individual.")
        breach = rules.tier_owner_breach(entry.tier, entry.owner_unit.kind)
        if breach:
            entry.problems["owner_unit"] = breach.message
        elif entry.tier not in PROVINCE_OWNED_TIERS and not entry.client.account_unit.path.startswith(
            entry.owner_unit.path
        ):
            entry.problems["owner_unit"] = _(
                "The client banks outside this city branch: its own city branch keeps its city-tier entry."
            )
        for name in ("valid_from", "valid_to"):
            if refusal := dated.range_refusal(getattr(entry, name)):
                entry.problems.setdefault(name, refusal)
        if entry.valid_to is not None and entry.valid_to < entry.valid_from:
            entry.problems["valid_to"] = _("The entry ends before it starts.")
        if entry.marketing_mode and entry.tier not in PROVINCE_OWNED_TIERS:
            # Rule C7: the marketing modes are the province's, for its own clients.
            entry.problems["marketing_mode"] = _(
                "A marketing mode is recorded for head-office- and province-tier entries only."
            )

    incoming = {entry.key(): entry for entry in entries}
    by_list = defaultdict(list)
    stored = TierEntry.objects.filter(client__in={entry.client.pk for entry in entries})
    for period in stored.values("client_id", "tier", "valid_from", "valid_to"):
        if (period["client_id"], period["tier"], period["valid_from"]) not in incoming:
            by_list[(period["client_id"], period["tier"])].append((period["valid_from"], period["valid_to"], None))
    for entry in entries:
        by_list[(entry.client.pk, entry.tier)].append((entry.valid_from, entry.valid_to, entry))
    for periods in by_list.values():
        for period, other in dated.clashes(periods):
            clash = period[2] or other[2]
            if clash is not None:  # two stored entries that clash are not this batch's doing
                other = other if clash is period[2] else period
                clash.problems.setdefault(
                    "valid_from",
                    _(
                        "The client is already on this list from %(start)s to %(end)s: entries of one list must not overlap."
                    )
                    % {"start": other[0], "end": other[1] or _("open")},
                )
    return not any(entry.problems for entry in entries)


def tier_entries_save(entries, *, actor, keep=()):
    """Add or change named-list entries (rule C2); the key is client, tier and valid-from.
    The attributes in `keep` are left as stored on existing entries. Raises ValidationError
    (the problems of the first bad entry) when any breaks a rule. The check and the write hold
    one lock, so two writers cannot both add overlapping entries (PostgreSQL's exclusion
    constraint tier_entry_no_overlap stands behind it)."""
    require(actor, "marketing.add_tierentry", "marketing.change_tierentry")
    entries = list(entries)
    with exclusive("tier-lists"), standing.refreshing({entry.client.pk for entry in entries}):
        if not tier_entries_check(entries, actor=actor):
            raise ValidationError(next(entry.problems for entry in entries if entry.problems))
        return _tier_entries_write(entries, actor=actor, keep=keep)


def _tier_entries_write(entries, *, actor, keep):
    # An entry reopened (no end any more) drops the reason it had ended for; an ended one keeps it.
    client_ids = list({entry.client.pk for entry in entries})
    end_reasons = {}
    for start in range(0, len(client_ids), bulk.BATCH_SIZE):
        stored = TierEntry.objects.filter(client_id__in=client_ids[start : start + bulk.BATCH_SIZE]).exclude(
            end_reason=""
        )
        end_reasons.update(
            {
                (row[0], row[1], row[2]): row[3]
                for row in stored.values_list("client_id", "tier", "valid_from", "end_reason")
            }
        )
    records = [
        {
            "client_id": entry.client.pk,
            "tier": entry.tier,
            "valid_from": entry.valid_from,
            "owner_unit_id": entry.owner_unit.pk,
            "valid_to": entry.valid_to,
            "reason": entry.reason,
            "marketing_mode": entry.marketing_mode,
            "end_reason": "" if entry.valid_to is None else end_reasons.get(entry.key(), ""),
        }
        for entry in entries
    ]
    return bulk.upsert(
        TierEntry,
        records,
        key=("client_id", "tier", "valid_from"),
        fields=[
            name for name in ("owner_unit_id", "valid_to", "reason", "marketing_mode", "end_reason") if name not in keep
        ],
        defaults={"added_by": history_user(actor)},
        actor=history_user(actor),
    ).counts


def tier_entry_add(*, actor, **values):
    """Put a client on a named list (the admin's and the pages' door). Raises ValidationError."""
    entry = TierEntryData(**values)
    tier_entries_save([entry], actor=actor)
    return TierEntry.objects.get(client=entry.client, tier=entry.tier, valid_from=entry.valid_from)


@transaction.atomic
def tier_entry_end(*, entry, valid_to, reason, actor):
    """End an entry on `valid_to` (inclusive), with the reason kept beside it: the entry stays on
    record, never deleted (rule C2). An entry that already ends by then is left as it is."""
    require(actor, "marketing.change_tierentry")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": _("Say why the entry ends.")})
    limit = TierEntry._meta.get_field("end_reason").max_length
    if len(reason) > limit:
        raise ValidationError({"end_reason": _("The reason is longer than %(limit)d characters.") % {"limit": limit}})
    if not may_keep_list(actor, entry.owner_unit):
        raise ValidationError(
            {
                "owner_unit": _("The list of %(code)s is kept by that unit, not by yours.")
                % {"code": entry.owner_unit.code}
            }
        )
    if refusal := dated.range_refusal(valid_to):
        raise ValidationError({"valid_to": refusal})
    if valid_to < entry.valid_from:
        raise ValidationError({"valid_to": _("The entry ends before it starts.")})
    if entry.valid_to is not None and entry.valid_to <= valid_to:
        return entry
    entry.valid_to = valid_to
    entry.end_reason = reason
    entry._history_user = history_user(actor)
    with standing.refreshing({entry.client_id}):
        entry.save(update_fields=["valid_to", "end_reason"])
    return entry


# --- responsible department (rule C5) --------------------------------------------------------


@transaction.atomic
def responsible_override_set(*, client, department, reason, actor):
    """Override the computed responsible department with a reason kept on record; an empty
    department goes back to the computed one."""
    require(actor, "marketing.change_client")
    require_reach(actor, client.account_unit)
    if department and department not in PROVINCE_MARKETING_DEPARTMENTS:
        raise ValidationError(
            {
                "responsible_override": _("%(code)s is not a marketing department of the province.")
                % {"code": department}
            }
        )
    if department and not reason.strip():
        raise ValidationError({"responsible_override_reason": _("An override needs its reason.")})
    client.responsible_override = department or ""
    client.responsible_override_reason = reason.strip() if department else ""
    client._history_user = history_user(actor)
    with standing.refreshing({client.pk}):
        client.save(update_fields=["responsible_override", "responsible_override_reason"])
        ResponsibleOverride.objects.create(
            client=client,
            rule="C5",
            department=department or "",
            reason=reason.strip() or _("Back to the computed department."),
            by=history_user(actor),
        )
    return client


# --- segment thresholds (rule C4) ------------------------------------------------------------


def segment_thresholds_validate(*, private_min, high_min, mid_min, actor):
    if not reaches_whole_bank(actor):
        raise ValidationError(_("Segment thresholds hold for the whole province: the province keeps them."))
    problems = rules.thresholds_problems(private_min, high_min, mid_min)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def segment_thresholds_set(*, valid_from, private_min, high_min, mid_min, actor):
    """Thresholds in force from `valid_from` (a new row; the same date corrects that row)."""
    require(actor, "marketing.add_segmentthresholds", "marketing.change_segmentthresholds")
    segment_thresholds_validate(private_min=private_min, high_min=high_min, mid_min=mid_min, actor=actor)
    row = SegmentThresholds.objects.filter(valid_from=valid_from).first() or SegmentThresholds(valid_from=valid_from)
    row.private_min, row.high_min, row.mid_min = private_min, high_min, mid_min
    row._history_user = history_user(actor)
    with standing.refreshing(everything=True):  # every individual's segment may move
        row.save()
    return row


# --- monthly metrics (rule P1) ---------------------------------------------------------------


@transaction.atomic
def metrics_save(records, *, actor, figures=ClientMetric.FIGURES):
    """Create or update monthly figures set-based. `records`: dicts of client_id, month and
    `figures` (the others are left as stored). No history: the files are the record, and there
    are many. The clients must be the actor's (a query per chunk of clients)."""
    require(actor, "marketing.add_clientmetric", "marketing.change_clientmetric")
    records = list(records)
    if reach(actor) != EVERYTHING:
        client_ids = list({record["client_id"] for record in records})
        for start in range(0, len(client_ids), bulk.BATCH_SIZE):
            chunk = client_ids[start : start + bulk.BATCH_SIZE]
            if within_reach(Client.objects.filter(pk__in=chunk), actor).count() != len(chunk):
                raise PermissionDenied(_("Some of these clients bank outside your part of the bank."))
    months = {record["month"] for record in records}
    with standing.refreshing({record["client_id"] for record in records}):
        partitions.ensure_months(months)
        return bulk.upsert(
            ClientMetric,
            records,
            key=("client_id", "month"),
            fields=list(figures),
            history=False,
            narrow={"month__in": months},
        ).counts


def metrics_save_staged(stage, *, actor, figures=ClientMetric.FIGURES):
    """Create or update the monthly figures of a staged file (imports.staging.Stage: client_no,
    month and those of `figures` it has, in canonical form) set-based, in memory that does not grow
    with the file; otherwise as metrics_save. One transaction (bulk.upsert_select's); it refuses
    the whole file, writing nothing, when a row names no client within the actor's reach
    (PermissionDenied, or ValidationError for SYSTEM: the number is unknown) or a client and
    month twice (ValidationError)."""
    require(actor, "marketing.add_clientmetric", "marketing.change_clientmetric")
    figures = [name for name in figures if stage.column(name)]  # a figure the file lacks stays as stored
    # (require refused the actors who reach nothing: this query has a WHERE to compile)
    clients_sql, clients_params = within_reach(Client.objects.values("id", "client_no"), actor).query.sql_with_params()
    month = stage.column("month")  # (the few months of the file, converted after DISTINCT)
    months = f"SELECT {stage.value('month', 'd')} FROM (SELECT DISTINCT {month} AS {month} FROM {stage.table}) AS d"
    values = [f"{stage.value('month', 's')} AS month", *(f"{stage.value(name, 's')} AS {name}" for name in figures)]
    select = (
        f"SELECT c.id AS client_id, {', '.join(values)} FROM {stage.table} AS s "
        f"JOIN ({clients_sql}) AS c ON c.client_no = {stage.value('client_no', 's')}"
    )
    many = stage.rows > standing.REFRESH_LIMIT  # a month of the province: the read model is rebuilt after
    try:
        with standing.refreshing(everything=many) as touched:
            counts = _metrics_by_partition(stage, months, select, clients_params, figures) or bulk.upsert_select(
                ClientMetric,
                select,
                clients_params,
                key=("client_id", "month"),
                fields=list(figures),
                expected=stage.rows,
                narrow={"month": months},
            )
            if not many:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT client_id FROM ({select}) AS staged", clients_params)
                    touched.update(row[0] for row in cursor.fetchall())
            return counts
    except bulk.Mismatch as exc:
        if exc.duplicates:
            raise ValidationError(_("A client's figures of one month are given twice.")) from exc
        if reach(actor) != EVERYTHING:
            raise PermissionDenied(_("Some of these clients bank outside your part of the bank.")) from exc
        raise ValidationError(_("Some of these client numbers belong to no client.")) from exc


def _metrics_by_partition(stage, months_sql, select, params, figures):
    """Where the metrics are partitioned by month (PostgreSQL): a staged file of one month that
    has no rows yet is written as that month's own partition (marketing.partitions), all rows
    created; any other file gets the partitions of its months (the query `months_sql`) and None,
    for bulk.upsert_select to write it. Raises bulk.Mismatch, having written nothing, as
    upsert_select would."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(months_sql)
        months = [row[0] for row in cursor.fetchall()]
        new = partitions.missing(cursor, months)
        if len(months) != 1 or new != months:
            for month in new:
                partitions.create(cursor, month)
            return None
        try:
            with transaction.atomic():
                written = partitions.load_new_month(cursor, months[0], select, params, fields=figures)
                if written != stage.rows:
                    raise bulk.Mismatch(missing=stage.rows - written)
        except IntegrityError as exc:
            if bulk.is_duplicate_key(exc):  # a client twice in the month
                raise bulk.Mismatch(duplicates=True) from exc
            raise
    standing.bump()  # an attached partition fires no INSERT trigger
    return bulk.Counts(created=written)


# --- business requests (rule C8) -------------------------------------------------------------


# The levels that accept requests, lowest first.
ACCEPTING_LEVELS = [UnitKind.SUB_BRANCH, UnitKind.CITY, UnitKind.PROVINCE]


def accepting_unit(*, account_unit, level):
    """The unit of `level` that serves `account_unit`: its nearest ancestor (or itself) of that
    kind or, where the line has none (a centre straight under a city branch, a client booked at the
    province), of the next level up."""
    line = sorted(
        Unit.objects.get_ancestors(account_unit) | Unit.objects.filter(pk=account_unit.pk), key=lambda unit: -unit.depth
    )
    for kind in ACCEPTING_LEVELS[ACCEPTING_LEVELS.index(level) :]:
        for unit in line:
            if unit.kind == kind:
                return unit
    raise ValueError(f"{account_unit} has no province above it")


@transaction.atomic
def business_request_create(*, client, nature, is_credit, description, actor, on=None, amount=None):
    """Record a request and route it to the accepting level (rule C8): anyone who may record
    requests and sees the client (a customer manager on its team too). A credit request records
    its amount (rule A12; who at that unit takes it in is staffing's to say)."""
    require(actor, "marketing.add_businessrequest")
    if actor is not SYSTEM and not scoped(Client.objects.filter(pk=client.pk), actor).exists():
        raise PermissionDenied(_("%(client)s is not a client you serve.") % {"client": client})
    if nature not in RequestNature.values:
        raise ValidationError({"nature": _("%(value)s is not a request nature.") % {"value": nature}})
    if is_credit and amount is None:
        raise ValidationError({"amount": _("A credit request records its amount.")})
    amount = amount if is_credit else None  # an amount is a credit request's (rule A12)
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("An amount cannot be negative.")})
    tier = client_tier_on(client=client, on=on or timezone.localdate())
    # The first unit that accepts for the client: its sub-branch or, where it banks straight under
    # a city branch, that city branch (which has credit authority by its level).
    first_acceptor = accepting_unit(account_unit=client.account_unit, level=UnitKind.SUB_BRANCH)
    routing = rules.route_request(
        tier=tier,
        nature=nature,
        is_credit=is_credit,
        sub_branch_has_credit_authority=first_acceptor.kind != UnitKind.SUB_BRANCH or first_acceptor.credit_authority,
    )
    request = BusinessRequest(
        client=client,
        nature=nature,
        is_credit=is_credit,
        description=description,
        client_tier=tier,
        accepting_unit=accepting_unit(account_unit=client.account_unit, level=routing.level),
        routing_reason=routing.reason,
        received_by=history_user(actor),
        amount=amount,
    )
    request._history_user = history_user(actor)
    request.save()
    return request


def may_accept(actor, request):
    """Who accepts a request (rule C8), once: the people of the accepting unit, or those given
    the right to accept for the units of their subtree (marketing.accept_subtree_requests). A
    province analyst who sees a Wuhu request does not accept it."""
    if reach(actor) is None or request.accepted_by_id is not None or actor is SYSTEM:
        return False
    if getattr(actor, "unit_id", None) == request.accepting_unit_id:
        return True
    return actor.has_perm("marketing.accept_subtree_requests") and reaches(actor, request.accepting_unit)


@transaction.atomic
def business_request_accept(*, request, actor):
    """The accepting unit takes the request on: only its own people (or those above it) may,
    and only once: the row is locked, so two people accepting at once cannot both win. The
    caller's `request` is brought up to date."""
    # accepted_by is not joined: PostgreSQL locks no nullable side of an outer join.
    locked = BusinessRequest.objects.select_for_update().select_related("accepting_unit").get(pk=request.pk)
    if locked.accepted_by_id is not None:
        raise ValidationError(
            _("This request was already accepted by %(person)s.") % {"person": locked.accepted_by.name}
        )
    if not may_accept(actor, locked):
        raise ValidationError(_("Only staff of the accepting unit may accept this request."))
    locked.accepted_by, locked.accepted_at = actor, timezone.now()
    locked._history_user = history_user(actor)
    locked.save(update_fields=["accepted_by", "accepted_at"])
    request.accepted_by, request.accepted_at = locked.accepted_by, locked.accepted_at
    return request
