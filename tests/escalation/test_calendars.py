"""Business-time arithmetic: table-driven cases (nights, weekends, holidays, windows across
midnight, 24x7) and Hypothesis properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.calendars import (
    CalendarError,
    CalendarSpec,
    Window,
    add_business_minutes,
    business_minutes_between,
    is_open,
)

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
OFFICE = CalendarSpec(
    windows=tuple(Window(d, dt.time(10), dt.time(18)) for d in range(5)),  # Mon-Fri 10-18
    holidays=frozenset({dt.date(2026, 11, 27)}),  # a Friday
)
NIGHTS = CalendarSpec(windows=tuple(Window(d, dt.time(22), dt.time(6)) for d in range(7)))  # 22:00-06:00
SPLIT = CalendarSpec(windows=(Window(0, dt.time(9), dt.time(13)), Window(0, dt.time(14), dt.time(18))))
ALWAYS = CalendarSpec.always()
# Night shift on Thursday 26 Nov only, with Friday 27 a holiday: the part after midnight is closed.
NIGHT_HOLIDAY = CalendarSpec(windows=(Window(3, dt.time(22), dt.time(6)),), holidays=frozenset({dt.date(2026, 11, 27)}))


def ist(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=IST)


ADD_CASES = [
    # calendar, start, minutes, expected, why
    (ALWAYS, ist(26, 23, 50), 30, ist(27, 0, 20), "24x7 is wall-clock time"),
    (OFFICE, ist(24, 11), 60, ist(24, 12), "inside a window"),
    (OFFICE, ist(24, 17, 30), 60, ist(25, 10, 30), "over the night"),
    (OFFICE, ist(24, 7), 30, ist(24, 10, 30), "before opening"),
    (OFFICE, ist(26, 17), 120, ist(30, 11), "Friday holiday and the weekend skipped"),
    (OFFICE, ist(28, 12), 1, ist(30, 10, 1), "from a Saturday"),
    (OFFICE, ist(24, 18), 0, ist(24, 18), "zero minutes is the start itself"),
    (OFFICE, ist(24, 10), 8 * 60, ist(24, 18), "exactly a whole day ends at closing"),
    (NIGHTS, ist(26, 21), 600, ist(28, 0), "windows across midnight"),
    (NIGHTS, ist(26, 3), 60, ist(26, 4), "inside the after-midnight part"),
    (NIGHTS, ist(26, 5, 30), 60, ist(26, 22, 30), "closing at 06:00, reopening at 22:00"),
    (SPLIT, ist(23, 12, 30), 60, ist(23, 14, 30), "lunch break"),
    (SPLIT, ist(23, 17), 120, ist(30, 10), "next Monday"),
    (NIGHT_HOLIDAY, ist(26, 23), 120, ist(3, 23) + dt.timedelta(days=30), "holiday closes the after-midnight part"),
]


@pytest.mark.parametrize(("cal", "start", "minutes", "expected", "why"), ADD_CASES, ids=[c[-1] for c in ADD_CASES])
def test_add_business_minutes(cal, start, minutes, expected, why):
    assert add_business_minutes(start, minutes, cal) == expected


BETWEEN_CASES = [
    (OFFICE, ist(24, 9), ist(24, 19), 480, "a whole day"),
    (OFFICE, ist(26, 17), ist(30, 11), 120, "over a holiday and a weekend"),
    (OFFICE, ist(28, 0), ist(29, 23), 0, "a weekend counts nothing"),
    (NIGHTS, ist(26, 20), ist(27, 8), 480, "one night"),
    (ALWAYS, ist(26, 20), ist(27, 8), 720, "24x7"),
    (OFFICE, ist(24, 12), ist(24, 11), -60, "reversed order is negative"),
]


@pytest.mark.parametrize(("cal", "a", "b", "expected", "why"), BETWEEN_CASES, ids=[c[-1] for c in BETWEEN_CASES])
def test_business_minutes_between(cal, a, b, expected, why):
    assert business_minutes_between(a, b, cal) == expected


def test_is_open_and_utc_inputs():
    assert is_open(ist(24, 10), OFFICE) and not is_open(ist(24, 18), OFFICE)
    assert is_open(ist(26, 3), NIGHTS) and not is_open(ist(26, 12), NIGHTS)
    utc = ist(24, 11).astimezone(dt.UTC)
    assert add_business_minutes(utc, 60, OFFICE) == ist(24, 12)


def test_bad_calendars_and_inputs_are_refused():
    with pytest.raises(CalendarError):
        add_business_minutes(ist(24, 10), 10, CalendarSpec(windows=()))
    every_day_off = CalendarSpec(windows=(Window(0, dt.time(9), dt.time(10)),),
                                 holidays=frozenset(dt.date(2026, 11, 23) + dt.timedelta(days=7 * i) for i in range(200)))
    with pytest.raises(CalendarError):
        add_business_minutes(ist(23, 8), 10, every_day_off)
    with pytest.raises(ValueError):
        add_business_minutes(dt.datetime(2026, 11, 24, 10), 10, OFFICE)  # naive
    with pytest.raises(ValueError):
        add_business_minutes(ist(24, 10), -1, OFFICE)


def test_snapshot_round_trip():
    for cal in (OFFICE, NIGHTS, ALWAYS, NIGHT_HOLIDAY):
        assert CalendarSpec.from_dict(cal.to_dict()) == cal


CALENDARS = st.sampled_from([OFFICE, NIGHTS, SPLIT, ALWAYS, NIGHT_HOLIDAY])
INSTANTS = st.datetimes(min_value=dt.datetime(2026, 11, 1), max_value=dt.datetime(2026, 12, 31),
                        timezones=st.just(IST)).map(lambda d: d.replace(microsecond=0))
MINUTES = st.integers(min_value=0, max_value=5 * 24 * 60)


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, start=INSTANTS, minutes=MINUTES)
def test_between_inverts_add(cal, start, minutes):
    end = add_business_minutes(start, minutes, cal)
    assert end >= start
    assert business_minutes_between(start, end, cal) == minutes


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, start=INSTANTS, m1=MINUTES, m2=MINUTES)
def test_add_is_additive_and_monotonic(cal, start, m1, m2):
    first = add_business_minutes(start, m1, cal)
    assert add_business_minutes(first, m2, cal) == add_business_minutes(start, m1 + m2, cal)
    low, high = sorted((m1, m2))
    assert add_business_minutes(start, low, cal) <= add_business_minutes(start, high, cal)


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, a=INSTANTS, b=INSTANTS, c=INSTANTS)
def test_between_is_additive_and_bounded_by_wall_time(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    ab, bc = business_minutes_between(a, b, cal), business_minutes_between(b, c, cal)
    assert ab + bc == pytest.approx(business_minutes_between(a, c, cal))
    assert 0 <= ab <= (b - a).total_seconds() / 60
