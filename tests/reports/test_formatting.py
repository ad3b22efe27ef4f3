import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from reports.formatting import format_ist, format_minutes, format_number, format_percent


@pytest.mark.parametrize(("value", "hindi", "english"), [
    (0, "0", "0"),
    (7, "7", "7"),
    (999, "999", "999"),
    (1000, "1,000", "1,000"),
    (99999, "99,999", "99,999"),
    (100000, "1,00,000", "100,000"),
    (1234567, "12,34,567", "1,234,567"),
    (123456789, "12,34,56,789", "123,456,789"),
    (-1234567, "-12,34,567", "-1,234,567"),
    (1234567.25, "12,34,567.3", "1,234,567.3"),  # half up, one decimal by default
    (0.04, "0.0", "0.0"),
    (None, "—", "—"),
])
def test_indian_digit_grouping_in_hindi_international_in_english(value, hindi, english):
    assert format_number(value, "hi") == hindi
    assert format_number(value, "en") == english


def test_decimals_and_percent_and_minutes():
    assert format_number(1234567.891, "hi", 2) == "12,34,567.89"
    assert format_number(-0.04, "hi", 1) == "0.0"
    assert format_percent(87.25, "hi") == "87.3%"
    assert format_percent(None) == "—"
    assert format_minutes(45) == "45 m"
    assert format_minutes(125.4) == "2 h 05 m"
    assert format_minutes(3 * 1440 + 61) == "3 d 1 h"
    assert format_minutes(150000, "hi") == "104 d 4 h"


def test_times_are_shown_in_ist():
    utc = dt.datetime(2026, 3, 10, 18, 45, tzinfo=dt.UTC)
    assert format_ist(utc) == "11-03-2026 00:15"
    assert format_ist(utc.astimezone(ZoneInfo("Asia/Kolkata")), with_date=False) == "00:15"


def test_template_filter_follows_the_language():
    template = Template("{% load reports_format %}{{ n|inr_number }}")
    with translation.override("hi"):
        assert template.render(Context({"n": 1234567})) == "12,34,567"
    with translation.override("en"):
        assert template.render(Context({"n": 1234567})) == "1,234,567"
