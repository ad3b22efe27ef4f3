"""The ticket export and the per-category table."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Priority

from ..scope import Period, ReportScope
from ..tables import Column, Table
from .common import (
    OPEN_ORDER,
    _period_tickets,
)

# --- ticket export -------------------------------------------------------------------------

EXPORT_COLUMNS = [
    Column("number", _("Ticket")), Column("created_at", _("Opened"), "datetime"),
    Column("district_code", _("District")), Column("category_code", _("Category")),
    Column("priority", _("Priority")), Column("status", _("Status")), Column("channel", _("Channel")),
    Column("requester_kind", _("Requester")),
    Column("first_response_at", _("First response"), "datetime"), Column("resolved_at", _("Resolved"), "datetime"),
    Column("closed_at", _("Closed"), "datetime"), Column("reopened_count", _("Reopened"), "int"),
    Column("chased_count", _("Chased"), "int"),
]


def ticket_export_queryset(scope: ReportScope, period: Period, filters: dict[str, Any]):
    queryset = _period_tickets(scope, period)
    for field in ("status", "priority", "channel"):
        if filters.get(field):
            queryset = queryset.filter(**{f"{field}__in": filters[field]})
    if filters.get("category"):
        queryset = queryset.filter(category__code__in=filters["category"])
    return queryset.order_by("created_at", "id").values(
        "number", "created_at", "priority", "status", "channel", "requester_kind", "first_response_at",
        "resolved_at", "closed_at", "reopened_count", "chased_count",
        district_code=F("district__code"), category_code=F("category__code"),
    )


def ticket_export(scope: ReportScope, period: Period, filters: dict[str, Any], rows=None) -> Table:
    queryset = ticket_export_queryset(scope, period, filters)
    return Table(name="tickets", columns=EXPORT_COLUMNS,
                 rows=rows if rows is not None else queryset.iterator(chunk_size=2000),
                 meta={"period": period.as_dict()})



def categories(scope: ReportScope, period: Period) -> Table:
    """Tickets opened in the period by category: opened, still open, resolved at least once,
    P1, reopened. One grouped query."""

    grouped = {
        row["category"]: row
        for row in _period_tickets(scope, period).values("category").annotate(
            opened=Count("id"),
            still_open=Count("id", filter=Q(status__in=OPEN_ORDER)),
            p1=Count("id", filter=Q(priority=Priority.P1)),
            reopened=Count("id", filter=Q(reopened_count__gt=0)),
        )
    }
    rows = []
    for category in Category.objects.order_by("position", "code"):
        row = grouped.get(category.pk)
        if row is None and not category.is_active:
            continue
        row = row or {}
        rows.append({"category": category.code, "name": category.name, "opened": row.get("opened", 0),
                     "still_open": row.get("still_open", 0), "p1": row.get("p1", 0),
                     "reopened": row.get("reopened", 0)})
    return Table(
        name="categories",
        columns=[Column("category", _("Category code"), "code"), Column("name", _("Category")),
                 Column("opened", _("Opened"), "int"), Column("still_open", _("Still open"), "int"),
                 Column("p1", "P1", "int"), Column("reopened", _("Reopened"), "int")],
        rows=rows, meta={"period": period.as_dict()},
    )
