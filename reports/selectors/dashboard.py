"""The dashboards' figures: open tickets now, intake, backlog, response times, districts, SLA and vendors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from tickets.models import Ticket, TicketStatus

from .. import sources
from ..caching import cached_json, peek_json
from ..db import EpochSeconds, percentile_sets
from ..formatting import IST
from ..scope import Period, ReportScope
from ..tables import Column, Table
from .common import (
    AGE_BUCKETS,
    DAY,
    OPEN_ORDER,
    PRIORITIES,
    USUAL_RATE_DAYS,
    _minutes,
    _period_tickets,
    _rate,
    _tickets,
)

# --- "now" figures -------------------------------------------------------------------------


def open_by_status_priority(scope: ReportScope) -> Table:
    """Open tickets by status (rows) and priority (columns). One grouped query."""
    cells = {
        (row["status"], row["priority"]): row["n"]
        for row in _tickets(scope).filter(status__in=OPEN_ORDER).values("status", "priority").annotate(n=Count("id"))
    }
    labels = dict(TicketStatus.choices)
    rows = []
    for status in OPEN_ORDER:
        row: dict[str, Any] = {"status": status, "status_label": str(labels[status])}
        for priority in PRIORITIES:
            row[priority] = cells.get((status, priority), 0)
        row["total"] = sum(row[p] for p in PRIORITIES)
        rows.append(row)
    totals = {p: sum(r[p] for r in rows) for p in PRIORITIES}
    return Table(
        name="open",
        columns=[Column("status", _("Status"), "code"), Column("status_label", _("Status name")),
                 *[Column(p, p, "int") for p in PRIORITIES], Column("total", _("Total"), "int")],
        rows=rows,
        meta={"total": sum(totals.values()), "by_priority": totals},
    )


def intake_today(scope: ReportScope, now: dt.datetime) -> Table:
    """Tickets opened today (IST) by hour, against the usual rate: the mean number opened in
    the same hour over the previous 28 days. Two grouped queries."""
    local_now = now.astimezone(IST)
    today_start = dt.datetime.combine(local_now.date(), dt.time.min, tzinfo=IST)
    hour = ExtractHour("created_at", tzinfo=IST)
    today = dict(
        _tickets(scope).filter(created_at__gte=today_start, created_at__lte=now)
        .annotate(h=hour).values("h").annotate(n=Count("*")).values_list("h", "n")
    )
    # The 28 days before today do not change during the day: cached until the date changes.
    history_key = f"reports:intake-history:{scope.district_id}:{today_start.date().isoformat()}"
    history = cache.get(history_key)
    if history is None:
        history = dict(
            _tickets(scope).filter(created_at__gte=today_start - USUAL_RATE_DAYS * DAY, created_at__lt=today_start)
            .annotate(h=hour).values("h").annotate(n=Count("*")).values_list("h", "n")
        )
        cache.set(history_key, history, 3600)
    rows = []
    for h in range(24):
        rows.append({
            "hour": h,
            "label": f"{h:02d}:00",
            "today": today.get(h, 0) if h <= local_now.hour else None,
            "usual": round(history.get(h, 0) / USUAL_RATE_DAYS, 2),
        })
    usual_so_far = sum(history.get(h, 0) for h in range(local_now.hour + 1)) / USUAL_RATE_DAYS
    return Table(
        name="intake",
        columns=[Column("hour", _("Hour"), "code"), Column("label", _("From")),
                 Column("today", _("Opened today"), "int"), Column("usual", _("Usual (28-day mean)"), "float")],
        rows=rows,
        meta={"date": local_now.date().isoformat(), "today_total": sum(today.values()),
              "usual_to_this_hour": round(usual_so_far, 2), "usual_days": USUAL_RATE_DAYS},
    )


def backlog_by_age(scope: ReportScope, now: dt.datetime) -> Table:
    """Open tickets by age since creation and priority. One query of conditional counts."""
    aggregates = {}
    for key, _label, low, high in AGE_BUCKETS:
        condition = Q()
        if low:
            condition &= Q(created_at__lte=now - low)
        if high is not None:
            condition &= Q(created_at__gt=now - high)
        for priority in PRIORITIES:
            aggregates[f"{key}__{priority}"] = Count("id", filter=condition & Q(priority=priority))
    counts = _tickets(scope).filter(status__in=OPEN_ORDER).aggregate(**aggregates)
    rows = []
    for key, label, _low, _high in AGE_BUCKETS:
        row: dict[str, Any] = {"bucket": key, "label": str(label)}
        for priority in PRIORITIES:
            row[priority] = counts[f"{key}__{priority}"]
        row["total"] = sum(row[p] for p in PRIORITIES)
        rows.append(row)
    return Table(
        name="backlog",
        columns=[Column("bucket", _("Age bucket"), "code"), Column("label", _("Age")),
                 *[Column(p, p, "int") for p in PRIORITIES], Column("total", _("Total"), "int")],
        rows=rows,
        meta={"total": sum(r["total"] for r in rows), "as_of": now.astimezone(IST).isoformat()},
    )


# --- period figures ------------------------------------------------------------------------

RESPONSE_MEASURES = [
    ("mtta", _("Time to acknowledge (first response)"), "first_response_at"),
    ("mttr", _("Time to resolve"), "resolved_at"),
]


def response_times(scope: ReportScope, period: Period) -> Table:
    """MTTA and MTTR of the tickets opened in the period: count, median and p90, in minutes,
    wall-clock (in the database) and business time (escalation's calendar, when its clocks
    record it)."""
    tickets = _period_tickets(scope, period)
    wall = percentile_sets(
        tickets, {key: (EpochSeconds(field, "created_at"), None) for key, _label, field in RESPONSE_MEASURES}, (0.5, 0.9))
    business = sources.business_durations(scope, period)
    rows = []
    for key, label, _field in RESPONSE_MEASURES:
        count, (median, p90) = wall[key]
        rows.append({"measure": key, "label": str(label), "basis": "wall_clock", "count": count,
                     "median_minutes": _minutes(median), "p90_minutes": _minutes(p90)})
        if business is not None:
            b_count, (b_median, b_p90) = business[key]
            rows.append({"measure": key, "label": str(label), "basis": "business", "count": b_count,
                         "median_minutes": _minutes(b_median), "p90_minutes": _minutes(b_p90)})
    return Table(
        name="response-times",
        columns=[Column("measure", _("Measure"), "code"), Column("label", _("Name")), Column("basis", _("Basis")),
                 Column("count", _("Tickets"), "int"), Column("median_minutes", _("Median (min)"), "minutes"),
                 Column("p90_minutes", _("p90 (min)"), "minutes")],
        rows=rows,
        meta={"period": period.as_dict(), "business_time": sources.has_business_time()},
    )


def _district_figures(period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """Per district: backlog now, opened/reopened in the period, breaches of their clocks.
    Three grouped queries over tickets (plus one over SLA clocks when escalation has them)."""
    backlog = dict(
        Ticket.objects.filter(status__in=OPEN_ORDER).order_by().values("district")
        .annotate(n=Count("id")).values_list("district", "n")
    )
    period_rows = {
        row["district"]: row
        for row in Ticket.objects.filter(created_at__gte=period.start, created_at__lt=period.end).order_by()
        .values("district").annotate(
            opened=Count("id"),
            reopened=Count("id", filter=Q(reopened_count__gt=0)),
            resolved_once=Count("id", filter=Q(resolved_at__isnull=False) | Q(reopened_count__gt=0)),
        )
    }
    breaches = sources.breaches_by_district(period, now) or {}
    figures = []
    for district in District.objects.order_by("name_en"):
        row = period_rows.get(district.pk, {})
        opened = row.get("opened", 0)
        reopened = row.get("reopened", 0)
        figures.append({
            "district_id": district.pk,
            "district": district.code,
            "name": district.name,
            "backlog": backlog.get(district.pk, 0),
            "opened": opened,
            "reopened": reopened,
            "resolved_once": row.get("resolved_once", 0),
            "reopen_rate": _rate(reopened, row.get("resolved_once", 0)),
            "breaches": breaches.get(district.pk, 0),
        })
    return figures


DISTRICT_ORDERS = {
    "breaches": lambda r: (-r["breaches"], -r["backlog"], r["name"]),
    "backlog": lambda r: (-r["backlog"], -r["breaches"], r["name"]),
    "reopen_rate": lambda r: (-(r["reopen_rate"] or 0), -r["reopened"], r["name"]),
    "opened": lambda r: (-r["opened"], r["name"]),
}


def districts(scope: ReportScope, period: Period, now: dt.datetime, order: str = "breaches") -> Table:
    """Districts ranked by breaches (default), backlog or reopen rate. A district official gets
    only their own row, with its rank among all districts."""
    figures = sorted(_district_figures(period, now), key=DISTRICT_ORDERS[order])
    for rank, row in enumerate(figures, start=1):
        row["rank"] = rank
    if scope.district is not None:
        figures = [row for row in figures if row["district_id"] == scope.district_id]
    return Table(
        name="districts",
        columns=[Column("rank", _("Rank"), "int"), Column("district", _("District code"), "code"),
                 Column("name", _("District")), Column("breaches", _("SLA breaches"), "int"),
                 Column("backlog", _("Open now"), "int"), Column("opened", _("Opened in period"), "int"),
                 Column("reopened", _("Reopened"), "int"), Column("resolved_once", _("Resolved at least once"), "int"),
                 Column("reopen_rate", _("Reopen rate (%)"), "percent")],
        rows=figures,
        meta={"period": period.as_dict(), "order": order, "sla_available": sources.has_sla_clocks()},
    )


def district_position(scope: ReportScope, period: Period, now: dt.datetime) -> Table:
    """A district against the state: its own figure and the state's per-district average (for
    counts) or state-wide rate (for rates and times). Reuses the state's districts and response
    time tables (cached like the API's), so a district official's page adds little work."""

    if scope.district is None:
        raise ValueError("district_position needs a district scope")
    state_scope = ReportScope(district=None)
    figures = cached_json("districts", state_scope, period, (("order", "breaches"),),
                          lambda: districts(state_scope, period, now, "breaches"))["rows"]
    mine = next(row for row in figures if row["district"] == scope.district.code)
    n = len(figures)

    def avg(key: str) -> float:
        return round(sum(row[key] for row in figures) / n, 1)

    def rank(key: str) -> int:
        return 1 + sum(1 for row in figures if row[key] > mine[key])

    def times(of: ReportScope) -> dict:
        """Wall-clock medians: from the response-times table if it is cached, else one query."""
        cached = peek_json("response-times", of, period)
        if cached is not None:
            return {(r["measure"], r["basis"]): r for r in cached["rows"]}
        wall = percentile_sets(
            _period_tickets(of, period),
            {key: (EpochSeconds(field, "created_at"), None) for key, _label, field in RESPONSE_MEASURES}, (0.5,))
        return {(key, "wall_clock"): {"median_minutes": _minutes(values[0])} for key, (_n, values) in wall.items()}

    state_times, mine_times = times(state_scope), times(scope)
    rows = [
        {"metric": "backlog", "label": str(_("Open now")), "district": mine["backlog"],
         "state": avg("backlog"), "basis": "per_district_average", "rank": rank("backlog")},
        {"metric": "opened", "label": str(_("Opened in period")), "district": mine["opened"],
         "state": avg("opened"), "basis": "per_district_average", "rank": rank("opened")},
        {"metric": "breaches", "label": str(_("SLA breaches")), "district": mine["breaches"],
         "state": avg("breaches"), "basis": "per_district_average", "rank": rank("breaches")},
        {"metric": "reopen_rate", "label": str(_("Reopen rate (%)")), "district": mine["reopen_rate"],
         "state": _rate(sum(r["reopened"] for r in figures), sum(r["resolved_once"] for r in figures)),
         "basis": "state_rate", "rank": None},
    ]
    for key, label, _field in RESPONSE_MEASURES:
        rows.append({"metric": f"{key}_median", "label": str(label) + " · " + str(_("median (min)")),
                     "district": mine_times[(key, "wall_clock")]["median_minutes"],
                     "state": state_times[(key, "wall_clock")]["median_minutes"], "basis": "state_median",
                     "rank": None})
    return Table(
        name="position",
        columns=[Column("metric", _("Metric"), "code"), Column("label", _("Name")),
                 Column("district", _("This district"), "float"), Column("state", _("State"), "float"),
                 Column("basis", _("State figure")), Column("rank", _("Rank (1 = highest)"), "int")],
        rows=rows,
        meta={"period": period.as_dict(), "districts": n},
    )


# --- SLA and vendor figures (escalation's clocks) ----------------------------------------


def sla_compliance(scope: ReportScope, period: Period, now: dt.datetime) -> Table:
    """Per clock kind: of the clocks of tickets opened in the period, how many met their
    target, breached it, are still running, and of those how many are at risk now."""
    rows = sources.sla_compliance(scope, period, now)
    return Table(
        name="sla",
        columns=[Column("clock", _("Clock"), "code"), Column("label", _("Name")), Column("total", _("Clocks"), "int"),
                 Column("met", _("Met"), "int"), Column("breached", _("Breached"), "int"),
                 Column("running", _("Running"), "int"), Column("at_risk", _("At risk now"), "int"),
                 Column("compliance", _("Compliance (%)"), "percent")],
        rows=rows if rows is not None else [],
        meta={"period": period.as_dict(), "available": rows is not None,
              "at_risk_definition": sources.AT_RISK_DEFINITION},
    )


def vendor_accountability(scope: ReportScope, period: Period, now: dt.datetime) -> Table:
    """The vendor's accountability figures, as the escalation app computes them."""
    result = sources.vendor_accountability(scope, period, now)
    columns, rows = result if result is not None else ([], [])
    return Table(name="vendor", columns=columns, rows=rows,
                 meta={"period": period.as_dict(), "available": result is not None})


