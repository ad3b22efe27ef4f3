"""During a surge every web process sends a spike-check batch each second naming the same
places: each place is checked at most once per SPIKE_CHECK_SECONDS by all workers together, and
once more when that interval ends for what arrived meanwhile (live.tasks.spike_check_batch)."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache

from live import tasks

# Ids no row has: the checks themselves are recorded, not run, and the cache keys are this test's.
_ids = itertools.count(990_000)


@pytest.fixture
def recorded(monkeypatch, settings):
    settings.SPIKE_CHECK_SECONDS = 5
    checked: list[list[tuple]] = []
    later: list[tuple] = []
    monkeypatch.setattr(tasks, "spike_check_scopes", lambda todo: checked.append(list(todo)) or [])
    monkeypatch.setattr(tasks.spike_check_batch, "apply_async",
                        lambda args, kwargs, countdown: later.append((args, kwargs, countdown)))
    yield checked, later


def _keys(category: int, districts: list[int]) -> list[str]:
    return [f"spike-{kind}:{category}:{d}" for kind in ("checked", "trailing") for d in [*districts, "state"]]


def test_a_place_is_checked_once_per_interval_then_once_more_for_the_leftovers(recorded):
    checked, later = recorded
    category, raipur, bastar = next(_ids), next(_ids), next(_ids)
    cache.delete_many(_keys(category, [raipur, bastar]))

    tasks.spike_check_batch([[category, raipur], [category, bastar]])
    assert checked == [[(category, raipur), (category, bastar), (category, None)]]
    assert later == []

    # Another process's batch within the interval: nothing checked now, one delayed check asked for.
    tasks.spike_check_batch([[category, raipur], [category, raipur]])
    assert checked[-1] == []
    assert later == [(([[category, raipur], [category, None]],), {"trailing": True}, 5)]

    # More of the same: the delayed check already covers them.
    tasks.spike_check_batch([[category, raipur]])
    assert checked[-1] == [] and len(later) == 1

    # The interval ends: the leftovers are checked, exactly those places.
    (args, kwargs, _countdown), = later
    tasks.spike_check_batch(*args, **kwargs)
    assert checked[-1] == [(category, raipur), (category, None)]

    # A new interval has started for them: the next complaint asks for a new delayed check.
    tasks.spike_check_batch([[category, raipur]])
    assert checked[-1] == [] and len(later) == 2
    # Bastar's interval is its own: still running, so it is deferred too, not dropped.
    tasks.spike_check_batch([[category, bastar]])
    assert checked[-1] == [] and later[-1][0] == ([[category, bastar]],)
    cache.delete_many(_keys(category, [raipur, bastar]))


def test_zero_checks_every_batch(recorded, settings):
    settings.SPIKE_CHECK_SECONDS = 0
    checked, later = recorded
    category, raipur = next(_ids), next(_ids)
    for _ in range(3):
        tasks.spike_check_batch([[category, raipur]])
    assert checked == [[(category, raipur), (category, None)]] * 3 and later == []
