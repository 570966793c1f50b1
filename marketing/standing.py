"""The registry's read model: every client's standing (tier, segment, responsible and deposit
departments, latest figures; rules C2, C4, C5, C6) stored in ClientStanding, so that lists
filtered on them page through an index at province scale instead of computing the standing of
2.2 million clients per request.

It is derived state, and never the answer of record: selectors.with_standing computes the same
columns from the entries, metrics and thresholds for any date, and the rows here are that very
query's output, written set-based (refresh). A read uses the rows only when `covers(on)` says
they hold for that date; otherwise it computes.

What keeps it true:
- **Any write to its sources.** Database triggers (migration marketing 0007) add 1 to
  StandingState.version on every statement that writes units, clients, named-list entries,
  metrics or thresholds, whoever issues it (a service, the admin, a shell, a script). The rows are read
  only while built_version equals version, so a write nobody refreshed for makes them unread,
  never wrong.
- **Small writes** (a named-list entry added or ended, a client's attributes or override, a
  few clients' metrics): the service refreshes those clients' rows in its own transaction
  (`refreshing`), so the rows stay in use.
- **Large writes** (a month of metrics, new thresholds, a clients file): the rows go unread and a
  rebuild is queued for after the commit (`rebuild_later`); `rebuild` recomputes every row and
  puts them back in use, unless something was written while it ran (then it queues another).
- **Time passing.** The rows hold from the latest date on or before their date on which an
  entry, a thresholds row or a month of metrics takes effect or an entry ends, up to the next
  such date (`window`). An entry ending, a new month arriving or thresholds starting on a later
  date move out of the window: dates past it are computed, and the nightly rebuild (Celery
  beat, bankops.settings CELERY_BEAT_SCHEDULE) moves the window to the new day.
"""

import datetime

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from accounts.actors import require

from .models import Client, ClientMetric, ClientStanding, SegmentThresholds, StandingState, TierEntry
from .selectors import STANDING_COLUMNS, stored_standing_covers, with_standing

# The columns of ClientStanding, in the order with_standing's query answers them.
COLUMNS = ("client_no", *STANDING_COLUMNS)
# Fewer clients than this are refreshed by the writing service; more wait for a rebuild.
REFRESH_LIMIT = 20_000
DAY = datetime.timedelta(days=1)


def state():
    # The migration made the row; a flushed database (a test) gets a new one, not in use.
    return StandingState.objects.get_or_create(pk=1)[0]


covers = stored_standing_covers


def bump():
    """Count a write to the sources that their triggers do not see (a month's partition attached,
    marketing.partitions): the rows built before it are no longer read."""
    StandingState.objects.filter(pk=1).update(version=F("version") + 1)


def window(as_of):
    """The dates around `as_of` on which nothing the standing depends on changes:
    (valid_from, valid_until), either None when open. A handful of indexed MIN/MAX queries."""
    starts = TierEntry.objects.aggregate(
        before=Max("valid_from", filter=_le("valid_from", as_of)),
        after=Min("valid_from", filter=_gt("valid_from", as_of)),
        ended_before=Max("valid_to", filter=_le("valid_to", as_of - DAY)),
        ends_after=Min("valid_to", filter=_gt("valid_to", as_of - DAY)),
    )
    thresholds = SegmentThresholds.objects.aggregate(
        before=Max("valid_from", filter=_le("valid_from", as_of)),
        after=Min("valid_from", filter=_gt("valid_from", as_of)),
    )
    # Two index probes on the month, not one aggregate over every metric row.
    month_before = ClientMetric.objects.filter(month__lte=as_of).order_by("-month").values_list("month", flat=True)
    month_after = ClientMetric.objects.filter(month__gt=as_of).order_by("month").values_list("month", flat=True)
    # An entry ending on day D (inclusive) changes the standing from D + 1.
    ended_before = starts["ended_before"] and starts["ended_before"] + DAY
    ends_after = starts["ends_after"] and starts["ends_after"] + DAY
    lows = [starts["before"], ended_before, thresholds["before"], month_before.first()]
    highs = [starts["after"], ends_after, thresholds["after"], month_after.first()]
    return max(filter(None, lows), default=None), min(filter(None, highs), default=None)


