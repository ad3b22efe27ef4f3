"""Business-time arithmetic. Pure functions: no database, no settings, no clock.

A calendar is a time zone, weekly open windows and holidays. A window whose end is not after
its start runs across midnight (22:00-06:00 is open from 22:00 until 06:00 the next day). A
holiday closes its whole local date, including the part of a window that crosses into it.
`CalendarSpec.always()` (24x7) is open at every instant: business time equals wall time.

All instants are timezone-aware; durations are exact `timedelta`s (no float drift).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

ZERO = dt.timedelta(0)
# An open window must appear within this many days of any instant, or the calendar is broken.
_MAX_SCAN_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar can never be open (no windows, or everything a holiday)."""


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday ... 6 = Sunday (the weekday the window opens)
    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class CalendarSpec:
    tz: str = "Asia/Kolkata"
    always_open: bool = False
    windows: tuple[Window, ...] = ()
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def always(cls, tz: str = "Asia/Kolkata") -> CalendarSpec:
        return cls(tz=tz, always_open=True)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)

    def to_dict(self) -> dict:
        """JSON-safe form, for the policy snapshot on each ticket."""
        return {
            "tz": self.tz,
            "always_open": self.always_open,
            "windows": [[w.weekday, w.start.strftime("%H:%M"), w.end.strftime("%H:%M")] for w in self.windows],
            "holidays": sorted(d.isoformat() for d in self.holidays),
        }

    @classmethod
    def from_dict(cls, data: dict) -> CalendarSpec:
        return cls(
            tz=data.get("tz", "Asia/Kolkata"),
            always_open=bool(data.get("always_open")),
            windows=tuple(
                Window(int(w[0]), dt.time.fromisoformat(w[1]), dt.time.fromisoformat(w[2]))
                for w in data.get("windows", [])
            ),
            holidays=frozenset(dt.date.fromisoformat(d) for d in data.get("holidays", [])),
        )


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("business-time arithmetic needs timezone-aware datetimes")
    return value


def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def _day_intervals(cal: CalendarSpec, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Open intervals (UTC) of the windows that open on local date `day`, holidays removed."""
    zone = cal.zone
    out = []
    for window in cal.windows:
        if window.weekday != day.weekday():
            continue
        end_day = day + dt.timedelta(days=1) if window.crosses_midnight else day
        if window.crosses_midnight and window.end == dt.time(0, 0):
            end_day = day + dt.timedelta(days=1)
        pieces = []
        # Split at local midnight so a holiday on either side closes only its own date.
        if end_day != day:
            pieces.append((day, window.start, dt.time(0, 0), True))
            if window.end != dt.time(0, 0):
                pieces.append((end_day, dt.time(0, 0), window.end, False))
        else:
            pieces.append((day, window.start, window.end, False))
        for piece_day, start, end, to_midnight in pieces:
            if piece_day in cal.holidays:
                continue
            begin = _local(piece_day, start, zone)
            finish = _local(piece_day + dt.timedelta(days=1), dt.time(0, 0), zone) if to_midnight else _local(piece_day, end, zone)
            if finish > begin:
                out.append((begin, finish))
    return out


def _intervals_from(cal: CalendarSpec, instant: dt.datetime):
    """Merged open intervals (UTC) in time order, starting with the one containing `instant`
    or the first one after it. Raises CalendarError if none within ~3 years."""
    if not cal.windows:
        raise CalendarError("a business-hours calendar needs at least one open window")
    day = instant.astimezone(cal.zone).date() - dt.timedelta(days=1)
    pending: tuple[dt.datetime, dt.datetime] | None = None
    empty_days = 0
    while True:
        todays = sorted(_day_intervals(cal, day))
        day += dt.timedelta(days=1)
        empty_days = 0 if todays else empty_days + 1
        if empty_days > _MAX_SCAN_DAYS:
            raise CalendarError("the calendar has no open time in the next three years")
        for begin, finish in todays:
            if pending is None:
                pending = (begin, finish)
            elif begin <= pending[1]:
                pending = (pending[0], max(pending[1], finish))
            else:
                if pending[1] > instant:
                    yield pending
                pending = (begin, finish)
        # Intervals opening on later days start after this day's midnight, so anything ending
        # before the start of the next local day cannot merge with them.
        if pending is not None and pending[1] < _local(day, dt.time(0, 0), cal.zone) and pending[1] > instant:
            yield pending
            pending = None


def add_business_time(start: dt.datetime, amount: dt.timedelta, cal: CalendarSpec) -> dt.datetime:
    """The earliest instant at which `amount` of open time has passed since `start`.
    `amount` must be >= 0; zero returns `start` unchanged."""
    _aware(start)
    if amount < ZERO:
        raise ValueError("amount must not be negative")
    if cal.always_open or amount == ZERO:
        return start + amount
    remaining = amount
    for begin, finish in _intervals_from(cal, start):
        begin = max(begin, start)
        available = finish - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise CalendarError("unreachable")  # pragma: no cover - the generator raises first


def business_time_between(a: dt.datetime, b: dt.datetime, cal: CalendarSpec) -> dt.timedelta:
    """Open time between two instants (negative if b is before a)."""
    _aware(a)
    _aware(b)
    if b < a:
        return -business_time_between(b, a, cal)
    if cal.always_open:
        return b - a
    total = ZERO
    for begin, finish in _intervals_from(cal, a):
        if begin >= b:
            break
        total += min(finish, b) - max(begin, a)
    return total


def add_business_minutes(start: dt.datetime, minutes: float, cal: CalendarSpec) -> dt.datetime:
    return add_business_time(start, dt.timedelta(minutes=minutes), cal)


def business_minutes_between(a: dt.datetime, b: dt.datetime, cal: CalendarSpec) -> float:
    return business_time_between(a, b, cal).total_seconds() / 60


def is_open(instant: dt.datetime, cal: CalendarSpec) -> bool:
    if cal.always_open:
        return True
    begin, _finish = next(_intervals_from(cal, instant))
    return begin <= instant
