"""On-call writes and jobs: rotations, overrides and swaps, the hand-off SMS at each shift change.
Rules of who is on call are the pure functions of `rotations`; loading is `people.rotation_plan`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User, Vendor
from helpdesk.exceptions import Conflict, InvalidInput, NotFound
from notifications.models import OutboxMessage
from notifications.outbox import outbox_enqueue

from . import people, rotations
from .models import OnCallMember, OnCallRotation, RotationOverride

# A shift that began (or an override created) less than this ago still gets its hand-off SMS: the
# periodic job runs every minute, so a stopped beat that restarts within it loses nothing.
HANDOFF_WINDOW = dt.timedelta(minutes=30)
MAX_OVERRIDE = dt.timedelta(days=31)


def _check_vendor_person(user: User | None, vendor_id: int, field: str) -> User:
    if user is None or not user.is_active:
        raise InvalidInput(_("No such person."), code="unknown_user", field=field)
    if user.vendor_id != vendor_id:
        raise InvalidInput(_("%(name)s is not with this rotation's vendor.") % {"name": user.get_full_name() or user.username},
                           code="not_vendor_member", field=field)
    return user


def check_override(*, rotation: OnCallRotation, user: User | None, starts_at: dt.datetime | None,
                   ends_at: dt.datetime | None, exclude_id: int | None = None) -> None:
    """The rules of an override (the admin form and the API both use them): a person of the
    rotation's vendor, an interval with a time zone whose end is after its start, at most 31
    days, not overlapping another override of the rotation. Raises InvalidInput / Conflict."""
    _check_vendor_person(user, rotation.vendor_id, "user")
    if starts_at is None or ends_at is None or starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput(_("Give the start and the end with a time zone."), code="invalid_interval", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("The end must be after the start."), code="invalid_interval", field="ends_at")
    if ends_at - starts_at > MAX_OVERRIDE:
        raise InvalidInput(_("An override lasts at most 31 days."), code="invalid_interval", field="ends_at")
    clash = (RotationOverride.objects.filter(rotation=rotation, starts_at__lt=ends_at, ends_at__gt=starts_at)
             .exclude(pk=exclude_id).select_related("user").first())
    if clash is not None:
        raise Conflict(_("It overlaps the override of %(name)s (%(start)s - %(end)s).") % {
            "name": clash.user.get_full_name() or clash.user.username,
            "start": timezone.localtime(clash.starts_at).strftime("%d-%m %H:%M"),
            "end": timezone.localtime(clash.ends_at).strftime("%d-%m %H:%M")}, code="override_overlap")


@transaction.atomic
def rotation_override_create(*, rotation_id: int, user_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
                             reason: str = "", actor: User | None = None) -> RotationOverride:
    """Put `user_id` on call over [starts_at, ends_at), replacing whoever is on call then. Locks
    the rotation row (so two overlapping overrides cannot both pass the overlap check). The
    hand-off SMS follows from the periodic job. Raises NotFound, InvalidInput, Conflict."""
    rotation = OnCallRotation.objects.select_for_update().filter(pk=rotation_id).first()
    if rotation is None:
        raise NotFound(_("No such rotation."))
    user = User.objects.filter(pk=user_id).first()
    check_override(rotation=rotation, user=user, starts_at=starts_at, ends_at=ends_at)
    override = RotationOverride.objects.create(rotation=rotation, user=user, starts_at=starts_at, ends_at=ends_at,
                                               reason=reason[:200], created_by=actor)
    transaction.on_commit(people.clear_cache)
    return override


@transaction.atomic
def rotation_override_delete(*, rotation_id: int, override_id: int) -> None:
    """Remove an override (the turns apply again). Locks the rotation row."""
    OnCallRotation.objects.select_for_update().filter(pk=rotation_id).first()
    deleted, _rows = RotationOverride.objects.filter(pk=override_id, rotation_id=rotation_id).delete()
    if not deleted:
        raise NotFound(_("No such override."))
    transaction.on_commit(people.clear_cache)


def check_rotation(*, vendor: Vendor | None, starts_at: dt.datetime | None, shift_hours: int | None,
                   members: list[User | None]) -> None:
    """A vendor, a start with a time zone, shifts of 1..168 hours, members of that vendor, each once."""
    if vendor is None:
        raise InvalidInput(_("No such vendor."), code="unknown_vendor", field="vendor")
    if starts_at is None or starts_at.tzinfo is None:
        raise InvalidInput(_("Give the start with a time zone."), code="invalid_start", field="starts_at")
    if not isinstance(shift_hours, int) or not 1 <= shift_hours <= 168:
        raise InvalidInput(_("A shift lasts 1 to 168 hours."), code="invalid_shift", field="shift_hours")
    ids = [m.pk for m in members if m is not None]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("Each member appears once."), code="duplicate_member", field="members")
    for member in members:
        _check_vendor_person(member, vendor.pk, "members")


@transaction.atomic
def rotation_save(*, rotation_id: int | None = None, vendor_id: int, name: str, starts_at: dt.datetime,
                  shift_hours: int, is_active: bool, member_ids: list[int]) -> OnCallRotation:
    """Create or replace a rotation with its members in turn order. Locks the rotation row when
    it exists. Raises NotFound, InvalidInput."""
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    by_id = User.objects.in_bulk(member_ids)
    members = [by_id.get(pk) for pk in member_ids]
    check_rotation(vendor=vendor, starts_at=starts_at, shift_hours=shift_hours, members=members)
    if not name.strip():
        raise InvalidInput(_("Give the rotation a name."), code="invalid_name", field="name")
    if rotation_id is None:
        rotation = OnCallRotation(vendor=vendor)
    else:
        rotation = OnCallRotation.objects.select_for_update().filter(pk=rotation_id).first()
        if rotation is None:
            raise NotFound(_("No such rotation."))
        if rotation.vendor_id != vendor.pk and rotation.overrides.exists():
            raise Conflict(_("Remove its overrides before moving a rotation to another vendor."), code="has_overrides")
    rotation.vendor, rotation.name, rotation.starts_at = vendor, name.strip()[:100], starts_at
    rotation.shift_hours, rotation.is_active = shift_hours, is_active
    rotation.save()
    rotation.members.all().delete()
    OnCallMember.objects.bulk_create([OnCallMember(rotation=rotation, user=m, position=i)
                                      for i, m in enumerate(members, start=1)])
    transaction.on_commit(people.clear_cache)
    return rotation


def _shift_text(shift: rotations.Shift | None, plan: people.Plan) -> str:
    if shift is None or shift.user_id is None:
        return _("nobody")
    user = plan.users.get(shift.user_id)
    return user.get_full_name() or user.username if user else _("nobody")


def handoff_sweep(*, now: dt.datetime | None = None) -> int:
    """Periodic (beat, every minute): the person whose shift has just begun (by the turns or by
    an override) gets one SMS saying so, until when, and who comes next. Exactly once per shift
    change: the outbox key is oncall-handoff:<rotation>:<shift start>:<person>. Returns the
    number of hand-offs queued now."""
    now = now or timezone.now()
    queued = 0
    for rotation in OnCallRotation.objects.filter(is_active=True).select_related("vendor").order_by("id"):
        plan = people.rotation_plan(rotation, now)
        current, upcoming = rotations.now_and_next(plan.turns, plan.overrides, now)
        if current is None or current.user_id is None:
            continue
        fresh = now - current.starts_at <= HANDOFF_WINDOW
        if not fresh and current.override_id is not None:
            created = RotationOverride.objects.filter(pk=current.override_id).values_list("created_at", flat=True).first()
            fresh = created is not None and now - created <= HANDOFF_WINDOW
        user = plan.users.get(current.user_id)
        key = f"oncall-handoff:{rotation.pk}:{current.starts_at.isoformat()}:{current.user_id}"
        if not fresh or user is None or not user.mobile or OutboxMessage.objects.filter(idempotency_key=key).exists():
            continue
        language = user.preferred_language or "en"
        with translation.override(language):
            body = _("On call: you are on call for %(vendor)s (%(rotation)s) from %(start)s until %(end)s. "
                     "Next: %(next)s.") % {
                "vendor": rotation.vendor.name, "rotation": rotation.name,
                "start": timezone.localtime(max(current.starts_at, rotation.starts_at)).strftime("%d-%m %H:%M"),
                "end": timezone.localtime(current.ends_at).strftime("%d-%m %H:%M"), "next": _shift_text(upcoming, plan)}
        with transaction.atomic():  # a parallel run that got there first makes this a no-op
            outbox_enqueue(channel="sms", recipient=user.mobile, body=body, idempotency_key=key, language=language)
        queued += 1
    return queued
