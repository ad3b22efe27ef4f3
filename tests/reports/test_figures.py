"""Every figure of the dashboards, checked exactly against the known tickets (conftest.py)."""

from __future__ import annotations

import pytest

from accounts.models import District

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, make_user):
    client.force_login(make_user("supervisor"))
    return client


def rows_by(data, key):
    return {row[key]: row for row in data["rows"]}


def test_open_tickets_by_status_and_priority(known, desk):
    data = desk.get("/api/reports/open/").json()
    rows = rows_by(data, "status")
    assert [r["status"] for r in data["rows"]] == [
        "new", "acknowledged", "in_progress", "awaiting_citizen", "awaiting_vendor", "reopened"]
    assert {k: rows["new"][k] for k in ("P1", "P2", "P3", "P4", "total")} == {"P1": 2, "P2": 0, "P3": 1, "P4": 0, "total": 3}
    assert rows["in_progress"]["P2"] == 1 and rows["in_progress"]["total"] == 1
    assert rows["awaiting_citizen"]["P4"] == 1
    assert rows["reopened"]["P2"] == 1
    assert rows["acknowledged"]["total"] == 0 and rows["awaiting_vendor"]["total"] == 0
    assert data["total"] == 6
    assert data["by_priority"] == {"P1": 2, "P2": 2, "P3": 1, "P4": 1}
    assert data["scope"] == {"level": "state", "district": None}


def test_intake_today_by_hour_against_the_28_day_mean(known, desk):
    data = desk.get("/api/reports/intake/").json()
    assert data["date"] == "2026-03-10"
    today = [row["today"] for row in data["rows"]]
    assert today[:15] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 1, 0, 1, 1]
    assert today[15:] == [None] * 9  # hours still to come
    usual = {row["hour"]: row["usual"] for row in data["rows"] if row["usual"]}
    # 28 days before today's midnight: t11 at 00:00 on 10 Feb counts, t12 at 23:59 on 9 Feb does not.
    assert usual == {0: round(1 / 28, 2), 9: round(2 / 28, 2), 13: round(1 / 28, 2)}
    assert data["today_total"] == 6
    assert data["usual_to_this_hour"] == round(4 / 28, 2)


def test_backlog_by_age_bucket(known, desk):
    data = desk.get("/api/reports/backlog/").json()
    totals = {row["bucket"]: row["total"] for row in data["rows"]}
    assert totals == {"lt_1h": 1, "1h_4h": 1, "4h_24h": 2, "1d_3d": 0, "3d_7d": 1, "gt_7d": 1}
    rows = rows_by(data, "bucket")
    assert rows["4h_24h"]["P1"] == 1 and rows["4h_24h"]["P2"] == 1
    assert rows["gt_7d"]["P2"] == 1 and rows["3d_7d"]["P4"] == 1
    assert data["total"] == 6


def test_backlog_bucket_edges_are_exact(db, frozen, desk):
    import datetime as dt

    from tests.reports.conftest import NOW, make_ticket

    make_ticket(district="raipur", priority="P3", status="new", created_at=NOW - dt.timedelta(hours=1))
    make_ticket(district="raipur", priority="P3", status="new", created_at=NOW - dt.timedelta(hours=1) + dt.timedelta(seconds=1))
    make_ticket(district="raipur", priority="P3", status="new", created_at=NOW - dt.timedelta(days=7))
    totals = {row["bucket"]: row["total"] for row in desk.get("/api/reports/backlog/").json()["rows"]}
    assert totals == {"lt_1h": 1, "1h_4h": 1, "4h_24h": 0, "1d_3d": 0, "3d_7d": 0, "gt_7d": 1}


