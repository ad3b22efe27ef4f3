"""Choosing a policy for a ticket and freezing it into a snapshot."""

from __future__ import annotations

from .calendars import CalendarSpec, Window
from .models import ClockKind, Policy

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
    data = _snapshot(policy)
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