def _le(field, value):
    return Q(**{f"{field}__lte": value})


def _gt(field, value):
    return Q(**{f"{field}__gt": value})


def refresh(clients, as_of):
    """Write the standing on `as_of` of the clients of queryset `clients`: one INSERT … SELECT
    of with_standing's own query, updating the rows that differ."""
    query = with_standing(clients, on=as_of).order_by().values_list("pk", *COLUMNS)
    sql, params = query.query.sql_with_params()
    table = ClientStanding._meta.db_table
    columns = ", ".join(("client_id", *COLUMNS))
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS)
    changed = ""
    if connection.vendor == "postgresql":
        stored = ", ".join(f"{table}.{name}" for name in COLUMNS)
        fresh = ", ".join(f"excluded.{name}" for name in COLUMNS)
        changed = f" WHERE ({stored}) IS DISTINCT FROM ({fresh})"
    # `WHERE true` lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    statement = (
        f"INSERT INTO {table} ({columns}) SELECT * FROM ({sql}) AS computed WHERE true "
        f"ON CONFLICT (client_id) DO UPDATE SET {updates}{changed}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rebuild(*, actor, as_of=None):
    """Recompute every client's row for `as_of` (today) and put the rows in use, unless a source
    was written meanwhile: then answer False and leave them unread (rebuild_later again)."""
    require(actor, "marketing.view_client")
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        started = state().version
        refresh(Client.objects.all(), as_of)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {ClientStanding._meta.db_table}")  # the planner's view of the new rows
        valid_from, valid_until = window(as_of)
        # Conditional: a write since `started` (committed or waiting on this row) keeps them unread.
        return bool(
            StandingState.objects.filter(pk=1, version=started).update(
                built_version=started,
                as_of=as_of,
                valid_from=valid_from,
                valid_until=valid_until,
                built_at=timezone.now(),
            )
        )


def rebuild_later():
    """Queue a rebuild for when the current transaction commits (at once in the embedded set-up)."""
    from .tasks import standing_rebuild

    transaction.on_commit(standing_rebuild.delay)


class refreshing:
    """Around a service's write to the sources of a few clients: afterwards, refresh their rows
    and, if the rows were in use before the write, keep them in use. `client_ids` may be filled
    in during the write (a set). Too many clients, or rows not in use: rebuild later instead.

        with standing.refreshing(ids) as touched:
            ...write...; touched.update(more_ids)
    """

    def __init__(self, client_ids=(), *, everything=False):
        self.client_ids = set(client_ids)
        self.everything = everything

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.before = StandingState.objects.select_for_update().filter(pk=1).first() or state()
        return self.client_ids

    def __exit__(self, kind, error, trace):
        try:
            if kind is None:
                self._after()
        finally:
            self.atomic.__exit__(kind, error, trace)

    def _after(self):
        was_in_use = self.before.built_version == self.before.version and self.before.as_of is not None
        if not was_in_use:
            rebuild_later()
            return
        if self.everything or len(self.client_ids) > REFRESH_LIMIT:
            rebuild_later()
            return
        as_of = self.before.as_of
        ids = sorted(self.client_ids)
        for start in range(0, len(ids), 5000):
            refresh(Client.objects.filter(pk__in=ids[start : start + 5000]), as_of)
        valid_from, valid_until = window(as_of)
        current = state().version
        StandingState.objects.filter(pk=1).update(
            built_version=current, valid_from=valid_from, valid_until=valid_until, built_at=timezone.now()
        )
        if not covers(timezone.localdate()):
            rebuild_later()  # the write moved today out of the window (an entry starting today, say)
