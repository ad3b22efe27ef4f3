"""One percentile definition: helpdesk.percentiles, used by the dashboards (reports.db) and the
accountability report (escalation.report), equal to PostgreSQL's percentile_cont."""

import pytest
from django.db import connection
from django.db.models import F

from helpdesk import percentiles
from reports.db import percentiles as queryset_percentiles
from tickets.models import Category

VALUES = [120, 240, 360, 1800]


def test_interpolate_table():
    assert percentiles.interpolate(240, 360, 0.5, 4) == 300
    assert percentiles.interpolate(360, 1800, 0.9, 4) == pytest.approx(1368)
    assert percentiles.interpolate(7, None, 0.9, 1) == 7  # one value: every percentile is it
    assert percentiles.interpolate(5, 9, 0.5, 3) == 5  # position exactly on a rank


@pytest.mark.django_db
def test_grouped_and_queryset_paths_agree():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE pct_probe (g integer, v integer)")
        cursor.executemany("INSERT INTO pct_probe (g, v) VALUES (%s, %s)",
                           [(1, v) for v in VALUES] + [(2, 10), (2, 20), (2, None)])
    grouped = percentiles.grouped(table_sql="pct_probe x", group_sql="x.g", value_sql="x.v", where_sql="1 = 1",
                                  params=[], fractions=(0.5, 0.9))
    assert grouped[1] == [300, pytest.approx(1368)]
    assert grouped[2] == [15, pytest.approx(19)]
    # The queryset path (percentile_cont on PostgreSQL, ordered reads on SQLite) gives the same.
    for value in VALUES:
        Category.objects.create(code=f"probe-{value}", name_en="probe", name_hi="probe", position=value)
    count, found = queryset_percentiles(Category.objects.filter(code__startswith="probe-"), F("position"),
                                        (0.5, 0.9))
    assert count == 4 and found[0] == 300 and found[1] == pytest.approx(1368)
