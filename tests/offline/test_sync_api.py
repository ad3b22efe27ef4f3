"""The sync API's bad inputs: whole-batch refusals, per-record refusals with the rest kept."""

from __future__ import annotations

import pytest
from django.test import override_settings

from bookings.models import Beneficiary
from bookings.offline.models import OfflineRecord

from .conftest import batch, make_centre, make_staff, walk_in

pytestmark = pytest.mark.django_db
URL = "/api/centre/sync/"


@pytest.fixture
def api(client, staff):
    client.force_login(staff)
    return client


def post(client, body, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


def test_only_centre_staff_may_sync(client, centre, make_user):
    assert post(client, batch([walk_in(centre)])).status_code == 403
    for role in ("district_official", "agent", "supervisor"):
        client.force_login(make_user(role))
        assert post(client, batch([walk_in(centre)])).status_code == 403
    assert OfflineRecord.objects.count() == 0


@override_settings(OFFLINE_BATCH_MAX=5)
def test_a_batch_over_the_limit_is_refused_whole(api, centre):
    response = post(api, batch([walk_in(centre) for _ in range(6)]))
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large" and response.json()["max_records"] == 5
    assert OfflineRecord.objects.count() == 0
    assert post(api, batch([walk_in(centre) for _ in range(5)])).status_code == 200


@pytest.mark.parametrize("body", [
    [], "text", {"records": []},
    {"device_id": "not-a-uuid", "sent_at": "2026-12-01T10:00:00+05:30", "waiting": 0, "records": []},
    {"device_id": "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10", "sent_at": "yesterday", "waiting": 0, "records": []},
    {"device_id": "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10", "sent_at": "2026-12-01T10:00:00+05:30", "waiting": "3",
     "records": []},
    {"device_id": "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10", "sent_at": "2026-12-01T10:00:00+05:30", "waiting": 0,
     "records": {"a": 1}},
    {"device_id": "5f0c2b8e-8f0e-4a39-b6d4-0c7a4d9e2f10", "sent_at": "2026-12-01T10:00:00+05:30", "waiting": 0,
     "records": [], "extra": 1},
])
def test_a_body_that_is_not_a_batch_is_400(api, body):
    response = post(api, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("invalid_body", "invalid_batch", "parse_error")


BAD_RECORDS = {
    "not an object": "record",
    "no client id": {"client_id": None},
    "client id not a uuid": {"client_id": "1234"},
    "reference id as a JSON number": {"kind": "vaccination", "reference_id": 12345678901234},
    "reference id of 13 digits": {"kind": "vaccination", "reference_id": "1234567890123"},
    "reference id in Devanagari digits": {"kind": "vaccination", "reference_id": "१२३४५६७८९०१२३४"},
    "birth year as a string": {"birth_year": "1990"},
    "birth year as a boolean": {"birth_year": True},
    "name with NUL": {"name": "Ram\x00esh"},
    "name of spaces": {"name": "   "},
    "unknown field": {"shoe_size": 9},
    "gender unknown": {"gender": "X"},
    "mobile of 9 digits": {"mobile": "987654321"},
    "vaccine unknown": {"vaccine": "SPUTNIK"},
    "dose 3": {"dose": 3},
    "id last digits too long": {"id_last4": "12345"},
    "time without a date": {"recorded_at": "10:42"},
    "center id as text": {"center_id": "109001"},
    "dose 2 without dose 1": {"dose": 2},
    "correction of nothing named": {"kind": "correction"},
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_a_malformed_record_is_refused_and_the_rest_of_the_batch_kept(api, centre, case):
    change = BAD_RECORDS[case]
    bad = change if not isinstance(change, dict) else {**walk_in(centre), **change}
    if isinstance(bad, dict):
        bad = {k: v for k, v in bad.items() if v is not None or k == "client_id"}
        if bad.get("client_id") is None:
            bad.pop("client_id")
    good = [walk_in(centre), walk_in(centre)]
    response = post(api, batch([good[0], bad, good[1]]))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "refused", "accepted"]
    assert results[1]["code"] == "invalid" and results[1]["errors"], results[1]
    assert OfflineRecord.objects.count() == 2


def test_a_record_for_another_centre_is_refused(api, centre):
    other = make_centre("bastar")
    results = post(api, batch([walk_in(other), walk_in(centre)])).json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [("refused", "wrong_centre"), ("accepted", "")]
    assert not OfflineRecord.objects.filter(centre=other).exists()


def test_two_centres_may_use_the_same_client_id(client, centre):
    other = make_centre("bastar")
    record = walk_in(centre)
    client.force_login(make_staff(centre))
    assert post(client, batch([record])).json()["results"][0]["status"] == "accepted"
    client.force_login(make_staff(other))
    theirs = {**record, "center_id": other.center_id}
    assert post(client, batch([theirs])).json()["results"][0]["replay"] is False
    assert Beneficiary.objects.filter(channel="onsite").count() == 2


def test_refusals_come_in_the_senders_language(api, centre):
    results = post(api, batch([walk_in(centre, vaccine="COVAXIN")]), HTTP_ACCEPT_LANGUAGE="hi").json()["results"]
    assert results[0]["code"] == "not_eligible_age"
    assert any("\u0900" <= ch <= "\u097f" for ch in results[0]["detail"]), results[0]["detail"]


def test_the_schema_documents_the_sync_operation(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/centre/sync/"]["post"]
    assert operation["operationId"] == "centre_sync_batch"
    assert {"200", "400", "403", "413"} <= set(operation["responses"])
    components = schema["components"]["schemas"]
    assert {"RecordInRequest", "BatchDocRequest", "BatchOut", "ResultOut"} <= set(components)
    assert "client_id" in components["RecordInRequest"]["properties"]
    assert components["BatchDocRequest"]["properties"]["records"]["items"]["$ref"].endswith("/RecordInRequest")
