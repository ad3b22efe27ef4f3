"""Demo SLA configuration (idempotent): calendars, policies P1-P4 and a fallback, the standard
ladder (engineer on call -> responsible officer -> vendor head -> department officer), an
on-call rotation of the demo engineers, named officers, and a short "demo" policy (minutes) so
a P1 "portal down" ticket escalates on its own within a few minutes."""

from __future__ import annotations

import datetime as dt

from accounts.models import User, Vendor
from tickets.models import Category

from .models import (
    Calendar,
    CalendarWindow,
    Contact,
    Holiday,
    Ladder,
    LadderLevel,
    OnCallMember,
    OnCallRotation,
    Policy,
)

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
HOLIDAYS = [  # Chhattisgarh gazetted holidays (a few)
    (dt.date(2026, 1, 26), "Republic Day"), (dt.date(2026, 8, 15), "Independence Day"),
    (dt.date(2026, 10, 2), "Gandhi Jayanti"), (dt.date(2026, 11, 1), "Chhattisgarh Rajyotsava"),
    (dt.date(2026, 11, 8), "Diwali"), (dt.date(2027, 1, 26), "Republic Day"),
]
STANDARD_LEVELS = [
    (1, 0, ["on_call"], ["sms"]),
    (2, 15, ["responsible_officer"], ["sms", "email"]),
    (3, 30, ["vendor_head"], ["sms", "email"]),
    (4, 60, ["department_officer"], ["sms", "email"]),
]
# Level 2 also phones the responsible officer, so the demo walks the voice path (console call log
# by default, the telephony gateway when configured; "pressed 1" acknowledges).
DEMO_LEVELS = [(1, 0, ["on_call"], ["sms"]), (2, 1, ["responsible_officer"], ["sms", "voice"]),
               (3, 2, ["vendor_head"], ["sms"]), (4, 3, ["department_officer"], ["sms"])]


def _ladder(name: str, levels, repeat: int | None, loops: int) -> Ladder:
    ladder, _ = Ladder.objects.get_or_create(name=name, defaults={"repeat_every_minutes": repeat, "max_loops": loops})
    for level, offset, targets, channels in levels:
        LadderLevel.objects.get_or_create(ladder=ladder, level=level, defaults={
            "offset_minutes": offset, "targets": targets, "channels": channels})
    return ladder


def seed(*, size: int, stdout) -> None:
    vendor = Vendor.objects.filter(code="state-it").first()
    always, _ = Calendar.objects.get_or_create(name="24x7", defaults={"always_open": True})
    office, created = Calendar.objects.get_or_create(name="Office hours (Mon-Sat 10:00-18:00)",
                                                     defaults={"always_open": False})
    if created:
        CalendarWindow.objects.bulk_create(
            [CalendarWindow(calendar=office, weekday=d, opens=dt.time(10), closes=dt.time(18)) for d in range(6)])
    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(calendar=office, date=day, defaults={"name": name})
    standard = _ladder("Standard", STANDARD_LEVELS, repeat=120, loops=3)
    demo = _ladder("Demo (minutes)", DEMO_LEVELS, repeat=None, loops=1)
    defaults = [
        # name, position, priority, calendar, first response, resolution, vendor ack, restore
        ("P1 critical (24x7)", 10, "P1", always, 15, 240, 15, 120),
        ("P2 high (24x7)", 20, "P2", always, 30, 480, 30, 240),
        ("P3 normal (office hours)", 30, "P3", office, 240, 2880, 120, 1440),
        ("P4 low (office hours)", 40, "P4", office, 480, 7200, 240, 2880),
    ]
    for name, position, priority, calendar, first, resolution, ack, restore in defaults:
        Policy.objects.get_or_create(name=name, defaults={
            "position": position, "priority": priority, "calendar": calendar, "first_response_minutes": first,
            "resolution_minutes": resolution, "vendor_ack_minutes": ack, "vendor_restore_minutes": restore,
            "ladder": standard, "vendor": vendor})
    Policy.objects.get_or_create(name="Fallback (24x7)", defaults={
        "position": 1000, "is_fallback": True, "calendar": always, "first_response_minutes": 240,
        "resolution_minutes": 2880, "ladder": standard, "vendor": vendor})
    sms_vendor = Vendor.objects.filter(code="sms-gateway").first()
    demo_targets = {"calendar": always, "first_response_minutes": 2, "resolution_minutes": 3, "vendor_ack_minutes": 2,
                    "vendor_restore_minutes": 10, "eta_update_minutes": 3, "warn_percent": 50,
                    "warn_before_minutes": 1, "ladder": demo, "notify_citizen_on_ack": True}
    Policy.objects.get_or_create(name="Demo: P1 portal down escalates in minutes", defaults={
        "position": 1, "priority": "P1", "category": Category.objects.filter(code="portal-down").first(),
        "vendor": vendor, **demo_targets})
    if sms_vendor is not None:
        # OTP/SMS complaints go to the SMS gateway's people, everything else to the portal's.
        Policy.objects.get_or_create(name="Demo: P1 OTP not received escalates in minutes (SMS gateway)", defaults={
            "position": 2, "priority": "P1", "category": Category.objects.filter(code="otp-not-received").first(),
            "vendor": sms_vendor, **demo_targets})
        Policy.objects.get_or_create(name="OTP not received (SMS gateway, 24x7)", defaults={
            "position": 5, "category": Category.objects.filter(code="otp-not-received").first(), "calendar": always,
            "first_response_minutes": 30, "resolution_minutes": 480, "vendor_ack_minutes": 30,
            "vendor_restore_minutes": 240, "ladder": standard, "vendor": sms_vendor})
    people = {u.username: u for u in User.objects.filter(username__in=[
        "engineer", "engineer2", "officer", "head", "supervisor", "smsengineer", "smsengineer2", "smsofficer", "smshead"])}
    teams = [(vendor, "Portal on-call (12 h shifts)", ["engineer", "engineer2"], "officer", "head"),
             (sms_vendor, "SMS gateway on-call (12 h shifts)", ["smsengineer", "smsengineer2"], "smsofficer", "smshead")]
    for team_vendor, name, engineers, officer, head in teams:
        if team_vendor is None:
            continue
        rotation, created = OnCallRotation.objects.get_or_create(vendor=team_vendor, name=name, defaults={
            "starts_at": dt.datetime(2026, 1, 1, 8, 0, tzinfo=IST), "shift_hours": 12})
        if created:
            for position, username in enumerate(engineers, start=1):
                if username in people:
                    OnCallMember.objects.create(rotation=rotation, user=people[username], position=position)
        for username, designation in [(officer, "responsible_officer"), (head, "vendor_head")]:
            if username in people:
                Contact.objects.get_or_create(user=people[username], designation=designation, vendor=team_vendor)
    if "supervisor" in people:
        Contact.objects.get_or_create(user=people["supervisor"], designation="department_officer", vendor=None)
