"""Reads of the client registry, scoped to the person asking (rule O5).

The tier, segment and responsible department of a client on a date are SQL expressions built
from the same tables as the pure rules in rules.py, so a list of any size is one query and a
filter on them runs in the database.
"""

from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Concat
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, UnitKind
from accounts.scoping import get_scoped_or_404, scope_q, scoped, sees_whole_bank
from bankops.dated import in_force

from . import rules
from .models import (
    LISTED_TIERS,
    PROVINCE_OWNED_TIERS,
    BusinessRequest,
    Client,
    ClientKind,
    ClientMetric,
    SegmentThresholds,
    StandingState,
    Tier,
    TierEntry,
)


def tier_expression(on):
    """Rule C2: the highest tier of the client's entries in force on `on`, SUB_BRANCH when none.
    (The derived city entries of rule C3 never raise a tier: they copy an upper one.) One probe
    of the client's own entries (a LIMIT 1 subquery on the (client, tier, valid_from) key), so a
    page of 50 clients costs 50 probes, however long the lists are."""
    highest_first = Case(*[When(tier=tier, then=Value(rank)) for rank, tier in enumerate(LISTED_TIERS)])
    highest = TierEntry.objects.filter(in_force(on), client=OuterRef("pk")).order_by(highest_first).values("tier")
    return Coalesce(Subquery(highest[:1]), Value(Tier.SUB_BRANCH), output_field=CharField())


def latest_metrics(on):
    """The client's metrics of the latest month on or before `on`."""
    return ClientMetric.objects.filter(client=OuterRef("pk"), month__lte=on).order_by("-month")


def segment_expression(thresholds):
    """Rule C4 over the annotated `aum`: individuals only (None for corporates)."""
    individual = Q(kind=ClientKind.INDIVIDUAL)
    bands = [
        When(individual & Q(aum__gte=getattr(thresholds, bound)), then=Value(segment))
        for segment, bound in rules.Thresholds.BANDS
    ]
    return Case(
        *bands,
        When(individual & Q(potential=True), then=Value("POTENTIAL")),
        When(individual, then=Value("ORDINARY")),
        default=None,
        output_field=CharField(),
    )


def precedence(table, among):
    """A rule's "first match wins" table as SQL: one When per row, each limited to `among`."""
    return [When(among & Q(**{flag: True}) if flag else among, then=Value(code)) for flag, code in table]


def computed_responsible_expression():
    """Rule C5 over the annotated `tier` and `segment`, as the precedence computes it."""
    upper_corporate = Q(kind=ClientKind.CORPORATE, tier__in=PROVINCE_OWNED_TIERS)
    return Case(
        *precedence(rules.RESPONSIBLE_PRECEDENCE, among=upper_corporate),
        When(kind=ClientKind.INDIVIDUAL, segment__in=rules.PERSONAL_SEGMENTS, then=Value(rules.PERSONAL_DEPARTMENT)),
        default=None,
        output_field=CharField(),
    )


def responsible_expression():
    """Rule C5: an override (kept with its reason) replaces the computed department of a client
    the province leads; a client it does not lead on the date has none, overridden or not."""
    return Case(
        When(~Q(responsible_override="") & Q(computed_responsible__isnull=False), then=F("responsible_override")),
        default=F("computed_responsible"),
        output_field=CharField(),
    )


def deposit_expression():
    """Rule C6: the department responsible for the client's deposits."""
    return Case(
        When(kind=ClientKind.INDIVIDUAL, then=Value(rules.PERSONAL_DEPARTMENT)),
        *precedence(rules.DEPOSIT_PRECEDENCE, among=Q(kind=ClientKind.CORPORATE)),
        output_field=CharField(),
    )


