"""Numbers and times as Indian readers expect them.

Hindi pages group digits the Indian way (12,34,567: the last three digits, then pairs); English
pages use international grouping (1,234,567). Times are shown in Asia/Kolkata. Digits stay ASCII
(as on government forms and the portal itself), so figures copy cleanly into spreadsheets.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def _group_indian(digits: str) -> str:
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


def _group_international(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ",".join(groups)


def format_number(value, language: str = "en", decimals: int | None = None) -> str:
    """12,34,567.5 in Hindi, 1,234,567.5 in English. None is an em dash. `decimals` rounds half up;
    without it integers print without decimals and other numbers with up to one."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    if not number.is_finite():
        return "—"
    if decimals is None:
        decimals = 0 if number == number.to_integral_value() else 1
    quantum = Decimal(1).scaleb(-decimals)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):.{decimals}f}"
    whole, _, fraction = text.partition(".")
    grouped = _group_indian(whole) if (language or "en").startswith("hi") else _group_international(whole)
    if sign and set(whole + fraction) <= {"0"}:
        sign = ""
    return sign + grouped + (f".{fraction}" if fraction else "")


def format_percent(value, language: str = "en", decimals: int = 1) -> str:
    if value is None:
        return "—"
    return format_number(value, language, decimals) + "%"


def format_minutes(minutes, language: str = "en") -> str:
    """A duration given in minutes, as '2 h 05 m' / '3 d 4 h' (units are international symbols)."""
    if minutes is None:
        return "—"
    total = int(Decimal(str(minutes)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{format_number(days, language)} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} m"
    return f"{mins} m"


def format_ist(value: dt.datetime | None, with_date: bool = True) -> str:
    if value is None:
        return "—"
    local = value.astimezone(IST)
    return local.strftime("%d-%m-%Y %H:%M") if with_date else local.strftime("%H:%M")
