"""Rule P2 in SQL: the client-months credited to managers, and their monthly sums.

A client's monthly value is credited to a manager × split/100 × (days of the month inside the
assignment) / (days of the month) (INTERFACES.md). A run writes its credits in parts, each the
assignments of a range of client numbers (`part_bounds`): `credits_write` writes one Credit row
per assignment of the run's managers in force during the quarter, with the client's figures of
its three months side by side, in one INSERT … SELECT over the assignments and the metrics,
and sums them per manager, month, split and days credited (CreditSum), in whole cents: exact
integers on both databases (SQLite keeps decimals as binary floats, so a figure is turned into
its whole cents before any arithmetic).

Scoring reads those sums (`monthly_sums`, `unit_sums`), and `credited_months` multiplies and
divides them exactly in Python. `oracle.py` is the same rule in plain Python.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from . import partitions
from .models import FIGURE, MONTH_NUMBERS, Credit, CreditPart, CreditSum, Result
from .rules import ZERO, month_days

FIGURES = list(FIGURE.values())  # deposits_avg, loans, intermediate_income, product_sales
# A part sorts its assignments by client in memory (60 MB at province scale, in two parts); a
# hash of a month of metrics (150 MB) does not fit, so the planner merges rather than hashes.
PART_MEMORY = "64MB"
# One assignment in SAMPLE_EVERY is enough to split the quarter's assignments into parts of
# about equal size, and reading them all would cost as much as a part's sort.
SAMPLE_EVERY = 16


def _postgresql():
    return connection.vendor == "postgresql"


def _date(placeholder="%s"):
    return f"{placeholder}::date" if _postgresql() else placeholder


def months_table(count):
    """A table of `count` months (month_start, month_end, month_days), its rows given as
    parameters in that order: the months a statement credits over (departments.py)."""
    values = ", ".join(["(%s, %s, %s)"] * count)
    if _postgresql():
        return (
            "(SELECT column1::date AS month_start, column2::date AS month_end, column3::int AS month_days "
            f"FROM (VALUES {values}) AS v)"
        )
    return f"(SELECT column1 AS month_start, column2 AS month_end, column3 AS month_days FROM (VALUES {values}))"


def days_sql(month_start, month_end):
    """Days of the month inside the assignment `a` (both ends inclusive)."""
    if _postgresql():
        return f"(LEAST(COALESCE(a.valid_to, {month_end}), {month_end}) - GREATEST(a.valid_from, {month_start}) + 1)"
    return (
        f"(CAST(julianday(MIN(COALESCE(a.valid_to, {month_end}), {month_end})) "
        f"- julianday(MAX(a.valid_from, {month_start})) AS INTEGER) + 1)"
    )


def cents_sql(column):
    return f"({column} * 100)" if _postgresql() else f"CAST(ROUND({column} * 100) AS INTEGER)"


def cents_sum_sql(column):
    """Σ `column` in whole cents. PostgreSQL adds exact decimals, and multiplies once."""
    return f"(SUM({column}) * 100)" if _postgresql() else f"SUM({cents_sql(column)})"


def _in_force(start, end):
    """SQL and parameters: the assignment `a` is in force on a day from `start` to `end`."""
    return f"a.valid_from <= {_date()} AND (a.valid_to IS NULL OR a.valid_to >= {_date()})", [end, start]


def part_bounds(quarter, count):
    """Split the assignments in force during the quarter into up to `count` parts of about equal
    size by client number: [(client_from, client_to)], the last one open (None). A sample is
    enough to find the bounds; a bank with few assignments may have fewer parts."""
    in_force, params = _in_force(quarter.start, quarter.end)
    statement = f"""
        SELECT MIN(client_id) FROM (
            SELECT a.client_id, NTILE(%s) OVER (ORDER BY a.client_id) AS tile
            FROM staffing_assignment a
            WHERE {in_force} AND a.id %% {SAMPLE_EVERY} = 0
        ) AS sample
        GROUP BY tile
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, [count, *params])
        starts = sorted({row[0] for row in cursor.fetchall()})
    bounds = [0, *starts[1:]]
    return list(zip(bounds, [*bounds[1:], None], strict=True))


