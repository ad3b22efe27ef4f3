"""Configuration writes: ladders and their levels, SLA policies, "test this ladder". The admin's
forms and the API call the same checks and services, so a rule is written once. Tickets in
flight never change: their policy (with its ladder) is snapshotted when their clocks start."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User, Vendor
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from notifications.outbox import outbox_enqueue

from .models import (
    ClockKind,
    Contact,
    Ladder,
    LadderLevel,
    LadderTestRun,
    OnCallRotation,
    Policy,
    TargetKind,
)
from .people import CHANNELS, recipients

PERSON_TARGETS = [t for t in TargetKind.values if t != TargetKind.WEBHOOK]


@dataclass(frozen=True)
class LevelSpec:
    level: int
    offset_minutes: int
    targets: list[str]
    channels: list[str]
    requires_ack: bool = True


def check_level(*, targets: list[str], channels: list[str]) -> tuple[list[str], list[str]]:
    """A level reaches someone (targets from TargetKind) by known channels (sms, email, voice;
    none only for a webhook-only level). Returns both lists de-duplicated in canonical order."""
    targets, channels = list(targets or []), list(channels or [])
    unknown = sorted(set(targets) - set(TargetKind.values))
    if not targets or unknown:
        raise InvalidInput(_("Choose who the level reaches: %(names)s.") % {
            "names": ", ".join(str(label) for label in TargetKind.labels)}, code="invalid_targets", field="targets")
    if set(channels) - set(CHANNELS):
        raise InvalidInput(_("Channels are SMS, email and phone call."), code="invalid_channels", field="channels")
    if not channels and set(targets) & set(PERSON_TARGETS):
        raise InvalidInput(_("Choose at least one channel for the people of this level."), code="invalid_channels",
                           field="channels")
    return ([t for t in TargetKind.values if t in targets], [c for c in CHANNELS if c in channels])


def check_levels(levels: list[LevelSpec]) -> list[LevelSpec]:
    """At least one level; numbers unique and from 1; a higher level never fires before a lower one."""
    if not levels:
        raise InvalidInput(_("A ladder has at least one level."), code="invalid_levels", field="levels")
    ordered = sorted(levels, key=lambda lv: lv.level)
    numbers = [lv.level for lv in ordered]
    if len(set(numbers)) != len(numbers) or numbers[0] < 1:
        raise InvalidInput(_("Level numbers are unique, from 1."), code="invalid_levels", field="levels")
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        if higher.offset_minutes < lower.offset_minutes:
            raise InvalidInput(_("Level %(n)s fires before level %(m)s: offsets must not decrease.") % {
                "n": higher.level, "m": lower.level}, code="invalid_levels", field="levels")
    out = []
    for lv in ordered:
        targets, channels = check_level(targets=lv.targets, channels=lv.channels)
        out.append(LevelSpec(lv.level, lv.offset_minutes, targets, channels, lv.requires_ack))
    return out


def check_repeat(*, repeat_every_minutes: int | None, max_loops: int) -> None:
    if max_loops < 1 or max_loops > 20:
        raise InvalidInput(_("A ladder runs 1 to 20 times."), code="invalid_loops", field="max_loops")
    if repeat_every_minutes is not None and repeat_every_minutes < 1:
        raise InvalidInput(_("Repeat after at least one minute."), code="invalid_repeat", field="repeat_every_minutes")
    if max_loops > 1 and repeat_every_minutes is None:
        raise InvalidInput(_("Say after how many minutes the ladder repeats."), code="invalid_repeat",
                           field="repeat_every_minutes")


@transaction.atomic
def ladder_save(*, ladder_id: int | None = None, name: str, repeat_every_minutes: int | None, max_loops: int,
                levels: list[LevelSpec]) -> Ladder:
    """Create a ladder, or replace one's settings and levels. Locks the ladder row. Tickets in
    flight keep the ladder they snapshotted. Raises NotFound, InvalidInput, Conflict (name taken)."""
    if not name or not name.strip():
        raise InvalidInput(_("Give the ladder a name."), code="invalid_name", field="name")
    check_repeat(repeat_every_minutes=repeat_every_minutes, max_loops=max_loops)
    levels = check_levels(levels)
    if ladder_id is None:
        ladder = Ladder()
    else:
        ladder = Ladder.objects.select_for_update().filter(pk=ladder_id).first()
        if ladder is None:
            raise NotFound(_("No such ladder."))
    ladder.name, ladder.repeat_every_minutes, ladder.max_loops = name.strip()[:100], repeat_every_minutes, max_loops
    try:
        with transaction.atomic():
            ladder.save()
    except IntegrityError:
        raise Conflict(_("Another ladder has this name."), code="name_taken", field="name") from None
    ladder.levels.all().delete()
    LadderLevel.objects.bulk_create([
        LadderLevel(ladder=ladder, level=lv.level, offset_minutes=lv.offset_minutes, targets=lv.targets,
                    channels=lv.channels, requires_ack=lv.requires_ack) for lv in levels])
    return ladder


@transaction.atomic
def ladder_delete(*, ladder_id: int) -> None:
    """Delete a ladder no policy uses (tickets in flight keep their snapshot). Raises NotFound, Conflict."""
    ladder = Ladder.objects.select_for_update().filter(pk=ladder_id).first()
    if ladder is None:
        raise NotFound(_("No such ladder."))
    if Policy.objects.filter(ladder=ladder).exists():
        raise Conflict(_("A policy uses this ladder."), code="ladder_in_use")
    ladder.delete()


POLICY_FIELDS = ("name", "position", "is_active", "is_fallback", "priority", "category", "district",
                 "requester_kind", "calendar", "first_response_minutes", "resolution_minutes", "vendor_ack_minutes",
                 "vendor_restore_minutes", "eta_update_minutes", "warn_percent", "warn_before_minutes", "ladder",
                 "escalate_clocks", "vendor")


def check_policy(data: dict) -> None:
    """A P1 policy runs on a 24x7 calendar; clocks that drive the ladder are known clocks."""
    calendar = data.get("calendar")
    if data.get("priority") == "P1" and calendar is not None and not calendar.always_open:
        raise InvalidInput(_("A P1 policy runs on a 24x7 calendar."), code="p1_needs_24x7", field="calendar")
    unknown = set(data.get("escalate_clocks") or []) - set(ClockKind.values)
    if unknown:
        raise InvalidInput(_("Unknown clocks: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                           code="invalid_clocks", field="escalate_clocks")


@transaction.atomic
def policy_save(*, policy_id: int | None = None, data: dict) -> Policy:
    """Create a policy or update the given fields of one (`data`: field -> value, related rows
    as instances). Locks the policy row. Tickets in flight keep their snapshot. Raises NotFound,
    InvalidInput, Conflict (name taken, a second fallback)."""
    if policy_id is None:
        policy = Policy()
    else:
        policy = Policy.objects.select_for_update().filter(pk=policy_id).first()
        if policy is None:
            raise NotFound(_("No such policy."))
    merged = {field: getattr(policy, field, None) for field in POLICY_FIELDS if policy_id is not None}
    merged.update(data)
    check_policy(merged)
    for field, value in data.items():
        setattr(policy, field, value)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        raise Conflict(_("Another policy has this name, or a fallback policy exists already."),
                       code="policy_conflict") from None
    return policy


def _vendors_for(ladder: Ladder) -> list[Vendor]:
    """The vendors a test reaches: those of the policies using the ladder, else every vendor
    with a rotation or named officers."""
    ids = set(Policy.objects.filter(ladder=ladder, vendor__isnull=False).values_list("vendor_id", flat=True))
    if not ids:
        ids = set(OnCallRotation.objects.filter(is_active=True).values_list("vendor_id", flat=True))
        ids |= set(Contact.objects.filter(vendor__isnull=False).values_list("vendor_id", flat=True))
    return list(Vendor.objects.filter(pk__in=ids).order_by("name"))


@transaction.atomic
def ladder_test(*, ladder_id: int, actor: User | None) -> LadderTestRun:
    """Send a marked TEST message to each level's people now, on the level's channels, through
    the outbox (keys ladder-test:<run>:<level>:<user>:<channel>). Not an escalation: no ticket,
    no record, no notice, no clock. Recorded as a LadderTestRun (what went to whom, and which
    levels reached nobody). Webhook targets are not called. Delivery starts after commit."""
    ladder = Ladder.objects.filter(pk=ladder_id).prefetch_related("levels").first()
    if ladder is None:
        raise NotFound(_("No such ladder."))
    now = timezone.now()
    run = LadderTestRun.objects.create(ladder=ladder, started_by=actor, started_at=now)
    sent, unreachable = [], []
    vendors = _vendors_for(ladder) or [None]
    for level in ladder.levels.all():
        for vendor in vendors:
            people = [p for p in recipients(targets=level.targets, channels=level.channels,
                                            vendor_id=vendor.pk if vendor else None, district_id=0, now=now)
                      if p.user is not None]
            if not people:
                unreachable.append({"level": level.level, "vendor": vendor.name if vendor else None})
            for person in people:
                language = person.user.preferred_language or "en"
                for channel, address in person.channels:
                    with translation.override(language):
                        body = _("TEST, not an escalation: ladder %(ladder)s, level %(level)s would reach you (%(target)s) "
                                 "by this channel. No action needed.") % {
                            "ladder": ladder.name, "level": level.level, "target": TargetKind(person.target).label}
                    message = outbox_enqueue(
                        channel=channel, recipient=address, body=body, subject=_("TEST: escalation ladder"),
                        idempotency_key=f"ladder-test:{run.pk}:{level.level}:{person.user.pk}:{channel}",
                        language=language)
                    sent.append({"level": level.level, "vendor": vendor.name if vendor else None,
                                 "user": person.user.username, "target": person.target, "channel": channel,
                                 "message_id": message.pk})
    run.sent, run.unreachable = sent, unreachable
    run.save(update_fields=["sent", "unreachable"])
    return run