def test_mtta_and_mttr_median_and_p90(known, desk):
    data = desk.get("/api/reports/response-times/").json()
    assert data["period"]["from"] == "2026-03-04" and data["period"]["to"] == "2026-03-10"
    wall = {row["measure"]: row for row in data["rows"] if row["basis"] == "wall_clock"}
    # First responses of tickets opened in the period: 15, 20 and 60 minutes.
    assert wall["mtta"]["count"] == 3
    assert wall["mtta"]["median_minutes"] == 20.0
    assert wall["mtta"]["p90_minutes"] == 52.0  # 20 + 0.8 * (60 - 20)
    # Resolutions: 120 and 180 minutes.
    assert wall["mttr"]["count"] == 2
    assert wall["mttr"]["median_minutes"] == 150.0
    assert wall["mttr"]["p90_minutes"] == 174.0


def test_response_times_follow_the_chosen_period(known, desk):
    data = desk.get("/api/reports/response-times/?from=2026-02-01&to=2026-02-28").json()
    wall = {row["measure"]: row for row in data["rows"] if row["basis"] == "wall_clock"}
    assert wall["mtta"]["count"] == 1 and wall["mtta"]["median_minutes"] == 30.0
    assert wall["mttr"]["count"] == 1 and wall["mttr"]["p90_minutes"] == 1440.0
    empty = desk.get("/api/reports/response-times/?from=2025-06-01&to=2025-06-30").json()
    assert all(row["count"] == 0 and row["median_minutes"] is None for row in empty["rows"])


def test_districts_ranked_by_backlog_and_reopen_rate(known, desk):
    data = desk.get("/api/reports/districts/?order=backlog").json()
    assert len(data["rows"]) == District.objects.count() == 33
    first, second = data["rows"][0], data["rows"][1]
    assert (first["district"], first["rank"], first["backlog"], first["opened"], first["reopened"]) == ("raipur", 1, 4, 5, 1)
    assert first["reopen_rate"] == 50.0  # t5 reopened, of t4 and t5 resolved at least once
    assert (second["district"], second["backlog"], second["opened"], second["reopen_rate"]) == ("bastar", 2, 2, None)
    durg = rows_by(data, "district")["durg"]
    assert (durg["backlog"], durg["opened"]) == (0, 1)
    by_reopen = desk.get("/api/reports/districts/?order=reopen_rate").json()
    assert by_reopen["rows"][0]["district"] == "raipur"


def test_district_position_against_the_state(known, client, make_user):
    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    data = client.get("/api/reports/position/").json()
    rows = rows_by(data, "metric")
    assert (rows["backlog"]["district"], rows["backlog"]["state"], rows["backlog"]["rank"]) == (4, round(6 / 33, 1), 1)
    assert (rows["opened"]["district"], rows["opened"]["state"]) == (5, round(8 / 33, 1))
    assert (rows["reopen_rate"]["district"], rows["reopen_rate"]["state"]) == (50.0, 50.0)
    assert (rows["mtta_median"]["district"], rows["mtta_median"]["state"]) == (17.5, 20.0)
    assert (rows["mttr_median"]["district"], rows["mttr_median"]["state"]) == (150.0, 150.0)


def test_categories_of_the_period(known, desk):
    rows = rows_by(desk.get("/api/reports/categories/").json(), "category")
    assert (rows["otp-not-received"]["opened"], rows["otp-not-received"]["still_open"], rows["otp-not-received"]["p1"],
            rows["otp-not-received"]["reopened"]) == (7, 4, 3, 1)
    assert (rows["portal-down"]["opened"], rows["portal-down"]["still_open"]) == (1, 1)


def test_district_official_sees_only_their_district(known, client, make_user):
    client.force_login(make_user("district_official", district=District.objects.get(code="bastar")))
    data = client.get("/api/reports/open/").json()
    assert data["scope"]["district"]["code"] == "bastar"
    assert data["total"] == 2 and data["by_priority"] == {"P1": 0, "P2": 0, "P3": 1, "P4": 1}
    districts = client.get("/api/reports/districts/?order=backlog").json()
    assert [(r["district"], r["rank"]) for r in districts["rows"]] == [("bastar", 2)]
    intake = client.get("/api/reports/intake/").json()
    assert intake["today_total"] == 1


