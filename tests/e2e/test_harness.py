"""The harness itself, on the foundation: the served app, a real browser, login and Hindi."""

import pytest

from .conftest import assert_routed, chromium_missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(chromium_missing()), reason=chromium_missing() or "")]


def test_staff_login_and_language_switch_in_a_real_browser(app_server, new_page, login):
    page = new_page()
    login(page, "agent")
    assert "Amit Sahu" in page.inner_text("header")
    assert page.get_attribute("html", "lang") == "en"
    page.click("form.lang button")  # the language switch posts to /i18n/setlang/ with CSRF
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "hi"
    assert "लॉग आउट" in page.inner_text("header")
    assert "हेल्पलाइन 24x7 खुली है" in page.inner_text("footer")


def test_a_route_that_answers_404_fails_the_journey_instead_of_skipping_it(app_server):
    assert_routed(app_server, "/complaint/", "citizen complaint form")
    with pytest.raises(AssertionError, match="answers 404"):
        assert_routed(app_server, "/no-such-page/", "a page that does not exist")
