"""Who a ladder level reaches: the engineer on call now, named officers, a webhook."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from accounts.models import User

from .models import Contact, OnCallRotation, TargetKind, VendorEndpoint

ADDRESS_ORDER = ("sms", "email")


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


def on_call_now(vendor_id: int, now: dt.datetime) -> User | None:
    """The member of the vendor's first active rotation whose shift covers `now`."""

    def load():
        rotation = (OnCallRotation.objects.filter(vendor_id=vendor_id, is_active=True)
                    .order_by("id").first())
        if rotation is None:
            return None, []
        return rotation, list(rotation.members.select_related("user").filter(user__is_active=True))

    rotation, members = _cached(("oncall", vendor_id), load)
    if rotation is None or not members or rotation.starts_at > now:
        return None
    shift = dt.timedelta(hours=rotation.shift_hours)
    index = int((now - rotation.starts_at) // shift) % len(members)
    return members[index].user


def address(user: User, channel: str) -> str:
    if channel == "sms":
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
        wanted = [c for c in channels if c in ADDRESS_ORDER] or ["sms"]
        usable = [(c, address(user, c)) for c in wanted if address(user, c)]
        spare = [(c, address(user, c)) for c in ADDRESS_ORDER if c not in wanted and address(user, c)]
        if not usable and spare:
            usable, spare = spare[:1], spare[1:]
        out.append(Recipient(target=target, user=user, channels=usable, fallback=spare))
    return out