def with_standing(clients, *, on, thresholds=None):
    """Annotate tier, latest figures, segment and responsible department as of `on`."""
    thresholds = thresholds or SegmentThresholds.in_force(on)
    latest = latest_metrics(on)
    return (
        clients.annotate(
            tier=tier_expression(on),
            aum=Subquery(latest.values("aum")[:1]),
            annual_contribution=Subquery(latest.values("annual_contribution")[:1]),
            deposits_avg=Subquery(latest.values("deposits_avg")[:1]),
        )
        .annotate(segment=segment_expression(thresholds))
        .annotate(computed_responsible=computed_responsible_expression(), deposit_department=deposit_expression())
        .annotate(responsible_department=responsible_expression())
    )


def stored_standing_covers(on):
    """Whether the read model (marketing.standing) answers for `on`: built from the sources as
    they stand (no write since) and for a window of dates holding `on`. One query."""
    state = StandingState.objects.filter(pk=1).first()
    if state is None or state.built_version is None or state.built_version != state.version:
        return False
    return (state.valid_from is None or state.valid_from <= on) and (
        state.valid_until is None or on < state.valid_until
    )


def with_stored_standing(clients):
    """The annotations of with_standing, read from the read model's rows: an inner join (while
    the rows are in use every client has one), so the rows' indexes order and filter the list."""
    return clients.filter(standing__isnull=False).annotate(
        **{name: F(f"standing__{name}") for name in STANDING_COLUMNS}
    )


STANDING_COLUMNS = (
    "tier",
    "segment",
    "computed_responsible",
    "responsible_department",
    "deposit_department",
    "aum",
    "annual_contribution",
    "deposits_avg",
)


def standing_on(clients, *, on):
    """Clients annotated with their standing on `on`: from the read model where it answers for
    that date, else computed (the same columns, the same values)."""
    return with_stored_standing(clients) if stored_standing_covers(on) else with_standing(clients, on=on)


def client_list(*, user, on):
    clients = scoped(Client.objects.select_related("account_unit"), user)
    if not stored_standing_covers(on):
        return with_standing(clients, on=on).order_by("client_no")
    if sees_whole_bank(user):
        # In the read model's order: a filter on tier, segment or department pages through its index.
        return with_stored_standing(clients).order_by("standing__client_no")
    # A branch's clients are a small part of the province's and lie together in the numbering:
    # the same order written so that no index can serve it, or PostgreSQL would walk the whole
    # province's numbers looking for them; it fetches the branch's clients and sorts those.
    return with_stored_standing(clients).order_by(Concat("client_no", Value("")))


def client_get(*, user, client_no, on):
    return get_scoped_or_404(
        standing_on(Client.objects.select_related("account_unit", "group_parent"), on=on), user, client_no=client_no
    )


def client_tier_on(*, client, on):
    return Client.objects.filter(pk=client.pk).annotate(tier=tier_expression(on)).values_list("tier", flat=True).get()


def tier_history(*, client):
    """Every entry the client ever had, oldest first, with who added it."""
    return client.tier_entries.select_related("owner_unit", "added_by").order_by("valid_from", "tier")


def monthly_metrics(*, client):
    return client.metrics.order_by("month")


def segment_history(*, client):
    """Rule C4's segment month by month from the AUM series, each month with the thresholds in
    force then: (month, aum, segment) where it changed. Two queries."""
    bands = list(SegmentThresholds.objects.order_by("valid_from"))
    changes, previous = [], None
    for month, aum in client.metrics.order_by("month").values_list("month", "aum"):
        thresholds = next((row for row in reversed(bands) if row.valid_from <= month), None) or SegmentThresholds()
        segment = rules.segment_for(aum, thresholds, client.potential)
        if segment != previous:
            changes.append((month, aum, segment))
            previous = segment
    return changes


# --- named lists (rules C2, C3) --------------------------------------------------------------