def credits_write(run_id, quarter, part):
    """Write the Credit rows of the run's managers (those with a Result of the run) for the
    assignments of the credit part's clients (numbered from `part.client_from` to
    `part.client_to`, exclusive; None: no end) in force on a day of the quarter: one row per
    assignment, each month's figures beside the days it was in force (none when it was not, or
    the client had no figures); and their CreditSum rows. In the caller's transaction.

    On PostgreSQL the part writes its rows into a partition of its own, attached once written
    (partitions.py), merges its assignments, sorted by client, with each month of metrics read
    in client order, and sums the rows as they are written (`INSERT … RETURNING`). The planner,
    which cannot know how many assignments a range of clients has, would otherwise probe each
    month's index once per assignment: three times slower at province scale
    (bench/RESULTS.md)."""
    client_from, client_to = part.client_from, part.client_to
    days, days_params = [], []
    joins, columns, values, credited = [], [], [], []
    for number, month in zip(MONTH_NUMBERS, quarter.months, strict=True):
        start, end = month, month.replace(day=month_days(month))
        in_month, in_month_params = _in_force(start, end)
        days.append(f"CASE WHEN {in_month} THEN {days_sql(_date(), _date())} END AS days_{number}")
        days_params += [*in_month_params, end, end, start]  # then LEAST/GREATEST (MIN/MAX)
        joins.append(
            f"LEFT JOIN marketing_clientmetric m{number} "
            f"ON m{number}.client_id = a.client_id AND m{number}.month = {_date()}"
        )
        columns += [f"days_{number}", *(f"{figure}_{number}" for figure in FIGURES)]
        month_in = f"a.days_{number} IS NOT NULL AND m{number}.client_id IS NOT NULL"
        values += [
            f"CASE WHEN {month_in} THEN a.days_{number} END",
            *(f"CASE WHEN {month_in} THEN m{number}.{figure} END" for figure in FIGURES),
        ]
        credited.append(f"({month_in})")
    in_force, in_force_params = _in_force(quarter.start, quarter.end)
    to_sql, to_params = ("", []) if client_to is None else ("AND a.client_id < %s", [client_to])
    assigned = f"""
        assigned AS MATERIALIZED (
            SELECT r.run_id, a.employee_id, a.client_id, a.split, {", ".join(days)}
            FROM {Result._meta.db_table} r
            JOIN staffing_assignment a ON a.employee_id = r.employee_id
            WHERE r.run_id = %s AND a.client_id >= %s {to_sql} AND {in_force}
        )
    """

    def insert(table):
        return f"""
            INSERT INTO {table} (run_id, employee_id, client_id, first_month, split, {", ".join(columns)})
            SELECT a.run_id, a.employee_id, a.client_id, {_date()}, a.split, {", ".join(values)}
            FROM assigned a {" ".join(joins)}
            WHERE {" OR ".join(credited)}
        """

    params = [*days_params, run_id, client_from, *to_params, *in_force_params, quarter.start, *quarter.months]
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(f"SET LOCAL work_mem = '{PART_MEMORY}'")
            own = partitions.is_partitioned(cursor)
            table = partitions.create(cursor, run_id, part.number) if own else Credit._meta.db_table
            sums, sums_params = _sums_insert(run_id, quarter, "written")
            written = f"{insert(table)} RETURNING employee_id, split, {', '.join(columns)}"
            cursor.execute(f"WITH {assigned}, written AS ({written}) {sums}", params + sums_params)
            if own:
                partitions.attach(cursor, run_id, part.number, client_from, client_to)
            return
        cursor.execute(f"WITH {assigned} {insert(Credit._meta.db_table)}", params)
        # SQLite has no INSERT … RETURNING inside a WITH: the part's rows are read back.
        in_part = f"run_id = %s AND client_id >= %s {'' if client_to is None else 'AND client_id < %s'}"
        source = f"(SELECT * FROM {Credit._meta.db_table} WHERE {in_part})"
        cursor.execute(*_sums_insert(run_id, quarter, source, [run_id, client_from, *to_params]))


