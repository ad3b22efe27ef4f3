"""The pages render for the roles that may see them, and only those."""

from __future__ import annotations

import pytest

from accounts.models import District

pytestmark = pytest.mark.django_db


def test_supervisor_reads_the_state_dashboard(known, client, make_user):
    client.force_login(make_user("supervisor"))
    response = client.get("/reports/state/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live" data-ws="/ws/console/"' in html
    assert "js/live.js" in html and "js/reports.js" in html
    assert "/api/reports/open/" in html and "/api/reports/districts.csv" in html
    assert client.get("/reports/").url == "/reports/state/"


def test_district_official_lands_on_their_district(known, client, make_user):
    raipur = District.objects.get(code="raipur")
    client.force_login(make_user("district_official", district=raipur))
    assert client.get("/reports/").url == "/reports/district/"
    assert client.get("/reports/state/").url == "/reports/district/"
    response = client.get("/reports/district/")
    assert response.status_code == 200
    assert response.context["scope"].district == raipur
    assert client.get("/reports/district/?district=bastar").status_code == 404
    assert client.get("/reports/handover/").status_code == 403
    assert client.get("/reports/monthly/").status_code == 200


def test_vendor_and_anonymous_are_refused(known, client, make_user):
    for path in ("/reports/", "/reports/state/", "/reports/district/", "/reports/handover/", "/reports/monthly/"):
        assert client.get(path).status_code == 302  # to the login page
    client.force_login(make_user("vendor_engineer"))
    for path in ("/reports/", "/reports/district/", "/reports/handover/", "/reports/monthly/"):
        assert client.get(path).status_code == 403, path


def test_handover_page_prints_the_shift_and_takes_notes(known, client, make_user):
    from reports.models import HandoverNote

    agent = make_user("agent")
    client.force_login(agent)
    page = client.get("/reports/handover/")
    assert page.status_code == 200
    assert page.context["summary"]["opened"] == 6
    html = page.content.decode()
    assert known[4].number in html
    response = client.post("/reports/handover/", {"body": "Call back the Bastar DIO at 09:00", "ticket": known[3].display_number})
    assert response.status_code == 302
    note = HandoverNote.objects.get()
    assert (note.author, note.ticket, note.body) == (agent, known[3], "Call back the Bastar DIO at 09:00")
    assert "Call back the Bastar DIO" in client.get("/reports/handover/").content.decode()
    client.post("/reports/handover/", {"body": "   "})
    assert HandoverNote.objects.count() == 1


def test_monthly_report_is_a_printable_page(known, client, make_user):
    client.force_login(make_user("supervisor"))
    response = client.get("/reports/monthly/?month=2026-02")
    assert response.status_code == 200
    assert response.context["opened"] == 3  # t7, t11 and t12 were opened in February
    assert client.get("/reports/monthly/?month=2026-13").status_code == 400


def test_hindi_pages_group_digits_the_indian_way(known, client, make_user):
    from django.template.loader import render_to_string
    from django.utils import translation

    table = {"table": "x", "columns": [{"key": "n", "label": "N", "kind": "int"},
                                       {"key": "r", "label": "R", "kind": "percent"}],
             "rows": [{"n": 1234567, "r": 12.34}]}
    with translation.override("hi"):
        assert "12,34,567" in render_to_string("reports/_table.html", {"t": table})
        assert "12.3%" in render_to_string("reports/_table.html", {"t": table})
    with translation.override("en"):
        assert "1,234,567" in render_to_string("reports/_table.html", {"t": table})
    client.force_login(make_user("supervisor"))
    client.cookies["django_language"] = "hi"
    html = client.get("/reports/state/").content.decode()
    assert 'lang="hi"' in html and "राज्य डैशबोर्ड" in html
