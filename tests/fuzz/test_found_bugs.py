"""Bugs found by fuzzing, each reproduced deterministically. An open one is marked
xfail(strict=True) with its owner, so CI stays green while the bug stays visible and the fix must
remove the mark; a fixed one stays as a regression test."""

import pytest
from django.core.management import call_command
from django.test import Client


# Found by fuzzing on PostgreSQL (client_ip() "unknown" stored in an inet column: a 500); fixed by
# bookings in f94e964. Kept as a regression test.
@pytest.mark.django_db
def test_otp_request_without_a_client_address_is_not_a_500():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = Client(REMOTE_ADDR="").post("/api/bookings/citizen/otp/", {"mobile": "9876543210"},
                                            content_type="application/json")
    assert response.status_code < 500, response.content[:300]


# Found by fuzzing: ?format=csv of an error answer was a 500 (the CSV renderer was given the error
# body instead of the report). Fixed in escalation/api.py; kept as a regression test.
@pytest.mark.django_db
def test_accountability_csv_of_an_error_is_not_a_500(supervisor):
    anonymous = Client().get("/api/sla/accountability/", {"format": "csv"})
    assert anonymous.status_code in (401, 403, 404), anonymous.content[:300]
    assert b"detail" in anonymous.content
    client = Client()
    client.force_login(supervisor)
    bad = client.get("/api/sla/accountability/", {"format": "csv", "from": "31-02-2026"})
    assert bad.status_code == 400, bad.content[:300]


# Found by fuzzing on PostgreSQL: an offset or year timestamptz refuses was a 500 (DataError).
# Fixed by the bounded instant parser in tickets/listing/params.py; kept as a regression test.
@pytest.mark.django_db
@pytest.mark.parametrize("instant", ["0397-05-04T12:12:54-20:16", "2026-05-04T12:12:54+15:00", "9999-01-01T00:00:00Z"])
def test_ticket_list_with_an_impossible_time_zone_offset_is_not_a_500(agent, instant):
    client = Client()
    client.force_login(agent)
    response = client.get("/api/tickets/", {"created_before": instant})
    assert response.status_code == 400, response.content[:300]
    ok = client.get("/api/tickets/", {"created_before": "2026-05-04T12:12:54+05:30"})
    assert ok.status_code == 200
