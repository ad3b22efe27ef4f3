"""Every write of the live app: component statuses, incidents, public updates, internal notes,
linked tickets, suspected incidents. Pages, the API, tasks and the admin call these.

Locks: an incident's row (select_for_update) before any change to it; a component state row
before changing it. Live events leave on commit (live.events -> live.broadcast); SMS to the
requesters of linked tickets is queued by a task on commit through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import District
from helpdesk import inputs
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from helpdesk.queue import enqueue_on_commit
from tickets.models import Ticket
from tickets.services import Actor, ticket_link_incident

from . import events
from .models import (
    INCIDENT_TRANSITIONS,
    Component,
    ComponentState,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Severity,
    Suspicion,
)

MAX_TEXT = 2000


class InvalidIncidentTransition(Conflict):
    code = "invalid_incident_transition"


def _text(value: object, field: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    return inputs.text(value, field, max_len=max_length, required=required, strip=True)


def cadence_for(severity: str) -> int:
    return int(settings.INCIDENT_CADENCE_MINUTES.get(severity, 60))


def bump_status_version() -> None:
    """Invalidate the cached public status fragments (live.selectors)."""
    from django.core.cache import cache

    try:
        cache.incr("live:status-version")
    except ValueError:
        cache.set("live:status-version", 1, None)


# --- components ---------------------------------------------------------------------------------

@transaction.atomic
def component_set_status(
    *, component: Component, status: str, district: District | None = None, actor=None,
    incident: Incident | None = None,
) -> ComponentState:
    """Set a component's status statewide (district None) or in one district. Locks the state
    row; appends a ComponentStatusChange when the status changes. On commit: component.status."""
    if status not in ComponentStatus.values:
        raise InvalidInput(_("Unknown component status."), code="invalid_component_status", field="status")
    lookup = {"component": component, "district": district}
    state = ComponentState.objects.select_for_update().filter(**lookup).first()
    if state is None:
        try:
            with transaction.atomic():
                state = ComponentState.objects.create(status=ComponentStatus.OPERATIONAL,
                                                      updated_at=timezone.now(), **lookup)
        except IntegrityError:  # created concurrently: lock the winner's row
            state = ComponentState.objects.select_for_update().get(**lookup)
    # Taken under the lock, so the history's order by time is the order of the changes.
    now = timezone.now()
    if state.status == status:
        return state
    ComponentStatusChange.objects.create(
        component=component, district=district, from_status=state.status, to_status=status,
        incident=incident, actor=actor if actor is not None and actor.is_authenticated else None, at=now,
    )
    state.status = status
    state.incident = incident if status != ComponentStatus.OPERATIONAL else None
    state.updated_at = now
    state.save(update_fields=["status", "incident", "updated_at"])
    events.component_event(state)
    transaction.on_commit(bump_status_version)
    return state


def _affected_scopes(incident: Incident) -> list[District | None]:
    districts = list(incident.districts.all())
    return districts or [None]


# --- incidents ----------------------------------------------------------------------------------

@transaction.atomic
def incident_create(
    *, title: str, actor, severity: str = Severity.MAJOR, title_hi: str = "",
    components: Iterable[Component] = (), districts: Iterable[District] = (),
    component_status: str | None = None, body_en: str = "", body_hi: str = "", is_public: bool = True,
    ticket_ids: Iterable[int] = (),
) -> Incident:
    """Open an incident (status investigating). Sets the affected components to
    `component_status` in each affected district (or statewide). A public incident starts with
    its first public update (English and Hindi) and its update cadence. Links `ticket_ids`.
    On commit: incident.created, component.status events; SMS to linked requesters."""
    title = _text(title, "title", max_length=200)
    title_hi = _text(title_hi, "title_hi", required=False, max_length=200)
    if severity not in Severity.values:
        raise InvalidInput(_("Severity is minor, major or critical."), code="invalid_severity", field="severity")
    if component_status is not None and component_status not in ComponentStatus.values:
        raise InvalidInput(_("Unknown component status."), code="invalid_component_status", field="component_status")
    components = list(components)
    districts = list(districts)
    if is_public:
        body_en = _text(body_en, "body_en")
        body_hi = _text(body_hi, "body_hi")
    incident = Incident.objects.create(
        title=title, title_hi=title_hi, severity=severity, is_public=is_public, created_by=_user(actor),
        cadence_minutes=cadence_for(severity),
    )
    incident.components.set(components)
    incident.districts.set(districts)
    if component_status:
        for component in components:
            for district in districts or [None]:
                component_set_status(component=component, status=component_status, district=district,
                                     actor=actor, incident=incident)
    events.incident_event("created", incident)
    if is_public:
        _add_update(incident, body_en=body_en, body_hi=body_hi, actor=actor, public=True)
    ticket_ids = list(ticket_ids)
    if ticket_ids:
        incident_link_tickets(incident_id=incident.pk, ticket_ids=ticket_ids, actor=actor)
    transaction.on_commit(bump_status_version)
    return incident


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock_incident(incident_id: int) -> Incident:
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


def _add_update(incident: Incident, *, body_en: str, body_hi: str, actor, public: bool) -> IncidentUpdate:
    now = timezone.now()
    update = IncidentUpdate.objects.create(
        incident=incident, is_public=public, status=incident.status, body_en=body_en, body_hi=body_hi,
        author=_user(actor), created_at=now,
    )
    fields = ["updated_at"]
    if public:
        incident.last_public_update_at = now
        incident.overdue_since = None
        incident.next_update_due_at = (
            None if incident.status == IncidentStatus.RESOLVED
            else now + dt.timedelta(minutes=incident.cadence_minutes)
        )
        fields += ["last_public_update_at", "overdue_since", "next_update_due_at"]
    incident.save(update_fields=fields)
    events.incident_event("update" if public else "note", incident, public=public, update_id=update.pk)
    if public:
        enqueue_on_commit("live.tasks.notify_linked_requesters", update.pk)
        transaction.on_commit(bump_status_version)
    return update


@transaction.atomic
def incident_post_update(
    *, incident_id: int, body_en: str, body_hi: str, actor, status: str | None = None,
    restore_components: bool = True,
) -> IncidentUpdate:
    """Post a public update in English and Hindi, optionally moving the lifecycle on (a move to
    resolved restores the components unless restore_components=False). Locks the incident.
    Resets the update cadence. On commit: incident.update event; a task queues one SMS per
    linked ticket's requester (outbox key per update and ticket)."""
    body_en = _text(body_en, "body_en")
    body_hi = _text(body_hi, "body_hi")
    incident = _lock_incident(incident_id)
    if not incident.is_public:
        raise Conflict(_("This incident is internal; add an internal note instead."), code="incident_internal")
    if status and status != incident.status:
        _move(incident, status, actor=actor, restore_components=restore_components)
    elif incident.status == IncidentStatus.RESOLVED:
        raise InvalidIncidentTransition(_("This incident is resolved."), status=incident.status)
    return _add_update(incident, body_en=body_en, body_hi=body_hi, actor=actor, public=True)


