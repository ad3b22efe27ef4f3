"""Small database helpers for the figures: durations in seconds and percentiles, computed by the
database on PostgreSQL (percentile_cont) and portably on SQLite (a count and an ordered OFFSET
read per percentile: the rows never come into Python)."""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func, QuerySet

from helpdesk import percentiles as percentiles_def


class EpochSeconds(Func):
    """Seconds from `start` to `end` (two datetime columns), as a float."""

    output_field = FloatField()

    def __init__(self, end: str, start: str, **extra) -> None:
        super().__init__(F(end), F(start), **extra)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL: double precision sorts fast
        return self.as_sql_template(compiler, connection, "date_part('epoch', %(expressions)s)", " - ")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql_template(compiler, connection, "((julianday(%s) - julianday(%s)) * 86400.0)", None)

    def as_sql_template(self, compiler, connection, template, joiner):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        if joiner is None:
            return template % tuple(parts), params
        return template % {"expressions": joiner.join(parts)}, params


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(ARRAY[f1, f2, ...]) WITHIN GROUP
    (ORDER BY x): every fraction from one sort, as a list of floats."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fractions: tuple[float, ...], **extra) -> None:
        from django.contrib.postgres.fields import ArrayField

        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("fractions must be within [0, 1]")
        super().__init__(expression, fractions=", ".join(repr(float(f)) for f in fractions),
                         output_field=ArrayField(FloatField()), **extra)


def using_postgres() -> bool:
    return connection.vendor == "postgresql"


def percentiles(queryset: QuerySet, expression, fractions: tuple[float, ...]) -> tuple[int, list[float | None]]:
    """(count, [value at each fraction]) of `expression` over `queryset`, rows with a NULL value
    left out. The project's one definition (helpdesk.percentiles): linear interpolation between
    the closest ranks (percentile_cont). PostgreSQL: one query. SQLite: one count plus one query per fraction."""
    from django.db.models import Count

    annotated = queryset.annotate(_value=expression).filter(_value__isnull=False)
    if using_postgres():
        row = annotated.aggregate(_n=Count("pk"), _p=PercentileCont("_value", fractions))
        return row["_n"], list(row["_p"] or [None for _ in fractions])
    count = annotated.count()
    if count == 0:
        return 0, [None for _ in fractions]
    ordered = annotated.order_by("_value").values_list("_value", flat=True)
    values: list[float | None] = []
    for fraction in fractions:
        low = math.floor(fraction * (count - 1))
        pair = list(ordered[low:low + 2])
        values.append(percentiles_def.interpolate(pair[0], pair[1] if len(pair) > 1 else None, fraction, count))
    return count, values


def percentile_sets(queryset: QuerySet, measures: dict[str, tuple], fractions: tuple[float, ...]
                    ) -> dict[str, tuple[int, list[float | None]]]:
    """{name: (count, [value at each fraction])} for several measures over one queryset.

    `measures` maps a name to (expression, condition or None). On PostgreSQL this is one pass:
    percentile_cont ignores NULLs, and each measure's condition becomes a FILTER clause. On
    SQLite each measure is computed by percentiles() (a count and ordered reads)."""
    from django.db.models import Count

    if not using_postgres():
        return {name: percentiles(queryset.filter(condition) if condition is not None else queryset, expression,
                                  fractions) for name, (expression, condition) in measures.items()}
    aggregates = {}
    for name, (expression, condition) in measures.items():
        extra = {"filter": condition} if condition is not None else {}
        aggregates[f"{name}__n"] = Count(expression, **extra)
        aggregates[f"{name}__p"] = PercentileCont(expression, fractions, **extra)
    row = queryset.aggregate(**aggregates)
    return {name: (row[f"{name}__n"], list(row[f"{name}__p"] or [None for _ in fractions])) for name in measures}


def index_friendly(function):
    """Run `function` in a transaction where PostgreSQL costs random reads as on an SSD
    (SET LOCAL random_page_cost = 1.1, gone at the end of the transaction).

    The SLA figures reach a period's clocks through the tickets' created_at index and then the
    clocks' ticket_id index; with the default cost (4, for spinning disks) the planner prefers a
    parallel scan of every clock, about ten times slower at a year of tickets."""
    import functools

    from django.db import transaction

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not using_postgres():
            return function(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL random_page_cost = 1.1")
            return function(*args, **kwargs)

    return wrapper
