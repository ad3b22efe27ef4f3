"""What a report is about: whose figures (the state or one district) and which period.

Parsing of the query string lives here so the JSON API, the CSV exports and the pages refuse
the same bad input with the same message (a 4xx, never a 500).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import District
from accounts.permissions import district_scope
from helpdesk import inputs, validation
from helpdesk.exceptions import Forbidden, InvalidInput, NotFound

IST = ZoneInfo("Asia/Kolkata")
DEFAULT_PERIOD_DAYS = 7
MAX_PERIOD_DAYS = 400
DEFAULT_SHIFT_HOURS = 8
MAX_SHIFT_HOURS = 24
# The first day a report may be about (the programme's records start in 2021). Earlier dates are
# refused: they describe nothing, and near year 1 the window arithmetic leaves the calendar.
EARLIEST_DAY = dt.date(2021, 1, 1)


@dataclass(frozen=True)
class ReportScope:
    """None: the whole state. Otherwise one district."""

    district: District | None

    @property
    def district_id(self) -> int | None:
        return self.district.pk if self.district else None

    def filter(self, queryset, field: str = "district"):
        if self.district is None:
            return queryset
        return queryset.filter(**{f"{field}_id": self.district.pk})

    def as_dict(self) -> dict:
        if self.district is None:
            return {"level": "state", "district": None}
        return {"level": "district", "district": {"code": self.district.code, "name": self.district.name}}


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of instants, from whole IST days or a shift window."""

    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return self.start.astimezone(IST).date()

    @property
    def last_day(self) -> dt.date:
        return (self.end.astimezone(IST) - dt.timedelta(microseconds=1)).date()

    def as_dict(self) -> dict:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "start": self.start.astimezone(IST).isoformat(),
            "end": self.end.astimezone(IST).isoformat(),
        }

    @classmethod
    def days(cls, first: dt.date, last: dt.date) -> Period:
        start = dt.datetime.combine(first, dt.time.min, tzinfo=IST)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=IST)
        return cls(start=start, end=end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return cls.days(first, following - dt.timedelta(days=1))


def _single(params, name: str) -> str | None:
    """One value for a query parameter; repeating it is refused rather than guessed."""
    return inputs.one(params, name, required=False)


def resolve_scope(user, params) -> ReportScope:
    """The scope a caller asked for (?district=<code>), limited to what they may see.

    Desk staff: the state, or any district. A district official: their own district only; any
    other district is reported as not found (404). Vendor staff and anonymous callers: refused.
    """
    try:
        allowed = district_scope(user)
    except PermissionError:
        raise Forbidden(_("Only helpdesk staff and district officials may see reports.")) from None
    raw = _single(params, "district")
    if raw is not None:
        raw = raw.strip()
    if raw in (None, "", "state"):
        if allowed is None:
            return ReportScope(district=None)
        return ReportScope(district=District.objects.get(pk=allowed))
    if len(raw) > 64:
        raise InvalidInput(_("Unknown district."), code="invalid_district", field="district")
    district = District.objects.filter(code=raw).first()
    if district is None:
        raise NotFound(_("Unknown district."), code="unknown_district", field="district")
    if allowed is not None and district.pk != allowed:
        # Another district's figures look exactly like a district that does not exist.
        raise NotFound(_("Unknown district."), code="unknown_district", field="district")
    return ReportScope(district=district)


def today_ist() -> dt.date:
    return timezone.now().astimezone(IST).date()


def _date_param(params, name: str) -> dt.date | None:
    raw = _single(params, name)
    if raw is None or raw == "":
        return None
    try:
        value = validation.iso_date(raw)
    except InvalidInput as error:
        raise InvalidInput(error.detail, code="invalid_date", field=name) from None
    if value < EARLIEST_DAY:
        raise InvalidInput(_("Reports start on %(day)s.") % {"day": EARLIEST_DAY.isoformat()},
                           code="invalid_date", field=name)
    return value


def resolve_period(params, *, default_days: int = DEFAULT_PERIOD_DAYS) -> Period:
    """?from=yyyy-mm-dd&to=yyyy-mm-dd, whole IST days, both inclusive. Defaults: the last
    `default_days` days up to and including today."""
    today = today_ist()
    last = _date_param(params, "to") or today
    first = _date_param(params, "from") or (last - dt.timedelta(days=default_days - 1))
    if first > last:
        raise InvalidInput(_("The start date is after the end date."), code="invalid_period", field="from")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(_("A period may cover at most %(days)s days.") % {"days": MAX_PERIOD_DAYS},
                           code="invalid_period", field="from")
    if last > today + dt.timedelta(days=1):
        raise InvalidInput(_("The period cannot end in the future."), code="invalid_period", field="to")
    return Period.days(first, last)


def resolve_month(params) -> Period:
    """?month=yyyy-mm; default the previous calendar month (IST)."""
    raw = _single(params, "month")
    today = today_ist()
    if raw in (None, ""):
        first_of_this = today.replace(day=1)
        previous = first_of_this - dt.timedelta(days=1)
        return Period.month(previous.year, previous.month)
    raw = raw.strip()
    if len(raw) != 7 or raw[4] != "-" or not (raw[:4] + raw[5:]).isascii() or not (raw[:4] + raw[5:]).isdigit():
        raise InvalidInput(_("Months are written yyyy-mm."), code="invalid_month", field="month")
    year, month = int(raw[:4]), int(raw[5:])
    if not (1 <= month <= 12) or year < EARLIEST_DAY.year:
        raise InvalidInput(_("That month does not exist."), code="invalid_month", field="month")
    if (year, month) > (today.year, today.month):
        raise InvalidInput(_("The month cannot be in the future."), code="invalid_month", field="month")
    return Period.month(year, month)


def resolve_shift(params) -> Period:
    """?end=yyyy-mm-ddThh:mm (IST, default now) and ?hours=1..24 (default 8)."""
    now = timezone.now()
    raw_hours = _single(params, "hours")
    hours = DEFAULT_SHIFT_HOURS
    if raw_hours not in (None, ""):
        hours = inputs.integer(raw_hours.strip(), "hours", maximum=MAX_SHIFT_HOURS, allow_text=True,
                               message=_("A shift is 1 to 24 whole hours."))
    raw_end = _single(params, "end")
    if raw_end in (None, ""):
        # Up to and including this instant: a note written just now belongs to this shift.
        return Period(start=now - dt.timedelta(hours=hours), end=now + dt.timedelta(microseconds=1))
    else:
        raw_end = raw_end.strip()
        if len(raw_end) != 16 or not raw_end.isascii():
            raise InvalidInput(_("Times are written yyyy-mm-ddThh:mm."), code="invalid_time", field="end")
        try:
            end = dt.datetime.strptime(raw_end, "%Y-%m-%dT%H:%M").replace(tzinfo=IST)
        except ValueError:
            raise InvalidInput(_("Times are written yyyy-mm-ddThh:mm."), code="invalid_time", field="end") from None
        if end > now + dt.timedelta(minutes=1):
            raise InvalidInput(_("The shift cannot end in the future."), code="invalid_time", field="end")
        if end.date() < EARLIEST_DAY:
            raise InvalidInput(_("Reports start on %(day)s.") % {"day": EARLIEST_DAY.isoformat()},
                               code="invalid_time", field="end")
    return Period(start=end - dt.timedelta(hours=hours), end=end)
