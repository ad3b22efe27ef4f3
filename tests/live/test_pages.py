"""The public status page, its Atom feed, and the supervisors' incident pages."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from live import selectors, services
from live.models import ComponentStatusChange, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(supervisor, components, bastar):
    return services.incident_create(
        title="OTP SMS delayed", title_hi="ओटीपी एसएमएस देर से", actor=supervisor, severity="critical",
        components=[components["otp-sms"]], districts=[bastar], component_status="partial_outage",
        body_en="Investigating delays.", body_hi="देरी की जाँच जारी है।")


def test_status_page_public_bilingual_and_live(client, incident):
    html = client.get("/status/").content.decode()
    assert 'data-ws="/ws/status/"' in html and "js/live.js" in html and 'id="live-paused"' in html
    assert "OTP SMS delayed" in html and "Investigating delays." in html
    assert "Last updated 0 min ago" in html
    client.post("/i18n/setlang/", {"language": "hi", "next": "/status/"})
    html = client.get("/status/").content.decode()
    assert "ओटीपी एसएमएस देर से" in html and "देरी की जाँच जारी है।" in html


def test_status_page_flags_an_overdue_update(client, incident):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=45)):
        html = client.get("/status/?partial=1").content.decode()
    assert "Last updated 45 min ago" in html and "update overdue" in html


def test_status_page_per_district(client, incident, raipur, bastar):
    bastar_html = client.get("/status/?district=bastar&partial=1").content.decode()
    raipur_html = client.get("/status/?district=raipur&partial=1").content.decode()
    assert "OTP SMS delayed" in bastar_html and "Partial outage" in bastar_html
    assert "OTP SMS delayed" not in raipur_html and "All systems operational" in raipur_html
    for query in ["district=atlantis", "district=bastar&district=raipur", "district=%25", "district=" + "x" * 70,
                  "district=%E0%A4%AC", "district=<script>"]:
        assert client.get(f"/status/?{query}").status_code == 400, query


def test_partial_is_invalidated_by_changes(client, incident, supervisor, django_capture_on_commit_callbacks):
    assert "Found it." not in client.get("/status/?partial=1").content.decode()
    with django_capture_on_commit_callbacks(execute=False):  # not committed yet: the cache stays
        services.incident_post_update(incident_id=incident.pk, body_en="Found it.", body_hi="मिल गया।",
                                      status="identified", actor=supervisor)
        assert "Found it." not in client.get("/status/?partial=1").content.decode()
    from live.services import bump_status_version

    bump_status_version()  # what the commit runs
    assert "Found it." in client.get("/status/?partial=1").content.decode()


def test_atom_feed(client, incident, supervisor):
    services.incident_add_note(incident_id=incident.pk, body="internal note", actor=supervisor)
    response = client.get("/status/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert "Investigating delays." in entries[0].find("a:summary", ns).text
    assert b"internal note" not in response.content


def test_uptime_history_counts_only_outages(components):
    now = timezone.now().replace(microsecond=0)
    component = components["registration"]
    rows = [("operational", "degraded", 300), ("degraded", "operational", 240),
            ("operational", "major_outage", 120), ("major_outage", "partial_outage", 90),
            ("partial_outage", "operational", 60)]
    for from_status, to_status, minutes_ago in rows:
        ComponentStatusChange.objects.create(component=component, from_status=from_status, to_status=to_status,
                                             at=now - dt.timedelta(minutes=minutes_ago))
    history = {h.component.code: h for h in selectors.uptime_history(now=now)}
    registration = history["registration"]
    assert len(registration.days) == 90
    assert sum(d.outage_minutes for d in registration.days) == 60  # the degraded hour is not downtime
    assert history["otp-sms"].uptime_percent == 100.0
    assert registration.uptime_percent == round(100 * (90 * 1440 - 60) / (90 * 1440), 2)


def test_uptime_history_an_ongoing_outage_counts_until_now(components):
    now = timezone.now().replace(microsecond=0)
    ComponentStatusChange.objects.create(component=components["certificate"], from_status="operational",
                                         to_status="major_outage", at=now - dt.timedelta(minutes=30))
    history = {h.component.code: h for h in selectors.uptime_history(now=now)}
    assert sum(d.outage_minutes for d in history["certificate"].days) == 30


def test_incident_pages_for_staff_only(client, make_user, incident):
    assert client.get("/incidents/").status_code == 302  # to login
    client.force_login(make_user("vendor_engineer"))
    assert client.get("/incidents/").status_code == 403
    client.force_login(make_user("agent"))
    html = client.get("/incidents/").content.decode()
    assert "OTP SMS delayed" in html and "Open an incident" not in html
    assert client.get(f"/incidents/{incident.pk}/").status_code == 200
    client.force_login(make_user("district_official"))  # Raipur: the Bastar incident is not theirs
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404


def test_supervisor_manages_an_incident_through_the_forms(client, supervisor, components, make_ticket):
    client.force_login(supervisor)
    html = client.get("/incidents/").content.decode()
    assert "Open an incident" in html and "csrfmiddlewaretoken" in html
    response = client.post("/incidents/new/", {
        "title": "Portal down", "title_hi": "पोर्टल बंद", "severity": "critical", "components": ["registration"],
        "component_status": "major_outage", "public": "on", "body_en": "Down.", "body_hi": "बंद है।"})
    incident = Incident.objects.get(title="Portal down")
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    tickets = [make_ticket(), make_ticket()]
    client.post(f"/incidents/{incident.pk}/link/", {"numbers": "\n".join(t.number for t in tickets)})
    assert incident.tickets.count() == 2
    client.post(f"/incidents/{incident.pk}/note/", {"body": "Vendor called."})
    client.post(f"/incidents/{incident.pk}/update/", {"body_en": "Fixed.", "body_hi": "ठीक।", "status": "resolved",
                                                       "restore_components": "on"})
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert selectors.component_overview()[0].status == "operational"
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Vendor called." in page and "Linked tickets: 2" in page


def test_form_errors_are_messages_not_500(client, supervisor, incident):
    client.force_login(supervisor)
    response = client.post(f"/incidents/{incident.pk}/update/", {"body_en": "", "body_hi": ""}, follow=True)
    assert response.status_code == 200 and "Fill in “body_en”." in response.content.decode()
    response = client.post(f"/incidents/{incident.pk}/transition/", {"status": "nonsense"}, follow=True)
    assert "Unknown incident status." in response.content.decode()
    response = client.post(f"/incidents/{incident.pk}/link/", {"numbers": "NOPE-NOPE"}, follow=True)
    assert response.status_code == 200
    response = client.post(f"/incidents/{incident.pk}/cadence/", {"minutes": "1e3"}, follow=True)
    assert "5 to 1440 minutes" in response.content.decode()
    response = client.post("/incidents/components/", {"component": "otp-sms", "district": "x", "status": "degraded"},
                           follow=True)
    assert "Unknown district." in response.content.decode()


def test_agents_cannot_manage_but_can_link(client, agent, incident, make_ticket):
    client.force_login(agent)
    client.post(f"/incidents/{incident.pk}/note/", {"body": "x"})
    assert incident.updates.filter(is_public=False).count() == 0
    ticket = make_ticket()
    client.post(f"/incidents/{incident.pk}/link/", {"ticket_id": str(ticket.pk), "next": "https://evil.example/"})
    ticket.refresh_from_db()
    assert ticket.incident_id == incident.pk


def test_forms_need_csrf(supervisor, incident):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(supervisor)
    assert strict.post(f"/incidents/{incident.pk}/note/", {"body": "x"}).status_code == 403


def test_console_banner_tag_links_in_one_click(rf, agent, incident, make_ticket):
    from django.template import Context, Template

    ticket = make_ticket()
    request = rf.get("/console/")
    request.user = agent
    html = Template("{% load live %}{% open_incidents_banner ticket %}").render(
        Context({"user": agent, "request": request, "ticket": ticket, "csrf_token": "t"}))
    assert f"/incidents/{incident.pk}/link/" in html and f'value="{ticket.pk}"' in html


def test_status_page_queries_do_not_grow_with_incidents(client, supervisor, components, bastar):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/status/?district=bastar").status_code == 200
        return len(ctx.captured_queries)

    services.incident_create(title="One", actor=supervisor, components=[components["otp-sms"]], districts=[bastar],
                             body_en="a", body_hi="b")
    few = count()
    for n in range(6):
        incident = services.incident_create(title=f"More {n}", actor=supervisor, components=[components["otp-sms"]],
                                            body_en="a", body_hi="b")
        services.incident_post_update(incident_id=incident.pk, body_en="c", body_hi="d", actor=supervisor)
    assert count() == few <= 16
