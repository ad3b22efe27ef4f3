"""Citizens' ratings (1-5) of resolutions given in the period: per vendor (the one the ticket was
handed to, else the first escalated to), per district and per category."""

from __future__ import annotations

from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import District, Vendor
from tickets.models import Category, Rating, Ticket

from .scope import Period, ReportScope
from .tables import Column, Table


def _vendor_expression():
    # The escalation ledger through the ticket's relation (reports reads escalation without
    # depending on it being installed first).
    records = Ticket._meta.get_field("escalations").related_model
    first = records.objects.filter(ticket_id=OuterRef("ticket_id"), vendor__isnull=False).order_by("fired_at", "id")
    return Coalesce(F("ticket__vendor_id"), Subquery(first.values("vendor_id")[:1]), output_field=IntegerField())


def ratings(scope: ReportScope, period: Period) -> Table:
    """Rows of (dimension, code, name, ratings, average, share of 4-5)."""
    base = scope.filter(Rating.objects.filter(created_at__gte=period.start, created_at__lt=period.end),
                        "ticket__district")
    rows: list[dict] = []
    dimensions = [
        ("vendor", base.annotate(key=_vendor_expression()).exclude(key=None),
         {v.pk: (v.code, v.name) for v in Vendor.objects.all()}),
        ("district", base.annotate(key=F("ticket__district_id")),
         {d.pk: (d.code, d.name) for d in District.objects.all()}),
        ("category", base.annotate(key=F("ticket__category_id")),
         {c.pk: (c.code, c.name) for c in Category.objects.all()}),
    ]
    for dimension, queryset, names in dimensions:
        grouped = queryset.values("key").annotate(n=Count("id"), avg=Avg("score"),
                                                  good=Count("id", filter=Q(score__gte=4))).order_by("-n", "key")
        for row in grouped:
            code, name = names.get(row["key"], ("", "-"))
            rows.append({"dimension": dimension, "code": code, "name": name, "ratings": row["n"],
                         "average": round(float(row["avg"]), 2),
                         "good_pct": round(100.0 * row["good"] / row["n"], 1) if row["n"] else None})
    return Table(
        name="ratings",
        columns=[Column("dimension", _("By"), "code"), Column("code", _("Code"), "code"), Column("name", _("Name")),
                 Column("ratings", _("Ratings"), "int"), Column("average", _("Average (1-5)"), "float"),
                 Column("good_pct", _("Rated 4 or 5 (%)"), "percent")],
        rows=rows,
        meta={"period": period.as_dict()},
    )