def credits_remove(run_ids):
    """Remove what the runs `run_ids` credited: their credits (on PostgreSQL, their partitions
    are dropped), sums and parts."""
    run_ids = list(run_ids)
    if _postgresql():
        with connection.cursor() as cursor:
            if partitions.is_partitioned(cursor):
                partitions.drop_runs(cursor, run_ids)
    for model in (Credit, CreditSum, CreditPart):
        model.objects.filter(run_id__in=run_ids).delete()


def _sums_insert(run_id, quarter, source, source_params=()):
    """SQL and parameters: insert the CreditSum rows of the credits `source` (a table or a
    subquery with Credit's columns, and its parameters): per manager, month, split and days,
    Σ cents."""
    months = []
    for number in MONTH_NUMBERS:
        sums = ", ".join(cents_sum_sql(f"{figure}_{number}") for figure in FIGURES)
        months.append(
            f"SELECT %s, employee_id, {_date()}, split, days_{number}, {sums} FROM {source} AS c "
            f"WHERE days_{number} IS NOT NULL GROUP BY employee_id, split, days_{number}"
        )
    params = [value for month in quarter.months for value in (run_id, month, *source_params)]
    statement = (
        f"INSERT INTO {CreditSum._meta.db_table} (run_id, employee_id, month, split, days, {', '.join(FIGURES)}) "
        + " UNION ALL ".join(months)
    )
    return statement, params


def _sums(where, params, *, by_employee=True):
    """[(employee_id, month, month_days, split, days, {figure: Σ cents})] of the CreditSum rows
    `where` (s: the sums), one per manager, month, split and days; employee None for the
    managers taken together (by_employee False)."""
    employee = "s.employee_id" if by_employee else "NULL"
    group = "s.month, s.split, s.days"
    statement = f"""
        SELECT {employee}, {group}, {", ".join(f"SUM(s.{figure})" for figure in FIGURES)}
        FROM {CreditSum._meta.db_table} s
        WHERE {where}
        GROUP BY {"s.employee_id, " if by_employee else ""}{group}
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for employee_id, month, split, days, *figures in cursor.fetchall():
            month = month_value(month)
            yield (
                employee_id,
                month,
                month_days(month),
                Decimal(str(split)),
                days,
                dict(zip(FIGURES, figures, strict=True)),
            )


def monthly_sums(run_id, city_id):
    """The credited sums of a city branch's managers in a run: _sums' rows."""
    result = Result._meta.db_table
    where = f"s.run_id = %s AND s.employee_id IN (SELECT employee_id FROM {result} WHERE run_id = %s AND city_id = %s)"
    return list(_sums(where, [run_id, run_id, city_id]))


def unit_sums(pairs):
    """The credited sums of a set of managers taken together (employee None): of `pairs`, a
    queryset of (run_id, employee_id) values. _sums' rows."""
    inner, params = pairs.query.sql_with_params()
    return list(_sums(f"(s.run_id, s.employee_id) IN ({inner})", params, by_employee=False))


def credited_months(rows):
    """{employee_id: {figure: {month: credited value}}} from monthly_sums' rows, exactly:
    Σ cents × split × days / (100 cents × 100 % × month days)."""
    credited = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    for employee_id, month, month_length, split, days, figures in rows:
        for figure, cents in figures.items():
            if cents:
                credited[employee_id][figure][month] += Decimal(int(cents)) * split * days / (10000 * month_length)
    return credited


def month_value(value):
    """A month as the database answers it (a date, or its ISO text on SQLite)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value
