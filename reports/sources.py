"""The figures that come from other apps' tables: SLA clocks and escalations (escalation) and
incidents (live). Reports only read them; the computation of the vendor's accountability stays
in escalation (its selector is called, never copied).

Each function returns None when the other app does not provide what it needs, and the page
says "not available" instead of showing a zero that would be a lie.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from tickets.models import OPEN_STATUSES, TicketEvent

from .db import index_friendly, percentile_sets
from .scope import Period, ReportScope
from .tables import Column

AT_RISK_MIN_SECONDS = 15 * 60
AT_RISK_FRACTION = 0.25
AT_RISK_DEFINITION = (
    "running, not yet breached, and due within max(15 minutes, 25% of its goal) from now"
)


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_tables_present: dict[str, bool] = {}


def _has_table(model) -> bool:
    """Whether the model's table exists (checked once per process and database)."""
    key = f"{connection.alias}:{connection.settings_dict['NAME']}:{model._meta.db_table}"
    if key not in _tables_present:
        _tables_present[key] = model._meta.db_table in connection.introspection.table_names()
    return _tables_present[key]


def _escalation():
    models = _module("escalation.models")
    if models is None or not hasattr(models, "Clock") or not hasattr(models, "EscalationRecord"):
        return None
    if not _has_table(models.Clock):
        return None
    return models


def has_sla_clocks() -> bool:
    return _escalation() is not None


def has_business_time() -> bool:
    return _escalation() is not None


class SecondsUntil(Func):
    """Seconds from the instant `moment` (a parameter) to the datetime column `column`."""

    output_field = FloatField()

    def __init__(self, column: str, moment: dt.datetime) -> None:
        super().__init__(F(column), Value(moment))

    def as_sql(self, compiler, connection, **extra):
        column, moment = (compiler.compile(e) for e in self.get_source_expressions())
        return f"date_part('epoch', {column[0]} - {moment[0]})", [*column[1], *moment[1]]

    def as_sqlite(self, compiler, connection, **extra):
        column, moment = (compiler.compile(e) for e in self.get_source_expressions())
        return f"((julianday({column[0]}) - julianday({moment[0]})) * 86400.0)", [*column[1], *moment[1]]


class DurationSeconds(Func):
    """A DurationField column in seconds (interval on PostgreSQL, microseconds on SQLite)."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"date_part('epoch', {sql})", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql} / 1000000.0)", params


def _period_clocks(models, scope: ReportScope, period: Period):
    clocks = models.Clock.objects.filter(
        ticket__created_at__gte=period.start, ticket__created_at__lt=period.end
    ).order_by()
    if scope.district is not None:
        clocks = clocks.filter(ticket__district_id=scope.district_id)
    return clocks


def _breached(models, now: dt.datetime) -> Q:
    """A clock is breached when the sweep stamped it, when it stopped after its target (the ETA
    once given, else the due time), or when it is running past its due time (the sweep has not
    come round yet). The same rule as escalation.selectors.ticket_clocks."""
    State = models.Clock.State
    return (
        Q(breached_at__isnull=False)
        | Q(state=State.STOPPED, stopped_at__gt=Coalesce("eta_at", "due_at"))
        | Q(state=State.RUNNING, due_at__lt=now)
    )


@index_friendly
def sla_compliance(scope: ReportScope, period: Period, now: dt.datetime) -> list[dict[str, Any]] | None:
    """Per clock kind, over the clocks of the tickets opened in the period: met (stopped without
    a breach), breached, running (not stopped, not breached) and at risk now. One grouped query."""
    models = _escalation()
    if models is None:
        return None
    stopped = Q(state=models.Clock.State.STOPPED)
    breached = _breached(models, now)
    at_risk = (
        Q(state=models.Clock.State.RUNNING) & ~breached
        & Q(_left__lte=Greatest(Value(float(AT_RISK_MIN_SECONDS)), F("goal_minutes") * (60.0 * AT_RISK_FRACTION)))
    )
    grouped = {
        row["kind"]: row
        for row in _period_clocks(models, scope, period)
        .annotate(_left=SecondsUntil("due_at", now))
        .values("kind")
        .annotate(
            total=Count("id"),
            met=Count("id", filter=stopped & ~breached),
            breached=Count("id", filter=breached),
            running=Count("id", filter=~stopped & ~breached),
            at_risk=Count("id", filter=at_risk),
        )
    }
    rows = []
    for kind, label in models.ClockKind.choices:
        row = grouped.get(kind, {})
        met, breaches = row.get("met", 0), row.get("breached", 0)
        decided = met + breaches
        rows.append({
            "clock": kind, "label": str(label), "total": row.get("total", 0), "met": met, "breached": breaches,
            "running": row.get("running", 0), "at_risk": row.get("at_risk", 0),
            "compliance": None if not decided else round(100.0 * met / decided, 1),
        })
    return rows


@index_friendly
def breaches_by_district(period: Period, now: dt.datetime) -> dict[int, int] | None:
    """Breached clocks (any kind) of the tickets opened in the period, per district."""
    models = _escalation()
    if models is None:
        return None
    return dict(
        _period_clocks(models, ReportScope(None), period).filter(_breached(models, now))
        .values("ticket__district").annotate(n=Count("id")).values_list("ticket__district", "n")
    )


_BUSINESS_CLOCK = {"mtta": "first_response", "mttr": "resolution"}


@index_friendly
def business_durations(scope: ReportScope, period: Period):
    """{"mtta"|"mttr": (count, [median, p90])} in seconds of business time on the SLA clock
    (first response, resolution), over the stopped first-cycle clocks of the tickets opened in
    the period: escalation's own calendar arithmetic, pauses excluded. One query on PostgreSQL."""
    models = _escalation()
    if models is None:
        return None
    clocks = _period_clocks(models, scope, period).filter(
        kind__in=list(_BUSINESS_CLOCK.values()), cycle=1, state=models.Clock.State.STOPPED)
    seconds = DurationSeconds("elapsed_business")
    return percentile_sets(clocks, {measure: (seconds, Q(kind=kind)) for measure, kind in _BUSINESS_CLOCK.items()},
                           (0.5, 0.9))