def test_supervisor_can_look_at_one_district(known, desk):
    data = desk.get("/api/reports/backlog/?district=raipur").json()
    assert data["total"] == 4 and data["scope"]["district"]["code"] == "raipur"


def test_shift_handover_counts_and_lists(known, desk):
    from reports.models import HandoverNote
    from tests.reports.conftest import at

    summary = desk.get("/api/reports/shift/").json()
    assert summary["shift"]["start"] == "2026-03-10T06:30:00+05:30"
    assert (summary["opened"], summary["opened_p1"], summary["resolved"], summary["closed"], summary["open_now"]) == (6, 3, 1, 0, 6)
    opened = desk.get("/api/reports/shift-opened/").json()
    assert [row["number"] for row in opened["rows"]] == [known[i].number for i in (1, 2, 4, 9, 3, 10)]
    closed = desk.get("/api/reports/shift-closed/").json()
    assert [(row["number"], row["to_value"]) for row in closed["rows"]] == [(known[4].number, "resolved")]
    yesterday = desk.get("/api/reports/shift/?end=2026-03-09T14:00&hours=6").json()
    assert (yesterday["opened"], yesterday["resolved"], yesterday["closed"]) == (1, 1, 1)

    author = known[1].district.officials.model.objects.filter(role="supervisor").first()
    inside = HandoverNote.objects.create(author=author, body="OTP gateway slow since 13:00")
    outside = HandoverNote.objects.create(author=author, body="old note")
    HandoverNote.objects.filter(pk=inside.pk).update(created_at=at(10, 13, 0))
    HandoverNote.objects.filter(pk=outside.pk).update(created_at=at(10, 5, 0))
    notes = desk.get("/api/reports/shift-notes/").json()
    assert [row["body"] for row in notes["rows"]] == ["OTP gateway slow since 13:00"]


def test_district_position_is_the_same_from_the_cached_state_tables(known, client, make_user):
    """With the state's tables cached by a supervisor's dashboard, the figures do not change."""
    direct_client = client
    direct_client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    direct = direct_client.get("/api/reports/position/").json()["rows"]
    from django.core.cache import cache

    cache.clear()
    client.force_login(make_user("supervisor"))
    client.get("/api/reports/response-times/")
    client.get("/api/reports/response-times/?district=raipur")
    client.get("/api/reports/districts/")
    from_cache = client.get("/api/reports/position/?district=raipur").json()["rows"]
    assert from_cache == direct


def test_open_incidents_with_their_open_tickets_and_district_scope(known, client, make_user):
    from live.models import Incident
    from tests.reports.conftest import NOW

    statewide = Incident.objects.create(title="OTP gateway down", status="identified")
    bastar_only = Incident.objects.create(title="Bastar slots missing", status="investigating")
    bastar_only.districts.add(District.objects.get(code="bastar"))
    Incident.objects.create(title="Old outage", status="resolved", resolved_at=NOW)
    Ticket = type(known[1])
    # t5 is closed; t6 is Bastar's.
    Ticket.objects.filter(pk__in=[known[1].pk, known[2].pk, known[5].pk, known[6].pk]).update(incident=statewide)
    Ticket.objects.filter(pk=known[3].pk).update(incident=bastar_only)

    client.force_login(make_user("supervisor"))
    rows = client.get("/api/reports/incidents/").json()["rows"]
    assert [(r["title"], r["status"], r["tickets"]) for r in rows] == [
        ("OTP gateway down", "identified", 3), ("Bastar slots missing", "investigating", 1)]
    client.force_login(make_user("district_official", district=District.objects.get(code="raipur")))
    rows = client.get("/api/reports/incidents/").json()["rows"]
    assert [(r["title"], r["tickets"]) for r in rows] == [("OTP gateway down", 2)]
