"""Rule P2 in SQL: the client-months credited to managers, and their monthly sums.

A client's monthly value is credited to a manager × split/100 × (days of the month inside the
assignment) / (days of the month) (INTERFACES.md). `credits_insert` writes one Credit row per
manager, client, month and assignment of a run's city branch, with the client's figures of the
month as the run read them, in one INSERT … SELECT over the assignments and the metrics table.
`monthly_sums` then answers, per manager, month and split, the sums of figure × days in cents,
exact integers on both databases (SQLite keeps decimals as binary floats: a figure is turned
into its whole cents before any arithmetic), and `credited_months` divides them exactly in
Python. `oracle.py` is the same rule in plain Python, for the tests.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from .models import FIGURE, Credit, Result
from .rules import ZERO, month_days

FIGURES = list(FIGURE.values())  # deposits_avg, loans, intermediate_income, product_sales


def _dialect():
    if connection.vendor == "postgresql":
        return {
            "days": "(LEAST(COALESCE(a.valid_to, q.month_end), q.month_end) - GREATEST(a.valid_from, q.month_start) + 1)",
            "cents": "({0} * 100)",
            "months": "(SELECT column1::date AS month_start, column2::date AS month_end, column3::int AS month_days "
            "FROM (VALUES {values}) AS v)",
        }
    return {
        "days": "(CAST(julianday(MIN(COALESCE(a.valid_to, q.month_end), q.month_end)) "
        "- julianday(MAX(a.valid_from, q.month_start)) AS INTEGER) + 1)",
        "cents": "CAST(ROUND({0} * 100) AS INTEGER)",
        "months": "(SELECT column1 AS month_start, column2 AS month_end, column3 AS month_days FROM (VALUES {values}))",
    }


def credits_insert(run_id, quarter, city_id):
    """Write the Credit rows of the run's managers of one city branch (those with a Result of
    the run there): every assignment in force on a day of a quarter's month, joined with the
    client's metrics of that month. Answers the number of rows written."""
    sql = _dialect()
    months = quarter.months
    values = ", ".join(["(%s, %s, %s)"] * len(months))
    params = []
    for month in months:
        params += [month, month.replace(day=month_days(month)), month_days(month)]
    credit, result = Credit._meta.db_table, Result._meta.db_table
    columns = ", ".join(FIGURES)
    statement = f"""
        INSERT INTO {credit} (run_id, employee_id, client_id, month, split, days, month_days, {columns})
        SELECT r.run_id, a.employee_id, a.client_id, q.month_start, a.split, {sql["days"]}, q.month_days,
               {", ".join("m." + name for name in FIGURES)}
        FROM {result} r
        JOIN staffing_assignment a ON a.employee_id = r.employee_id
        JOIN {sql["months"].format(values=values)} q
          ON a.valid_from <= q.month_end AND (a.valid_to IS NULL OR a.valid_to >= q.month_start)
        JOIN marketing_clientmetric m ON m.client_id = a.client_id AND m.month = q.month_start
        WHERE r.run_id = %s AND r.city_id = %s AND m.month >= %s AND m.month <= %s
    """
    params += [run_id, city_id, months[0], months[-1]]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def credits_delete(run_id, city_id):
    """Remove what an earlier attempt of the same part wrote (a task delivered twice)."""
    credit, result = Credit._meta.db_table, Result._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {credit} WHERE run_id = %s AND employee_id IN "
            f"(SELECT employee_id FROM {result} WHERE run_id = %s AND city_id = %s)",
            [run_id, run_id, city_id],
        )


def monthly_sums(run_id, city_id):
    """[(employee_id, month, month_days, split, {figure: Σ cents × days})] of a city part."""
    sql = _dialect()
    sums = ", ".join(f"SUM({sql['cents'].format('c.' + name)} * c.days)" for name in FIGURES)
    credit, result = Credit._meta.db_table, Result._meta.db_table
    statement = f"""
        SELECT c.employee_id, c.month, c.month_days, c.split, {sums}
        FROM {credit} c
        JOIN {result} r ON r.run_id = c.run_id AND r.employee_id = c.employee_id
        WHERE c.run_id = %s AND r.city_id = %s
        GROUP BY c.employee_id, c.month, c.month_days, c.split
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, [run_id, city_id])
        for employee_id, month, days, split, *figures in cursor.fetchall():
            yield employee_id, month, days, Decimal(str(split)), dict(zip(FIGURES, figures, strict=True))


def credited_months(rows):
    """{employee_id: {figure: {month: credited value}}} from monthly_sums' rows, exactly:
    Σ cents × days × split / (100 cents × 100 % × month days)."""
    credited = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    for employee_id, month, days, split, figures in rows:
        for figure, cents_days in figures.items():
            if cents_days:
                value = Decimal(int(cents_days)) * split / (10000 * days)
                credited[employee_id][figure][_month(month)] += value
    return credited


def _month(value):
    """A month as the database answers it (a date, or its ISO text on SQLite)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value
