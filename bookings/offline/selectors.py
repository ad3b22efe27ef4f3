"""Reads of offline registration for district officials (their district only; the desk sees all):
each centre's sync state, open refusals, and accepted walk-ins that look like portal
registrations (same mobile and birth year, similar name)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum

from accounts.models import User
from accounts.permissions import scope_by_district
from bookings.models import Beneficiary, Centre, Channel

from .apply import name_similarity
from .models import OfflineDevice, OfflineRecord, RecordKind, RecordStatus, Resolution


def centres_for(user: User) -> QuerySet[Centre]:
    return scope_by_district(user, Centre.objects.select_related("district"))


def centre_sync_states(user: User) -> list[dict]:
    """Per centre in scope: devices, last contact, records the devices still hold (as they last
    reported), accepted and refused counts, refusals still open. Three grouped queries."""
    centres = list(centres_for(user).order_by("name"))
    ids = [c.pk for c in centres]
    devices = {row["centre_id"]: row for row in OfflineDevice.objects.filter(centre_id__in=ids).values("centre_id")
               .annotate(devices=Count("id"), last_contact=Max("last_contact_at"), waiting=Sum("waiting"))}
    records = {row["centre_id"]: row for row in OfflineRecord.objects.filter(centre_id__in=ids).values("centre_id")
               .annotate(accepted=Count("id", filter=Q(status=RecordStatus.ACCEPTED)),
                         refused=Count("id", filter=Q(status=RecordStatus.REFUSED)),
                         open_refusals=Count("id", filter=Q(status=RecordStatus.REFUSED, resolution=Resolution.OPEN)))}
    staff = {row["centre_id"]: row["n"] for row in User.objects.filter(centre_id__in=ids, is_active=True)
             .values("centre_id").annotate(n=Count("id"))}
    out = []
    for centre in centres:
        d, r = devices.get(centre.pk, {}), records.get(centre.pk, {})
        out.append({"centre": centre, "staff": staff.get(centre.pk, 0), "devices": d.get("devices", 0),
                    "last_contact": d.get("last_contact"), "waiting": d.get("waiting") or 0,
                    "accepted": r.get("accepted", 0), "refused": r.get("refused", 0),
                    "open_refusals": r.get("open_refusals", 0)})
    return out


def open_refusals(user: User, *, centre_id: int | None = None) -> QuerySet[OfflineRecord]:
    queryset = scope_by_district(user, OfflineRecord.objects.select_related("centre", "user"), field="centre__district")
    queryset = queryset.filter(status=RecordStatus.REFUSED, resolution=Resolution.OPEN)
    if centre_id is not None:
        queryset = queryset.filter(centre_id=centre_id)
    return queryset.order_by("received_at", "id")


def devices_of(user: User, centre_id: int) -> QuerySet[OfflineDevice]:
    return scope_by_district(user, OfflineDevice.objects.select_related("user"), field="centre__district").filter(
        centre_id=centre_id).order_by("-last_contact_at")


def duplicate_candidates(user: User, *, limit: int = 200) -> list[dict]:
    """Accepted walk-in registrations not yet decided, each with the portal registrations on the
    same mobile with the same birth year and a name at least OFFLINE_NAME_SIMILARITY alike
    (exact matches were refused at sync). Two queries; the name comparison runs on at most 4
    registrations per mobile."""
    records = list(scope_by_district(user, OfflineRecord.objects.select_related("centre", "beneficiary", "appointment"),
                                     field="centre__district")
                   .filter(kind=RecordKind.REGISTRATION, status=RecordStatus.ACCEPTED, resolution=Resolution.OPEN,
                           beneficiary__mobile__isnull=False).order_by("-received_at")[:2000])
    mobiles = {r.beneficiary.mobile for r in records}
    portal: dict[str, list[Beneficiary]] = {}
    for b in Beneficiary.objects.filter(mobile__in=mobiles, channel=Channel.PORTAL).order_by("reference_id"):
        portal.setdefault(b.mobile, []).append(b)
    out = []
    threshold = settings.OFFLINE_NAME_SIMILARITY
    for record in records:
        mine = record.beneficiary
        matches = [(b, round(name_similarity(b.name, mine.name), 2)) for b in portal.get(mine.mobile, [])
                   if b.birth_year == mine.birth_year]
        matches = [(b, score) for b, score in matches if score >= threshold]
        if matches:
            out.append({"record": record, "beneficiary": mine, "matches": sorted(matches, key=lambda m: -m[1])})
            if len(out) >= limit:
                break
    return out
