"""Broadcasts of one transaction to the same groups join into one message when nothing else was
broadcast between them and no savepoint could roll one back without the other
(live.broadcast.broadcast)."""

from __future__ import annotations

import pytest
from django.db import transaction

from live import broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def sends(monkeypatch):
    out: list[tuple[list[str], object]] = []
    monkeypatch.setattr(broadcast, "send_now", lambda groups, event: out.append((list(groups), event)))
    return out


def e(n: int) -> dict:
    return {"type": "test", "n": n}


def test_consecutive_broadcasts_to_the_same_groups_leave_as_one_message(sends, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        broadcast.broadcast(["console", "district.1"], e(1))
        broadcast.broadcast(["console", "district.1"], [e(2), e(3)])
        transaction.on_commit(lambda: None)  # a task queued in between is not a broadcast
        broadcast.broadcast(["console", "district.1"], e(4))
    assert sends == [(["console", "district.1"], [e(1), e(2), e(3), e(4)])]


def test_a_block_without_a_savepoint_joins_the_message_before_it(sends, django_capture_on_commit_callbacks):
    """A new ticket's `created` and, from the SLA listener's nested atomic(savepoint=False), its
    clocks' events: such a block rolls back only with the whole transaction."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        broadcast.broadcast(["console", "district.1"], e(1))
        with transaction.atomic(savepoint=False):
            broadcast.broadcast(["console", "district.1"], [e(2), e(3)])
        broadcast.broadcast(["console", "district.1"], e(4))
    assert sends == [(["console", "district.1"], [e(1), e(2), e(3), e(4)])]


def test_never_across_another_broadcast_nor_other_groups(sends, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        broadcast.broadcast(["console"], e(1))
        broadcast.broadcast(["status"], e(2))
        broadcast.broadcast(["console"], e(3))
        broadcast.broadcast(["console", "district.2"], e(4))
    assert sends == [(["console"], e(1)), (["status"], e(2)), (["console"], e(3)), (["console", "district.2"], e(4))]


def test_a_savepoint_that_rolls_back_takes_only_its_own_events(sends, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        broadcast.broadcast(["console"], e(1))
        try:
            with transaction.atomic():
                broadcast.broadcast(["console"], e(2))  # not joined: this savepoint may roll back
                raise RuntimeError
        except RuntimeError:
            pass
        with transaction.atomic():
            broadcast.broadcast(["console"], e(3))
    assert sends == [(["console"], e(1)), (["console"], e(3))]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_leaves_at_once(sends):
    broadcast.broadcast(["console"], e(1))
    assert sends == [(["console"], e(1))]
