"""Shared pieces of the report selectors: constants and the scoped ticket querysets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from tickets.models import OPEN_STATUSES, Priority, Ticket, TicketStatus

from ..scope import Period, ReportScope

PRIORITIES = [p.value for p in Priority]
# Open statuses in workflow order (OPEN_STATUSES is a set).
OPEN_ORDER = [s for s in TicketStatus.values if s in OPEN_STATUSES]
USUAL_RATE_DAYS = 28

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
AGE_BUCKETS: list[tuple[str, Any, dt.timedelta, dt.timedelta | None]] = [
    ("lt_1h", _("Under 1 hour"), dt.timedelta(0), HOUR),
    ("1h_4h", _("1 to 4 hours"), HOUR, 4 * HOUR),
    ("4h_24h", _("4 to 24 hours"), 4 * HOUR, DAY),
    ("1d_3d", _("1 to 3 days"), DAY, 3 * DAY),
    ("3d_7d", _("3 to 7 days"), 3 * DAY, 7 * DAY),
    ("gt_7d", _("Over 7 days"), 7 * DAY, None),
]


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 1)


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def _tickets(scope: ReportScope):
    return scope.filter(Ticket.objects.all()).order_by()


def _period_tickets(scope: ReportScope, period: Period):
    return _tickets(scope).filter(created_at__gte=period.start, created_at__lt=period.end)

