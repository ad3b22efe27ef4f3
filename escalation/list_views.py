"""The ticket list's SLA views, registered into tickets.listing from EscalationConfig.ready()
(tickets never imports escalation).

- "SLA at risk": an open ticket with a running clock, not breached, due within max(15 minutes,
  25% of its goal) from now (the dashboards' definition).
- "Breached": an open ticket with a live (not stopped) clock that the sweep stamped breached or
  that runs past its due time.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, FloatField, Func, OuterRef, Q, Value
from django.utils.translation import gettext_lazy as _

from tickets.listing import register_view
from tickets.models import OPEN_STATUSES

from .models import Clock

AT_RISK_MIN = dt.timedelta(minutes=15)
AT_RISK_FRACTION = 0.25


class SecondsUntil(Func):
    """Seconds from the instant `moment` to the datetime column `column`."""

    output_field = FloatField()

    def __init__(self, column: str, moment: dt.datetime) -> None:
        super().__init__(F(column), Value(moment))

    def as_sql(self, compiler, connection, **extra):
        column, moment = (compiler.compile(e) for e in self.get_source_expressions())
        return f"date_part('epoch', {column[0]} - {moment[0]})", [*column[1], *moment[1]]

    def as_sqlite(self, compiler, connection, **extra):
        column, moment = (compiler.compile(e) for e in self.get_source_expressions())
        return f"((julianday({column[0]}) - julianday({moment[0]})) * 86400.0)", [*column[1], *moment[1]]


def _at_risk(user, now: dt.datetime) -> Q:
    running = Clock.objects.filter(ticket=OuterRef("pk"), state=Clock.State.RUNNING, breached_at__isnull=True,
                                   due_at__gte=now)
    # 25% of the goal exceeds 15 minutes only for goals over an hour.
    soon = Q(due_at__lte=now + AT_RISK_MIN) | Q(goal_minutes__gt=60, _left__lte=F("goal_minutes") * (60.0 * AT_RISK_FRACTION))
    return Q(status__in=sorted(OPEN_STATUSES)) & Q(Exists(running.annotate(_left=SecondsUntil("due_at", now)).filter(soon)))


def _breached(user, now: dt.datetime) -> Q:
    late = Clock.objects.filter(ticket=OuterRef("pk")).exclude(state=Clock.State.STOPPED).filter(
        Q(breached_at__isnull=False) | Q(state=Clock.State.RUNNING, due_at__lt=now))
    return Q(status__in=sorted(OPEN_STATUSES)) & Q(Exists(late))


def register() -> None:
    register_view("sla_at_risk", _("SLA at risk"), _at_risk, sort="priority")
    register_view("breached", _("Breached"), _breached, sort="priority")