@transaction.atomic
def incident_add_note(*, incident_id: int, body: str, actor) -> IncidentUpdate:
    """An internal note: staff only, never on the status page, never sent to citizens."""
    body = _text(body, "body")
    incident = _lock_incident(incident_id)
    return _add_update(incident, body_en=body, body_hi="", actor=actor, public=False)


def _move(incident: Incident, to: str, *, actor, restore_components: bool) -> None:
    if to not in IncidentStatus.values:
        raise InvalidInput(_("Unknown incident status."), code="invalid_incident_status", field="status")
    if to not in INCIDENT_TRANSITIONS[incident.status]:
        raise InvalidIncidentTransition(
            _("An incident that is %(from)s cannot move to %(to)s.") % {"from": incident.status, "to": to},
            status=incident.status, allowed=sorted(INCIDENT_TRANSITIONS[incident.status]),
        )
    previous = incident.status
    incident.status = to
    fields = ["status", "updated_at"]
    if to == IncidentStatus.RESOLVED:
        incident.resolved_at = timezone.now()
        incident.next_update_due_at = None
        incident.overdue_since = None
        fields += ["resolved_at", "next_update_due_at", "overdue_since"]
    incident.save(update_fields=fields)
    events.incident_event("status", incident, changes={"from": previous, "to": to})
    if to == IncidentStatus.RESOLVED and restore_components:
        # A component (in a place) that another open incident also affects stays as it is.
        held: set[tuple[int, int | None]] = set()
        others = (Incident.objects.exclude(pk=incident.pk).exclude(status=IncidentStatus.RESOLVED)
                  .filter(components__in=incident.components.all()).distinct()
                  .prefetch_related("components", "districts"))
        for other in others:
            scopes = [d.pk for d in other.districts.all()] or [None]
            held.update((c.pk, scope) for c in other.components.all() for scope in scopes)
        for component in incident.components.all():
            for district in _affected_scopes(incident):
                if (component.pk, district.pk if district else None) in held:
                    continue
                component_set_status(component=component, status=ComponentStatus.OPERATIONAL,
                                     district=district, actor=actor, incident=incident)
    transaction.on_commit(bump_status_version)


