"""Spike detection: many complaints of one category in one district (or statewide) in a short
window, well above the usual rate, propose a suspected incident (DOMAIN.md §7).

When it runs: after new tickets commit (the tickets.hooks listener adds the ticket's category
and district to its process's batch; live.tasks.spike_check_batch checks a second's worth of
new tickets together, each scope once). The count only changes when a ticket is created, so a
check at that moment notices a spike within seconds, and running it after commit keeps ticket
creation free of extra queries and of lock waits on the suspicion row during a surge. The check
is two indexed count queries per scope. During a surge every web process names the same scopes
each second: the task checks a scope at most once per SPIKE_CHECK_SECONDS for all processes
together, and a scope passed over meanwhile once more when that interval ends (live.tasks).

Rule (settings, README "Live status and incidents"): in the last SPIKE_WINDOW_MINUTES there are
at least SPIKE_MIN_COUNT unlinked complaints of the category in the scope, and at least
SPIKE_FACTOR times the baseline, the average count per window over the SPIKE_BASELINE_HOURS
before the window. Statewide needs complaints from at least SPIKE_STATEWIDE_MIN_DISTRICTS
districts (one district's burst is that district's suspicion). Only complaints after the last
decision for the same category and scope count, so a dismissed suspicion does not come back
at once, and confirmed ones are linked (tickets with an incident never count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tickets.models import Ticket

from . import events
from .models import Suspicion


@dataclass(frozen=True)
class Rule:
    window: dt.timedelta
    min_count: int
    factor: float
    baseline: dt.timedelta
    statewide_min_districts: int

    @classmethod
    def from_settings(cls) -> Rule:
        return cls(
            window=dt.timedelta(minutes=settings.SPIKE_WINDOW_MINUTES),
            min_count=settings.SPIKE_MIN_COUNT,
            factor=settings.SPIKE_FACTOR,
            baseline=dt.timedelta(hours=settings.SPIKE_BASELINE_HOURS),
            statewide_min_districts=settings.SPIKE_STATEWIDE_MIN_DISTRICTS,
        )


def _excluded_statuses() -> list[str]:
    return ["merged"]


def spike_check(*, category_id: int, district_id: int | None, now: dt.datetime | None = None,
                rule: Rule | None = None) -> list[Suspicion]:
    """Check the district scope and the statewide scope of one category. Returns the suspicions
    created or grown (each in its own transaction)."""
    now = now or timezone.now()
    rule = rule or Rule.from_settings()
    found = []
    for scope in ([district_id] if district_id else []) + [None]:
        suspicion = _check_scope(category_id=category_id, district_id=scope, now=now, rule=rule)
        if suspicion is not None:
            found.append(suspicion)
    return found


def scopes(pairs) -> list[tuple[int, int | None]]:
    """The scopes to check for new tickets' (category_id, district_id) pairs: each district scope
    once, then each category's statewide scope (district None) once, not once per district."""
    pairs = list(dict.fromkeys((category_id, district_id) for category_id, district_id in pairs))
    return [pair for pair in pairs if pair[1]] + [(category_id, None) for category_id in
                                                  dict.fromkeys(category_id for category_id, _ in pairs)]


def spike_check_scopes(todo, *, now: dt.datetime | None = None, rule: Rule | None = None) -> list[Suspicion]:
    """Check exactly these (category_id, district_id or None) scopes."""
    now = now or timezone.now()
    rule = rule or Rule.from_settings()
    found = []
    for category_id, district_id in todo:
        suspicion = _check_scope(category_id=category_id, district_id=district_id, now=now, rule=rule)
        if suspicion is not None:
            found.append(suspicion)
    return found


def _check_scope(*, category_id: int, district_id: int | None, now: dt.datetime, rule: Rule) -> Suspicion | None:
    tickets = Ticket.objects.filter(category_id=category_id).exclude(status__in=_excluded_statuses())
    if district_id is not None:
        tickets = tickets.filter(district_id=district_id)
    decided = Suspicion.objects.filter(category_id=category_id, district_id=district_id).exclude(
        status=Suspicion.Status.OPEN).aggregate(last=Max("decided_at"))["last"]
    window_start = now - rule.window
    if decided is not None and decided > window_start:
        window_start = decided
    in_window = tickets.filter(created_at__gt=window_start, created_at__lte=now, incident__isnull=True)
    count = in_window.count()
    if count < rule.min_count:
        return None
    baseline_start = now - rule.window - rule.baseline
    baseline_count = tickets.filter(created_at__gt=baseline_start, created_at__lte=now - rule.window).count()
    baseline = baseline_count / (rule.baseline / rule.window)
    if count < rule.factor * baseline:
        return None
    ids = list(in_window.order_by("pk").values_list("pk", flat=True)[:500])
    if district_id is None:
        districts = in_window.values("district_id").distinct().count()
        if districts < rule.statewide_min_districts:
            return None
    return _record(category_id=category_id, district_id=district_id, count=count, baseline=baseline,
                   ticket_ids=ids, now=now)


@transaction.atomic
def _record(*, category_id: int, district_id: int | None, count: int, baseline: float, ticket_ids: list[int],
            now: dt.datetime) -> Suspicion:
    """Create the open suspicion for this scope, or grow the existing one. The partial unique
    constraint keeps one open suspicion per (category, scope) under concurrent checks."""
    suspicion = (Suspicion.objects.select_for_update()
                 .filter(category_id=category_id, district_id=district_id, status=Suspicion.Status.OPEN).first())
    created = False
    if suspicion is None:
        try:
            with transaction.atomic():
                suspicion = Suspicion.objects.create(
                    category_id=category_id, district_id=district_id, window_count=count, baseline=baseline,
                    created_at=now, updated_at=now,
                )
                created = True
        except IntegrityError:
            suspicion = Suspicion.objects.select_for_update().get(
                category_id=category_id, district_id=district_id, status=Suspicion.Status.OPEN)
    known = set(suspicion.tickets.values_list("pk", flat=True))
    new_ids = [pk for pk in ticket_ids if pk not in known]
    if not created and not new_ids:
        return suspicion
    suspicion.tickets.add(*new_ids)
    suspicion.window_count = max(count, suspicion.window_count)
    suspicion.baseline = baseline
    suspicion.updated_at = now
    suspicion.save(update_fields=["window_count", "baseline", "updated_at"])
    events.suspicion_event("suspected" if created else "grown", suspicion, ticket_ids=sorted(known | set(new_ids)))
    return suspicion
