"""Writes of offline registration: a device's sync batch, the district official's decisions on
refusals and possible duplicates.

Exactly once: each record is its own transaction, keyed by (centre, client id) under a unique
constraint. The record's effect (bookings.offline.apply, in the bookings lock order) and the row
that remembers it commit together, or neither does; a concurrent second copy of the same record
(another device, a retry while the first is still running) waits on the unique index, fails,
rolls its own work back and answers the stored outcome. A refusal is stored too (its effect
rolled back, the refusal written in a transaction of its own), so a retry gets the same answer
and the district official sees it. Client ids already known are answered from one read per
batch, before any record is processed.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_centre_staff, scope_by_district
from bookings.services import BookingActor
from helpdesk.exceptions import DomainError, NotFound

from . import intake
from .apply import APPLY
from .models import OfflineDevice, OfflineRecord, RecordStatus, Resolution

ATTEMPTS = 3  # per record: a deadlock or a lost race on a unique index is retried


def body_sha256(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _result(client_id, status: str, code: str = "", detail: str = "", *, replay: bool = False,
            record: OfflineRecord | None = None, errors: dict | None = None) -> dict:
    out = {"client_id": str(client_id) if client_id is not None else None, "status": str(status), "code": code,
           "detail": detail, "replay": replay, "reference_id": "", "confirmation_number": ""}
    if record is not None and record.status == RecordStatus.ACCEPTED:
        out["reference_id"] = record.beneficiary.reference_id if record.beneficiary_id else ""
        out["confirmation_number"] = record.appointment.confirmation_number if record.appointment_id else ""
    if errors:
        out["errors"] = errors
    return out


def _stored(record: OfflineRecord, sha: str) -> dict:
    if record.body_sha256 != sha:
        return _result(record.client_id, "refused", "changed_replay",
                       _("A different record was already sent with this id; nothing was changed. "
                         "Send a correction instead."), replay=True)
    return _result(record.client_id, record.status, record.code, record.detail, replay=True, record=record)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_retryable(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")


def _one(*, raw, centre, device: OfflineDevice, user: User, now, known: dict) -> dict:
    raw_id = raw.get("client_id") if isinstance(raw, dict) else None
    data, errors = intake.parse_record(raw)
    if data is None:
        return _result(raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None, "refused", "invalid",
                       _("The record is malformed; nothing was saved."), errors=errors)
    client_id = data["client_id"]
    if data["center_id"] != centre.center_id:
        return _result(client_id, "refused", "wrong_centre",
                       _("This record is for another centre; you record for %(centre)s.") % {"centre": centre.name})
    sha = body_sha256(raw)
    if client_id in known:
        return _stored(known[client_id], sha)
    actor = BookingActor.staff(user)
    fields = {"centre": centre, "client_id": client_id, "device": device, "user": user, "kind": data["kind"],
              "body": raw, "body_sha256": sha, "recorded_at": data["recorded_at"], "received_at": now,
              "corrects": data.get("corrects")}
    for _attempt in range(ATTEMPTS):
        try:
            # The effect and the row that remembers it commit together. A concurrent copy of this
            # record fails on the unique index at the last INSERT and rolls its work back.
            with transaction.atomic():
                beneficiary, appointment = APPLY[data["kind"]](centre=centre, data=data, actor=actor,
                                                               client_id=str(client_id))
                record = OfflineRecord.objects.create(**fields, status=RecordStatus.ACCEPTED, beneficiary=beneficiary,
                                                      appointment=appointment)
                if data.get("corrects"):
                    OfflineRecord.objects.filter(centre=centre, client_id=data["corrects"], status=RecordStatus.REFUSED,
                                                 resolution=Resolution.OPEN).update(
                        resolution=Resolution.CORRECTED, resolved_at=now, resolved_by=user)
            return _result(client_id, record.status, record=record)
        except DomainError as exc:
            refusal = exc  # rolled back; the refusal itself is kept below, so a retry gets the same answer
        except IntegrityError:
            existing = _existing(centre, client_id)
            if existing is not None:
                return _stored(existing, sha)
            continue  # a unique race elsewhere (a reference id, a place on a mobile): once more
        except OperationalError as exc:
            if not _is_retryable(exc):
                raise
            continue
        try:
            with transaction.atomic():
                record = OfflineRecord.objects.create(**fields, status=RecordStatus.REFUSED, code=refusal.code,
                                                      detail=refusal.detail[:300])
            return _result(client_id, record.status, record.code, record.detail, record=record)
        except IntegrityError:
            existing = _existing(centre, client_id)
            if existing is not None:
                return _stored(existing, sha)
    existing = _existing(centre, client_id)
    if existing is not None:
        return _stored(existing, sha)
    return _result(client_id, "refused", "retry", _("The server was busy with this record; it will be sent again."))


def _existing(centre, client_id) -> OfflineRecord | None:
    return (OfflineRecord.objects.select_related("beneficiary", "appointment")
            .filter(centre=centre, client_id=client_id).first())


def _touch_device(*, centre, user: User, batch: dict, now) -> OfflineDevice:
    skew = int((batch["sent_at"] - now).total_seconds())
    fields = {"user": user, "last_contact_at": now, "waiting": batch["waiting"],
              "oldest_waiting_at": batch.get("oldest_waiting_at"), "clock_skew_seconds": max(min(skew, 10**9), -(10**9))}
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                device, created = OfflineDevice.objects.get_or_create(centre=centre, device_id=batch["device_id"],
                                                                      defaults=fields)
                if not created:
                    OfflineDevice.objects.filter(pk=device.pk).update(**fields)
                return device
        except IntegrityError:
            continue
    return OfflineDevice.objects.get(centre=centre, device_id=batch["device_id"])


def offline_sync_batch(*, user: User, data) -> dict:
    """Take one batch from a centre-staff device: the device's contact is recorded (last contact,
    records it still holds, clock skew), then each record is processed in its own transaction
    (see the module docstring): accepted, refused with a reason, or, for a client id seen before,
    the stored outcome (a different body under a known id: refused `changed_replay`).
    Raises BatchTooLarge (413) over OFFLINE_BATCH_MAX records, InvalidInput for a malformed batch.
    On commit of each accepted record: its change-feed rows are visible, in commit order."""
    if not is_centre_staff(user):
        raise NotFound(_("No such centre."), code="not_found")
    batch = intake.parse_batch(data)
    centre = user.centre
    now = timezone.now()
    device = _touch_device(centre=centre, user=user, batch=batch, now=now)
    ids = {raw.get("client_id") for raw in batch["records"] if isinstance(raw, dict) and isinstance(raw.get("client_id"), str)}
    known = {r.client_id: r for r in OfflineRecord.objects.select_related("beneficiary", "appointment")
             .filter(centre=centre, client_id__in=[i for i in ids if _is_uuid(i)])}
    results = [_one(raw=raw, centre=centre, device=device, user=user, now=now, known=known) for raw in batch["records"]]
    if results:
        left = max(batch["waiting"] - len(results), 0)
        OfflineDevice.objects.filter(pk=device.pk).update(waiting=left, **({"oldest_waiting_at": None} if not left else {}))
    return {"server_time": timezone.now(), "center_id": centre.center_id, "results": results}


@transaction.atomic
def offline_record_resolve(*, actor: User, record_id: int, resolution: str, note: str = "") -> OfflineRecord:
    """The district official closes an open refusal (`resolved`) or decides on a possible
    duplicate that is not one (`kept`). Locks the record row. Out of the actor's district: not
    found."""
    record = (scope_by_district(actor, OfflineRecord.objects.select_for_update(of=("self",)), field="centre__district")
              .filter(pk=record_id, resolution=Resolution.OPEN).first())
    if record is None or resolution not in (Resolution.RESOLVED, Resolution.KEPT):
        raise NotFound(_("No such open record."), code="not_found")
    if (resolution == Resolution.RESOLVED) != (record.status == RecordStatus.REFUSED):
        raise NotFound(_("No such open record."), code="not_found")
    record.resolution, record.resolved_by, record.resolved_at = resolution, actor, timezone.now()
    record.resolution_note = (note or "").strip()[:300]
    record.save(update_fields=["resolution", "resolved_by", "resolved_at", "resolution_note"])
    return record