@transaction.atomic
def incident_transition(
    *, incident_id: int, to: str, actor, restore_components: bool = True, body_en: str = "", body_hi: str = "",
) -> Incident:
    """Move the lifecycle (investigating -> identified -> monitoring -> resolved). With text, a
    public update is posted too. Resolving restores the affected components to operational
    unless restore_components=False. Locks the incident. Raises InvalidIncidentTransition (409)."""
    if body_en or body_hi:
        incident_post_update(incident_id=incident_id, body_en=body_en, body_hi=body_hi, actor=actor, status=to,
                             restore_components=restore_components)
        return Incident.objects.get(pk=incident_id)
    incident = _lock_incident(incident_id)
    _move(incident, to, actor=actor, restore_components=restore_components)
    return incident


@transaction.atomic
def incident_set_cadence(*, incident_id: int, minutes: int, actor) -> Incident:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not (5 <= minutes <= 24 * 60):
        raise InvalidInput(_("The update cadence is 5 to 1440 minutes."), code="invalid_cadence", field="minutes")
    incident = _lock_incident(incident_id)
    incident.cadence_minutes = minutes
    if incident.is_open and incident.last_public_update_at:
        incident.next_update_due_at = incident.last_public_update_at + dt.timedelta(minutes=minutes)
    incident.save(update_fields=["cadence_minutes", "next_update_due_at", "updated_at"])
    return incident


@transaction.atomic
def incident_link_tickets(*, incident_id: int, ticket_ids: Iterable[int], actor) -> int:
    """Link tickets to the incident (one click from a ticket, or in bulk). Each goes through
    tickets.services.ticket_link_incident (row lock, event, broadcast). Returns how many
    changed. Unknown ticket ids are refused as a whole (404) before anything changes."""

    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("Incident not found."))
    if incident.status == IncidentStatus.RESOLVED:
        raise Conflict(_("This incident is resolved; open a new one."), code="incident_resolved")
    ids = sorted(set(ticket_ids))
    current = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "incident_id"))
    missing = [i for i in ids if i not in current]
    if missing:
        raise NotFound(_("Ticket not found."), ticket_ids=missing)
    who = Actor.of(_user(actor))
    changed = 0
    for ticket_id in ids:  # ascending ids: a fixed lock order across concurrent bulk links
        if current[ticket_id] != incident.pk:
            ticket_link_incident(ticket_id=ticket_id, incident_id=incident.pk, actor=who)
            changed += 1
    if changed:
        events.incident_event("tickets_linked", incident, public=False, count=changed)
    return changed


# --- suspected incidents ------------------------------------------------------------------------

def _lock_open_suspicion(suspicion_id: int) -> Suspicion:
    suspicion = Suspicion.objects.select_for_update().filter(pk=suspicion_id).first()
    if suspicion is None:
        raise NotFound(_("Suspected incident not found."))
    if suspicion.status != Suspicion.Status.OPEN:
        raise Conflict(_("This suspected incident was already %(status)s.") % {"status": suspicion.status},
                       code="suspicion_decided", status=suspicion.status)
    return suspicion


@transaction.atomic
def suspicion_confirm(
    *, suspicion_id: int, actor, title: str = "", title_hi: str = "", severity: str = Severity.MAJOR,
    body_en: str = "", body_hi: str = "", is_public: bool = False,
) -> Incident:
    """Confirm a suspected incident: opens an incident (internal unless is_public with a first
    public update) for the category and district, and links the matching tickets. Locks the
    suspicion; confirming twice is a 409."""
    suspicion = _lock_open_suspicion(suspicion_id)
    category = suspicion.category
    place = suspicion.district.name_en if suspicion.district else "statewide"
    place_hi = suspicion.district.name_hi if suspicion.district else "पूरे राज्य में"
    incident = incident_create(
        title=title or f"{category.name_en}: many complaints ({place})",
        title_hi=title_hi or f"{category.name_hi}: अनेक शिकायतें ({place_hi})",
        severity=severity, actor=actor, districts=[suspicion.district] if suspicion.district else [],
        is_public=is_public, body_en=body_en, body_hi=body_hi,
        ticket_ids=list(suspicion.tickets.values_list("pk", flat=True)),
    )
    now = timezone.now()
    suspicion.status = Suspicion.Status.CONFIRMED
    suspicion.incident = incident
    suspicion.decided_by = _user(actor)
    suspicion.decided_at = now
    suspicion.updated_at = now
    suspicion.save(update_fields=["status", "incident", "decided_by", "decided_at", "updated_at"])
    events.suspicion_event("confirmed", suspicion)
    return incident


@transaction.atomic
def suspicion_dismiss(*, suspicion_id: int, actor) -> Suspicion:
    """Dismiss a suspected incident. The detector then counts only complaints after this
    moment for the same category and place. Locks the suspicion; a second decision is a 409."""
    suspicion = _lock_open_suspicion(suspicion_id)
    now = timezone.now()
    suspicion.status = Suspicion.Status.DISMISSED
    suspicion.decided_by = _user(actor)
    suspicion.decided_at = now
    suspicion.updated_at = now
    suspicion.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    events.suspicion_event("dismissed", suspicion)
    return suspicion
