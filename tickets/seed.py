"""Demo tickets (size 0) and bulk tickets for benchmarks (size > 0), called by `manage.py seed_demo`.

size 0: a handful of realistic tickets in several districts, made through the services (so they
have events, comments, an assignment, a vendor hand-off and a merge). Idempotent.

size N: N tickets spread over the last 365 days, with a realistic status mix (old tickets mostly
closed, recent ones open), first_response_at / resolved_at / closed_at, and one `created` event per
ticket. On PostgreSQL the rows are streamed with COPY (1,000,000 tickets + events in about a
minute here); elsewhere bulk_create in batches. The events are written by one INSERT ... SELECT.
Idempotent: seeded tickets are marked (description starts with "[seed]") and only the missing
number is added.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import District, User, Vendor

from .models import OPEN_STATUSES, Category, Ticket, TicketEvent
from .numbers import ALPHABET, LENGTH
from .services import (
        Actor,
        ticket_assign,
        ticket_comment,
        ticket_create,
        ticket_merge,
        ticket_transition,
    )

SEED_MARK = "[seed]"

DEMO = [
    # district, category, mobile, name, language, description
    ("raipur", "otp-not-received", "9876500001", "Sita Sahu", "hi", "ओटीपी दो घंटे से नहीं आया।"),
    ("raipur", "portal-down", "9876500002", "Ramesh Verma", "en", "The portal shows 502 Bad Gateway since morning."),
    ("bastar", "slot-not-shown", "9876500003", "Lakshmi Netam", "hi", "केंद्र पर स्लॉट नहीं दिख रहे।"),
    ("durg", "registration-failed", "9876500004", "Arjun Patel", "en", "Registration fails after entering the OTP."),
    ("bilaspur", "certificate", "9876500005", "Meera Kaushik", "en", "Certificate shows the wrong date of birth."),
    ("korba", "wrong-booking", "9876500006", "Vinod Kanwar", "hi", "बुकिंग में गलत केंद्र दिखा रहा है।"),
    ("raipur", "otp-not-received", "9876500007", "Pooja Sinha", "en", "No OTP on my Jio number."),
]


def seed(*, size: int, stdout) -> None:
    if size > 0:
        seed_bulk(size=size, stdout=stdout)
    else:
        seed_demo(stdout=stdout)


@transaction.atomic
def seed_demo(*, stdout) -> None:
    if Ticket.objects.filter(description=DEMO[0][5]).exists():
        return
    districts = {d.code: d for d in District.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    agent = User.objects.filter(username="agent").first()
    supervisor = User.objects.filter(username="supervisor").first()
    desk = Actor.of(agent) if agent else Actor(label="system")
    boss = Actor.of(supervisor) if supervisor else desk
    made = []
    for code, category, mobile, name, language, text in DEMO:
        made.append(ticket_create(
            district=districts[code], category=categories[category], description=text,
            requester_kind="citizen" if language == "hi" else "agent", channel="web" if language == "hi" else "phone",
            actor=Actor(label="citizen") if language == "hi" else desk, requester_name=name, requester_mobile=mobile,
            requester_language=language, notify=False, attach_to_open=False).ticket)
    first, portal, slot, *_rest, dup = made
    ticket_transition(ticket_id=first.pk, to="acknowledged", actor=desk)
    ticket_comment(ticket_id=first.pk, body="OTP gateway is slow; we have told the vendor.", actor=desk, is_public=True)
    if agent:
        ticket_assign(ticket_id=first.pk, assignee=agent, actor=boss)
    vendor = Vendor.objects.filter(code="state-it").first()
    if vendor:
        ticket_transition(ticket_id=portal.pk, to="awaiting_vendor", actor=desk, vendor=vendor,
                          note="Portal returns 502 for everyone in Raipur.")
    ticket_transition(ticket_id=slot.pk, to="in_progress", actor=desk)
    ticket_transition(ticket_id=slot.pk, to="resolved", actor=desk, note="Slots published again.")
    ticket_merge(survivor_id=first.pk, merged_ids=[dup.pk], actor=boss, note="Same OTP outage")
    stdout.write(f"  tickets: {len(made)} demo tickets ({', '.join(t.display_number for t in made)})")


# --- bulk --------------------------------------------------------------------------------------

CATEGORY_WEIGHTS = {"portal-down": 14, "otp-not-received": 28, "registration-failed": 18, "slot-not-shown": 16,
                    "wrong-booking": 8, "certificate": 10, "other": 6}
CHANNELS = (("web", 45), ("phone", 40), ("sms", 5), ("api", 10))
KINDS = {"web": "citizen", "sms": "citizen", "phone": "agent", "api": "district_official"}
COLUMNS = ["number", "requester_kind", "channel", "district_id", "category_id", "priority", "status", "subject",
           "description", "requester_name", "requester_mobile", "requester_language", "registration_reference",
           "secret_hash", "chased_count", "reopened_count", "version", "created_at", "updated_at",
           "first_response_at", "resolved_at", "closed_at"]


# Varied names and descriptions, so that searching the bulk data behaves like searching real
# complaints (many words, both scripts), drawn from their own generator so that the other
# columns stay exactly as before for a given seed.
FIRST = ["Ramesh", "Sita", "Lakshmi", "Arjun", "Meera", "Vinod", "Pooja", "Sunita", "Rajesh", "Kavita", "Manoj",
         "Anita", "Deepak", "Rekha", "Santosh", "Geeta", "रमेश", "सीता", "लक्ष्मी", "अर्जुन", "मीरा", "विनोद",
         "पूजा", "सुनीता", "राजेश", "कविता"]
LAST = ["Sahu", "Verma", "Netam", "Patel", "Kaushik", "Kanwar", "Sinha", "Yadav", "Sharma", "Dhruw", "Markam",
        "Tandon", "साहू", "वर्मा", "नेताम", "पटेल", "कंवर", "यादव", "शर्मा", "ध्रुव", "मरकाम"]
PHRASES = {
    "en": ["OTP does not arrive on my number", "the portal shows an error since morning", "registration fails after the OTP",
           "no slots shown at the centre", "booking shows the wrong centre", "certificate has the wrong date of birth",
           "page keeps loading", "my mother could not register", "the centre sent us back", "second dose not shown",
           "mobile number already registered", "captcha never loads", "payment page for paid centre fails"],
    "hi": ["ओटीपी नहीं आ रहा है", "पोर्टल सुबह से त्रुटि दिखा रहा है", "ओटीपी के बाद पंजीकरण विफल", "केंद्र पर स्लॉट नहीं दिख रहे",
           "बुकिंग में गलत केंद्र दिखा रहा है", "प्रमाणपत्र में जन्मतिथि गलत है", "पेज लोड होता रहता है",
           "मेरी माँ का पंजीकरण नहीं हुआ", "केंद्र ने वापस भेज दिया", "दूसरी खुराक नहीं दिख रही", "मोबाइल नंबर पहले से पंजीकृत"],
}
PLACES = ["Raipur", "Durg", "Bhilai", "Bilaspur", "Korba", "Jagdalpur", "Ambikapur", "रायपुर", "दुर्ग", "भिलाई",
          "बिलासपुर", "कोरबा", "जगदलपुर", "अंबिकापुर"]


def _texts(rng: random.Random, language: str) -> tuple[str, str]:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    phrases = PHRASES[language]
    text = f"{rng.choice(phrases)}; {rng.choice(phrases)} ({rng.choice(PLACES)})"
    return name, text


def _weighted(pairs):
    values = [v for v, _ in pairs]
    cum, total = [], 0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def _rows(count: int, *, now: dt.datetime, districts, categories, taken: set[str], rng: random.Random,
          text_rng: random.Random):
    cat_values, cat_cum = _weighted([(c, CATEGORY_WEIGHTS.get(c.code, 5)) for c in categories])
    ch_values, ch_cum = _weighted(CHANNELS)
    # Raipur, Durg, Bilaspur are the big districts; the rest share the remainder.
    dist_values, dist_cum = _weighted([(d, 6 if d.code in ("raipur", "durg", "bilaspur") else 1) for d in districts])
    priorities = ["P1", "P2", "P3", "P4"]
    choices = rng.choices
    year = 365 * 86400
    for _ in range(count):
        while True:
            number = "".join(choices(ALPHABET, k=LENGTH))
            if number not in taken:
                taken.add(number)
                break
        category = choices(cat_values, cum_weights=cat_cum)[0]
        channel = choices(ch_values, cum_weights=ch_cum)[0]
        district = choices(dist_values, cum_weights=dist_cum)[0]
        # more tickets in recent months (the portal's load grew), none in the future
        age = year * (1 - math.sqrt(rng.random()))
        created = now - dt.timedelta(seconds=age)
        priority = category.default_priority if rng.random() < 0.8 else choices(priorities)[0]
        roll = rng.random()
        days = age / 86400
        if days > 14:
            status = "closed" if roll < 0.86 else "resolved" if roll < 0.97 else "in_progress"
        elif days > 2:
            status = "closed" if roll < 0.4 else "resolved" if roll < 0.7 else (
                "in_progress" if roll < 0.85 else "awaiting_vendor" if roll < 0.93 else "awaiting_citizen")
        else:
            status = "new" if roll < 0.35 else "acknowledged" if roll < 0.55 else "in_progress" if roll < 0.8 else (
                "awaiting_vendor" if roll < 0.9 else "resolved")
        first_response = resolved = closed = None
        if status != "new" or rng.random() < 0.2:
            first_response = created + dt.timedelta(minutes=rng.lognormvariate(3.2, 1.0))
        if status in ("resolved", "closed"):
            first_response = first_response or created + dt.timedelta(minutes=rng.lognormvariate(3.2, 1.0))
            resolved = first_response + dt.timedelta(hours=rng.lognormvariate(2.0, 1.2))
            if status == "closed":
                closed = resolved + dt.timedelta(days=rng.uniform(1, 4))
        latest = max(t for t in (created, first_response, resolved, closed) if t is not None)
        if latest > now:  # a ticket cannot have happened in the future: keep it open instead
            status, resolved, closed = "in_progress", None, None
            first_response = first_response if first_response and first_response <= now else None
            latest = first_response or created
        mobile = f"{rng.choice('6789')}{rng.randrange(10**9):09d}" if channel != "api" else ""
        language = "hi" if rng.random() < 0.6 else "en"
        name, text = _texts(text_rng, language)
        yield (number, KINDS[channel], channel, district.pk, category.pk, priority, status, "",
               f"{SEED_MARK} {category.name_en}: {text}", name if mobile else "", mobile,
               language, f"{rng.randrange(10**14):014d}" if rng.random() < 0.3 else "",
               "", 1 if (status in OPEN_STATUSES and rng.random() < 0.1) else 0, 0, 1,
               created, latest, first_response, resolved, closed)


def seed_bulk(*, size: int, stdout, seed_value: int = 2021) -> int:
    """Add seeded tickets until there are `size`. Returns how many were added."""
    existing = Ticket.objects.filter(description__startswith=SEED_MARK).count()
    missing = size - existing
    if missing <= 0:
        stdout.write(f"  tickets: {existing} seeded tickets already there")
        return 0
    started = time.monotonic()
    rng = random.Random(seed_value + existing)
    taken = set(Ticket.objects.values_list("number", flat=True))
    districts = list(District.objects.order_by("pk"))
    categories = list(Category.objects.order_by("pk"))
    now = timezone.now()
    rows = _rows(missing, now=now, districts=districts, categories=categories, taken=taken, rng=rng,
                 text_rng=random.Random(seed_value * 7919 + existing))
    with transaction.atomic():
        before = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY tickets_ticket ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            batch = []
            for row in rows:
                fields = dict(zip(COLUMNS, row, strict=True))
                batch.append(Ticket(**fields))
                if len(batch) == 5000:
                    _bulk(batch)
                    batch = []
            _bulk(batch)
        # One created event per ticket, at the ticket's creation time, in one statement.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TicketEvent._meta.db_table} (ticket_id, actor_label, kind, from_value, to_value,"
                " payload, is_public, created_at)"
                " SELECT id, 'seed', 'created', '', 'new', %s, %s, created_at FROM tickets_ticket WHERE id > %s",
                ['{"seeded": true}', True, before],
            )
    stdout.write(f"  tickets: added {missing} seeded tickets (+ created events) in {time.monotonic() - started:.1f}s")
    return missing


def _bulk(batch: list[Ticket]) -> None:
    # auto_now/auto_now_add would overwrite the spread-out timestamps: write them as given.
    if not batch:
        return
    fields = {f.name: f for f in Ticket._meta.concrete_fields}
    saved = (fields["created_at"].auto_now_add, fields["updated_at"].auto_now)
    fields["created_at"].auto_now_add = fields["updated_at"].auto_now = False
    try:
        Ticket.objects.bulk_create(batch)
    finally:
        fields["created_at"].auto_now_add, fields["updated_at"].auto_now = saved
