"""Choosing a policy for a ticket and freezing it into a snapshot."""

from __future__ import annotations

import json

from django.db import connection

from .calendars import CalendarSpec, Window
from .models import Calendar, CalendarWindow, ClockKind, Holiday, Ladder, LadderLevel, Policy

DEFAULT_ESCALATE = [ClockKind.RESOLUTION, ClockKind.VENDOR_ACK, ClockKind.VENDOR_RESTORE, ClockKind.ETA]

# Used only when no policy matches and no fallback exists: 24x7, generous targets, no ladder.
BUILTIN_FALLBACK = {
    "policy_id": None,
    "policy_name": "built-in fallback",
    "calendar": CalendarSpec.always().to_dict(),
    "targets": {"first_response": 240, "resolution": 2880, "vendor_ack": 60, "vendor_restore": 480, "eta": 60},
    "warn_percent": 75,
    "warn_before_minutes": 15,
    "ladder": None,
    "escalate_clocks": [str(k) for k in DEFAULT_ESCALATE],
    "vendor_id": None,
}


def policy_matches(policy: Policy, ticket) -> bool:
    return (
        (not policy.priority or policy.priority == ticket.priority)
        and (policy.category_id is None or policy.category_id == ticket.category_id)
        and (policy.district_id is None or policy.district_id == ticket.district_id)
        and (not policy.requester_kind or policy.requester_kind == ticket.requester_kind)
    )


def select_policy(ticket) -> Policy | None:
    """First active match by position wins; else the fallback policy; else None."""
    policies = list(Policy.objects.filter(is_active=True).select_related("calendar", "ladder"))
    for policy in policies:
        if not policy.is_fallback and policy_matches(policy, ticket):
            return policy
    return next((p for p in policies if p.is_fallback), None)


def calendar_spec(calendar) -> CalendarSpec:
    if calendar.always_open:
        return CalendarSpec.always(calendar.timezone)
    return CalendarSpec(
        tz=calendar.timezone,
        windows=tuple(Window(w.weekday, w.opens, w.closes) for w in calendar.windows.all()),
        holidays=frozenset(h.date for h in calendar.holidays.all()),
    )


def snapshot(policy: Policy | None, ticket=None) -> dict:
    """Everything the clocks need, frozen: editing the policy later changes no ticket in flight.
    A P1 always runs on 24x7: if the chosen policy has a business-hours calendar, the snapshot
    says so explicitly (`calendar_forced_24x7`) instead of silently moving the P1 to office hours."""
    return _force_p1(_snapshot(policy), ticket)


def _force_p1(data: dict, ticket) -> dict:
    if ticket is not None and ticket.priority == "P1" and not data["calendar"].get("always_open"):
        data["calendar"] = CalendarSpec.always(data["calendar"].get("tz", "Asia/Kolkata")).to_dict()
        data["calendar_forced_24x7"] = True
    return data


def _snapshot(policy: Policy | None) -> dict:
    if policy is None:
        return dict(BUILTIN_FALLBACK)
    ladder = None
    if policy.ladder is not None:
        ladder = {
            "name": policy.ladder.name,
            "repeat_every_minutes": policy.ladder.repeat_every_minutes,
            "max_loops": policy.ladder.max_loops if policy.ladder.repeat_every_minutes else 1,
            "levels": [
                {"level": lv.level, "offset_minutes": lv.offset_minutes, "targets": list(lv.targets),
                 "channels": list(lv.channels), "requires_ack": lv.requires_ack}
                for lv in policy.ladder.levels.all()
            ],
        }
    return {
        "policy_id": policy.pk,
        "policy_name": policy.name,
        "calendar": calendar_spec(policy.calendar).to_dict(),
        "targets": {
            "first_response": policy.first_response_minutes,
            "resolution": policy.resolution_minutes,
            "vendor_ack": policy.vendor_ack_minutes,
            "vendor_restore": policy.vendor_restore_minutes,
            "eta": policy.eta_update_minutes,
        },
        "warn_percent": policy.warn_percent,
        "warn_before_minutes": policy.warn_before_minutes,
        "ladder": ladder,
        "escalate_clocks": list(policy.escalate_clocks or [str(k) for k in DEFAULT_ESCALATE]),
        "vendor_id": policy.vendor_id,
        "notify_citizen_on_ack": policy.notify_citizen_on_ack,
    }


# --- The policies of new tickets, kept per process while their rows are unchanged ----------------
# On PostgreSQL, one small statement reads a signature of every row version of the policy tables
# (each row's xmin and ctid: any insert, update or delete, committed or in this transaction,
# changes it, and a rolled-back change restores the earlier signature together with the earlier
# rows). While it is unchanged, the active policies and their snapshots come from this process's
# copy instead of a query with joins per ticket. Elsewhere (SQLite) every ticket reads them.
_MODELS = (Policy, Calendar, CalendarWindow, Holiday, Ladder, LadderLevel)
_cached: tuple | None = None  # (database, signature, [(policy, snapshot JSON)])


def _signature_sql() -> str:
    parts = [f"(SELECT coalesce(string_agg(xmin::text || ctid::text, ',' ORDER BY ctid), '') "
             f"FROM {connection.ops.quote_name(model._meta.db_table)})" for model in _MODELS]
    return "SELECT md5(" + " || '|' || ".join(parts) + ")"


def _signature() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_signature_sql())
        return cursor.fetchone()[0]


def _active_policies() -> list[tuple[Policy, str]]:
    global _cached
    database = connection.settings_dict["NAME"]
    signature = _signature()
    if signature is not None and _cached is not None and _cached[:2] == (database, signature):
        return _cached[2]
    policies = [(p, json.dumps(_snapshot(p)))
                for p in Policy.objects.filter(is_active=True).select_related("calendar", "ladder")]
    if signature is not None and _signature() == signature:  # nothing changed while reading
        _cached = (database, signature, policies)
    return policies


def policy_for_new_ticket(ticket) -> tuple[int | None, dict]:
    """`select_policy` and `snapshot` for a ticket being created: (policy id or None, snapshot).
    The same choice and the same snapshot, from the per-process copy while the policy tables
    are unchanged."""
    policies = _active_policies()
    chosen = next((entry for entry in policies if not entry[0].is_fallback and policy_matches(entry[0], ticket)),
                  None) or next((entry for entry in policies if entry[0].is_fallback), None)
    data = json.loads(chosen[1]) if chosen is not None else dict(BUILTIN_FALLBACK)
    return (chosen[0].pk if chosen is not None else None), _force_p1(data, ticket)
