"""Celery tasks of the live app. Each takes ids, re-fetches and is idempotent (outbox keys and
unique cadence alerts make a retry harmless)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.outbox import outbox_enqueue
from tickets.models import Ticket

from . import events, presence
from .models import CadenceAlert, Incident, IncidentStatus, IncidentUpdate
from .spikes import scopes, spike_check, spike_check_scopes

log = logging.getLogger(__name__)

SMS_LIMIT = 300


@shared_task(acks_late=True)
def spike_check_task(category_id: int, district_id: int | None) -> int:
    return len(spike_check(category_id=category_id, district_id=district_id))


@shared_task(acks_late=True, ignore_result=True)
def spike_check_batch(pairs: list[list[int | None]], trailing: bool = False) -> int:
    """The spike checks of a batch of new tickets ([category_id, district_id] pairs): each
    district scope once and each category's statewide scope once (`trailing`: `pairs` are the
    exact scopes left over by earlier batches).

    In a surge every web process sends such a batch each second, naming the same scopes: a
    scope is checked at most once per SPIKE_CHECK_SECONDS by all workers together (a key in the
    shared cache), and a scope passed over meanwhile is checked once more when that interval
    ends, in one delayed task for the leftovers, so the last complaints of a burst are always
    looked at. 0 checks every scope of every batch."""
    todo = [(category_id, district_id) for category_id, district_id in pairs] if trailing else scopes(pairs)
    interval = settings.SPIKE_CHECK_SECONDS
    if interval:
        todo, later = _debounce(todo, interval, trailing=trailing)
        if later:
            spike_check_batch.apply_async(([list(scope) for scope in later],), {"trailing": True},
                                          countdown=interval)
    return len(spike_check_scopes(todo))


def _debounce(todo, interval: int, *, trailing: bool):
    """(scopes to check now, scopes to check when the interval ends)."""
    def key(kind: str, scope) -> str:
        return f"spike-{kind}:{scope[0]}:{scope[1] or 'state'}"

    if trailing:  # the leftovers' turn: check them all, and start a new interval for each
        cache.delete_many([key("trailing", scope) for scope in todo])
        cache.set_many({key("checked", scope): 1 for scope in todo}, timeout=interval)
        return todo, []
    now, later = [], []
    for scope in todo:
        if cache.add(key("checked", scope), 1, timeout=interval):
            now.append(scope)
        elif cache.add(key("trailing", scope), 1, timeout=3 * interval):
            later.append(scope)  # else a check at the interval's end is already asked for
    return now, later


def _update_text(update: IncidentUpdate, language: str) -> str:
    body = update.body_hi if language == "hi" and update.body_hi else update.body_en
    with translation.override(language):
        text = _("Portal status update: %(body)s %(link)s") % {"body": body, "link": f"{settings.SITE_URL}/status/"}
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 3] + "..."


@shared_task(acks_late=True)
def notify_linked_requesters(update_id: int) -> int:
    """Send a public update to the requesters of the incident's linked tickets, each in their
    language, by SMS (or email for a logged-in requester without a mobile). One outbox row per
    update and ticket (idempotency key), so a retried task sends nothing twice."""

    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id, is_public=True).first()
    if update is None:
        return 0
    queued = 0
    tickets = (Ticket.objects.filter(incident_id=update.incident_id).exclude(status="merged")
               .select_related("created_by").order_by("pk"))
    with transaction.atomic():
        for ticket in tickets.iterator(chunk_size=500):
            key = f"incident-update:{update.pk}:ticket:{ticket.pk}"
            language = ticket.requester_language if ticket.requester_language in ("en", "hi") else "en"
            if ticket.requester_mobile:
                outbox_enqueue(channel="sms", recipient=ticket.requester_mobile, body=_update_text(update, language),
                               idempotency_key=key, ticket_id=ticket.pk, language=language)
            elif ticket.created_by_id and ticket.created_by.email and ticket.requester_kind == "district_official":
                outbox_enqueue(channel="email", recipient=ticket.created_by.email, subject=update.incident.title,
                               body=_update_text(update, language), idempotency_key=key, ticket_id=ticket.pk,
                               language=language)
            else:
                continue
            queued += 1
    return queued


def _supervisors():
    return User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]).order_by("pk")


@shared_task
def incident_cadence_sweep(now_iso: str | None = None) -> dict:
    """The update cadence of open public incidents. A warning (console) shortly before an update
    is due; when it is missed, the incident is marked overdue and every supervisor is notified
    through the outbox, once per missed slot (CadenceAlert is unique per incident, kind and due
    time; outbox keys per incident, slot and recipient). Each further missed slot escalates again."""
    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    warn_before = dt.timedelta(minutes=settings.INCIDENT_CADENCE_WARNING_MINUTES)
    due = (Incident.objects.filter(is_public=True, next_update_due_at__lte=now + warn_before)
           .exclude(status=IncidentStatus.RESOLVED).values_list("pk", flat=True))
    result = {"warned": 0, "missed": 0}
    for incident_id in list(due):
        outcome = _cadence_one(incident_id, now)
        if outcome:
            result[outcome] += 1
    return result


@transaction.atomic
def _cadence_one(incident_id: int, now: dt.datetime) -> str | None:
    incident = Incident.objects.select_for_update(skip_locked=True).filter(pk=incident_id).first()
    if incident is None or incident.next_update_due_at is None or incident.status == IncidentStatus.RESOLVED:
        return None
    due = incident.next_update_due_at
    cadence = dt.timedelta(minutes=incident.cadence_minutes)
    if now < due:
        kind, slot = CadenceAlert.Kind.WARNING, due
    else:
        missed = int((now - due) / cadence)
        kind, slot = CadenceAlert.Kind.MISSED, due + missed * cadence
    try:
        with transaction.atomic():
            CadenceAlert.objects.create(incident=incident, kind=kind, due_at=slot)
    except IntegrityError:
        return None  # this slot was already handled
    if kind == CadenceAlert.Kind.WARNING:
        events.incident_event("update_due", incident, public=False, due_at=due.isoformat())
        return "warned"
    if incident.overdue_since is None:
        incident.overdue_since = due
        incident.save(update_fields=["overdue_since", "updated_at"])
    minutes = int((now - (incident.last_public_update_at or incident.created_at)).total_seconds() // 60)
    for user in _supervisors():
        with translation.override(user.preferred_language or "en"):
            body = _("Incident #%(id)s \"%(title)s\": no public update for %(minutes)s minutes (due every "
                     "%(cadence)s). Post one: %(link)s") % {
                "id": incident.pk, "title": incident.title, "minutes": minutes,
                "cadence": incident.cadence_minutes, "link": f"{settings.SITE_URL}/incidents/{incident.pk}/"}
        key = f"incident-cadence:{incident.pk}:{slot.isoformat()}:user:{user.pk}"
        if user.mobile:
            outbox_enqueue(channel="sms", recipient=user.mobile, body=body, idempotency_key=key,
                           language=user.preferred_language or "en")
        elif user.email:
            outbox_enqueue(channel="email", recipient=user.email, subject=_("Incident update overdue"), body=body,
                           idempotency_key=key, language=user.preferred_language or "en")
    events.incident_event("overdue", incident, public=False, due_at=due.isoformat(), missed_slot=slot.isoformat())
    return "missed"


@shared_task(acks_late=True, ignore_result=True)
def presence_purge() -> int:
    """Periodic: forget presence entries that expired (in-process backend; Redis keys expire)."""
    return presence.backend().purge()
