"""The accountability report, computed in the database: per vendor and per person, for a period
(and district): escalations received, acknowledged within target (%), median and p90 time to
acknowledge, never acknowledged, ETAs given versus met, tickets pending with the vendor by age."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import connection
from django.db.models import Avg, Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User, Vendor
from helpdesk import percentiles
from tickets.models import Rating

from .models import Clock, ClockKind, EscalationNotice, EscalationRecord

AGE_BUCKETS = [("<1h", 1), ("1-4h", 4), ("4-24h", 24), (">24h", None)]


def _percentiles(table_sql: str, group_sql: str, where_sql: str, params: list) -> dict:
    """{group: (median, p90)} of ack_seconds, by the project's one definition (helpdesk.percentiles:
    linear interpolation between the closest ranks), rounded to whole seconds."""
    found = percentiles.grouped(table_sql=table_sql, group_sql=group_sql, value_sql="x.ack_seconds",
                                where_sql=where_sql, params=params, fractions=(0.5, 0.9))
    return {group: tuple(round(v) for v in values) for group, values in found.items()}


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def accountability(*, start: dt.datetime, end: dt.datetime, district_id: int | None = None,
                   now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    rec_q = Q(fired_at__gte=start, fired_at__lt=end)
    if district_id:
        rec_q &= Q(district_id=district_id)
    records = EscalationRecord.objects.filter(rec_q)
    within = Q(ack_seconds__lte=F("ack_target_minutes") * 60)
    vendor_rows = list(records.values("vendor_id").annotate(
        received=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        within=Count("id", filter=within)).order_by("vendor_id"))
    where = "x.fired_at >= %s AND x.fired_at < %s" + (" AND x.district_id = %s" if district_id else "")
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(start), adapt(end)] + ([district_id] if district_id else [])
    vendor_pct = _percentiles("escalation_escalationrecord x", "x.vendor_id", where, params)

    eta_q = Q(kind=ClockKind.ETA, eta_at__isnull=False, started_at__gte=start, started_at__lt=end)
    if district_id:
        eta_q &= Q(ticket__district_id=district_id)
    # Kept: the work was done (restored or resolved) by the promised time. An ETA counts for the
    # vendor and the person escalated to, whoever typed it in (eta_vendor / eta_for, set when posted).
    met = Q(stop_reason__in=["resolved", "restored"], stopped_at__lte=F("eta_at"))
    etas_vendor = {r["eta_vendor_id"]: r for r in Clock.objects.filter(eta_q).values("eta_vendor_id").annotate(
        given=Count("id"), met=Count("id", filter=met)).order_by()}
    etas_person = {r["eta_for_id"]: r for r in Clock.objects.filter(eta_q).values("eta_for_id").annotate(
        given=Count("id"), met=Count("id", filter=met)).order_by()}
    ratings = _ratings_by_vendor(start, end, district_id)

    vendors = {v.pk: v.name for v in Vendor.objects.all()}
    out_vendors = []
    for row in vendor_rows:
        median, p90 = vendor_pct.get(row["vendor_id"], (None, None))
        etas = etas_vendor.get(row["vendor_id"], {})
        out_vendors.append({
            "vendor_id": row["vendor_id"], "vendor": vendors.get(row["vendor_id"], "-"),
            "received": row["received"], "acknowledged": row["acknowledged"],
            "acknowledged_within_target": row["within"], "within_target_pct": _pct(row["within"], row["received"]),
            "median_ack_seconds": median, "p90_ack_seconds": p90,
            "never_acknowledged": row["received"] - row["acknowledged"],
            "etas_given": etas.get("given", 0), "etas_met": etas.get("met", 0),
            **ratings.get(row["vendor_id"], {"ratings": 0, "rating_avg": None}),
        })

    notice_q = Q(record__fired_at__gte=start, record__fired_at__lt=end, user__isnull=False)
    if district_id:
        notice_q &= Q(record__district_id=district_id)
    notice_within = Q(ack_seconds__lte=F("record__ack_target_minutes") * 60)
    person_rows = list(EscalationNotice.objects.filter(notice_q).values("user_id", "record__vendor_id").annotate(
        received=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        within=Count("id", filter=notice_within)).order_by("user_id"))
    person_pct = _percentiles(
        "escalation_escalationnotice x JOIN escalation_escalationrecord r ON r.id = x.record_id", "x.user_id",
        "x.user_id IS NOT NULL AND " + where.replace("x.fired_at", "r.fired_at").replace("x.district_id", "r.district_id"),
        params)
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["user_id"] for r in person_rows])}
    out_people = []
    for row in person_rows:
        user = users.get(row["user_id"])
        median, p90 = person_pct.get(row["user_id"], (None, None))
        etas = etas_person.get(row["user_id"], {})
        out_people.append({
            "user_id": row["user_id"], "name": (user.get_full_name() or user.username) if user else "-",
            "title": user.title if user else "", "vendor": vendors.get(row["record__vendor_id"], "-"),
            "received": row["received"], "acknowledged": row["acknowledged"],
            "acknowledged_within_target": row["within"], "within_target_pct": _pct(row["within"], row["received"]),
            "median_ack_seconds": median, "p90_ack_seconds": p90,
            "never_acknowledged": row["received"] - row["acknowledged"],
            "etas_given": etas.get("given", 0), "etas_met": etas.get("met", 0),
        })

    pending_q = Q(kind=ClockKind.VENDOR_RESTORE, state__in=[Clock.State.RUNNING, Clock.State.PAUSED],
                  ticket__status="awaiting_vendor")
    if district_id:
        pending_q &= Q(ticket__district_id=district_id)
    whens = [When(started_at__gt=now - dt.timedelta(hours=h), then=Value(i))
             for i, (_label, h) in enumerate(AGE_BUCKETS) if h is not None]
    pending = (Clock.objects.filter(pending_q)
               .annotate(bucket=Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField()))
               .values("ticket__vendor_id", "bucket").annotate(n=Count("id")).order_by())
    by_vendor: dict = {}
    for row in pending:
        entry = by_vendor.setdefault(row["ticket__vendor_id"], {label: 0 for label, _h in AGE_BUCKETS})
        entry[AGE_BUCKETS[row["bucket"]][0]] = row["n"]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "district_id": district_id},
        "vendors": out_vendors,
        "people": out_people,
        "pending_with_vendor": [{"vendor_id": vid, "vendor": vendors.get(vid, "-"), **ages}
                                for vid, ages in sorted(by_vendor.items(), key=lambda kv: kv[0] or 0)],
    }


CSV_FIELDS = ["scope", "name", "vendor", "received", "acknowledged", "acknowledged_within_target",
              "within_target_pct", "median_ack_seconds", "p90_ack_seconds", "never_acknowledged",
              "etas_given", "etas_met", "ratings", "rating_avg"]


def _ratings_by_vendor(start: dt.datetime, end: dt.datetime, district_id: int | None) -> dict:
    """{vendor id: {"ratings": n, "rating_avg": mean}} of citizens' ratings given in the period,
    for the vendor the ticket was handed to, else the first one escalated to."""
    first_escalated = Subquery(EscalationRecord.objects.filter(ticket_id=OuterRef("ticket_id"), vendor__isnull=False)
                               .order_by("fired_at", "id").values("vendor_id")[:1])
    rows = (Rating.objects.filter(created_at__gte=start, created_at__lt=end,
                                  **({"ticket__district_id": district_id} if district_id else {}))
            .annotate(rated_vendor=Coalesce(F("ticket__vendor_id"), first_escalated, output_field=IntegerField()))
            .exclude(rated_vendor=None).values("rated_vendor").annotate(n=Count("id"), avg=Avg("score")).order_by())
    return {r["rated_vendor"]: {"ratings": r["n"], "rating_avg": round(float(r["avg"]), 2)} for r in rows}


def to_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for row in report["vendors"]:
        writer.writerow(["vendor", row["vendor"], row["vendor"], *[row[f] for f in CSV_FIELDS[3:]]])
    for row in report["people"]:
        writer.writerow(["person", _safe(row["name"]), row["vendor"], *[row.get(f, "") for f in CSV_FIELDS[3:]]])
    writer.writerow([])
    writer.writerow(["pending_with_vendor", "vendor", *[label for label, _h in AGE_BUCKETS]])
    for row in report["pending_with_vendor"]:
        writer.writerow(["pending", row["vendor"], *[row[label] for label, _h in AGE_BUCKETS]])
    return buffer.getvalue()


def _safe(value: str) -> str:
    """No spreadsheet formula injection from names."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def bar_chart(rows: list[dict], *, label_key: str, width: int = 560) -> dict:
    """Geometry for a server-side SVG: per row, received vs acknowledged within target."""
    top = max((r["received"] for r in rows), default=0) or 1
    bar_space = width - 200
    bars = []
    for i, row in enumerate(rows):
        bars.append({
            "y": 10 + i * 34, "label": str(row[label_key])[:28], "received": row["received"],
            "within": row["acknowledged_within_target"],
            "w_received": round(bar_space * row["received"] / top, 1),
            "w_within": round(bar_space * row["acknowledged_within_target"] / top, 1),
        })
    return {"width": width, "height": 20 + 34 * len(rows), "bars": bars, "x0": 190}