VENDOR_FIELDS = [
    ("scope", _("Scope"), "text"), ("name", _("Name"), "text"), ("vendor", _("Vendor"), "text"),
    ("received", _("Escalations received"), "int"), ("acknowledged", _("Acknowledged"), "int"),
    ("acknowledged_within_target", _("Acknowledged within target"), "int"),
    ("within_target_pct", _("Within target (%)"), "percent"),
    ("median_ack_seconds", _("Median time to acknowledge (s)"), "int"),
    ("p90_ack_seconds", _("p90 time to acknowledge (s)"), "int"),
    ("never_acknowledged", _("Never acknowledged"), "int"),
    ("etas_given", _("ETAs given"), "int"), ("etas_met", _("ETAs met"), "int"),
    ("ratings", _("Citizens' ratings"), "int"), ("rating_avg", _("Average rating (1-5)"), "float"),
]


def vendor_accountability(scope: ReportScope, period: Period, now: dt.datetime):
    """(columns, rows): escalation's accountability report (escalation.report.accountability),
    per vendor and then per person, for escalations fired in the period. Computed there."""
    report_module = _module("escalation.report")
    function = getattr(report_module, "accountability", None) if report_module else None
    if function is None or _escalation() is None:
        return None
    report = function(start=period.start, end=period.end, district_id=scope.district_id, now=now)
    rows = [{**row, "scope": "vendor", "name": row["vendor"]} for row in report["vendors"]]
    rows += [{**row, "scope": "person"} for row in report["people"]]
    return [Column(key, label, kind) for key, label, kind in VENDOR_FIELDS], rows


def open_incidents(scope: ReportScope) -> list[dict[str, Any]] | None:
    live = _module("live.models")
    if live is None or not hasattr(live, "IncidentStatus"):
        return None
    incidents = live.Incident.objects.exclude(status=live.IncidentStatus.RESOLVED)
    linked = Q(tickets__status__in=list(OPEN_STATUSES))
    if scope.district is not None:
        # Statewide incidents and their own district's; linked tickets counted in their district only.
        incidents = incidents.filter(Q(districts__isnull=True) | Q(districts=scope.district_id)).distinct()
        linked &= Q(tickets__district_id=scope.district_id)
    rows = incidents.order_by("created_at", "id").annotate(
        linked=Count("tickets", filter=linked, distinct=True)
    ).values("id", "title", "status", "severity", "created_at", "linked")
    return [{**row, "tickets": row.pop("linked")} for row in rows]


def shift_escalations(scope: ReportScope, shift: Period, now: dt.datetime):
    """(escalations pending acknowledgement now, breaches recorded in the shift), or None.

    Pending: a ladder step fired, nobody acknowledged it, its clock is still running unacknowledged
    and the ticket is open (escalation.selectors.vendor_queue's "waiting_ack"). Breaches: the
    sla_breach / eta_missed events the sweep wrote during the shift (the audit trail, by its
    created_at index)."""

    models = _escalation()
    if models is None:
        return None
    pending = models.EscalationRecord.objects.filter(
        acknowledged_at__isnull=True, clock__state="running", clock__acknowledged_at__isnull=True,
        ticket__status__in=list(OPEN_STATUSES),
    ).order_by("fired_at", "id")
    breaches = TicketEvent.objects.filter(
        kind__in=["sla_breach", "eta_missed"], created_at__gte=shift.start, created_at__lt=shift.end,
    ).order_by("created_at", "id")
    if scope.district is not None:
        pending = pending.filter(district_id=scope.district_id)
        breaches = breaches.filter(ticket__district_id=scope.district_id)
    return pending, breaches


PENDING_COLUMNS = [
    Column("number", _("Ticket")), Column("fired_at", _("Escalated"), "datetime"), Column("level", _("Level"), "int"),
    Column("clock", _("Clock")), Column("vendor", _("Vendor")), Column("district", _("District")),
    Column("waiting_minutes", _("Waiting (min)"), "minutes"),
]
BREACH_COLUMNS = [
    Column("number", _("Ticket")), Column("created_at", _("Recorded"), "datetime"), Column("kind", _("Event")),
    Column("clock", _("Clock")), Column("priority", _("Priority")), Column("district", _("District")),
]


def pending_rows(queryset, now: dt.datetime, limit: int | None = None):
    values = queryset.values("fired_at", "level", number=F("ticket__number"), clock_kind=F("clock__kind"),
                             vendor_code=F("vendor__code"), district_code=F("district__code"))
    for row in (values[:limit] if limit else values.iterator(chunk_size=1000)):
        yield {"number": row["number"], "fired_at": row["fired_at"], "level": row["level"],
               "clock": row["clock_kind"], "vendor": row["vendor_code"] or "", "district": row["district_code"],
               "waiting_minutes": round((now - row["fired_at"]).total_seconds() / 60.0, 1)}


def breach_rows(queryset, limit: int | None = None):
    values = queryset.values("created_at", "kind", clock=F("to_value"), number=F("ticket__number"),
                             priority=F("ticket__priority"), district=F("ticket__district__code"))
    yield from (values[:limit] if limit else values.iterator(chunk_size=1000))
