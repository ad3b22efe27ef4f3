"""Who a ladder level reaches: the engineer on call now, named officers, a webhook."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from accounts.models import User

from . import rotations
from .models import Contact, OnCallRotation, RotationOverride, TargetKind, VendorEndpoint

ADDRESS_ORDER = ("sms", "email")  # a person's addresses, in the order fallbacks try them
CHANNELS = ("sms", "email", "voice")  # what a ladder level may ask for (voice calls the mobile)
OVERRIDE_LOOKBACK = dt.timedelta(days=2)
OVERRIDE_LOOKAHEAD = dt.timedelta(days=60)


_CACHE: dict[tuple, tuple[float, object]] = {}
CACHE_SECONDS = 15.0  # a sweep of thousands of due tickets looks people up once, not per ticket


def _cached(key: tuple, load):
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    if len(_CACHE) > 1000:
        _CACHE.clear()
    _CACHE[key] = (now, value)
    return value


def clear_cache() -> None:
    _CACHE.clear()


@dataclass
class Plan:
    """A rotation as the pure functions of `rotations` need it, plus the people by id."""

    rotation: OnCallRotation
    turns: rotations.Turns
    overrides: list[rotations.Span]
    users: dict[int, User]


def rotation_plan(rotation: OnCallRotation, now: dt.datetime) -> Plan:
    """Load a rotation's active members and the overrides near `now` (two queries)."""
    members = list(rotation.members.select_related("user").filter(user__is_active=True))
    overrides = list(RotationOverride.objects.select_related("user").filter(
        rotation=rotation, user__is_active=True, ends_at__gt=now - OVERRIDE_LOOKBACK,
        starts_at__lt=now + OVERRIDE_LOOKAHEAD))
    users = {m.user.pk: m.user for m in members} | {o.user.pk: o.user for o in overrides}
    turns = rotations.Turns(rotation.starts_at, rotation.shift_hours, tuple(m.user.pk for m in members))
    spans = [rotations.Span(o.user_id, o.starts_at, o.ends_at, o.pk) for o in overrides]
    return Plan(rotation, turns, spans, users)


def vendor_plan(vendor_id: int, now: dt.datetime) -> Plan | None:
    """The vendor's first active rotation (the one escalations use), cached briefly."""

    def load():
        rotation = OnCallRotation.objects.filter(vendor_id=vendor_id, is_active=True).order_by("id").first()
        return rotation_plan(rotation, now) if rotation is not None else None

    return _cached(("oncall", vendor_id), load)


def on_call_now(vendor_id: int, now: dt.datetime) -> User | None:
    """Who the vendor's first active rotation has on call at `now`, overrides included."""
    plan = vendor_plan(vendor_id, now)
    if plan is None:
        return None
    current, _next = rotations.now_and_next(plan.turns, plan.overrides, now)
    return plan.users.get(current.user_id) if current and current.user_id else None


def address(user: User, channel: str) -> str:
    if channel in ("sms", "voice"):
        return user.mobile
    if channel == "email":
        return user.email
    return ""


@dataclass
class Recipient:
    target: str
    user: User | None = None
    webhook: VendorEndpoint | None = None
    channels: list[tuple[str, str]] = field(default_factory=list)  # (channel, address) to send now
    fallback: list[tuple[str, str]] = field(default_factory=list)  # tried in order if one fails


def recipients(*, targets: list[str], channels: list[str], vendor_id: int | None, district_id: int,
               now: dt.datetime) -> list[Recipient]:
    """Resolve a level's targets to people (each person once) and their addresses."""
    people: list[tuple[str, User]] = []
    out: list[Recipient] = []
    for target in targets:
        if target == TargetKind.ON_CALL and vendor_id:
            user = on_call_now(vendor_id, now)
            if user:
                people.append((target, user))
        elif target in (TargetKind.RESPONSIBLE_OFFICER, TargetKind.VENDOR_HEAD) and vendor_id:
            contacts = _cached(("contacts", target, vendor_id), lambda t=target: list(
                Contact.objects.filter(designation=t, vendor_id=vendor_id, user__is_active=True).select_related("user")))
            people.extend((target, contact.user) for contact in contacts)
        elif target == TargetKind.DEPARTMENT_OFFICER:
            contacts = list(Contact.objects.filter(designation=target, user__is_active=True, district_id=district_id)
                            .select_related("user"))
            if not contacts:
                contacts = list(Contact.objects.filter(designation=target, user__is_active=True,
                                                       district__isnull=True).select_related("user"))
            people.extend((target, c.user) for c in contacts)
        elif target == TargetKind.WEBHOOK and vendor_id:
            endpoint = VendorEndpoint.objects.filter(vendor_id=vendor_id).first()
            if endpoint:
                out.append(Recipient(target=target, webhook=endpoint,
                                     channels=[("webhook", endpoint.webhook_url)]))
    seen: set[int] = set()
    for target, user in people:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        wanted = [c for c in channels if c in CHANNELS] or ["sms"]
        usable = [(c, address(user, c)) for c in wanted if address(user, c)]
        spare = [(c, address(user, c)) for c in ADDRESS_ORDER if c not in wanted and address(user, c)]
        if not usable and spare:
            usable, spare = spare[:1], spare[1:]
        out.append(Recipient(target=target, user=user, channels=usable, fallback=spare))
    return out
