"""Rule P2 in SQL: the client-months credited to managers, and their monthly sums.

A client's monthly value is credited to a manager × split/100 × (days of the month inside the
assignment) / (days of the month) (INTERFACES.md). `credits_write` writes one Credit row per
manager, client, month and assignment of a run's city branch, with the client's figures of the
month as the run read them, in one INSERT … SELECT over the assignments and the metrics table,
and answers, per manager, month and split, the sums of figure × days in cents: exact integers on
both databases (SQLite keeps decimals as binary floats, so a figure is turned into its whole
cents before any arithmetic). `credited_months` divides them exactly in Python. On PostgreSQL
the sums come from the rows as they are written (`WITH … INSERT … RETURNING`), so the credits
are not read twice; SQLite reads them back. `oracle.py` is the same rule in plain Python.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from .models import FIGURE, Credit, Result
from .rules import ZERO, month_days

FIGURES = list(FIGURE.values())  # deposits_avg, loans, intermediate_income, product_sales


def _postgresql():
    return connection.vendor == "postgresql"


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


def _month_block(month):
    """The credited rows of one month, from the part's assignments (`assigned`): a block of its
    own, so that PostgreSQL reads only that month's partition of the metrics (a join on a month
    column would probe all three). Answers the SQL and its parameters."""
    end, days = month.replace(day=month_days(month)), month_days(month)
    cast = "::date" if _postgresql() else ""
    start_sql, end_sql = f"%s{cast}", f"%s{cast}"
    sql = f"""
        SELECT a.run_id, a.employee_id, a.client_id, {start_sql} AS month, a.split,
               {days_sql(start_sql, end_sql)} AS days, {days} AS month_days,
               {", ".join("m." + name for name in FIGURES)}
        FROM assigned a
        JOIN marketing_clientmetric m ON m.client_id = a.client_id AND m.month = {start_sql}
        WHERE a.valid_from <= {end_sql} AND (a.valid_to IS NULL OR a.valid_to >= {start_sql})
    """
    # In the order of the placeholders: the month (select), the days' ends (LEAST/GREATEST or
    # MIN/MAX: end, end, start), the metrics' month, then the month's ends.
    return sql, [month, end, end, month, month, end, month]


def credits_write(run_id, quarter, city_id):
    """Write the Credit rows of the run's managers of one city branch (those with a Result of
    the run there): every assignment in force on a day of a quarter's month, joined with the
    client's metrics of that month. Answers monthly_sums' rows for them.

    The part's assignments in force during the quarter are read once (`assigned`, materialised)
    and joined with each month; reading them per month cost a quarter of the statement."""
    cast = "::date" if _postgresql() else ""
    assigned = f"""
        SELECT r.run_id, a.employee_id, a.client_id, a.split, a.valid_from, a.valid_to
        FROM {Result._meta.db_table} r
        JOIN staffing_assignment a ON a.employee_id = r.employee_id
        WHERE r.run_id = %s AND r.city_id = %s
          AND a.valid_from <= %s{cast} AND (a.valid_to IS NULL OR a.valid_to >= %s{cast})
    """
    blocks, params = [], [run_id, city_id, quarter.end, quarter.start]
    for month in quarter.months:
        sql, month_params = _month_block(month)
        blocks.append(sql)
        params += month_params
    columns = f"run_id, employee_id, client_id, month, split, days, month_days, {', '.join(FIGURES)}"
    select = f"WITH assigned AS MATERIALIZED ({assigned}) {' UNION ALL '.join(blocks)}"
    insert = f"INSERT INTO {Credit._meta.db_table} ({columns}) {select}"
    sums = ", ".join(f"SUM({cents_sql(name)} * days)" for name in FIGURES)
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute(
                f"WITH written AS ({insert} RETURNING {columns}) "
                f"SELECT employee_id, month, month_days, split, {sums} FROM written "
                "GROUP BY employee_id, month, month_days, split",
                params,
            )
            return list(_sum_rows(cursor.fetchall()))
        cursor.execute(insert, params)
    return list(monthly_sums(run_id, city_id))


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
    """[(employee_id, month, month_days, split, {figure: Σ cents × days})] of a city part, read
    back from its credits."""
    sums = ", ".join(f"SUM({cents_sql('c.' + name)} * c.days)" for name in FIGURES)
    credit, result = Credit._meta.db_table, Result._meta.db_table
    statement = f"""
        SELECT c.employee_id, c.month, c.month_days, c.split, {sums}
        FROM {credit} c
        WHERE c.run_id = %s AND c.employee_id IN (SELECT employee_id FROM {result} WHERE run_id = %s AND city_id = %s)
        GROUP BY c.employee_id, c.month, c.month_days, c.split
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, [run_id, run_id, city_id])
        return list(_sum_rows(cursor.fetchall()))


def unit_sums(pairs):
    """monthly_sums' rows for a set of managers taken together (employee None): the credits of
    `pairs`, a queryset of (run_id, employee_id) values."""
    sums = ", ".join(f"SUM({cents_sql('c.' + name)} * c.days)" for name in FIGURES)
    inner, params = pairs.query.sql_with_params()
    statement = f"""
        SELECT NULL, c.month, c.month_days, c.split, {sums}
        FROM {Credit._meta.db_table} c
        WHERE (c.run_id, c.employee_id) IN ({inner})
        GROUP BY c.month, c.month_days, c.split
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(_sum_rows(cursor.fetchall()))


def _sum_rows(rows):
    for employee_id, month, days, split, *figures in rows:
        yield employee_id, month_value(month), days, Decimal(str(split)), dict(zip(FIGURES, figures, strict=True))


def credited_months(rows):
    """{employee_id: {figure: {month: credited value}}} from monthly_sums' rows, exactly:
    Σ cents × days × split / (100 cents × 100 % × month days)."""
    credited = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    for employee_id, month, days, split, figures in rows:
        for figure, cents_days in figures.items():
            if cents_days:
                credited[employee_id][figure][month] += Decimal(int(cents_days)) * split / (10000 * days)
    return credited


def month_value(value):
    """A month as the database answers it (a date, or its ISO text on SQLite)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value
