"""The outbox's batch sender (`deliver_many`, the `deliver_messages` task): a fixed number of
statements per batch, and every guarantee of the one-message sender: only due pending rows,
obsolete notices cancelled, a row cancelled between claim and send not sent, failures retried
one by one, secrets redacted once sent, and the row locks released every SEND_SLICE."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import outbox
from notifications.channels import DeliveryError
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _messages(n: int, prefix: str = "b", **fields) -> list[OutboxMessage]:
    return [OutboxMessage.objects.create(idempotency_key=f"{prefix}{i}", channel="sms", recipient=f"98765{i:05d}",
                                         body=f"receipt {i}", next_attempt_at=timezone.now(), **fields)
            for i in range(n)]


def _statements(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver_many(ids) == len(ids)
    return len(queries)


def test_a_batch_costs_the_same_statements_whatever_its_size(sms_outbox):
    few = _statements([m.pk for m in _messages(2, "few")])
    many = _statements([m.pk for m in _messages(40, "many")])
    assert few == many
    assert OutboxMessage.objects.exclude(status="sent").count() == 0
    assert len(sms_outbox) == 42 and ("9876500039", "receipt 39") in sms_outbox
    assert all(m.attempts == 1 and m.sent_at and m.claimed_at for m in OutboxMessage.objects.all())


def test_only_due_pending_rows_are_sent_and_each_once(sms_outbox):
    due, later, done = _messages(3, "due")
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    OutboxMessage.objects.filter(pk=done.pk).update(status="cancelled")
    ids = [due.pk, later.pk, done.pk, due.pk, 10**9]
    assert outbox.deliver_many(ids) == 1
    assert outbox.deliver_many(ids) == 0  # a redelivered task sends nothing again
    assert list(sms_outbox) == [("9876500000", "receipt 0")]
    assert dict(OutboxMessage.objects.values_list("pk", "status")) == {
        due.pk: "sent", later.pk: "pending", done.pk: "cancelled"}


def test_an_obsolete_message_is_cancelled_not_sent(monkeypatch, sms_outbox):
    keep, drop = _messages(2, "obs")
    monkeypatch.setattr("notifications.hooks._obsolete_checks", [lambda m: m.pk == drop.pk])
    assert outbox.deliver_many([keep.pk, drop.pk]) == 1
    assert OutboxMessage.objects.get(pk=drop.pk).status == "cancelled"
    assert list(sms_outbox) == [("9876500000", "receipt 0")]


def test_a_row_cancelled_between_claim_and_send_is_not_sent(sms_outbox):
    first, second = _messages(2, "race")
    claimed, cancelled = outbox._claim([first.pk, second.pk], timezone.now())
    assert claimed == [first.pk, second.pk] and cancelled == {}
    OutboxMessage.objects.filter(pk=second.pk).update(status="cancelled")  # an acknowledgement's cancel
    assert outbox._send_claimed(claimed) == ({first.pk: "sent", second.pk: "cancelled"}, [])
    assert list(sms_outbox) == [("9876500000", "receipt 0")]
    assert OutboxMessage.objects.get(pk=second.pk).status == "cancelled"


def test_one_failing_send_is_retried_alone(monkeypatch, sms_outbox):
    good, bad = _messages(2, "fail")
    real = outbox.channels.sms_backend

    class OneBad:
        def send(self, *, to, text):
            if text == bad.body:
                raise DeliveryError("gateway refused this number")
            real().send(to=to, text=text)

    monkeypatch.setattr("notifications.channels.sms_backend", lambda: OneBad())
    assert outbox.deliver_many([good.pk, bad.pk]) == 1
    bad.refresh_from_db()
    assert bad.status == "pending" and bad.attempts == 1 and "refused" in bad.last_error
    assert bad.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert OutboxMessage.objects.get(pk=good.pk).status == "sent"


def test_a_secret_is_redacted_once_sent(sms_outbox):
    otp, plain = _messages(2, "otp")
    OutboxMessage.objects.filter(pk=otp.pk).update(body="Your code is 482913", redacted_body="Your code [sent]")
    assert outbox.deliver_many([otp.pk, plain.pk]) == 2
    assert ("9876500000", "Your code is 482913") in sms_outbox
    otp.refresh_from_db()
    plain.refresh_from_db()
    assert (otp.body, otp.redacted_body) == ("Your code [sent]", "")
    assert plain.body == "receipt 1"


def test_the_locks_are_released_every_slice(monkeypatch, sms_outbox):
    messages = _messages(3, "slice")
    monkeypatch.setattr(outbox, "SEND_SLICE", 0)
    claimed, _cancelled = outbox._claim([m.pk for m in messages], timezone.now())
    # With no time left after a send, each transaction sends one message and hands on the rest.
    assert outbox._send_claimed(claimed) == ({claimed[0]: "sent"}, claimed[1:])
    assert outbox.deliver_many([m.pk for m in messages]) == 0  # already claimed: not claimed twice
    assert outbox._send_claimed(claimed[1:]) == ({claimed[1]: "sent"}, claimed[2:])
    assert outbox._send_claimed(claimed[2:]) == ({claimed[2]: "sent"}, [])
    assert len(sms_outbox) == 3
