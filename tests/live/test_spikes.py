"""The spike detector on synthetic complaint streams: it fires on a spike, stays quiet on a
steady high rate, respects districts, and confirm/dismiss do what they say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import District
from helpdesk.exceptions import Conflict
from live import services
from live.models import Suspicion
from live.spikes import spike_check
from tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
_n = {"i": 0}


def stream(district_code: str, minutes_ago: list[float], category: str = "otp-not-received") -> list[int]:
    """Tickets created at NOW - m minutes, written directly (a synthetic stream)."""
    district = District.objects.get(code=district_code)
    cat = Category.objects.get(code=category)
    rows = []
    for _ in minutes_ago:
        _n["i"] += 1
        rows.append(Ticket(number=f"S{_n['i']:07d}", requester_kind="citizen", channel="web", district=district,
                           category=cat, description="synthetic"))
    created = Ticket.objects.bulk_create(rows)
    for ticket, m in zip(created, minutes_ago, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=NOW - dt.timedelta(minutes=m))
    return [t.pk for t in created]


def steady(per_window: int, *, hours: int, offset: float = 15.5) -> list[float]:
    """per_window complaints in every 15-minute window over `hours` hours before the current one."""
    out = []
    for window in range(hours * 4):
        for k in range(per_window):
            out.append(offset + window * 15 + k * (15 / per_window))
    return out


def check(district_code: str | None, category: str = "otp-not-received"):
    district_id = District.objects.get(code=district_code).pk if district_code else None
    return spike_check(category_id=Category.objects.get(code=category).pk, district_id=district_id, now=NOW)


def test_fires_on_a_spike_with_the_matching_tickets(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", steady(1, hours=6))  # usually 1 per 15 minutes
    spike = stream("raipur", [1, 2, 3, 5, 8, 13])
    found = check("raipur")
    assert len(found) == 1
    suspicion = found[0]
    assert suspicion.district.code == "raipur" and suspicion.status == "open"
    assert suspicion.window_count == 6 and suspicion.baseline == pytest.approx(1.0)
    assert sorted(suspicion.tickets.values_list("pk", flat=True)) == sorted(spike)


def test_stays_quiet_below_the_minimum_count(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", [1, 2, 3, 4])
    assert check("raipur") == []
    assert not Suspicion.objects.exists()


def test_stays_quiet_on_a_steady_high_rate(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", steady(8, hours=6))  # 8 per window all day: busy, but usual
    stream("raipur", [1, 3, 5, 7, 9, 11, 13, 14])
    assert check("raipur") == []
    assert not Suspicion.objects.exists()


def test_respects_districts(settings, make_user, client):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("bastar", steady(8, hours=6))
    stream("bastar", [1, 3, 5, 7, 9, 11, 13, 14])  # Bastar: steady and busy
    stream("raipur", [1, 2, 3, 4, 5, 6])  # Raipur: a burst from nothing
    assert check("bastar") == []
    found = check("raipur")
    assert [s.district.code for s in found] == ["raipur"]
    assert not Suspicion.objects.filter(district__code="bastar").exists()
    assert not Suspicion.objects.filter(district__isnull=True).exists()  # one district's burst is not statewide
    bastar_official = make_user("district_official", district=District.objects.get(code="bastar"))
    client.force_login(bastar_official)
    assert client.get("/api/live/suspicions/").json()["count"] == 0
    client.force_login(make_user("district_official"))
    assert client.get("/api/live/suspicions/").json()["count"] == 1


def test_statewide_spike_across_districts(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    for code in ("raipur", "bastar", "durg"):
        stream(code, [2, 6])
    found = check("raipur")  # checks Raipur, then statewide
    assert len(found) == 1 and found[0].district is None and found[0].window_count == 6
    assert not Suspicion.objects.filter(district__isnull=False).exists()  # 2 in one district is nothing
    assert check(None)[0].pk == found[0].pk


def test_other_categories_do_not_count(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", [1, 2, 3], category="otp-not-received")
    stream("raipur", [1, 2, 3], category="portal-down")
    assert check("raipur") == [] and check("raipur", "portal-down") == []


def test_old_complaints_outside_the_window_do_not_count(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", [16, 17, 18, 19, 20, 21])
    assert check("raipur") == []


def test_a_growing_spike_grows_one_suspicion(settings):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", [1, 2, 3, 4, 5])
    first = check("raipur")[0]
    more = stream("raipur", [0.5, 0.2])
    again = check("raipur")[0]
    assert again.pk == first.pk and again.window_count == 7
    assert set(more) <= set(again.tickets.values_list("pk", flat=True))
    assert Suspicion.objects.count() == 1


def test_confirm_opens_an_incident_and_links_the_tickets(settings, supervisor):
    settings.SPIKE_BASELINE_HOURS = 6
    ids = stream("raipur", [1, 2, 3, 4, 5])
    suspicion = check("raipur")[0]
    incident = services.suspicion_confirm(suspicion_id=suspicion.pk, actor=supervisor)
    assert sorted(Ticket.objects.filter(incident=incident).values_list("pk", flat=True)) == sorted(ids)
    assert [d.code for d in incident.districts.all()] == ["raipur"]
    suspicion.refresh_from_db()
    assert suspicion.status == "confirmed" and suspicion.incident_id == incident.pk
    with pytest.raises(Conflict):
        services.suspicion_dismiss(suspicion_id=suspicion.pk, actor=supervisor)
    assert check("raipur") == []  # linked tickets never count again


def test_dismissed_does_not_come_back_with_the_same_complaints(settings, supervisor):
    settings.SPIKE_BASELINE_HOURS = 6
    stream("raipur", [1, 2, 3, 4, 5])
    suspicion = check("raipur")[0]
    services.suspicion_dismiss(suspicion_id=suspicion.pk, actor=supervisor)
    assert check("raipur") == []


@pytest.mark.parametrize("min_count, expected", [(5, 1), (7, 0)])
def test_thresholds_are_settings(settings, min_count, expected):
    settings.SPIKE_BASELINE_HOURS = 6
    settings.SPIKE_MIN_COUNT = min_count
    stream("raipur", [1, 2, 3, 4, 5, 6])
    assert len(check("raipur")) == expected


def test_the_ticket_created_hook_proposes_a_suspicion(make_ticket, raipur, otp, sent,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tickets = [make_ticket(district=raipur, category=otp) for _ in range(5)]
    suspicion = Suspicion.objects.get()
    assert sorted(suspicion.tickets.values_list("pk", flat=True)) == sorted(t.pk for t in tickets)
    spikes = [(groups, e) for groups, e in sent if e["type"].startswith("spike.")]
    assert spikes[0][1]["type"] == "spike.suspected"
    assert spikes[0][0] == ["console", f"district.{raipur.pk}"]
