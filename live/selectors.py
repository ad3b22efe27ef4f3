"""Reads of the live app: the public status overview, the uptime history, incidents visible to a
user, the event snapshot for reconnecting clients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import District
from accounts.permissions import is_desk, is_district_official, scope_tickets
from helpdesk.exceptions import InvalidInput, NotFound
from tickets.models import Ticket, TicketEvent

from .models import (
    OUTAGE_STATUSES,
    STATUS_RANK,
    Component,
    ComponentState,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Suspicion,
)

HISTORY_DAYS = 90


@dataclass
class ComponentView:
    component: Component
    status: str
    # Non-operational district states: (district, status, label).
    districts: list[tuple[District, str, str]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


def component_overview(*, district: District | None = None) -> list[ComponentView]:
    """Each component's status: statewide, or for `district` the worse of statewide and its own.
    Two queries."""
    components = list(Component.objects.all())
    states = ComponentState.objects.select_related("district")
    if district is not None:
        states = states.filter(district__isnull=True) | states.filter(district=district)
    views = {c.pk: ComponentView(component=c, status=ComponentStatus.OPERATIONAL) for c in components}
    for state in states:
        view = views.get(state.component_id)
        if view is None:
            continue
        if state.district_id is None or district is not None:
            if STATUS_RANK[state.status] > STATUS_RANK[view.status]:
                view.status = state.status
        if state.district_id is not None and state.status != ComponentStatus.OPERATIONAL:
            view.districts.append((state.district, state.status, ComponentStatus(state.status).label))
    for view in views.values():
        view.districts.sort(key=lambda item: item[0].name_en)
    return [views[c.pk] for c in components]


def public_incidents(*, district: District | None = None, open_only: bool = True) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(is_public=True).prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.filter(is_public=True), to_attr="public_updates"),
        "components", "districts",
    )
    if open_only:
        incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
    if district is not None:
        incidents = incidents.filter(districts__isnull=True) | incidents.filter(districts=district)
        incidents = incidents.distinct()
    return incidents.order_by("-created_at")


def recently_resolved(*, days: int = 7, district: District | None = None) -> QuerySet[Incident]:
    since = timezone.now() - dt.timedelta(days=days)
    return public_incidents(district=district, open_only=False).filter(status=IncidentStatus.RESOLVED,
                                                                        resolved_at__gte=since)


def minutes_since(value: dt.datetime | None, now: dt.datetime | None = None) -> int | None:
    if value is None:
        return None
    return max(0, int(((now or timezone.now()) - value).total_seconds() // 60))


def is_overdue(incident: Incident, now: dt.datetime | None = None) -> bool:
    return bool(incident.is_open and incident.is_public and incident.next_update_due_at
                and (now or timezone.now()) > incident.next_update_due_at)


@dataclass
class DayBar:
    day: dt.date
    outage_minutes: int

    @property
    def level(self) -> str:
        if self.outage_minutes == 0:
            return "ok"
        return "bad" if self.outage_minutes >= 60 else "warn"


@dataclass
class History:
    component: Component
    days: list[DayBar]

    @property
    def uptime_percent(self) -> float:
        total = len(self.days) * 24 * 60
        down = sum(d.outage_minutes for d in self.days)
        return round(100.0 * (total - down) / total, 2) if total else 100.0


def uptime_history(*, days: int = HISTORY_DAYS, now: dt.datetime | None = None,
                   district: District | None = None) -> list[History]:
    """Per component, outage minutes per day (IST) over `days` days. Only partial and major
    outages count; degraded performance is not downtime. Statewide changes, plus the
    district's own when a district is given. Two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_day = today - dt.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_day, dt.time.min, tzinfo=tz)
    components = list(Component.objects.all())
    changes = ComponentStatusChange.objects.filter(district__isnull=True)
    if district is not None:
        changes = changes | ComponentStatusChange.objects.filter(district=district)
    # Everything up to now: the last change before the window gives the status at its start.
    rows = list(changes.filter(at__lte=now).order_by("at", "id").values_list("component_id", "district_id",
                                                                                "to_status", "at"))
    intervals: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {c.pk: [] for c in components}
    for component_id in intervals:
        current: dict[int | None, tuple[str, dt.datetime]] = {}
        scoped = [r for r in rows if r[0] == component_id]
        for _component, district_id, status, at in scoped:
            previous = current.get(district_id)
            if previous and previous[0] in OUTAGE_STATUSES:
                intervals[component_id].append((previous[1], at))
            current[district_id] = (status, at)
        for status, at in current.values():
            if status in OUTAGE_STATUSES:
                intervals[component_id].append((at, now))
    result = []
    for component in components:
        bars = []
        for offset in range(days):
            day = start_day + dt.timedelta(days=offset)
            day_start = start + dt.timedelta(days=offset)
            day_end = min(day_start + dt.timedelta(days=1), now)
            # Merge overlapping intervals (statewide and district outages at once count once).
            spans = sorted((max(a, day_start), min(b, day_end)) for a, b in intervals[component.pk]
                           if a < day_end and b > day_start)
            seconds, cur_a, cur_b = 0.0, None, None
            for a, b in spans:
                if b <= a:
                    continue
                if cur_b is None or a > cur_b:
                    if cur_b is not None:
                        seconds += (cur_b - cur_a).total_seconds()
                    cur_a, cur_b = a, b
                else:
                    cur_b = max(cur_b, b)
            if cur_b is not None:
                seconds += (cur_b - cur_a).total_seconds()
            bars.append(DayBar(day=day, outage_minutes=int(round(seconds / 60))))
        result.append(History(component=component, days=bars))
    return result


def district_from_param(value: object) -> District | None:
    """?district=<code> on the public page. Unknown or malformed: InvalidInput (400)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(_("Unknown district."), code="invalid_district", field="district")
    district = District.objects.filter(code=value).first()
    if district is None:
        raise InvalidInput(_("Unknown district."), code="invalid_district", field="district")
    return district


def incidents_for(*, user) -> QuerySet[Incident]:
    """Incidents a staff user may see: desk staff all; district officials the statewide ones and
    their district's; vendor staff the public ones."""
    incidents = Incident.objects.prefetch_related("components", "districts")
    if is_desk(user):
        return incidents
    if is_district_official(user):
        return (incidents.filter(districts__isnull=True) | incidents.filter(districts=user.district_id)).distinct()
    if user.is_authenticated:
        return incidents.filter(is_public=True)
    return incidents.none()


def incident_get(*, user, incident_id: object) -> Incident:
    if not isinstance(incident_id, int) or isinstance(incident_id, bool):
        raise NotFound(_("Incident not found."))
    incident = incidents_for(user=user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


def open_incidents_for_banner() -> list[Incident]:
    return list(Incident.objects.exclude(status=IncidentStatus.RESOLVED).order_by("-created_at")[:10])


def open_suspicions(*, user) -> QuerySet[Suspicion]:
    suspicions = Suspicion.objects.filter(status=Suspicion.Status.OPEN).select_related("category", "district")
    if is_desk(user):
        return suspicions
    if is_district_official(user):
        return suspicions.filter(district_id=user.district_id)
    return suspicions.none()


def events_since(*, user, since: int, ticket_id: int | None = None):
    """TicketEvents after the cursor `since` that `user` may see (scope_tickets over the ticket)."""

    visible = scope_tickets(user, Ticket.objects.all()).values("pk")
    events = (TicketEvent.objects.filter(pk__gt=since, ticket_id__in=visible)
              .select_related("ticket").order_by("pk"))
    if ticket_id is not None:
        events = events.filter(ticket_id=ticket_id)
    return events
