"""OTP login (DOMAIN.md §8) and the citizen API: tokens, lookup, rebook, cancel, idempotency."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from bookings import otp
from bookings.models import Appointment, Beneficiary, CitizenToken, OtpTransaction
from notifications.channels import MemorySms
from notifications.models import OutboxMessage
from tests.bookings.factories import SLOTS, BeneficiaryFactory, SessionFactory, book, day

pytestmark = pytest.mark.django_db
MOBILE = "9876543210"


def request_otp(client, mobile=MOBILE, **extra):
    return client.post("/api/bookings/citizen/otp/", {"mobile": mobile}, content_type="application/json", **extra)


def sent_code(mobile=MOBILE) -> str:
    """The code as the phone received it (the console gateway keeps what it sent); a message the
    worker has not sent yet still holds it in the outbox (redacted once sent)."""
    message = OutboxMessage.objects.filter(recipient=mobile, idempotency_key__startswith="otp:").latest("pk")
    if message.status == "sent":
        texts = [text for to, text in MemorySms.outbox if to == mobile and "OTP" in text]
        assert "******" in message.body, "the sent OTP is still in the outbox"
        return re.match(r"^([0-9]{6}) ", texts[-1]).group(1)
    return re.match(r"^([0-9]{6}) ", message.body).group(1)


def login(client, mobile=MOBILE) -> str:
    txn = request_otp(client, mobile).json()["txnId"]
    response = client.post("/api/bookings/citizen/otp/confirm/", {"txnId": txn, "otp": sent_code(mobile)},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_otp_is_stored_only_as_an_hmac_and_sent_by_sms(client):
    BeneficiaryFactory()
    txn_id = request_otp(client).json()["txnId"]
    code = sent_code()
    txn = OtpTransaction.objects.get(txn_id=txn_id)
    assert code not in txn.code_hmac and len(txn.code_hmac) == 64
    assert txn.expires_at - txn.created_at == dt.timedelta(minutes=3)


def test_unregistered_mobile_gets_the_same_answer_and_no_sms(client):
    BeneficiaryFactory()
    known = request_otp(client)
    unknown = request_otp(client, "9123456780")
    assert known.status_code == unknown.status_code == 200
    assert set(known.json()) == set(unknown.json())
    assert known.json()["expires_in"] == unknown.json()["expires_in"]
    assert not OutboxMessage.objects.filter(recipient="9123456780").exists()
    assert OtpTransaction.objects.filter(mobile="9123456780").count() == 1


def test_full_citizen_journey_over_the_api(client):
    beneficiary = BeneficiaryFactory()
    appointment = book(beneficiary, SessionFactory(date=day(3)))
    token = login(client)
    listing = client.get("/api/bookings/citizen/beneficiaries/", **auth(token)).json()
    person = listing["beneficiaries"][0]
    assert person["mobile"] == "XXXXXX3210" and person["name"] == "R***** K**** S***"
    assert person["appointments"][0]["appointment_id"] == str(appointment.appointment_id)
    target = SessionFactory(date=day(5))
    sessions = client.get("/api/bookings/citizen/sessions/?district_id=109", **auth(token)).json()["sessions"]
    assert str(target.session_id) in {s["session_id"] for s in sessions}
    response = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/rebook/",
                           {"session_id": str(target.session_id), "slot": SLOTS[1], "expected_version": 1},
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth(token))
    assert response.status_code == 200, response.content
    assert response.json()["session_id"] == str(target.session_id)
    assert response.json()["confirmation_number"] != appointment.confirmation_number
    replay = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/rebook/",
                         {"session_id": str(target.session_id), "slot": SLOTS[1], "expected_version": 1},
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth(token))
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == response.json()
    assert Appointment.objects.get(pk=appointment.pk).reschedule_count == 1
    other_body = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/rebook/",
                             {"session_id": str(target.session_id), "slot": SLOTS[2], "expected_version": 2},
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth(token))
    assert other_body.status_code == 422
    stale = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/cancel/",
                        {"expected_version": 1}, content_type="application/json", **auth(token))
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    cancel = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/cancel/",
                         {"expected_version": 2}, content_type="application/json", **auth(token))
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_citizen_lookup_query_budget(client, django_assert_max_num_queries):
    for _ in range(4):
        book(BeneficiaryFactory(), SessionFactory())
    token = login(client)
    from django.db import connection

    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        response = client.get("/api/bookings/citizen/beneficiaries/", **auth(token))
    assert len(response.json()["beneficiaries"]) == 4


def test_someone_elses_booking_is_404_like_a_missing_one(client):
    BeneficiaryFactory()
    other = book(BeneficiaryFactory(mobile="9123456789"), SessionFactory())
    token = login(client)
    target = SessionFactory(date=day(4))
    body = {"session_id": str(target.session_id), "slot": SLOTS[1], "expected_version": 1}
    theirs = client.post(f"/api/bookings/citizen/appointments/{other.appointment_id}/rebook/", body,
                         content_type="application/json", **auth(token))
    missing = client.post("/api/bookings/citizen/appointments/00000000-0000-4000-8000-000000000000/rebook/", body,
                          content_type="application/json", **auth(token))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_token_expires_after_15_minutes(client):
    BeneficiaryFactory()
    token = login(client)
    assert client.get("/api/bookings/citizen/beneficiaries/", **auth(token)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=15, seconds=1)):
        response = client.get("/api/bookings/citizen/beneficiaries/", **auth(token))
        assert response.status_code == 401
        assert client.get("/api/bookings/citizen/sessions/?district_id=109", **auth(token)).status_code == 401


def test_no_token_is_401(client):
    assert client.get("/api/bookings/citizen/beneficiaries/").status_code == 401
    assert client.get("/api/bookings/citizen/beneficiaries/", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def _confirm(client, txn, code):
    return client.post("/api/bookings/citizen/otp/confirm/", {"txnId": txn, "otp": code}, content_type="application/json")


def test_wrong_otp_counts_and_the_sixth_try_is_refused(client):
    BeneficiaryFactory()
    txn = request_otp(client).json()["txnId"]
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        response = _confirm(client, txn, wrong)
        assert response.status_code == 400 and response.json()["attempts_left"] == left
    response = _confirm(client, txn, code)  # even the right code, now
    assert response.status_code == 429 and response.json()["code"] == "otp_attempts_exceeded"
    assert "Retry-After" in response


def test_expired_reused_and_unknown_transactions(client):
    BeneficiaryFactory()
    txn = request_otp(client).json()["txnId"]
    code = sent_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3, seconds=1)):
        assert _confirm(client, txn, code).json()["code"] == "otp_expired"
    assert _confirm(client, txn, code).status_code == 200
    reused = _confirm(client, txn, code)
    assert reused.status_code == 400 and reused.json()["code"] == "otp_used"
    unknown = _confirm(client, "00000000-0000-4000-8000-000000000000", code)
    assert unknown.status_code == 400 and unknown.json()["code"] == "otp_unknown_transaction"
    assert CitizenToken.objects.count() == 1


def test_otp_of_another_transaction_is_wrong(client, settings, monkeypatch):
    settings.BOOKINGS_OTP_RESEND_SECONDS = 0
    codes = iter([111111, 222222])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    BeneficiaryFactory()
    first = request_otp(client).json()["txnId"]
    second = request_otp(client).json()["txnId"]
    wrong = _confirm(client, second, "111111")
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_wrong"
    assert _confirm(client, first, "111111").status_code == 200


def test_resend_cooldown_and_per_mobile_and_per_ip_limits(client, settings):
    settings.BOOKINGS_RATE_OTP_MOBILE = "2/hour"
    settings.BOOKINGS_RATE_OTP_IP = "5/hour"
    BeneficiaryFactory()
    start = dt.datetime(2026, 11, 25, 10, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert request_otp(client).status_code == 200
        again = request_otp(client)  # 1 of the IP's 5 spent again, none of the mobile's
        assert again.status_code == 429 and again.json()["code"] == "otp_cooldown"
        assert 1 <= int(again["Retry-After"]) <= 30
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        assert request_otp(client).status_code == 200  # the mobile's 2nd this hour
    with time_machine.travel(start + dt.timedelta(seconds=62), tick=False):
        limited = request_otp(client)
        assert limited.status_code == 429 and limited.json()["code"] == "throttled"
        assert int(limited["Retry-After"]) == 3600 - 5 - 62
        other_ip = request_otp(client, REMOTE_ADDR="10.0.0.9")
        assert other_ip.status_code == 429  # the per-mobile limit holds whatever the IP
        # 127.0.0.1 has spent 4 of its 5: one more mobile, then any mobile is refused
        assert request_otp(client, "9800000001").status_code == 200
        assert request_otp(client, "9800000002").status_code == 429


def test_otp_codes_come_from_secrets(monkeypatch):
    calls = []
    real = otp.secrets.randbelow
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: calls.append(n) or real(n))
    otp.otp_request(mobile="9876543210", ip="127.0.0.1")
    assert calls == [1_000_000]


def test_the_one_query_payload_equals_the_orm_dicts():
    from bookings import selectors

    people = [BeneficiaryFactory() for _ in range(3)]
    book(people[0], SessionFactory())
    book(people[0], SessionFactory(), dose=2, status="cancelled")
    book(people[2], SessionFactory(date=day(6)))
    expected = [selectors.beneficiary_dict(b) for b in selectors.beneficiaries_for_mobile(MOBILE)]
    assert selectors.citizen_payload(MOBILE) == expected
    assert [len(p["appointments"]) for p in expected] == [2, 0, 1]


def test_the_token_joined_payload_equals_the_orm_dicts(client):
    from django.utils import timezone

    from bookings import selectors

    people = [BeneficiaryFactory() for _ in range(2)]
    book(people[1], SessionFactory())
    token = login(client)
    expected = [selectors.beneficiary_dict(b) for b in selectors.beneficiaries_for_mobile(MOBILE)]
    assert selectors.citizen_payload_for_token(otp.token_hash(token), timezone.now()) == expected
    assert selectors.citizen_payload_for_token(otp.token_hash("nope"), timezone.now()) is None
    CitizenToken.objects.update(revoked=True)
    assert selectors.citizen_payload_for_token(otp.token_hash(token), timezone.now()) is None


def test_a_valid_token_for_a_mobile_with_no_registration_sees_an_empty_list(client, monkeypatch):
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 424242)  # the unsent code, known to the test
    txn_id = request_otp(client, "9123450000").json()["txnId"]
    assert not OutboxMessage.objects.filter(recipient="9123450000").exists()
    token = client.post("/api/bookings/citizen/otp/confirm/", {"txnId": txn_id, "otp": "424242"},
                        content_type="application/json").json()["token"]
    response = client.get("/api/bookings/citizen/beneficiaries/", **auth(token))
    assert response.status_code == 200 and response.json() == {"beneficiaries": []}


def test_idempotency_keys_are_per_citizen_and_otp_retries_send_one_sms(client, settings):
    settings.BOOKINGS_OTP_RESEND_SECONDS = 0
    BeneficiaryFactory()
    first = request_otp(client, HTTP_IDEMPOTENCY_KEY="otp-retry")
    retry = request_otp(client, HTTP_IDEMPOTENCY_KEY="otp-retry")
    assert retry["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    assert OutboxMessage.objects.filter(recipient=MOBILE).count() == 1
    mine = book(Beneficiary.objects.get(mobile=MOBILE), SessionFactory())
    theirs = book(BeneficiaryFactory(mobile="9123456789"), SessionFactory())
    token_a = login(client)
    token_b = login(client, "9123456789")
    for token, appointment in ((token_a, mine), (token_b, theirs)):
        response = client.post(f"/api/bookings/citizen/appointments/{appointment.appointment_id}/cancel/",
                               {"expected_version": 1}, content_type="application/json",
                               HTTP_IDEMPOTENCY_KEY="same-key", **auth(token))
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Appointment.objects.filter(status="cancelled").count() == 2


@pytest.mark.parametrize("address", ["", "unknown", "not-an-ip"])
def test_otp_request_without_a_usable_client_address(client, address):
    BeneficiaryFactory()
    response = client.post("/api/bookings/citizen/otp/", {"mobile": MOBILE}, content_type="application/json",
                           REMOTE_ADDR=address)
    assert response.status_code == 200
    assert OtpTransaction.objects.get().ip is None
