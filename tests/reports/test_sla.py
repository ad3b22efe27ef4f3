"""SLA figures from escalation's clocks, and the vendor figures from escalation's own report."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, make_user):
    client.force_login(make_user("supervisor"))
    return client


def test_sla_compliance_per_clock(clocks, desk):
    data = desk.get("/api/reports/sla/").json()
    assert data["available"] is True
    rows = {row["clock"]: row for row in data["rows"]}
    figures = {k: (r["total"], r["met"], r["breached"], r["running"], r["at_risk"], r["compliance"]) for k, r in rows.items()}
    assert figures == {
        # t4 met; t5 stopped after due (breached though never stamped); t1 running past due
        # (breached); t10 running with 20 min left of 60 (not at risk: 15 min rule); t3 paused.
        "first_response": (5, 1, 2, 2, 0, 33.3),
        # t4 stamped breached; t5 met; t1 due in 30 min of a 240-min goal (at risk); t10 not.
        "resolution": (4, 1, 1, 2, 1, 50.0),
        "vendor_ack": (1, 0, 1, 0, 0, 0.0),
        "vendor_restore": (0, 0, 0, 0, 0, None),
        # ETA given 12:00, resolved 11:30: met although later than the progress due time.
        "eta": (1, 1, 0, 0, 0, 100.0),
    }


def test_sla_compliance_of_another_period_and_district(clocks, desk):
    february = {r["clock"]: r for r in desk.get("/api/reports/sla/?from=2026-02-01&to=2026-02-28").json()["rows"]}
    assert (february["resolution"]["total"], february["resolution"]["breached"]) == (1, 1)
    bastar = {r["clock"]: r for r in desk.get("/api/reports/sla/?district=bastar").json()["rows"]}
    assert (bastar["first_response"]["total"], bastar["first_response"]["running"]) == (1, 1)
    assert bastar["vendor_ack"]["breached"] == 1 and bastar["resolution"]["total"] == 0


def test_districts_ranked_by_breaches(clocks, desk):
    rows = desk.get("/api/reports/districts/").json()["rows"]
    assert [(r["district"], r["rank"], r["breaches"]) for r in rows[:2]] == [("raipur", 1, 3), ("bastar", 2, 1)]
    assert all(r["breaches"] == 0 for r in rows[2:])


def test_business_time_from_the_clocks(clocks, desk):
    rows = desk.get("/api/reports/response-times/").json()["rows"]
    business = {r["measure"]: r for r in rows if r["basis"] == "business"}
    assert (business["mtta"]["count"], business["mtta"]["median_minutes"], business["mtta"]["p90_minutes"]) == (2, 17.5, 19.5)
    assert (business["mttr"]["count"], business["mttr"]["median_minutes"], business["mttr"]["p90_minutes"]) == (2, 135.0, 147.0)


def test_shift_pending_acknowledgement_and_breaches(clocks, desk):
    pending = desk.get("/api/reports/shift-pending/").json()["rows"]
    assert [(r["number"], r["level"], r["clock"], r["waiting_minutes"]) for r in pending] == [
        (clocks["pending"].ticket.number, 1, "resolution", 150.0)]
    breaches = desk.get("/api/reports/shift-breaches/").json()["rows"]
    assert [(r["clock"], r["kind"]) for r in breaches] == [("first_response", "sla_breach"), ("resolution", "sla_breach")]
    bastar = desk.get("/api/reports/shift-pending/?district=bastar").json()["rows"]
    assert bastar == []


def test_vendor_figures_are_escalations_own_report(clocks, desk):
    from escalation.report import accountability
    from reports.scope import Period
    from tests.reports.conftest import NOW

    data = desk.get("/api/reports/vendor/").json()
    assert data["available"] is True
    import datetime as dt

    period = Period.days(dt.date(2026, 3, 4), dt.date(2026, 3, 10))
    report = accountability(start=period.start, end=period.end, now=NOW)
    vendor_rows = [r for r in data["rows"] if r["scope"] == "vendor"]
    assert [(r["received"], r["acknowledged"], r["never_acknowledged"]) for r in vendor_rows] == [
        (v["received"], v["acknowledged"], v["never_acknowledged"]) for v in report["vendors"]]
    assert vendor_rows[0]["received"] == 3 and vendor_rows[0]["acknowledged"] == 1
