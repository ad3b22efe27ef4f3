"""The one percentile definition of the project (README "Dashboards and reports"; stated on the dashboards).

The p-th percentile of n values sorted ascending v[0..n-1] is linear interpolation between the
closest ranks: position = p * (n - 1), value = v[floor(position)] + (v[floor(position) + 1] -
v[floor(position)]) * (position - floor(position)). It is PostgreSQL's `percentile_cont`, used
as is there; elsewhere the same two neighbouring rows are read and `interpolate` does the rest.
The median of 120, 240, 360, 1800 is 300; their p90 is 1368.
"""

from __future__ import annotations

import math

from django.db import connection

DEFINITION = "linear interpolation between the closest ranks (PostgreSQL percentile_cont)"


def interpolate(low: float, high: float | None, fraction: float, count: int) -> float:
    """The percentile at `fraction` of `count` sorted values whose rows at floor(position) and
    floor(position) + 1 are `low` and `high` (None: there is no next row)."""
    position = fraction * (count - 1)
    weight = position - math.floor(position)
    if high is None or weight == 0:
        return float(low)
    return float(low) + (float(high) - float(low)) * weight


def grouped(*, table_sql: str, group_sql: str, value_sql: str, where_sql: str, params: list,
            fractions: tuple[float, ...]) -> dict:
    """{group: [value at each fraction]} of `value_sql` (NULLs left out) per `group_sql`, in one
    query with window functions, on PostgreSQL and SQLite alike. The two rows around each
    position are found with integer arithmetic (fractions in whole percent), so no database
    rounding rule is involved."""
    percents = [round(f * 100) for f in fractions]
    picks = []
    for pct in percents:
        picks.append(f"MIN(CASE WHEN r * 100 <= {pct} * (n - 1) AND (r + 1) * 100 > {pct} * (n - 1) THEN v END)")
        picks.append(f"MIN(CASE WHEN (r - 1) * 100 <= {pct} * (n - 1) AND r * 100 > {pct} * (n - 1) THEN v END)")
    sql = f"""
        WITH s AS (
            SELECT {group_sql} AS g, {value_sql} AS v,
                   ROW_NUMBER() OVER (PARTITION BY {group_sql} ORDER BY {value_sql}) - 1 AS r,
                   COUNT(*) OVER (PARTITION BY {group_sql}) AS n
            FROM {table_sql}
            WHERE {value_sql} IS NOT NULL AND {where_sql}
        )
        SELECT g, MAX(n), {", ".join(picks)} FROM s GROUP BY g
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {}
    for group, count, *values in rows:
        out[group] = [interpolate(values[2 * i], values[2 * i + 1], f, count) for i, f in enumerate(fractions)]
    return out
