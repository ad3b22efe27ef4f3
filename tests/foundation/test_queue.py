"""helpdesk.queue: tasks leave after commit; coalesced tasks run once per window plus one trailing run."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from helpdesk.queue import enqueue_coalesced_on_commit, enqueue_on_commit


class FakeTask:
    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def apply_async(self, args=(), **options):
        self.calls.append((tuple(args), options))


@pytest.fixture
def queued(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete_many(["coalesce:k", "coalesce-trail:k"])
    yield FakeTask()
    cache.delete_many(["coalesce:k", "coalesce-trail:k"])


@pytest.mark.django_db(transaction=True)
def test_nothing_leaves_before_commit_and_nothing_after_a_rollback(queued):
    with transaction.atomic():
        enqueue_on_commit(queued, 1)
        assert queued.calls == []
    assert queued.calls == [((1,), {})]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_coalesced_on_commit(queued, 2, key="k")
        raise RuntimeError
    assert queued.calls == [((1,), {})]


@pytest.mark.django_db(transaction=True)
def test_a_burst_is_one_run_now_and_one_trailing_run(queued):
    for n in range(5):
        with transaction.atomic():
            enqueue_coalesced_on_commit(queued, n, key="k")
    # The first commit runs at once; the second leaves a run one window later, which starts
    # after every commit of the burst; the rest add nothing.
    assert queued.calls == [((0,), {}), ((1,), {"countdown": 1})]


@pytest.mark.django_db(transaction=True)
def test_after_the_window_the_next_commit_runs_at_once(queued):
    with transaction.atomic():
        enqueue_coalesced_on_commit(queued, 0, key="k")
    cache.delete("coalesce:k")  # the window has passed
    with transaction.atomic():
        enqueue_coalesced_on_commit(queued, 1, key="k")
    assert queued.calls == [((0,), {}), ((1,), {})]


@pytest.mark.django_db(transaction=True)
def test_in_process_every_commit_runs_it(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    task = FakeTask()
    for n in range(3):
        with transaction.atomic():
            enqueue_coalesced_on_commit(task, n, key="k")
    assert [args for args, _ in task.calls] == [(0,), (1,), (2,)]


@pytest.mark.django_db(transaction=True)
def test_batched_items_of_a_window_leave_in_one_message_after_commit(queued):
    import time

    from helpdesk.queue import enqueue_batched_on_commit

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_batched_on_commit(queued, 99, window=0.2)
        raise RuntimeError
    for n in (1, 2, 2, 3):
        with transaction.atomic():
            enqueue_batched_on_commit(queued, n, window=0.2)
            assert queued.calls == []
    assert queued.calls == []  # the window is still open: nothing sent yet
    deadline = time.monotonic() + 5
    while not queued.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    # One message, every committed item once, nothing of the rolled-back transaction.
    assert queued.calls == [(([1, 2, 3],), {})]
    with transaction.atomic():
        enqueue_batched_on_commit(queued, 4, window=30)
    from helpdesk.queue import flush_batches

    flush_batches()  # a worker that exits sends what it holds
    assert queued.calls[-1] == (([4],), {})


@pytest.mark.django_db(transaction=True)
def test_batched_in_process_runs_each_commit_at_once(settings):
    from helpdesk.queue import enqueue_batched_on_commit

    settings.CELERY_TASK_ALWAYS_EAGER = True
    task = FakeTask()
    with transaction.atomic():
        enqueue_batched_on_commit(task, 7)
    assert task.calls == [(([7],), {})]