def tier_list(*, user, unit, on):
    """The named list of `unit` on `on` (rule C2), in the shape of the tiers API plus the
    client's name and the entry's reason: its own entries in force and, for a city branch, the
    head-office and province entries of clients banking under it as derived city entries (rule
    C3), for exactly as long. Only the clients `user` may see are listed. One query (a UNION),
    ordered and paged in the database."""
    entries = scoped(TierEntry.objects.filter(in_force(on)), user)

    def rows(queryset, *, tier, owner_code, derived, reason):
        # Every column an annotation, in one order on both sides of the UNION.
        return (
            queryset.annotate(
                row_client_no=F("client__client_no"),
                row_tier=tier,
                row_owner_unit_code=owner_code,
                row_valid_from=F("valid_from"),
                row_valid_to=F("valid_to"),
                row_name=F("client__name"),
                row_reason=reason,
                row_derived=Value(derived),
            )
            .order_by()
            .values_list(*LIST_COLUMNS)
        )

    listed = rows(
        entries.filter(owner_unit=unit),
        tier=F("tier"),
        owner_code=F("owner_unit__code"),
        derived=False,
        reason=F("reason"),
    )
    upper = None
    if unit.kind == UnitKind.CITY:
        upper = entries.filter(tier__in=PROVINCE_OWNED_TIERS, client__account_unit__path__startswith=unit.path)
        reason = Case(
            *[
                When(tier=tier, then=Value(str(DERIVED_REASON % {"tier": Tier(tier).label})))
                for tier in PROVINCE_OWNED_TIERS
            ]
        )
        listed = listed.union(
            rows(
                upper,
                tier=Value(Tier.CITY.value),
                owner_code=Value(unit.code),
                derived=True,
                reason=reason,
            ),
            all=True,
        )
    return ListRows(listed.order_by("row_client_no", "row_valid_from", "row_derived"), user=user, derived=upper)


LIST_COLUMNS = (
    "row_client_no",
    "row_tier",
    "row_owner_unit_code",
    "row_valid_from",
    "row_valid_to",
    "row_name",
    "row_reason",
    "row_derived",
)
LIST_KEYS = ("client_no", "tier", "owner_unit_code", "valid_from", "valid_to", "name", "reason", "derived")


class ListRows:
    """A named list's queryset read as dicts; counted and sliced in the database (pagination)."""

    def __init__(self, queryset, *, user, derived=None):
        self.queryset, self.user = queryset, user
        self.derived = derived  # the upper entries behind the derived rows (rule C3), if any

    def derived_count(self):
        return self.derived.count() if self.derived is not None else 0

    def count(self):
        from .paging import registry_count  # the count cached under the registry's version

        return registry_count(self.queryset, self.user)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        rows = self.queryset[index]
        if isinstance(index, slice):
            return [dict(zip(LIST_KEYS, row, strict=True)) for row in rows]
        return dict(zip(LIST_KEYS, rows, strict=True))

    def __iter__(self):
        return (dict(zip(LIST_KEYS, row, strict=True)) for row in self.queryset.iterator())


DERIVED_REASON = _("Dual listing (rule C3): the client is on the %(tier)s list.")


def readable_units(*, user):
    """The units whose named lists `user` may read (the rows of their own clients): those of
    their subtree and those above their unit (the province's lists, their own city's)."""
    readable = scope_q(Unit, user)
    if user.unit_id:
        readable |= Q(pk__in=Unit.objects.get_ancestors(user.unit).values("pk"))
    return Unit.objects.filter(readable).order_by("path")


def readable_list_owners(*, user):
    """The units that keep lists (the province, the city branches) among the readable ones."""
    return readable_units(user=user).filter(kind__in=[UnitKind.PROVINCE, UnitKind.CITY])


def list_owner_get(*, user, code):
    """A readable unit by code, or 404 (a unit that keeps no list has an empty one)."""
    try:
        return readable_units(user=user).get(code=code)
    except Unit.DoesNotExist:
        raise Http404 from None


def requests_list(*, user):
    return scoped(
        BusinessRequest.objects.select_related("client", "accepting_unit", "received_by", "accepted_by", "handler"),
        user,
    )


def deposits_by_department(*, user, on):
    """Rule C6 per department: the latest daily-average deposits of the visible clients,
    summed by the department responsible for them."""
    return (
        client_list(user=user, on=on)
        .values("deposit_department")
        .annotate(clients=Count("id"), deposits=Sum("deposits_avg"))
        .order_by("deposit_department")
    )
