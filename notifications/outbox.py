"""The notification outbox: the only way anything is sent to a person.

`outbox_enqueue` writes the intent in the caller's transaction (unique idempotency key: the same
intent twice is one row) and schedules delivery after commit. `deliver` (one message) and
`deliver_many` (a batch) claim pending rows, then send while holding their row locks, so an
acknowledgement that cancels pending sends waits for a send already in flight and nothing is
sent after the acknowledgement commits. Failures back off exponentially; after MAX_ATTEMPTS the
row is failed and the same person's next channel is queued. `outbox_retry` (periodic) re-sends due retries and reclaims rows whose worker died mid-send.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from helpdesk.queue import enqueue, enqueue_batched_on_commit, enqueue_on_commit
from helpdesk.rows import insert_rows

from . import channels, hooks, voice
from .channels import DeliveryError
from .models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STALE_SENDING = dt.timedelta(minutes=5)
# Delayed tasks are only a lag-shortener; never schedule one further ahead than this.
MAX_COUNTDOWN = 45 * 60
# A pending row due this soon is sent now (a delayed task may run a little early).
NOT_DUE_SLACK = dt.timedelta(seconds=2)
# How long one sending transaction of a batch keeps taking sends while it holds their row locks.
SEND_SLICE = 2.0
RETRY_BATCH = 100


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s, ... capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def outbox_enqueue(
    *, channel: str, recipient: str, body: str, idempotency_key: str, subject: str = "",
    ticket_id: int | None = None, language: str = "en", notice_id: int | None = None,
    fallback: list | None = None, new_intent: bool = False, deliver_on_commit: bool = True,
    redacted_body: str = "",
) -> OutboxMessage:
    """Record one message to send. Idempotent on `idempotency_key`. Delivery starts on commit.
    `fallback`: [[channel, address], ...] of the same person, tried in order if this one fails.
    `new_intent=True`: the key derives from a row created in this transaction, so it cannot
    exist yet (skips the savepoint; a duplicate would still fail on the unique index).
    `deliver_on_commit=False`: the caller schedules delivery itself (the sweep sends one task per
    batch instead of one per message); the retry job picks up anything left pending.
    `redacted_body`: the body holds a secret (an OTP): once the message is sent, cancelled or
    given up, the body is replaced by this text, so the secret is not kept."""
    if channel not in OutboxMessage.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if new_intent:
        message, = insert_rows([new_message(
            channel=channel, recipient=recipient, body=body, idempotency_key=idempotency_key, subject=subject,
            ticket_id=ticket_id, language=language, notice_id=notice_id, fallback=fallback,
            redacted_body=redacted_body)])
        if deliver_on_commit:
            _schedule(message.pk)
        return message
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                idempotency_key=idempotency_key, channel=channel, recipient=recipient, body=body,
                subject=subject[:200], ticket_id=ticket_id, language=language, next_attempt_at=timezone.now(),
                notice_id=notice_id, fallback=[list(f) for f in (fallback or [])], redacted_body=redacted_body,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    _schedule(message.pk)
    return message


def new_message(*, channel: str, recipient: str, body: str, idempotency_key: str, subject: str = "",
                ticket_id: int | None = None, language: str = "en", notice_id: int | None = None,
                fallback: list | None = None, redacted_body: str = "", now=None) -> OutboxMessage:
    """The unsaved row of a message whose key derives from a row created in this transaction
    (`outbox_enqueue(new_intent=True)`): the caller inserts it, possibly together with rows of
    its own (helpdesk.rows.insert_rows_together), and schedules its delivery."""
    if channel not in OutboxMessage.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    return OutboxMessage(
        idempotency_key=idempotency_key, channel=channel, recipient=recipient, body=body, subject=subject[:200],
        ticket_id=ticket_id, language=language, next_attempt_at=now or timezone.now(), notice_id=notice_id,
        fallback=[list(f) for f in (fallback or [])], redacted_body=redacted_body)


def outbox_enqueue_new(*, rows: list[dict]) -> list[OutboxMessage]:
    """`outbox_enqueue(..., new_intent=True, deliver_on_commit=False)` for many messages in one
    insert: each dict has `channel`, `recipient`, `body`, `idempotency_key` and optionally
    `subject`, `ticket_id`, `language`, `notice_id`, `fallback`. Every key must derive from a row
    created in this transaction (a duplicate fails the insert on the unique index); the caller
    schedules delivery (`schedule_many`), the retry job picks up anything left pending."""
    now = timezone.now()
    return insert_rows([new_message(
        channel=row["channel"], recipient=row["recipient"], body=row["body"], idempotency_key=row["idempotency_key"],
        subject=row.get("subject", ""), ticket_id=row.get("ticket_id"), language=row.get("language", "en"),
        notice_id=row.get("notice_id"), fallback=row.get("fallback"), now=now) for row in rows])


def _schedule(message_id: int, countdown: float = 0) -> None:
    if countdown and settings.CELERY_TASK_ALWAYS_EAGER:
        return  # in-process: the periodic retry picks it up when due
    if countdown > MAX_COUNTDOWN:
        return
    enqueue_on_commit("notifications.tasks.deliver_message", message_id, countdown=countdown or None)


def schedule_many(message_ids: list[int]) -> None:
    """Deliver these messages after commit, in one task."""
    if not message_ids:
        return
    enqueue_on_commit("notifications.tasks.deliver_messages", list(message_ids))


def schedule_batched(message_id: int) -> None:
    """Deliver this message after commit, in the process's next batch (helpdesk.queue: one task
    per OUTBOX_BATCH_SECONDS carries every message of the window). For the hot paths (a new
    ticket's receipt): one Celery message per window instead of one per ticket; a batch lost
    with its process is sent by the retry job, the row being pending in the database."""
    enqueue_batched_on_commit("notifications.tasks.deliver_messages", message_id,
                              window=settings.OUTBOX_BATCH_SECONDS)


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.SMS:
        channels.sms_backend().send(to=message.recipient, text=message.body)
    elif message.channel == OutboxMessage.Channel.EMAIL:
        channels.send_email(to=message.recipient, subject=message.subject or "Helpdesk", text=message.body)
    elif message.channel == OutboxMessage.Channel.WEBHOOK:
        secret = hooks.webhook_secret(message.recipient)
        if secret is None:
            raise DeliveryError("no webhook endpoint configured for this address")
        channels.send_webhook(url=message.recipient, secret=secret, payload=json.loads(message.body),
                              idempotency_key=message.idempotency_key)
    elif message.channel == OutboxMessage.Channel.VOICE:
        voice.place_call(message)
    else:  # pragma: no cover - guarded by the check constraint on channel choices at enqueue
        raise DeliveryError(f"no backend for {message.channel}")


def deliver(message_id: int) -> str:
    """Send one pending message: "sent", "failed" (will retry or gave up), "cancelled",
    "skipped" (not pending, locked by another worker, or not due yet)."""
    return _deliver_ids([message_id]).get(message_id, "skipped")


def deliver_many(message_ids: list[int]) -> int:
    """`deliver` for a batch (a window of receipts, a sweep's notices, the retry job's due
    rows); returns how many were sent."""
    return sum(outcome == "sent" for outcome in _deliver_ids(message_ids).values())


def _deliver_ids(message_ids: list[int]) -> dict[int, str]:
    """The one sending mechanism, for one message or many, in a fixed number of statements:
    the due pending rows are claimed in one update, and each sending transaction marks its sent
    rows in one update. Rows are locked in id order (as `outbox_cancel` does), held while their
    sends run (a cancellation waits for a send in flight, never overlaps it), and a transaction
    takes no further send after SEND_SLICE seconds, so a cancellation waits at most about that
    long plus one send. Returns the outcome of each id that was pending and due."""
    claimed, outcomes = _claim(sorted(set(message_ids)), timezone.now())
    while claimed:
        done, claimed = _send_claimed(claimed)
        outcomes.update(done)
    return outcomes


def _claim(ids: list[int], now: dt.datetime) -> tuple[list[int], dict[int, str]]:
    """Move the due, pending, unlocked rows among `ids` to `sending` and cancel the obsolete
    ones: (the ids claimed, in order; {id: "cancelled"} of those cancelled)."""
    if not ids:
        return [], {}
    with transaction.atomic():
        rows = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                    .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + NOT_DUE_SLACK),
                            pk__in=ids, status=OutboxMessage.Status.PENDING)
                    .order_by("pk"))
        claimed, cancelled = [], {}
        for message in rows:
            if hooks.is_obsolete(message):
                _cancel(message)
                cancelled[message.pk] = "cancelled"
            else:
                claimed.append(message.pk)
        if claimed:
            OutboxMessage.objects.filter(pk__in=claimed).update(
                status=OutboxMessage.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return claimed, cancelled


def _send_claimed(ids: list[int]) -> tuple[dict[int, str], list[int]]:
    """One sending transaction over claimed rows: ({id: "sent", "failed" or "cancelled"}, the
    ids left for the next transaction). A row no longer `sending` was cancelled meanwhile and
    is not sent."""
    started = time.monotonic()
    with transaction.atomic():
        rows = list(OutboxMessage.objects.select_for_update()
                    .filter(pk__in=ids, status=OutboxMessage.Status.SENDING).order_by("pk"))
        locked = {message.pk for message in rows}
        outcomes = {pk: "cancelled" for pk in ids if pk not in locked}
        rest: list[int] = []
        for index, message in enumerate(rows):
            if index and time.monotonic() - started > SEND_SLICE:
                rest = [m.pk for m in rows[index:]]
                break
            try:
                _send(message)
            except DeliveryError as exc:
                _failed(message, exc)
                outcomes[message.pk] = "failed"
                continue
            outcomes[message.pk] = "sent"
        sent = [pk for pk, outcome in outcomes.items() if outcome == "sent"]
        if sent:
            # The body of a message holding a secret becomes its redacted text (as `_redact`).
            OutboxMessage.objects.filter(pk__in=sent).update(
                status=OutboxMessage.Status.SENT, sent_at=timezone.now(), redacted_body="",
                body=Case(When(~Q(redacted_body=""), then=F("redacted_body")), default=F("body")))
    return outcomes, rest


def _cancel(message: OutboxMessage) -> None:
    message.status = OutboxMessage.Status.CANCELLED
    message.save(update_fields=["status", *_redact(message)])


def _failed(message: OutboxMessage, exc: DeliveryError) -> None:
    """A send failed: retry with backoff, or after MAX_ATTEMPTS give up and fall back."""
    message.last_error = str(exc)[:1000]
    redacted: list[str] = []
    if message.attempts < MAX_ATTEMPTS:
        message.status = OutboxMessage.Status.PENDING
        delay = backoff(message.attempts)
        message.next_attempt_at = timezone.now() + delay
        _schedule(message.pk, countdown=delay.total_seconds())
    else:
        message.status = OutboxMessage.Status.FAILED
        message.next_attempt_at = None
        _fall_back(message)
        redacted = _redact(message)
    message.save(update_fields=["status", "last_error", "next_attempt_at", *redacted])
    log.warning("delivery of message %s failed (attempt %s): %s", message.pk, message.attempts, exc)


def _redact(message: OutboxMessage) -> list[str]:
    """Drop the secret from a message that will not be sent again; the fields changed."""
    if not message.redacted_body:
        return []
    message.body, message.redacted_body = message.redacted_body, ""
    return ["body", "redacted_body"]


_LINK_RE = re.compile(r"https?://\S+")


def shown_body(message: OutboxMessage) -> str:
    """The body as staff may see it (the admin): no pending OTP (its redacted text instead), no
    signed acknowledgement link or secret status link."""
    return _LINK_RE.sub("[link hidden]", message.redacted_body or message.body)


def _fall_back(message: OutboxMessage) -> None:
    """The channel failed for good: queue the same text on the person's next channel."""
    if not message.fallback:
        return
    (channel, recipient), rest = message.fallback[0], message.fallback[1:]
    outbox_enqueue(channel=channel, recipient=recipient, body=message.body, subject=message.subject,
                   idempotency_key=f"{message.idempotency_key}>{channel}"[:200], ticket_id=message.ticket_id,
                   language=message.language, notice_id=message.notice_id, fallback=rest,
                   redacted_body=message.redacted_body)


def outbox_retry(*, limit: int = 500) -> dict:
    """Periodic: reclaim rows stuck in `sending` (their worker died) and deliver due retries."""
    now = timezone.now()
    with transaction.atomic():
        stale = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                     .filter(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - STALE_SENDING)
                     .values_list("pk", flat=True)[:limit])
        if stale:
            OutboxMessage.objects.filter(pk__in=stale).update(status=OutboxMessage.Status.PENDING, next_attempt_at=now)
    due = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for start in range(0, len(due), RETRY_BATCH):
        enqueue("notifications.tasks.deliver_messages", due[start:start + RETRY_BATCH])
    return {"reclaimed": len(stale), "queued": len(due)}
