"""Clock arithmetic on Clock rows (not saved here): start, pause, resume, re-goal, stop, and the
schedule of what is due next (warnings, breach, ladder steps). Callers hold the TicketSLA lock
and save the rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .calendars import ZERO, CalendarSpec, add_business_time, business_time_between
from .models import Clock, ClockKind

WALL = CalendarSpec.always()
MINUTE = dt.timedelta(minutes=1)


@lru_cache(maxsize=256)
def _spec_cached(key: str) -> CalendarSpec:
    import json

    return CalendarSpec.from_dict(json.loads(key))


def spec_of(snapshot: dict) -> CalendarSpec:
    import json

    return _spec_cached(json.dumps(snapshot["calendar"], sort_keys=True))


def cal_for(clock: Clock, snapshot: dict) -> CalendarSpec:
    return spec_of(snapshot) if clock.business else WALL


def new_clock(*, sla, kind: str, cycle: int, now: dt.datetime, goal_minutes: int, snapshot: dict,
              business: bool = True, eta_at: dt.datetime | None = None) -> Clock:
    clock = Clock(sla=sla, ticket_id=sla.ticket_id, kind=kind, cycle=cycle, goal_minutes=goal_minutes,
                  business=business, started_at=now, resumed_at=now, eta_at=eta_at,
                  elapsed_business=ZERO, elapsed_wall=ZERO)
    clock.due_at = eta_at if eta_at is not None else add_business_time(now, dt.timedelta(minutes=goal_minutes),
                                                                        cal_for(clock, snapshot))
    return clock


def elapsed(clock: Clock, now: dt.datetime, snapshot: dict) -> tuple[dt.timedelta, dt.timedelta]:
    """(business, wall) time the clock has run."""
    business, wall = clock.elapsed_business, clock.elapsed_wall
    if clock.state == Clock.State.RUNNING and clock.resumed_at is not None and now > clock.resumed_at:
        business += business_time_between(clock.resumed_at, now, cal_for(clock, snapshot))
        wall += now - clock.resumed_at
    return business, wall


def _fold(clock: Clock, now: dt.datetime, snapshot: dict) -> None:
    clock.elapsed_business, clock.elapsed_wall = elapsed(clock, now, snapshot)
    clock.resumed_at = now


def _recompute_due(clock: Clock, now: dt.datetime, snapshot: dict) -> None:
    remaining = dt.timedelta(minutes=clock.goal_minutes) - clock.elapsed_business
    if remaining >= ZERO:
        clock.due_at = add_business_time(now, remaining, cal_for(clock, snapshot))
    else:  # already over: the due time lies in the past by the overrun
        clock.due_at = now + remaining


def pause(clock: Clock, now: dt.datetime, reason: str, snapshot: dict) -> None:
    if not reason:
        raise ValueError("a clock pauses only with a reason")
    _fold(clock, now, snapshot)
    clock.state = Clock.State.PAUSED
    clock.paused_at = now
    clock.pause_reason = reason[:200]
    clock.resumed_at = None


def resume(clock: Clock, now: dt.datetime, snapshot: dict) -> None:
    clock.state = Clock.State.RUNNING
    clock.resumed_at = now
    clock.paused_at = None
    clock.pause_reason = ""
    _recompute_due(clock, now, snapshot)


def regoal(clock: Clock, now: dt.datetime, goal_minutes: int, snapshot: dict) -> None:
    """Priority change: keep the elapsed time; due = now + (new goal - elapsed)."""
    running = clock.state == Clock.State.RUNNING
    if running:
        _fold(clock, now, snapshot)
    clock.goal_minutes = goal_minutes
    if running:
        _recompute_due(clock, now, snapshot)
        if clock.due_at > now:
            clock.breached_at = None
        # Warnings whose threshold has already passed are not sent again.
        clock.warnings_done = sum(1 for t in warning_thresholds(clock, snapshot) if t <= clock.elapsed_business)


def stop(clock: Clock, now: dt.datetime, reason: str, snapshot: dict) -> None:
    if clock.state == Clock.State.RUNNING:
        _fold(clock, now, snapshot)
    clock.state = Clock.State.STOPPED
    clock.stopped_at = now
    clock.stop_reason = reason[:20]
    clock.resumed_at = None


def warning_thresholds(clock: Clock, snapshot: dict) -> list[dt.timedelta]:
    """Elapsed amounts at which warnings go out (e.g. 75% of the goal, and goal - 15 min)."""
    if clock.kind == ClockKind.ETA and clock.eta_at is None:
        return []
    goal = dt.timedelta(minutes=clock.goal_minutes)
    marks = {goal * snapshot.get("warn_percent", 75) / 100, goal - dt.timedelta(minutes=snapshot.get("warn_before_minutes", 15))}
    # Whole seconds, so schedules are stable; drop marks at or beyond the goal or before the start.
    return sorted(dt.timedelta(seconds=int(m.total_seconds())) for m in marks if ZERO < m < goal)


@dataclass(frozen=True)
class Action:
    at: dt.datetime
    kind: str  # "warn", "breach", "step"
    index: int = 0  # warning number, or ladder step number
    level: dict | None = None
    loop: int = 1


def ladder_steps(snapshot: dict) -> list[tuple[int, int, dict]]:
    """[(offset minutes, loop, level)] in firing order."""
    ladder = snapshot.get("ladder")
    if not ladder or not ladder.get("levels"):
        return []
    loops = ladder.get("max_loops") or 1 if ladder.get("repeat_every_minutes") else 1
    steps = []
    for loop in range(1, loops + 1):
        shift = (loop - 1) * (ladder.get("repeat_every_minutes") or 0)
        for level in ladder["levels"]:
            steps.append((level["offset_minutes"] + shift, loop, level))
    steps.sort(key=lambda s: (s[0], s[1], s[2]["level"]))
    return steps


def escalates(clock: Clock, snapshot: dict) -> bool:
    return clock.kind in snapshot.get("escalate_clocks", []) and bool(ladder_steps(snapshot))


def next_action(clock: Clock, snapshot: dict) -> Action | None:
    """The earliest thing still to do for a running clock, or None."""
    if clock.state != Clock.State.RUNNING:
        return None
    candidates: list[Action] = []
    thresholds = warning_thresholds(clock, snapshot)
    if clock.warnings_done < len(thresholds) and clock.breached_at is None:
        mark = thresholds[clock.warnings_done]
        remaining = mark - clock.elapsed_business
        at = clock.resumed_at if remaining <= ZERO else add_business_time(clock.resumed_at, remaining, cal_for(clock, snapshot))
        candidates.append(Action(at=at, kind="warn", index=clock.warnings_done))
    if clock.breached_at is None:
        candidates.append(Action(at=clock.due_at, kind="breach"))
    if clock.acknowledged_at is None and escalates(clock, snapshot):
        steps = ladder_steps(snapshot)
        if clock.ladder_done < len(steps):
            offset, loop, level = steps[clock.ladder_done]
            candidates.append(Action(at=clock.due_at + offset * MINUTE, kind="step", index=clock.ladder_done,
                                     level=level, loop=loop))
    if not candidates:
        return None
    order = {"warn": 0, "breach": 1, "step": 2}
    return min(candidates, key=lambda a: (a.at, order[a.kind]))
