"""The district official's decision on a walk-in that looks like a portal registration: merge it
into the portal registration, or keep both (offline_record_resolve with `kept`)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import scope_by_district
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Beneficiary,
    Channel,
    Session,
)
from bookings.services import record_change
from helpdesk.exceptions import Conflict, NotFound

from .apply import name_similarity
from .models import OfflineRecord, RecordKind, RecordStatus, Resolution


def _not_found() -> NotFound:
    return NotFound(_("No such open record."), code="not_found")


@transaction.atomic
def offline_duplicate_merge(*, actor: User, record_id: int, into_reference_id: str, note: str = "") -> OfflineRecord:
    """The walk-in is the person of the portal registration `into_reference_id`: the dose given
    offline moves to the portal registration (dose 1's vaccine and date too), a booking of theirs
    for that dose is cancelled and its seat released, and the walk-in registration gives its place
    on the mobile back. Locks, in the bookings order: the sessions involved (primary-key order), the
    two beneficiary rows, the appointments, then the change feed (`beneficiary.merged`, and
    `appointment.cancelled` for a cancelled booking). Refused: the portal registration already
    has that dose (already_vaccinated); a record out of scope, decided, or not a look-alike: not
    found."""
    record = (scope_by_district(actor, OfflineRecord.objects.select_for_update(of=("self",)), field="centre__district")
              .filter(pk=record_id, kind=RecordKind.REGISTRATION, status=RecordStatus.ACCEPTED,
                      resolution=Resolution.OPEN).first())
    if record is None:
        raise _not_found()
    walk_in = Beneficiary.objects.get(pk=record.beneficiary_id)
    portal = Beneficiary.objects.filter(reference_id=into_reference_id, channel=Channel.PORTAL,
                                        mobile=walk_in.mobile, birth_year=walk_in.birth_year).first()
    if portal is None or walk_in.mobile is None or \
            name_similarity(portal.name, walk_in.name) < settings.OFFLINE_NAME_SIMILARITY:
        raise _not_found()
    given = Appointment.objects.get(pk=record.appointment_id)
    peek = (Appointment.objects.filter(beneficiary=portal, dose=given.dose, status=AppointmentStatus.BOOKED)
            .values_list("session_id", flat=True).first())
    list(Session.objects.select_for_update(of=("self",)).filter(pk__in={given.session_id, peek} - {None}).order_by("pk"))
    people = {b.pk: b for b in Beneficiary.objects.select_for_update().filter(pk__in=[walk_in.pk, portal.pk]).order_by("pk")}
    walk_in, portal = people[walk_in.pk], people[portal.pk]
    theirs = list(Appointment.objects.select_for_update(of=("self",)).select_related("session")
                  .filter(beneficiary=portal, dose=given.dose).order_by("pk"))
    if any(a.status == AppointmentStatus.VACCINATED for a in theirs) or (given.dose == 1 and portal.dose1_vaccine):
        raise Conflict(_("The portal registration already has this dose; keep both and tell the portal."),
                       code="already_vaccinated")
    feed = []
    for booked in (a for a in theirs if a.status == AppointmentStatus.BOOKED):
        if booked.session_id != peek:
            raise Conflict(_("The booking changed meanwhile; try again."), code="stale_version")
        field = f"booked_dose{booked.dose}"
        Session.objects.filter(pk=booked.session_id, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
        booked.status, booked.version = AppointmentStatus.CANCELLED, booked.version + 1
        booked.save(update_fields=["status", "version", "updated_at"])
        AppointmentEvent.objects.create(appointment=booked, kind=AppointmentEvent.Kind.CANCELLED, actor=actor,
                                        reason=_("Vaccinated at a centre (recorded offline)"), from_session=booked.session,
                                        from_slot=booked.slot, confirmation_number=booked.confirmation_number)
        feed.append(("appointment.cancelled", booked, {"session_id": str(booked.session.session_id),
                                                       "dose": booked.dose, "by": "reconciliation"}))
    given.beneficiary, given.version = portal, given.version + 1
    given.save(update_fields=["beneficiary", "version", "updated_at"])
    AppointmentEvent.objects.create(appointment=given, kind=AppointmentEvent.Kind.VACCINATED, actor=actor,
                                    reason=_("Merged into the portal registration"), to_session_id=given.session_id,
                                    to_slot=given.slot, confirmation_number=given.confirmation_number)
    if given.dose == 1:
        portal.dose1_vaccine, portal.dose1_date = walk_in.dose1_vaccine, walk_in.dose1_date
        portal.save(update_fields=["dose1_vaccine", "dose1_date"])
    walk_in.mobile, walk_in.mobile_slot = None, None
    walk_in.save(update_fields=["mobile", "mobile_slot"])
    record.resolution, record.resolved_by, record.resolved_at = Resolution.MERGED, actor, timezone.now()
    record.resolution_note = ((note or "").strip() or into_reference_id)[:300]
    record.save(update_fields=["resolution", "resolved_by", "resolved_at", "resolution_note"])
    for kind, appointment, payload in feed:
        record_change(kind=kind, beneficiary=portal, appointment=appointment, payload=payload)
    record_change(kind="beneficiary.merged", beneficiary=walk_in, appointment=given, payload={
        "into_reference_id": portal.reference_id, "dose": given.dose, "client_id": str(record.client_id)})
    return record
