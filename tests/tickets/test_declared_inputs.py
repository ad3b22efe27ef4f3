"""The patterns the schema declares for the tickets API (tickets/api/requests.py) say what the
parsers take: every value a pattern admits is taken, and (for the texts) every value it refuses is
refused too. The outside fuzz checks the same from the schema; these pin the patterns themselves.
No deadline: the CI machine is shared, and a slow example is no wrong answer."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk import validation
from helpdesk.exceptions import InvalidInput
from tickets import canned, selectors, tags
from tickets.api import requests, workspace
from tickets.listing import BUILTIN_VIEWS, parse_list_query
from tickets.numbers import normalise_number

# Text the input guard lets through (no control characters but tab and newlines).
_GUARDED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]), max_size=30)
_WITH_BRACES = st.lists(st.sampled_from(list("ab {}\t\n") + ["{number}", "{eta}", "{bad}", "{{", "}}", "{number!r}"]),
                        max_size=12).map("".join)


@settings(deadline=None)
@given(st.from_regex(requests.CALLER_QUERY, fullmatch=True))
def test_every_caller_query_the_schema_admits_is_a_search(query):
    kind, _value = selectors.classify_query(query)
    assert kind in ("reference", "number", "mobile")


@settings(deadline=None)
@given(st.from_regex(requests.NUMBER, fullmatch=True))
def test_every_ticket_number_the_schema_admits_is_read(number):
    assert normalise_number(number) is not None


@settings(deadline=None)
@given(st.from_regex(requests.MOBILE, fullmatch=True))
def test_every_mobile_the_schema_admits_is_read(mobile):
    assert len(validation.mobile(mobile)) == 10


@settings(deadline=None)
@given(_GUARDED)
def test_text_that_says_something_is_what_the_views_take(text):
    assert bool(re.fullmatch(requests.SOME_TEXT, text)) == bool(text.strip())


def _canned_ok(text: str) -> bool:
    try:
        canned.canned_validate(body_en=text, body_hi=text)
    except InvalidInput:
        return False
    return True


@settings(deadline=None)
@given(st.one_of(_WITH_BRACES, _GUARDED))
def test_a_canned_text_matches_the_pattern_exactly_when_it_is_valid(text):
    if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text):
        return
    assert bool(re.fullmatch(requests.CANNED_TEXT, text)) == _canned_ok(text)


@pytest.mark.parametrize("text", ["Ticket {number}: fixed by {eta}.", "{{literal}}", "x"])
def test_canned_examples_are_valid(text):
    assert re.fullmatch(requests.CANNED_TEXT, text) and _canned_ok(text)


@pytest.mark.parametrize("text", ["", "  ", "{bad}", "a {", "}", "{number:>9}", "{number!r}"])
def test_canned_refusals_are_refused_by_the_pattern(text):
    assert not re.fullmatch(requests.CANNED_TEXT, text) and not _canned_ok(text)


def _tag_ok(raw: str) -> bool:
    try:
        tags.tag_name(raw)
    except InvalidInput:
        return False
    return True


@settings(deadline=None)
@given(st.one_of(st.text(st.sampled_from(list("aZ9- \t\n\u00a0\u2003_")), max_size=45), _GUARDED))
def test_a_tag_matches_the_pattern_exactly_when_it_is_taken(raw):
    # Control characters are the input guard's; a sign such as K (Kelvin) lower-cases to ASCII.
    if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", raw) or any(
            not c.isascii() and c.lower().isascii() for c in raw):
        return
    assert bool(re.fullmatch(workspace.TAG_INPUT, raw)) == _tag_ok(raw)


@pytest.mark.parametrize("raw", ["sms-gateway", " SMS gateway ", "a", "x" * 40, "a  b"])
def test_tags_the_pattern_takes(raw):
    assert re.fullmatch(workspace.TAG_INPUT, raw) and _tag_ok(raw)


@pytest.mark.parametrize("raw", ["", " ", "-a", "x" * 41, "a_b", "टैग"])
def test_tags_the_pattern_refuses(raw):
    assert not re.fullmatch(workspace.TAG_INPUT, raw) and not _tag_ok(raw)



def test_the_declared_views_are_the_built_in_ones():
    assert set(requests.VIEW_NAMES) == set(BUILTIN_VIEWS)


@settings(deadline=None)
@given(st.from_regex(requests.INSTANT_PATTERN, fullmatch=True))
def test_every_instant_the_schema_admits_is_read(raw):
    assert parse_list_query({"created_after": raw}, views={"open"}, categories=set(), districts=set()).created_after
