"""Who is on call: a rotation's turns with its overrides pasted on top. Pure functions (no
database): the callers load the rotation, its members and the overrides near the instant.

Semantics. Members take turns of `shift_hours` in position order from `starts_at`, round and
round; before `starts_at` nobody is on call (unless an override says so). An override puts its
person on call over [starts_at, ends_at), replacing whoever the turns say. Intervals are
half-open: at 22:00 exactly, a shift ending at 22:00 is over and the next one has begun.
Consecutive stretches of the same person are one shift (an override given to the person who is
on call anyway changes nothing, and sends no hand-off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """An override: `user_id` on call over [starts_at, ends_at)."""

    user_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    override_id: int | None = None


@dataclass(frozen=True)
class Shift:
    """A stretch of time with one person on call (user_id None: nobody)."""

    user_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    override_id: int | None = None  # set when an override puts this person on call


@dataclass(frozen=True)
class Turns:
    starts_at: dt.datetime
    shift_hours: int
    member_ids: tuple[int, ...]

    def at(self, when: dt.datetime) -> tuple[int | None, dt.datetime, dt.datetime]:
        """The member whose turn covers `when`, and that turn's bounds (nobody before the start)."""
        length = dt.timedelta(hours=self.shift_hours)
        if not self.member_ids or when < self.starts_at:
            return None, dt.datetime.min.replace(tzinfo=dt.UTC), self.starts_at
        index = int((when - self.starts_at) // length)
        begin = self.starts_at + index * length
        return self.member_ids[index % len(self.member_ids)], begin, begin + length


def _who(turns: Turns, overrides: Sequence[Span], when: dt.datetime) -> tuple[int | None, int | None]:
    """(user, override id) at `when`: an override covering it wins (the latest start if several)."""
    chosen: Span | None = None
    for span in overrides:
        if span.starts_at <= when < span.ends_at and (chosen is None or span.starts_at > chosen.starts_at):
            chosen = span
    if chosen is not None:
        return chosen.user_id, chosen.override_id
    return turns.at(when)[0], None


def _pieces(turns: Turns, overrides: Sequence[Span], a: dt.datetime, b: dt.datetime):
    """Raw stretches of [a, b) between consecutive turn or override edges."""
    points = {a, b}
    if turns.member_ids:
        length = dt.timedelta(hours=turns.shift_hours)
        k = max(0, int((a - turns.starts_at) // length))
        edge = turns.starts_at + k * length
        while edge < b:
            if edge > a:
                points.add(edge)
            edge += length
    for span in overrides:
        for edge in (span.starts_at, span.ends_at):
            if a < edge < b:
                points.add(edge)
    ordered = sorted(points)
    for begin, finish in zip(ordered, ordered[1:], strict=False):
        user, override = _who(turns, overrides, begin)
        yield user, override, begin, finish


def _merged(turns: Turns, overrides: Sequence[Span], a: dt.datetime, b: dt.datetime) -> list[Shift]:
    out: list[Shift] = []
    last_was_override = False
    for user, override, begin, finish in _pieces(turns, overrides, a, b):
        # One person's stretch continues across an override's edge; two plain turns of the same
        # person (a one-member rotation) stay two shifts, each with its hand-off.
        if out and out[-1].user_id == user and (user is None or override is not None or last_was_override):
            last = out[-1]
            out[-1] = Shift(user, last.starts_at, finish, last.override_id or override)
        else:
            out.append(Shift(user, begin, finish, override))
        last_was_override = override is not None
    return out


def shifts(turns: Turns, overrides: Sequence[Span], start: dt.datetime, end: dt.datetime) -> list[Shift]:
    """The shifts overlapping [start, end), each with its real beginning (which may be before
    `start`). Nobody on call before the rotation starts: that shift begins at datetime.min."""
    if end <= start:
        return []
    floor = min([turns.starts_at, *(s.starts_at for s in overrides)])
    step = dt.timedelta(hours=max(turns.shift_hours, 1) * 2)
    window = start - step
    for _guard in range(200):
        found = [s for s in _merged(turns, overrides, window, end) if s.ends_at > start]
        if window < floor:
            if found and found[0].user_id is None and found[0].starts_at == window:
                found[0] = Shift(None, dt.datetime.min.replace(tzinfo=dt.UTC), found[0].ends_at)
            return found
        if found and found[0].starts_at > window:
            return found
        window -= step
    return found


def now_and_next(turns: Turns, overrides: Sequence[Span], at: dt.datetime) -> tuple[Shift | None, Shift | None]:
    """The shift covering `at` and the one after it (with another person, or nobody)."""
    horizon = at + dt.timedelta(hours=turns.shift_hours * (len(turns.member_ids) + 1))
    horizon = max([horizon, *(s.ends_at + dt.timedelta(seconds=1) for s in overrides if s.ends_at > at)])
    found = shifts(turns, overrides, at, horizon)
    current = found[0] if found else None
    upcoming = found[1] if len(found) > 1 else None
    return current, upcoming


def overlapping(spans: Sequence[Span], starts_at: dt.datetime, ends_at: dt.datetime) -> list[Span]:
    """The spans that share any instant with [starts_at, ends_at)."""
    return [s for s in spans if s.starts_at < ends_at and starts_at < s.ends_at]
