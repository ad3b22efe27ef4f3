"""Ladders, rotations (+ overrides) and SLA policies written through the API by supervisors:
typed answers, the same rules as the admin, 403 for every other role, 404 for unknown ids, bad
input as tables (400/409, nothing changed), Idempotency-Key replays."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from escalation.models import Calendar, Ladder, OnCallRotation, Policy, RotationOverride
from tests.escalation.conftest import T0
from tests.factories import UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

LADDER = {"name": "portal P1", "repeat_every_minutes": 60, "max_loops": 2, "levels": [
    {"level": 1, "offset_minutes": 0, "targets": ["on_call"], "channels": ["voice", "sms"]},
    {"level": 2, "offset_minutes": 15, "targets": ["responsible_officer", "vendor_head"], "channels": ["email"]}]}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def sup(people):
    return client_for(people["dept"])  # role supervisor


@pytest.fixture
def rotation(people):
    return OnCallRotation.objects.get(vendor=people["vendor"])


def test_create_and_replace_a_ladder(sup, ladder, policy):
    created = sup.post("/api/sla/ladders/", LADDER, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "portal P1" and body["max_loops"] == 2
    assert body["levels"][0] == {"level": 1, "offset_minutes": 0, "targets": ["on_call"], "channels": ["sms", "voice"],
                                 "requires_ack": True}
    lid = body["id"]
    replaced = sup.put(f"/api/sla/ladders/{lid}/", LADDER | {"levels": LADDER["levels"][:1], "max_loops": 1,
                                                           "repeat_every_minutes": None}, format="json")
    assert replaced.status_code == 200 and len(replaced.json()["levels"]) == 1
    assert sup.get(f"/api/sla/ladders/{lid}/").json() == replaced.json()
    # The list shows it too; a policy then uses it by name.
    assert "portal P1" in [lad["name"] for lad in sup.get("/api/sla/ladders/").json()["results"]]
    patched = sup.patch(f"/api/sla/policies/{policy.pk}/", {"ladder": "portal P1"}, format="json")
    assert patched.status_code == 200 and patched.json()["ladder"] == "portal P1"
    assert sup.delete(f"/api/sla/ladders/{lid}/").status_code == 409  # in use
    sup.patch(f"/api/sla/policies/{policy.pk}/", {"ladder": None}, format="json")
    assert sup.delete(f"/api/sla/ladders/{lid}/").status_code == 204
    assert not Ladder.objects.filter(pk=lid).exists()


def _level(**change):
    return [LADDER["levels"][0] | change]


BAD_LADDERS = [
    ("unknown field", LADDER | {"colour": "red"}, 400),
    ("unknown level field", LADDER | {"levels": _level(when="now")}, 400),
    ("no levels", LADDER | {"levels": []}, 400),
    ("levels not a list", LADDER | {"levels": "1"}, 400),
    ("unknown target", LADDER | {"levels": _level(targets=["ceo"])}, 400),
    ("no target", LADDER | {"levels": _level(targets=[])}, 400),
    ("unknown channel", LADDER | {"levels": _level(channels=["fax"])}, 400),
    ("people without channel", LADDER | {"levels": _level(channels=[])}, 400),
    ("boolean offset", LADDER | {"levels": _level(offset_minutes=True)}, 400),
    ("decreasing offsets", LADDER | {"levels": [LADDER["levels"][0] | {"offset_minutes": 30}, LADDER["levels"][1]]}, 400),
    ("duplicate level numbers", LADDER | {"levels": [LADDER["levels"][0], LADDER["levels"][0]]}, 400),
    ("loops without repeat", LADDER | {"repeat_every_minutes": None}, 400),
    ("zero loops", LADDER | {"max_loops": 0}, 400),
    ("name taken", LADDER | {"name": "standard"}, 409),
    ("empty name", LADDER | {"name": "  "}, 400),
    ("not an object", [LADDER], 400),
]


@pytest.mark.parametrize(("why", "body", "code"), BAD_LADDERS, ids=[b[0] for b in BAD_LADDERS])
def test_bad_ladders_are_refused(why, body, code, sup, ladder):
    before = Ladder.objects.count()
    response = sup.post("/api/sla/ladders/", body, format="json")
    assert response.status_code == code, response.json()
    assert response.json()["code"] and response.json()["detail"]
    assert Ladder.objects.count() == before


def test_rotation_and_overrides(sup, people, rotation):
    created = sup.post("/api/sla/rotations/", {"name": "night desk", "vendor": people["vendor"].code,
                                               "starts_at": "2026-05-03T08:00:00+05:30", "shift_hours": 12,
                                               "members": ["eng2", "eng1"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["members"] == ["eng2", "eng1"]
    neha = UserFactory(username="neha", role="vendor_engineer", vendor=people["vendor"], mobile="9100000009")
    url = f"/api/sla/rotations/{rotation.pk}/overrides/"
    with time_machine.travel(T0, tick=False):
        made = sup.post(url, {"user": "neha", "starts_at": (T0 - dt.timedelta(hours=1)).isoformat(),
                              "ends_at": (T0 + dt.timedelta(hours=2)).isoformat(), "reason": "covers eng1"},
                        format="json")
        assert made.status_code == 201, made.json()
        detail = sup.get(f"/api/sla/rotations/{rotation.pk}/").json()
    assert detail["on_call_now"]["user"] == "neha" and detail["on_call_now"]["override"] is True
    assert detail["on_call_next"]["user"] == "eng1"
    assert [o["user"] for o in detail["overrides"]] == ["neha"]
    oid = made.json()["id"]
    assert sup.delete(f"{url}{oid}/").status_code == 204
    assert sup.delete(f"{url}{oid}/").status_code == 404
    assert not RotationOverride.objects.filter(user=neha).exists()


def test_bad_overrides_and_rotations(sup, people, rotation):
    UserFactory(username="rival", role="vendor_engineer", vendor=VendorFactory(code="other", name="Other"))
    url = f"/api/sla/rotations/{rotation.pk}/overrides/"
    good = {"user": "eng2", "starts_at": "2026-05-08T20:00:00+05:30", "ends_at": "2026-05-09T08:00:00+05:30"}
    assert sup.post(url, good, format="json").status_code == 201
    cases = [
        (good | {"ends_at": "2026-05-08T19:00:00+05:30"}, 400, "invalid_interval"),
        (good | {"ends_at": good["starts_at"]}, 400, "invalid_interval"),
        (good | {"starts_at": "31-02-2026"}, 400, "invalid"),
        (good | {"user": "rival"}, 400, "not_vendor_member"),
        (good | {"user": "nobody"}, 400, "unknown_user"),
        (good | {"starts_at": "2026-05-09T07:00:00+05:30", "ends_at": "2026-05-09T09:00:00+05:30"}, 409,
         "override_overlap"),
        (good | {"who": "x"}, 400, "invalid"),
    ]
    for body, code, error in cases:
        response = sup.post(url, body, format="json")
        assert (response.status_code, response.json()["code"]) == (code, error), body
    assert RotationOverride.objects.count() == 1
    assert sup.post("/api/sla/rotations/999999/overrides/", good, format="json").status_code == 404
    rot = {"name": "x", "vendor": people["vendor"].code, "starts_at": "2026-05-03T08:00:00+05:30", "shift_hours": 12,
           "members": ["eng1"]}
    for body, code in [(rot | {"vendor": "nope"}, 400), (rot | {"members": ["rival"]}, 400),
                       (rot | {"members": ["eng1", "eng1"]}, 400), (rot | {"shift_hours": 0}, 400),
                       (rot | {"members": ["ghost"]}, 400)]:
        assert sup.post("/api/sla/rotations/", body, format="json").status_code == code, body
    assert OnCallRotation.objects.count() == 1


def test_policies(sup, policy, ladder, people):
    Calendar.objects.create(name="office", always_open=False)
    body = {"name": "P2 slots", "position": 3, "priority": "P2", "category": "slot-not-shown", "calendar": "24x7",
            "first_response_minutes": 30, "resolution_minutes": 480, "ladder": "standard",
            "vendor": people["vendor"].code, "escalate_clocks": ["resolution"]}
    made = sup.post("/api/sla/policies/", body, format="json")
    assert made.status_code == 201, made.json()
    out = made.json()
    assert out["ladder"] == "standard" and out["calendar"] == "24x7" and out["priority"] == "P2"
    assert out["escalate_clocks"] == ["resolution"] and out["vendor"] == people["vendor"].code
    assert out["category"] == "slot-not-shown" and out["district"] is None
    pid = out["id"]
    assert sup.patch(f"/api/sla/policies/{pid}/", {"is_active": False}, format="json").json()["is_active"] is False
    bad = [
        ({"priority": "P1", "calendar": "office"}, 400, "p1_needs_24x7"),
        ({"calendar": "nope"}, 400, "unknown_reference"),
        ({"ladder": "nope"}, 400, "unknown_reference"),
        ({"warn_percent": 100}, 400, "invalid"),
        ({"resolution_minutes": 0}, 400, "invalid"),
        ({"escalate_clocks": ["lunch"]}, 400, "invalid"),
        ({"is_fallback": True}, 409, "policy_conflict"),
        ({"name": "P1"}, 409, "policy_conflict"),
        ({"priority": "P9"}, 400, "invalid"),
        ({"secret": 1}, 400, "invalid"),
    ]
    for change, code, error in bad:
        response = sup.patch(f"/api/sla/policies/{pid}/", change, format="json")
        assert (response.status_code, response.json()["code"]) == (code, error), change
    assert Policy.objects.get(pk=pid).name == "P2 slots" and not Policy.objects.get(pk=pid).is_fallback
    assert sup.patch("/api/sla/policies/999999/", {"is_active": False}, format="json").status_code == 404
    assert sup.get("/api/sla/policies/999999/").status_code == 404


def test_idempotency_key_replays(sup, ladder):
    first = sup.post("/api/sla/ladders/", LADDER, format="json", HTTP_IDEMPOTENCY_KEY="cfg-1")
    again = sup.post("/api/sla/ladders/", LADDER, format="json", HTTP_IDEMPOTENCY_KEY="cfg-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    other = sup.post("/api/sla/ladders/", LADDER | {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="cfg-1")
    assert other.status_code == 422
    assert Ladder.objects.filter(name="portal P1").count() == 1


def test_ladder_test_endpoint(sup, ladder, policy):
    response = sup.post(f"/api/sla/ladders/{ladder.pk}/test/", format="json")
    assert response.status_code == 201 and len(response.json()["sent"]) == 5
    assert sup.post("/api/sla/ladders/999999/test/", format="json").status_code == 404


WRITES = [
    ("post", "/api/sla/ladders/", LADDER),
    ("put", "/api/sla/ladders/{ladder}/", LADDER),
    ("delete", "/api/sla/ladders/{ladder}/", None),
    ("post", "/api/sla/ladders/{ladder}/test/", None),
    ("post", "/api/sla/rotations/", {}),
    ("put", "/api/sla/rotations/{rotation}/", {}),
    ("get", "/api/sla/rotations/{rotation}/", None),
    ("post", "/api/sla/rotations/{rotation}/overrides/", {}),
    ("delete", "/api/sla/rotations/{rotation}/overrides/1/", None),
    ("post", "/api/sla/policies/", {}),
    ("patch", "/api/sla/policies/{policy}/", {"is_active": False}),
    ("get", "/api/sla/policies/{policy}/", None),
]


@pytest.mark.parametrize("role", ["anonymous", "agent", "vendor_engineer", "vendor_officer", "district_official"])
def test_only_supervisors_may_write(role, ladder, policy, people, rotation):
    user = None if role == "anonymous" else UserFactory(role=role, vendor=people["vendor"] if "vendor" in role else None)
    client = client_for(user)
    for method, path, body in WRITES:
        url = path.format(ladder=ladder.pk, rotation=rotation.pk, policy=policy.pk)
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (role, method, url, response.status_code)
    assert Ladder.objects.count() == 1 and Policy.objects.get(pk=policy.pk).is_active


def test_schema_documents_the_writes(sup):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = schema["paths"]
    assert {"get", "post"} <= set(ops["/api/sla/ladders/"])
    assert {"get", "put", "delete"} <= set(ops["/api/sla/ladders/{id}/"])
    assert {"get", "patch"} <= set(ops["/api/sla/policies/{id}/"])
    assert {"get", "post"} <= set(ops["/api/sla/rotations/{id}/overrides/"])
    post = ops["/api/sla/rotations/{id}/overrides/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OverrideInRequest")
    assert "/api/voice/callback/" in ops
