"""Saved views of the ticket list: the built-in ones, views other apps register (escalation adds
"SLA at risk" and "breached" from its clocks, so tickets never imports escalation), and the team
views supervisors define (TeamView rows: a base view plus stored filters)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_desk
from tickets.models import OPEN_STATUSES, TeamView, TicketStatus

Condition = Callable[[object, dt.datetime], Q]


@dataclass(frozen=True)
class ViewDef:
    key: str
    label: str
    condition: Condition
    sort: str = "-created"
    desk_only: bool = False
    filters: dict | None = None  # a team view's stored parameters
    team_id: int | None = None


_OPEN = Q(status__in=sorted(OPEN_STATUSES))  # the same list as the ticket_open_queue index
BUILTIN_VIEWS: dict[str, ViewDef] = {}
_ORDER = ["open", "mine", "unassigned", "sla_at_risk", "breached", "awaiting_vendor", "awaiting_citizen",
          "reopened", "by_district", "all"]


def register_view(key: str, label, condition: Condition, *, sort: str = "-created", desk_only: bool = False) -> None:
    """Add a built-in view (other apps call this from their AppConfig.ready())."""
    BUILTIN_VIEWS[key] = ViewDef(key, label, condition, sort, desk_only)


register_view("open", _("Open"), lambda user, now: _OPEN, sort="priority")
register_view("mine", _("Mine"), lambda user, now: _OPEN & Q(assignee_id=user.pk), sort="priority", desk_only=True)
register_view("unassigned", _("Unassigned"), lambda user, now: _OPEN & Q(assignee__isnull=True), sort="priority",
              desk_only=True)
register_view("awaiting_vendor", _("Awaiting vendor"), lambda user, now: Q(status=TicketStatus.AWAITING_VENDOR))
register_view("awaiting_citizen", _("Awaiting citizen"), lambda user, now: Q(status=TicketStatus.AWAITING_CITIZEN))
register_view("reopened", _("Reopened"), lambda user, now: Q(status=TicketStatus.REOPENED))
register_view("by_district", _("By district"), lambda user, now: _OPEN, sort="district", desk_only=True)
register_view("all", _("All tickets"), lambda user, now: Q())


def views_for(user) -> dict[str, ViewDef]:
    """The views `user` may open, in menu order: built-ins for their role, then team views (desk
    roles only: team views are the desk's)."""
    desk = is_desk(user)
    keys = [k for k in _ORDER if k in BUILTIN_VIEWS] + [k for k in BUILTIN_VIEWS if k not in _ORDER]
    out = {k: BUILTIN_VIEWS[k] for k in keys if desk or not BUILTIN_VIEWS[k].desk_only}
    if desk:
        for team in TeamView.objects.filter(is_active=True).order_by("position", "pk"):
            base = BUILTIN_VIEWS.get(team.base_view) or BUILTIN_VIEWS["all"]
            out[f"team-{team.pk}"] = ViewDef(f"team-{team.pk}", team.name, base.condition, base.sort,
                                             filters=dict(team.filters), team_id=team.pk)
    return out
